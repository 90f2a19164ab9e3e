//! Nothing lost: bad output paths refused before any request, a full disk
//! that leaves the previous set whole and the run recoverable, kills in the
//! middle of writing, and histories read without locks or writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portal_audit::fixture_server::ServedSite;
use portal_audit::history::History;

use crate::support::{fixture, run_binary, serve_all, write_targets};

const SITES: [&str; 3] = ["so-tu-phap-day-du", "huyen-thieu-muc", "nhan-trong"];

async fn served_with_targets(dir: &Path) -> Vec<ServedSite> {
    let served = serve_all(SITES.iter().map(|s| fixture(s)).collect()).await;
    write_targets(dir, &served);
    served
}

fn audit_args<'a>(out: &'a str, as_of: &'a str) -> Vec<&'a str> {
    audit_into(out, as_of, "h.sqlite")
}

fn audit_into<'a>(out: &'a str, as_of: &'a str, history: &'a str) -> Vec<&'a str> {
    vec![
        "audit",
        "--targets",
        "T.csv",
        "--out",
        out,
        "--quiet",
        "--as-of",
        as_of,
        "--history",
        history,
    ]
}

fn requests(served: &[ServedSite]) -> usize {
    served.iter().map(|s| s.requests().len()).sum()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_output_paths_are_refused_before_any_request_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let served = served_with_targets(dir.path()).await;
    std::fs::write(dir.path().join("a-file"), "x").unwrap();
    // --out naming a file: exit 2, and no history left behind.
    let out = run_binary(audit_args("a-file", "2026-11-28"), dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("a-file"), "{}", stderr(&out));
    assert!(!dir.path().join("h.sqlite").exists());
    // The history inside the output folder, under an output's name.
    let args = [
        "audit",
        "--targets",
        "T.csv",
        "--out",
        "out",
        "--quiet",
        "--history",
        "out/scorecard.csv",
    ];
    let out = run_binary(args, dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("inside the output folder"),
        "{}",
        stderr(&out)
    );
    // A folder that cannot be created (its parent is a file): exit 3.
    let out = run_binary(audit_args("a-file/out", "2026-11-28"), dir.path()).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("a-file"), "{}", stderr(&out));
    assert_eq!(requests(&served), 0, "no site was fetched");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["T.csv", "a-file"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_programs_database_is_never_touched() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let read = run_binary(["history", "--history", "other.sqlite"], dir.path()).await;
    assert_eq!(read.status.code(), Some(2), "{}", stderr(&read));
    assert!(
        stderr(&read).contains("not a portal-audit history"),
        "{}",
        stderr(&read)
    );
    let _served = served_with_targets(dir.path()).await;
    let audit = run_binary(audit_into("out", "2026-11-28", "other.sqlite"), dir.path()).await;
    assert_eq!(audit.status.code(), Some(2), "{}", stderr(&audit));
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        before,
        "the file is unchanged"
    );
    assert!(!dir.path().join("other.sqlite-wal").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_need_no_lock_and_a_garbled_lock_blocks_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let _served = served_with_targets(dir.path()).await;
    std::fs::write(dir.path().join("h.sqlite.lock"), "garbage\u{0}99999999999").unwrap();
    let first = run_binary(audit_args("out", "2026-11-28"), dir.path()).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // An audit holds the lock: readers still read, and change nothing.
    let lock = std::fs::File::open(dir.path().join("h.sqlite.lock")).unwrap();
    lock.lock().unwrap();
    let before = std::fs::read(dir.path().join("h.sqlite")).unwrap();
    let history = run_binary(["history", "--history", "h.sqlite"], dir.path()).await;
    assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
    let diff = run_binary(["diff", "--history", "h.sqlite"], dir.path()).await;
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    assert_eq!(std::fs::read(dir.path().join("h.sqlite")).unwrap(), before);
    let busy = run_binary(audit_args("out2", "2026-11-28"), dir.path()).await;
    assert_eq!(busy.status.code(), Some(2), "{}", stderr(&busy));
}

/// Every file of a set, by name (fix lists under their folder).
fn read_set(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn as_of_of(out: &Path) -> String {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    json["as_of"].as_str().unwrap().to_owned()
}

fn run_id_of(out: &Path) -> i64 {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    json["run_id"].as_i64().expect("run.json names its run")
}

/// The run the history says the folder holds: its latest published run.
fn published_run(history: &Path) -> i64 {
    let history = History::open_read_only(history).unwrap();
    history.runs().unwrap().last().expect("a published run").id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_the_previous_set_and_the_run_can_be_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let _served = served_with_targets(dir.path()).await;
    let first = run_binary(audit_args("out", "2026-06-30"), dir.path()).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let previous = read_set(&dir.path().join("out"));
    let full = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || {
            Command::new(env!("CARGO_BIN_EXE_portal-audit"))
                .args(audit_args("out", "2026-11-28"))
                .current_dir(dir)
                .env("PORTAL_AUDIT_TEST_DISK_BYTES", "40000")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(full.status.code(), Some(3), "{}", stderr(&full));
    let message = stderr(&full);
    assert!(
        message.contains("portal-audit report --history"),
        "{message}"
    );
    assert!(message.contains("--run 2"), "{message}");
    assert_eq!(
        read_set(&dir.path().join("out")),
        previous,
        "previous set intact"
    );
    assert_eq!(published_run(&dir.path().join("h.sqlite")), 1);
    let listed = run_binary(["history", "--history", "h.sqlite"], dir.path()).await;
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Run 2 ("));
    // Written again from the history: the folder now holds run 2.
    let again = run_binary(
        [
            "report",
            "--history",
            "h.sqlite",
            "--run",
            "2",
            "--out",
            "out",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(run_id_of(&dir.path().join("out")), 2);
    assert_eq!(published_run(&dir.path().join("h.sqlite")), 2);
    let json = std::fs::read_to_string(dir.path().join("out/run.json")).unwrap();
    assert!(json.contains("\"as_of\": \"2026-11-28\""));
    assert_no_leftovers(dir.path());
}

fn assert_no_leftovers(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains("staging") && !name.ends_with(".old") && !name.contains("probe"),
            "left behind: {name}"
        );
    }
    for (name, _) in read_set(&dir.join("out")) {
        assert!(!name.ends_with(".tmp"), "left behind: {name}");
    }
}

/// The set is the old one whole, or a new one whole: every file differs
/// from the old set (runs alternate audit dates, so every file changes),
/// and each new file is complete.
fn assert_one_complete_set(out: &Path, old: &[(String, Vec<u8>)]) -> bool {
    let now = read_set(out);
    let names = |set: &[(String, Vec<u8>)]| set.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&now), names(old), "the same files");
    let same = now.iter().zip(old).filter(|(a, b)| a.1 == b.1).count();
    if same == now.len() {
        return false;
    }
    assert_eq!(
        same,
        0,
        "a mix of two runs: {same} of {} files from the old one",
        now.len()
    );
    for (name, bytes) in &now {
        let text = String::from_utf8_lossy(bytes);
        if name.ends_with(".html") {
            assert!(text.trim_end().ends_with("</html>"), "{name} is cut short");
        } else if name.ends_with(".csv") {
            assert!(text.ends_with('\n'), "{name} is cut short");
        } else if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(bytes).expect("run.json complete");
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_twenty_times_while_writing_the_folder_always_holds_one_whole_set() {
    let dir = tempfile::tempdir().unwrap();
    let _served = served_with_targets(dir.path()).await;
    let out = dir.path().join("out");
    let dates = ["2026-06-30", "2026-11-28"];
    let first = run_binary(audit_args("out", dates[0]), dir.path()).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let mut replaced = 0;
    for round in 1..=20u32 {
        let old = read_set(&out);
        // Points spread over the write phase by what is on disk, not by
        // the clock (a loaded machine stretches it): after 0 to 10 of the
        // set's 11 files, and after the swap.
        let point = match round {
            1..=11 => KillPoint::AfterFiles(usize::try_from(round - 1).unwrap()),
            12..=14 => KillPoint::AfterSwap,
            _ => KillPoint::AfterFiles(usize::try_from(round - 14).unwrap() * 2 - 1),
        };
        let path = dir.path().to_path_buf();
        // The other date than the folder's, so every file of a new set
        // differs from the old one.
        let date = if as_of_of(&out) == dates[0] {
            dates[1]
        } else {
            dates[0]
        };
        tokio::task::spawn_blocking(move || kill_while_writing(&path, date, point))
            .await
            .unwrap();
        let new = assert_one_complete_set(&out, &old);
        eprintln!(
            "round {round}: killed {point:?}, folder holds the {} set",
            if new { "new" } else { "old" }
        );
        replaced += usize::from(new);
        assert_eq!(
            published_run(&dir.path().join("h.sqlite")),
            run_id_of(&out),
            "round {round}: the history agrees with the folder"
        );
    }
    let last = run_binary(audit_args("out", dates[1]), dir.path()).await;
    assert_eq!(last.status.code(), Some(0), "{}", stderr(&last));
    assert_eq!(published_run(&dir.path().join("h.sqlite")), run_id_of(&out));
    assert_no_leftovers(dir.path());
    // Both outcomes were exercised, else the test proves little.
    assert!(
        replaced > 0 && replaced < 20,
        "{replaced} of 20 kills came after the swap"
    );
}

/// Where in the write phase a kill lands.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// Once this many files of the new set are in the staging folder.
    AfterFiles(usize),
    /// Once the folder holds the new run (swapped in), before the process
    /// has ended or said so to the history.
    AfterSwap,
}

fn files_in(dir: &Path) -> Option<usize> {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        count += if path.is_dir() { files_in(&path)? } else { 1 };
    }
    Some(count)
}

/// Starts an audit that pauses after each file it writes and kills it
/// with SIGKILL at `point` (unless it ended first).
fn kill_while_writing(dir: &Path, as_of: &str, point: KillPoint) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args(audit_args("out", as_of))
        .current_dir(dir)
        .env("PORTAL_AUDIT_TEST_WRITE_PAUSE_MS", "25")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staging: PathBuf = dir.join(".out.staging");
    let old_run = run_id_of(&dir.join("out"));
    let started = Instant::now();
    // A staging folder a killed run left counts only once this run has
    // cleaned it away.
    let mut cleaned = false;
    while started.elapsed() < Duration::from_secs(120) && child.try_wait().unwrap().is_none() {
        let files = files_in(&staging);
        cleaned |= files.is_none();
        let reached = match point {
            KillPoint::AfterFiles(n) => cleaned && files.is_some_and(|f| f >= n),
            KillPoint::AfterSwap => run_id_of(&dir.join("out")) != old_run,
        };
        if reached {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
}
