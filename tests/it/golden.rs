//! Golden files for every output: the built binary audits the bundled
//! fixture sites twice into one history (first judged on 2026-06-30, under
//! Decree 42/2022, then on the fixtures' labelled date, under Decree
//! 224/2026), and every file of the second run must equal its copy in
//! `tests/golden/`, byte for byte once ports, timestamps and durations are
//! redacted. A change to any output then shows up as a reviewed diff.
//!
//! To accept a change: `GOLDEN_UPDATE=1 cargo test --test it golden`, then
//! read `git diff tests/golden` before committing it.

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::support::run_binary_with;

/// Every text file an audit writes (the workbook, a zip of XML with its
/// own timestamps, is read back in `outputs.rs` instead), with one fix list
/// of each kind: a site with gaps, and one that could not be audited.
const OUTPUTS: [&str; 9] = [
    "scorecard.csv",
    "findings.csv",
    "missing.csv",
    "changes.csv",
    "matrix.csv",
    "run.json",
    "report.html",
    "can-bo-sung/so-tieu-de-gay-nham.html",
    "can-bo-sung/huyen-mat-ket-noi.html",
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// What varies from run to run, replaced by a fixed mark: the fixture
/// servers' ports, the soft-404 probe's nonce, the run's timestamp, the
/// durations (rendering's included) and the browser's version (the one a
/// machine has installed; a resumed run names the one it started, if any).
pub(crate) fn redact(text: &str) -> String {
    let rules = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (r"portal-audit-probe-[0-9a-f]+", "portal-audit-probe-NONCE"),
        (r#""started_at": "[^"]*""#, r#""started_at": "[timestamp]""#),
        (
            r#""duration_seconds": [0-9.e-]+"#,
            r#""duration_seconds": "[duration]""#,
        ),
        (
            r#""render_seconds": [0-9.e-]+"#,
            r#""render_seconds": "[duration]""#,
        ),
        (r#""millis": \d+"#, r#""millis": "[duration]""#),
        (r#""browser": (null|"[^"]*")"#, r#""browser": "[browser]""#),
    ];
    let mut out = text.to_owned();
    for (pattern, mark) in rules {
        out = Regex::new(pattern)
            .expect("redaction pattern")
            .replace_all(&out, mark)
            .into_owned();
    }
    out
}

/// Compares `actual` with the golden file `name`, or writes it when
/// `GOLDEN_UPDATE=1`. Returns a description of the difference, if any.
fn check_golden(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(name);
    if std::env::var_os("GOLDEN_UPDATE").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden folder"))
            .expect("create tests/golden");
        std::fs::write(&path, actual).expect("write golden file");
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let differing: Vec<String> = expected
        .lines()
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(actual.lines().map(Some).chain(std::iter::repeat(None)))
        .take(expected.lines().count().max(actual.lines().count()))
        .enumerate()
        .filter(|(_, (e, a))| e != a)
        .take(5)
        .map(|(i, (e, a))| {
            format!(
                "  line {}:\n    golden: {}\n    now:    {}",
                i + 1,
                e.unwrap_or("<none>"),
                a.unwrap_or("<none>")
            )
        })
        .collect();
    Some(format!(
        "{name} differs from tests/golden/{name}:\n{}",
        differing.join("\n")
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_matches_its_golden_file() {
    check_every_output(&[]).await;
}

/// A national run keeps its finished sites on disk past a memory budget
/// and reads them back for each output: with a budget of nothing, every
/// site goes through the spill file, and every output is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_is_the_same_when_every_site_is_spilled_to_disk() {
    check_every_output(&[("PORTAL_AUDIT_TEST_HOLD_BYTES", "0")]).await;
}

async fn check_every_output(env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (out, as_of) in [("before", "2026-06-30"), ("now", "2026-11-28")] {
        let output = run_binary_with(
            [
                "demo",
                "--out",
                out,
                "--as-of",
                as_of,
                "--history",
                "history.sqlite",
                "--quiet",
            ],
            dir.path(),
            env,
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "demo on {as_of}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut differences = Vec::new();
    for name in OUTPUTS {
        let bytes = std::fs::read(dir.path().join("now").join(name)).expect("output written");
        let text = String::from_utf8(bytes).expect("outputs are UTF-8");
        if let Some(difference) = check_golden(name, &redact(&text)) {
            differences.push(difference);
        }
    }
    assert!(
        differences.is_empty(),
        "{}\n\nIf the change is intended: GOLDEN_UPDATE=1 cargo test --test it golden, \
         then review git diff tests/golden",
        differences.join("\n\n")
    );
}

#[test]
fn redaction_marks_what_varies_and_keeps_the_rest() {
    let text = "http://127.0.0.1:41234/a \"started_at\": \"2026-12-04T05:00:00Z\", \
                \"duration_seconds\": 0.123, /portal-audit-probe-1a2b-khong-ton-tai";
    assert_eq!(
        redact(text),
        "http://127.0.0.1:PORT/a \"started_at\": \"[timestamp]\", \
         \"duration_seconds\": \"[duration]\", /portal-audit-probe-NONCE-khong-ton-tai"
    );
}
