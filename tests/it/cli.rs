//! The built binary, driven as users and scripts drive it: exit codes, files
//! written (or not), and the acceptance lines of the issues.

use std::path::Path;

use crate::support::{fixture, read_csv, run_binary, serve_all};

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write test input");
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[tokio::test]
async fn duplicate_target_id_exits_2_names_line_3_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("targets.csv"),
        "id,name,kind,url\nstp,Sở Tư pháp,so,http://127.0.0.1:9/\nstp,Sở khác,so,http://127.0.0.1:9/\n",
    );
    let out = run_binary(
        s(&[
            "audit",
            "--targets",
            "targets.csv",
            "--out",
            "out",
            "--quiet",
        ]),
        dir.path(),
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("targets.csv:3:"), "{stderr}");
    assert!(stderr.contains("duplicate id `stp`"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[tokio::test]
async fn bad_inputs_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("empty.csv"), "");
    write(
        &dir.path().join("kind.csv"),
        "id,name,kind,url\na,A,ministry,http://127.0.0.1:9/\n",
    );
    write(
        &dir.path().join("url.csv"),
        "id,name,kind,url\na,A,so,127.0.0.1\n",
    );
    write(
        &dir.path().join("ok.csv"),
        "id,name,kind,url\na,A,so,http://127.0.0.1:9/\n",
    );
    write(
        &dir.path().join("bad.toml"),
        "[checklist]\nid = \"x\"\nversion = \"1\"\ntitle = \"X\"\n\n[[item]]\nid = \"a\"\ntitle = \"A\"\npattern = [\"[unclosed\"]\n",
    );
    for (targets, checklist, expect) in [
        (
            "empty.csv",
            "vn-gov-portal",
            "empty.csv: the targets file is empty",
        ),
        (
            "kind.csv",
            "vn-gov-portal",
            "kind.csv:2: unknown kind `ministry`",
        ),
        (
            "url.csv",
            "vn-gov-portal",
            "url.csv:2: url `127.0.0.1` has no scheme: add https://",
        ),
        ("ok.csv", "bad.toml", "bad.toml:9:"),
        ("ok.csv", "nope.toml", "nope.toml: cannot read checklist"),
    ] {
        let out = run_binary(
            s(&[
                "audit",
                "--targets",
                targets,
                "--out",
                "out",
                "--checklist",
                checklist,
                "--quiet",
            ]),
            dir.path(),
        )
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{targets} {checklist}: {stderr}"
        );
        assert!(stderr.contains(expect), "{targets} {checklist}: {stderr}");
        assert!(
            !dir.path().join("out").exists(),
            "nothing written for {targets} {checklist}"
        );
    }
}

#[tokio::test]
async fn checklist_commands_list_show_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_binary(s(&["checklist", "list"]), dir.path()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("vn-gov-portal") && stdout.contains("us-federal"),
        "{stdout}"
    );

    let out = run_binary(s(&["checklist", "show", "vn-gov-portal"]), dir.path()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("budget_finance"), "{stdout}");
    assert!(
        stdout.contains("Nghị định 42/2022/NĐ-CP Điều 4.1.e [2022-08-15 – 2026-06-30]"),
        "{stdout}"
    );

    write(
        &dir.path().join("mine.toml"),
        "[checklist]\nid = \"mine\"\nversion = \"1\"\ntitle = \"Mine\"\n\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"Liên hệ\"]\n",
    );
    let out = run_binary(s(&["checklist", "check", "mine.toml"]), dir.path()).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    write(
        &dir.path().join("typo.toml"),
        "[checklist]\nid = \"mine\"\nversion = \"1\"\ntitle = \"Mine\"\nwieght = 2\n",
    );
    let out = run_binary(s(&["checklist", "check", "typo.toml"]), dir.path()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("typo.toml:5:") && stderr.contains("wieght"),
        "{stderr}"
    );
}

/// Issue #2's acceptance line: a department site with opaque `index.php?cat=N`
/// menu links, audited by the binary as of 2026-11-28.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_department_site_items_found_and_gaps_reported() {
    let served = serve_all(vec![fixture("so-cong-thuong-opaque")]).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("T.csv"),
        &format!(
            "id,name,kind,url,region\nsct,Sở Công Thương,so,{},=cmd()\n",
            served[0].url
        ),
    );
    let out = run_binary(
        s(&[
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "D",
            "--as-of",
            "2026-11-28",
            "--lang",
            "en",
        ]),
        dir.path(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["scorecard.csv", "findings.csv", "missing.csv"] {
        assert!(
            stdout.contains(&format!("D/{file}")),
            "prints the path of {file}: {stdout}"
        );
    }
    let findings = read_csv(&dir.path().join("D/findings.csv"));
    let status = |id: &str| {
        findings
            .iter()
            .find(|r| r["item_id"] == id)
            .map(|r| r["status"].clone())
            .unwrap_or_else(|| panic!("no row for {id}"))
    };
    for present in [
        "org_functions",
        "org_structure_chart",
        "leadership",
        "news",
        "legal_documents",
        "admin_procedures",
        "site_search",
        "footer_address",
        "footer_phone_fax",
        "footer_email",
        "footer_responsible_person",
    ] {
        assert_eq!(status(present), "present", "{present}");
    }
    for missing in [
        "budget_finance",
        "qa_feedback",
        "investment_procurement",
        "statistics",
        "draft_consultation",
    ] {
        assert_eq!(status(missing), "missing", "{missing}");
    }
    let scorecard = read_csv(&dir.path().join("D/scorecard.csv"));
    assert_eq!(scorecard.len(), 1);
    assert_eq!(scorecard[0]["status_code"], "ok");
    assert_eq!(
        scorecard[0]["region"], "'=cmd()",
        "extra columns kept, formulas neutralised"
    );
    let missing = read_csv(&dir.path().join("D/missing.csv"));
    assert!(missing.iter().all(|r| r["status"] != "present"));
    assert!(
        std::fs::read(dir.path().join("D/scorecard.csv"))
            .unwrap()
            .starts_with(b"\xEF\xBB\xBF")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_under_sets_exit_code() {
    let served = serve_all(vec![fixture("so-tu-phap-day-du")]).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("T.csv"),
        &format!("id,name,kind,url\nstp,STP,so,{}\n", served[0].url),
    );
    for (threshold, code) in [("101", 1), ("0", 0)] {
        let out = run_binary(
            s(&[
                "audit",
                "--targets",
                "T.csv",
                "--out",
                "D",
                "--quiet",
                "--as-of",
                "2026-11-28",
                "--fail-under",
                threshold,
            ]),
            dir.path(),
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(code),
            "--fail-under {threshold}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The README's demo command, from a directory that is not the repository.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_anywhere_and_writes_a_row_per_fixture_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_binary(s(&["demo", "--out", "demo-out"]), dir.path()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("demo-out/scorecard.csv"), "{stdout}");
    let rows = read_csv(&dir.path().join("demo-out/scorecard.csv"));
    assert_eq!(
        rows.len(),
        portal_audit::fixture_server::embedded_sites().len()
    );
}

/// Ctrl-C part-way: complete, parseable CSVs marked incomplete, exit 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_writes_partial_scorecards_marked_incomplete() {
    let served = serve_all(vec![
        fixture("so-tu-phap-day-du"),
        fixture("huyen-thieu-muc"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rows: String = served
        .iter()
        .map(|s| format!("{},{},so,{}\n", s.site.id, s.site.id, s.url))
        .collect();
    write(
        &dir.path().join("T.csv"),
        &format!("id,name,kind,url\n{rows}"),
    );
    let path = dir.path().to_path_buf();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args([
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "D",
            "--quiet",
            "--delay-ms",
            "1000",
            "--lang",
            "en",
        ])
        .current_dir(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let pid = child.id().to_string();
    let started = std::time::Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "stops promptly"
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scorecard = read_csv(&path.join("D/scorecard.csv"));
    assert_eq!(scorecard.len(), 2, "a row per target");
    assert!(
        scorecard.iter().all(|r| r["incomplete"] == "interrupted"),
        "{scorecard:?}"
    );
    let findings = read_csv(&path.join("D/findings.csv"));
    assert!(!findings.is_empty());
}

/// `{date}` in `--out` becomes the audit date, for scheduled runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_folder_may_carry_the_date() {
    let served = serve_all(vec![fixture("so-cong-thuong-opaque")]).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("T.csv"),
        &format!("id,name,kind,url\nsct,SCT,so,{}\n", served[0].url),
    );
    let out = run_binary(
        s(&[
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "reports/{date}",
            "--quiet",
            "--as-of",
            "2026-11-28",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "scorecard.csv",
        "findings.csv",
        "missing.csv",
        "changes.csv",
        "matrix.csv",
        "run.json",
        "report.html",
    ] {
        assert!(
            dir.path().join("reports/2026-11-28").join(file).exists(),
            "{file}"
        );
    }
    assert!(
        dir.path().join("reports/history.sqlite").exists(),
        "history beside the output folder"
    );
}

/// A reader that stops early (`portal-audit checklist show … | head -1`) is
/// a normal end: exit 0, no panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_stdout_ends_read_only_commands_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        vec!["checklist", "show", "vn-gov-portal"],
        vec!["checklist", "list"],
    ] {
        let dir = dir.path().to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portal-audit"))
                .args(&args)
                .current_dir(dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn portal-audit");
            // Close the reading end before the command has written.
            drop(child.stdout.take());
            child.wait_with_output().expect("wait")
        })
        .await
        .expect("join");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A national run's thousands of sites are in the scorecard, not on the
/// terminal: the summary lists 100 and says how many more there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_summary_lists_a_hundred_sites_and_points_to_the_scorecard() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: every site fails at once, on loopback.
    let mut targets = String::from("id,name,kind,url\n");
    for i in 0..103 {
        targets.push_str(&format!("s{i},Sở {i},so,http://127.0.0.1:9/\n"));
    }
    write(&dir.path().join("targets.csv"), &targets);
    let args = ["audit", "--targets", "targets.csv", "--out", "out"];
    let output = run_binary(args, dir.path()).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows = stdout.lines().filter(|l| l.starts_with('s')).count();
    assert_eq!(rows, 100, "{stdout}");
    assert!(
        stdout.contains("s99 ") && !stdout.contains("s100 "),
        "{stdout}"
    );
    assert!(
        stdout.contains("… và 3 cổng khác: xem đủ trong scorecard.csv"),
        "{stdout}"
    );
    let scorecard = read_csv(&dir.path().join("out/scorecard.csv"));
    assert_eq!(scorecard.len(), 103);
}
