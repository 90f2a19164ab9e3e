//! The memory of a process and all its descendants (Chromium runs a
//! browser, a GPU, a network and one renderer process per tab), read from
//! `/proc`; `None` where there is no `/proc`. Each process counts its
//! proportional share of the pages it shares (PSS): Chromium's processes
//! share most of their code, and a sum of their resident sizes counts it
//! once per process (1.4 GB for a browser with one tab, against some
//! 300 MB really used).

use std::collections::HashMap;

/// Memory of `pid` and every process under it, in bytes: the sum of their
/// proportional set sizes.
pub(super) fn tree_memory_bytes(pid: u32) -> Option<u64> {
    let mut parent_of = HashMap::new();
    let mut rss_of = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((ppid, rss_pages)) = parse_stat(&stat) {
            parent_of.insert(id, ppid);
            rss_of.insert(id, rss_pages);
        }
    }
    rss_of.get(&pid)?;
    let page = 4096u64;
    let total = rss_of
        .iter()
        .filter(|(id, _)| descends_from(**id, pid, &parent_of))
        .map(|(id, pages)| proportional_bytes(*id).unwrap_or(pages * page))
        .sum();
    Some(total)
}

/// The `Pss:` of `/proc/PID/smaps_rollup`, in bytes.
fn proportional_bytes(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The parent id and resident pages from a `/proc/PID/stat` line. The
/// command name (field 2) may hold spaces and parentheses: fields are
/// counted from its last `)`.
fn parse_stat(stat: &str) -> Option<(u32, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) … rss(21).
    Some((fields.get(1)?.parse().ok()?, fields.get(21)?.parse().ok()?))
}

fn descends_from(mut id: u32, root: u32, parent_of: &HashMap<u32, u32>) -> bool {
    for _ in 0..64 {
        if id == root {
            return true;
        }
        match parent_of.get(&id) {
            Some(&parent) if parent != id && parent != 0 => id = parent,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_are_read() {
        let line = "4242 (chrome (renderer) x) S 4200 4242 1 0 -1 4194560 500 0 0 0 10 5 0 0 20 0 12 0 100 123456789 2560 18446744073709551615";
        assert_eq!(parse_stat(line), Some((4200, 2560)));
    }

    #[test]
    fn this_process_has_a_tree_of_its_own() {
        let rss = tree_memory_bytes(std::process::id()).unwrap();
        assert!(rss > 1024 * 1024, "{rss}");
    }
}
