//! A national run split up: shards merged into the outputs of a single run,
//! shards that do not belong together refused, and a killed run resumed
//! without fetching its finished sites again.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portal_audit::fixture_server::{ServedSite, embedded_sites};

use crate::golden::redact;
use crate::support::{run_binary, run_binary_with, serve_all, write_targets};

async fn serve_fixtures(dir: &Path) -> Vec<ServedSite> {
    let served = serve_all(embedded_sites()).await;
    write_targets(dir, &served);
    served
}

fn audit<'a>(out: &'a str, history: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "audit",
        "--targets",
        "T.csv",
        "--out",
        out,
        "--history",
        history,
        "--quiet",
        "--as-of",
        "2026-11-28",
    ];
    args.extend_from_slice(extra);
    args
}

fn ok(output: &std::process::Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The text outputs of a folder, redacted, by name; the workbook's cells.
fn outputs_of(out: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".xlsx") {
                files.push((name, workbook_cells(&path)));
            } else {
                files.push((name, redact(&std::fs::read_to_string(&path).unwrap())));
            }
        }
    }
    files.sort();
    files
}

fn workbook_cells(path: &Path) -> String {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let mut text = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
            text.push_str(&redact(&cells.join("\t")));
            text.push('\n');
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_merged_give_the_outputs_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let _served = serve_fixtures(dir.path()).await;
    ok(&run_binary(audit("single", "hs.sqlite", &[]), dir.path()).await);
    for k in 1..=3 {
        let (out, history, shard) = (format!("s{k}"), format!("h{k}.sqlite"), format!("{k}/3"));
        ok(&run_binary(audit(&out, &history, &["--shard", &shard]), dir.path()).await);
    }
    let merge = [
        "merge",
        "--out",
        "merged",
        "--history",
        "hm.sqlite",
        "--quiet",
        "s2",
        "s1",
        "s3",
    ];
    // Every merged site through the spill file, as in a national merge.
    let spill_all = [("PORTAL_AUDIT_TEST_HOLD_BYTES", "0")];
    ok(&run_binary_with(merge, dir.path(), &spill_all).await);
    let (single, merged) = (
        outputs_of(&dir.path().join("single")),
        outputs_of(&dir.path().join("merged")),
    );
    let names = |set: &[(String, String)]| set.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&single), names(&merged));
    for ((name, a), (_, b)) in single.iter().zip(&merged) {
        assert!(
            a == b,
            "{name} differs between the single run and the merged shards"
        );
    }
    // Each shard holds only its own sites, and all of them together once.
    let sites_in = |k: u32| {
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("s{k}/run.json"))).unwrap(),
        )
        .unwrap();
        json["sites"].as_array().unwrap().len()
    };
    assert_eq!(
        sites_in(1) + sites_in(2) + sites_in(3),
        embedded_sites().len()
    );
    assert!((1..=3).all(|k| sites_in(k) > 0));
    let history = run_binary(["history", "--history", "hm.sqlite"], dir.path()).await;
    ok(&history);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_that_do_not_belong_together_are_refused_naming_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let _served = serve_fixtures(dir.path()).await;
    ok(&run_binary(audit("s1", "h1.sqlite", &["--shard", "1/2"]), dir.path()).await);
    let other_date = [
        "audit",
        "--targets",
        "T.csv",
        "--out",
        "s2",
        "--history",
        "h2.sqlite",
        "--quiet",
        "--as-of",
        "2026-06-30",
        "--shard",
        "2/2",
    ];
    ok(&run_binary(other_date, dir.path()).await);
    let merge = run_binary(["merge", "--out", "m", "s1", "s2"], dir.path()).await;
    let stderr = String::from_utf8_lossy(&merge.stderr);
    assert_eq!(merge.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("s2/run.json") && stderr.contains("--as-of"),
        "{stderr}"
    );
    // The same shard twice, and a shard missing.
    let twice = run_binary(["merge", "--out", "m", "s1", "s1"], dir.path()).await;
    assert_eq!(twice.status.code(), Some(2));
    let alone = run_binary(["merge", "--out", "m", "s1"], dir.path()).await;
    let stderr = String::from_utf8_lossy(&alone.stderr);
    assert_eq!(alone.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in no shard") && stderr.contains("2/2"),
        "{stderr}"
    );
    // Another checklist version, or another rule set, in one shard.
    ok(&run_binary(audit("t2", "h3.sqlite", &["--shard", "2/2"]), dir.path()).await);
    let json = std::fs::read_to_string(dir.path().join("t2/run.json")).unwrap();
    for (from, to) in [
        ("vn-gov-portal@2026.11.1", "vn-gov-portal@2025.1.0"),
        ("\"ruleset\": \"nd224_2026\"", "\"ruleset\": \"nd42_2022\""),
    ] {
        assert!(json.contains(from), "{from}");
        std::fs::write(dir.path().join("t2/run.json"), json.replacen(from, to, 1)).unwrap();
        let merge = run_binary(["merge", "--out", "m", "s1", "t2"], dir.path()).await;
        let stderr = String::from_utf8_lossy(&merge.stderr);
        assert_eq!(merge.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("t2/run.json") && stderr.contains("same checklist"),
            "{stderr}"
        );
    }
    assert!(!dir.path().join("m").exists(), "nothing written");
}

fn journal_sites(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_without_fetching_its_finished_sites_again() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_fixtures(dir.path()).await;
    ok(&run_binary(audit("whole", "hw.sqlite", &[]), dir.path()).await);
    let before: Vec<usize> = served.iter().map(|s| s.requests().len()).collect();
    // One site at a time, killed once a few are done.
    let args = audit("out", "h.sqlite", &["--concurrency", "1"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args(&args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = dir.path().join(".out.journal");
    let started = Instant::now();
    while journal_sites(&journal) < 5 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = journal_sites(&journal);
    assert!(
        done >= 5 && done < served.len(),
        "{done} sites done when killed"
    );
    let at_kill: Vec<usize> = served.iter().map(|s| s.requests().len()).collect();
    let finished: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["target"]["id"].as_str().unwrap().to_owned())
        .collect();
    // Other arguments are refused; the same ones resume.
    let other = run_binary(
        audit("out", "h.sqlite", &["--resume", "--max-pages", "7"]),
        dir.path(),
    )
    .await;
    assert_eq!(
        other.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let mut resume = args.clone();
    resume.push("--resume");
    ok(&run_binary(&resume, dir.path()).await);
    for (i, site) in served.iter().enumerate() {
        if finished.contains(&site.site.id) {
            assert_eq!(
                site.requests().len(),
                at_kill[i],
                "{} fetched again",
                site.site.id
            );
        } else {
            assert!(
                site.requests().len() > at_kill[i] || before[i] == 0,
                "{} not audited",
                site.site.id
            );
        }
    }
    let (whole, resumed) = (
        outputs_of(&dir.path().join("whole")),
        outputs_of(&dir.path().join("out")),
    );
    assert_eq!(whole.len(), resumed.len());
    for ((name, a), (_, b)) in whole.iter().zip(&resumed) {
        assert!(
            a == b,
            "{name} differs between the whole run and the resumed one"
        );
    }
    assert!(!journal.exists(), "the journal goes once the run is whole");
    let again = run_binary(&resume, dir.path()).await;
    assert_eq!(again.status.code(), Some(2), "nothing left to resume");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_xargs_recipe_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let _served = serve_fixtures(dir.path()).await;
    std::fs::rename(dir.path().join("T.csv"), dir.path().join("targets.csv")).unwrap();
    let readme = include_str!("../../README.md");
    let start = readme.find("AS_OF=2026-12-01; N=4").expect("the recipe");
    let recipe: String = readme[start..]
        .lines()
        .take_while(|l| !l.starts_with("# Several machines"))
        .collect::<Vec<_>>()
        .join("\n");
    let bin = Path::new(env!("CARGO_BIN_EXE_portal-audit"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir_path = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .args(["-ec", &recipe])
            .current_dir(dir_path)
            .env("PATH", path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    ok(&output);
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("reports/2026-12-01/run.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        json["sites"].as_array().unwrap().len(),
        embedded_sites().len()
    );
}
