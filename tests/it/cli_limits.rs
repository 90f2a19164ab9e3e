//! Issue #13, input hardening, seen from the built binary: absurd numbers
//! and oversized or pathological input files exit 2 with a message naming
//! the file and line, quickly, and never panic (exit 101).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::run_binary;

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write test input");
}

const CHECKLIST_HEADER: &str = "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n";

/// Runs `portal-audit checklist check FILE` on `text`; returns the exit
/// code and stderr.
async fn check_checklist(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("c.toml"), text);
    let out = run_binary(["checklist", "check", "c.toml"], dir.path()).await;
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `portal-audit audit` on a targets file with `text`; returns the exit
/// code, stderr and how long it took. Nothing may be written.
async fn audit_targets(text: &str, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("t.csv"), text);
    let mut args = vec!["audit", "--targets", "t.csv", "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = run_binary(args, dir.path()).await;
    let took = started.elapsed();
    assert!(!dir.path().join("out").exists(), "nothing written");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    )
}

#[tokio::test]
async fn issue_13_huge_weights_are_an_error_not_a_nan_score() {
    let text = format!(
        "{CHECKLIST_HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nweight = 1e308\nlink_text = [\"x\"]\n\n\
         [[item]]\nid = \"b\"\ntitle = \"B\"\nweight = 1e308\nlink_text = [\"y\"]\n"
    );
    let (code, stderr) = check_checklist(&text).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("c.toml:7:"), "{stderr}");
    assert!(
        stderr.contains("weight must be a number from 0 to 100"),
        "{stderr}"
    );
    let overridden = "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n\
                      extends = \"vn-gov-portal\"\n\n[[override]]\nid = \"news\"\nweight = inf\n";
    let (code, stderr) = check_checklist(overridden).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("c.toml:8: `override` of `news`: weight"),
        "{stderr}"
    );
}

#[tokio::test]
async fn issue_13_absurd_numbers_on_the_command_line_exit_2_without_panic() {
    let targets = "id,name,kind,url\na,A,so,http://127.0.0.1:9/\n";
    for (option, value) in [
        ("--concurrency", "2305843009213693952"),
        ("--concurrency", "1025"),
        ("--concurrency", "0"),
        ("--per-host", "65"),
        ("--max-pages", "1000001"),
        ("--max-depth", "4294967295"),
        ("--retries", "18446744073709551615"),
        ("--delay-ms", "60001"),
        ("--timeout", "0"),
    ] {
        let (code, stderr, _) = audit_targets(targets, &[option, value]).await;
        assert_eq!(code, Some(2), "{option} {value}: {stderr}");
        assert!(stderr.contains(option), "{option} {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{option} {value}: {stderr}");
    }
}

#[tokio::test]
async fn issue_13_a_row_of_100_000_columns_is_refused_at_once() {
    let columns: String = (0..100_000).map(|i| format!(",c{i}")).collect();
    let values = ",v".repeat(100_000);
    let text = format!("id,name,kind,url{columns}\na,A,so,http://127.0.0.1:9/{values}\n");
    let (code, stderr, took) = audit_targets(&text, &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("t.csv:1: the header has 100004 columns; the most is 64"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let text = format!("id,name,kind,url\na,A,so,http://127.0.0.1:9/{values}\n");
    let (code, stderr, _) = audit_targets(&text, &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("t.csv:2:"), "{stderr}");
}

#[tokio::test]
async fn issue_13_a_10_mb_id_is_refused_and_the_message_clips_it() {
    let id = "x".repeat(10 * 1024 * 1024);
    let text = format!("id,name,kind,url\n{id},A,so,http://127.0.0.1:9/\n");
    let (code, stderr, _) = audit_targets(&text, &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("t.csv:2: id `xxx"), "{stderr}");
    assert!(
        stderr.contains("…` is 10485760 characters long; the most is 128"),
        "{stderr}"
    );
    assert!(
        stderr.len() < 300,
        "clipped to about 80 characters: {} bytes",
        stderr.len()
    );
}

#[tokio::test]
async fn issue_13_a_50_000_word_needle_is_refused_at_once() {
    let needle = vec!["a"; 50_000].join(" ");
    let text = format!(
        "{CHECKLIST_HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"{needle}\"]\n"
    );
    let started = Instant::now();
    let (code, stderr) = check_checklist(&text).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("c.toml:7: item `a`: needle `a a a"),
        "{stderr}"
    );
    assert!(stderr.len() < 300, "clipped: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
