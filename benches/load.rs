//! The input-loading benchmark (#13): generates a 100,000-item checklist and
//! a 100,000-row targets file in a temporary folder, then loads each three
//! times and prints the median, so a return of quadratic loading shows.
//!
//! Run: `cargo bench --bench load` (or `-- --items N --rows N --runs N`).
//! Linux only: CPU time and peak RSS are read from /proc.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use portal_audit::checklist;
use portal_audit::target::load_targets;

/// Vietnamese words the generated labels are made of.
const WORDS: &[&str] = &[
    "thông", "tin", "văn", "bản", "thủ", "tục", "hành", "chính", "dịch", "vụ", "công", "trực",
    "tuyến", "lãnh", "đạo", "sở", "cơ", "cấu", "tổ", "chức", "ngân", "sách", "dự", "án", "đầu",
    "tư", "quy", "hoạch", "thống", "kê", "báo", "cáo", "hỏi", "đáp", "liên", "hệ", "tin", "tức",
];

struct Options {
    items: usize,
    rows: usize,
    runs: usize,
}

fn options() -> Options {
    let mut o = Options {
        items: 100_000,
        rows: 100_000,
        runs: 3,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        let value = pair[1].parse::<usize>().ok();
        match (pair[0].as_str(), value) {
            ("--items", Some(v)) => o.items = v,
            ("--rows", Some(v)) => o.rows = v,
            ("--runs", Some(v)) => o.runs = v.max(1),
            _ => {}
        }
    }
    o
}

/// A label of two to four words, different for every `(item, which)`.
fn label(item: usize, which: usize) -> String {
    let n = WORDS.len();
    let seed = item * 7 + which * 13;
    let mut words: Vec<&str> = (0..2 + seed % 3)
        .map(|k| WORDS[(seed + k * 5) % n])
        .collect();
    words.push("");
    let mut label = words.join(" ");
    let _ = write!(label, "{item}");
    label
}

/// A checklist of `items` items: each with two link texts, a URL word, a
/// text and a legal basis; every fifth with a heading, every tenth with an
/// exclusion, every twentieth with a selector or a pattern. (vn-gov-portal's
/// items are richer, about 10 needles each; see BENCHMARKS.md.)
fn checklist_text(items: usize) -> String {
    let mut text = String::from(
        "[checklist]\nid = \"bench\"\nversion = \"1\"\ntitle = \"Bench\"\nlanguage = \"vi\"\n\n\
         [[ruleset]]\nid = \"nd42\"\ntitle = \"Nghị định 42/2022/NĐ-CP\"\nfrom = \"2022-06-24\"\n",
    );
    for i in 0..items {
        let _ = write!(
            text,
            "\n[[item]]\nid = \"item_{i}\"\ntitle = \"Mục {i}: {}\"\nweight = {}\n\
             applies_to = [\"province\", \"department\"]\n\
             basis = [{{ ref = \"Nghị định 42/2022/NĐ-CP, Điều {}\", from = \"2022-06-24\" }}]\n\
             link_text = [\"{}\", \"{}\"]\nurl = [\"{}\"]\ntext = [\"{}\"]\n",
            label(i, 0),
            1 + i % 3,
            i % 40,
            label(i, 1),
            label(i, 2),
            label(i, 3),
            label(i, 4),
        );
        if i % 5 == 0 {
            let _ = writeln!(text, "heading = [\"{}\"]", label(i, 5));
        }
        if i % 10 == 0 {
            let _ = writeln!(text, "exclude = [\"{} truy cập\"]", label(i, 6));
        }
        match i % 20 {
            0 => {
                let _ = writeln!(text, "selector = [\"a[href*='item-{i}']\"]");
            }
            10 => {
                let _ = writeln!(text, "pattern = [\"(?i)mục\\\\s+{i}\\\\b\"]");
            }
            _ => {}
        }
    }
    text
}

/// A targets file of `rows` rows with two extra columns.
fn targets_text(rows: usize) -> String {
    let kinds = ["tinh", "so", "huyen", "xa"];
    let mut text = String::from("id,name,kind,url,region,phone\n");
    for i in 0..rows {
        let _ = writeln!(
            text,
            "site_{i},Sở {} số {i},{},https://s{i}.example.gov.vn/,Miền {},0{}",
            label(i, 0),
            kinds[i % kinds.len()],
            i % 3,
            200_000_000 + i
        );
    }
    text
}

/// Timings of one load: wall clock and CPU (all threads; on a shared
/// machine the wall clock also counts the time others had the cores).
#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Timing {
    wall: Duration,
    cpu: f64,
}

/// The median of `runs` timings of `load` (by wall clock), and the fastest
/// and slowest. What `load` returns is dropped after the clock stops:
/// freeing is not loading.
fn time<T>(runs: usize, mut load: impl FnMut() -> T) -> [Timing; 3] {
    let mut times: Vec<Timing> = (0..runs)
        .map(|_| {
            let (started, cpu) = (Instant::now(), cpu_seconds());
            let loaded = load();
            let took = Timing {
                wall: started.elapsed(),
                cpu: cpu_seconds() - cpu,
            };
            drop(loaded);
            took
        })
        .collect();
    times.sort_by_key(|t| t.wall);
    [times[times.len() / 2], times[0], times[times.len() - 1]]
}

fn report(what: &str, path: &Path, [median, low, high]: [Timing; 3]) {
    let mib = std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0));
    println!(
        "{what:<28} {mib:>5.1} MiB   median {:>6.3} s (CPU {:.2} s)   range {:.3}–{:.3} s   peak RSS {:.0} MB",
        median.wall.as_secs_f64(),
        median.cpu,
        low.wall.as_secs_f64(),
        high.wall.as_secs_f64(),
        peak_rss_mb()
    );
}

/// CPU seconds (user + system) of this process, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size in MB so far, from /proc/self/status (VmHWM).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let o = options();
    let dir = tempfile::tempdir().expect("temporary folder");
    let checklist_path = dir.path().join("checklist.toml");
    let targets_path = dir.path().join("targets.csv");
    std::fs::write(&checklist_path, checklist_text(o.items)).expect("write checklist");
    std::fs::write(&targets_path, targets_text(o.rows)).expect("write targets");
    let checklist = time(o.runs, || {
        let c = checklist::load_path(&checklist_path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.items.len(), o.items);
        c
    });
    report(
        &format!("checklist, {} items", o.items),
        &checklist_path,
        checklist,
    );
    let targets = time(o.runs, || {
        let t = load_targets(&targets_path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.len(), o.rows);
        t
    });
    report(&format!("targets, {} rows", o.rows), &targets_path, targets);
}
