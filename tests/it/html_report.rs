//! `report.html` as a reader sees it: the fixture sites (plus one hostile
//! agency) are audited on loopback, the report is rendered, and headless
//! Chromium takes a screenshot and dumps the DOM it built, so the page is
//! checked after a real browser parsed it, not only as a string.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portal_audit::finding::Status;
use portal_audit::fixture_server::{FixtureSite, embedded_sites};
use portal_audit::report::{Lang, render_html};
use portal_audit::run::Change;
use portal_audit::target::SiteKind;

use crate::support::{audit_served, serve_all};

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest a single Chromium run may take before the test fails.
const CHROMIUM_BUDGET: Duration = Duration::from_secs(120);

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// A department whose pages carry markup as text, so the crawler's evidence
/// holds it too.
fn hostile_site() -> FixtureSite {
    let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
        <title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body>\
        <h1>S\u{1edf} &lt;script&gt;alert(1)&lt;/script&gt;</h1>\
        <a href=\"/gioi-thieu\">Gi\u{1edb}i thi\u{1ec7}u &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>\
        <a href=\"/ngan-sach\" title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">C\u{f4}ng khai ng\u{e2}n s\u{e1}ch &lt;script&gt;alert(1)&lt;/script&gt;</a>\
        <footer>\u{110}\u{1ecb}a ch\u{1ec9}: &lt;script&gt;alert(1)&lt;/script&gt;</footer>\
        </body></html>";
    let mut site = FixtureSite::in_memory(
        "zz-hostile",
        SiteKind::Department,
        vec![
            ("index.html", page.as_bytes().to_vec()),
            ("gioi-thieu", page.as_bytes().to_vec()),
            (
                "ngan-sach",
                page.replace("</body>", "<main>N\u{1ed9}i dung \u{111}ang \u{111}\u{1b0}\u{1ee3}c c\u{1ead}p nh\u{1ead}t.</main></body>")
                    .into_bytes(),
            ),
        ],
    );
    site.name = format!("S\u{1edf} {SCRIPT}{IMG}");
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_renders_in_headless_chromium_without_running_anything() {
    if !Path::new(CHROMIUM).exists() {
        // Straight to the stderr handle: libtest captures `eprintln!`, and a
        // skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium not installed (apt-get install chromium)"
        );
        return;
    }
    let mut sites = embedded_sites();
    sites.push(hostile_site());
    let served = serve_all(sites).await;
    let mut run = audit_served(&served).await;
    drop(served);

    // Crawled link text and title carry the markup into a finding's evidence
    // by themselves: the budget link's page is a placeholder, whose evidence
    // quotes the link.
    let mut sites = run.sites.to_vec().expect("sites");
    let hostile = sites
        .iter_mut()
        .find(|s| s.target.id == "zz-hostile")
        .expect("hostile site audited");
    let budget = hostile
        .findings
        .iter()
        .find(|f| &*f.item_id == "budget_finance")
        .unwrap();
    assert_eq!(budget.status, Status::Placeholder, "{}", budget.evidence);
    assert!(
        budget.evidence.contains(SCRIPT),
        "crawled markup reaches the evidence: {}",
        budget.evidence
    );
    // And make sure more hostile evidence reaches the "what to fix" table.
    let to_fix = hostile
        .findings
        .iter_mut()
        .find(|f| f.status.needs_action() && !f.report_only)
        .expect("the hostile site has something to fix");
    to_fix.evidence = format!("{SCRIPT} {IMG} {}", to_fix.evidence).into();
    to_fix.evidence_url = Some(format!("https://127.0.0.1/{IMG}{SCRIPT}"));
    let fixed_item = to_fix.item_id.to_string();

    let ok_site = sites
        .iter()
        .find(|s| s.status.code() == "ok" && s.target.id != "zz-hostile")
        .expect("an audited fixture site");
    let agency = ok_site.target.name.clone();
    let changes = vec![Change {
        site_id: ok_site.target.id.clone(),
        item_id: ok_site.findings[0].item_id.to_string(),
        before: Some(Status::Missing),
        after: Some(ok_site.findings[0].status),
    }];
    run.sites = sites.into();

    let html = render_html(&run, &changes, Lang::Vi);
    assert_eq!(html, render_html(&run, &changes, Lang::Vi), "deterministic");
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains(&fixed_item));

    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.html");
    std::fs::write(&report, &html).expect("write report.html");
    let png = dir.path().join("report.png");

    let (shot, dom) = tokio::task::spawn_blocking({
        let (report, png) = (report.clone(), png.clone());
        move || {
            let started = Instant::now();
            chromium(&[format!("--screenshot={}", png.display())], &report);
            let shot = started.elapsed();
            let dom = chromium(&["--dump-dom".to_owned()], &report);
            (shot, dom)
        }
    })
    .await
    .expect("chromium runs");
    eprintln!("chromium screenshot took {shot:?}");

    let size = std::fs::metadata(&png).map_or(0, |m| m.len());
    assert!(
        size > 10 * 1024,
        "screenshot {} is {size} bytes",
        png.display()
    );
    let bytes = std::fs::read(&png).expect("read png");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");

    let lower = dom.to_ascii_lowercase();
    assert!(dom.contains(&agency), "agency name {agency:?} rendered");
    assert!(dom.contains("Báo cáo rà soát cổng thông tin điện tử"));
    assert!(dom.contains("Thay đổi so với lần trước"), "changes heading");
    assert!(
        dom.contains("class=\"cell st-present\"") && dom.contains(">P</td>"),
        "a matrix cell"
    );
    assert!(dom.contains("class=\"cell st-missing\""), "a missing cell");
    assert!(
        dom.contains("connect_refused"),
        "the down fixture site's status"
    );
    assert!(!lower.contains("<script"), "no script element in the DOM");
    assert!(!lower.contains("<img"), "no injected image in the DOM");
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "hostile text shown as text"
    );
}

/// Runs headless Chromium on `page` with `extra` arguments and a fresh
/// profile; returns its stdout. Fails the test if it errs or hangs.
pub(crate) fn chromium(extra: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let logs = tempfile::tempdir().expect("log dir");
    let (out_path, err_path): (PathBuf, PathBuf) =
        (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + CHROMIUM_BUDGET;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {extra:?} did not finish in {CHROMIUM_BUDGET:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium {extra:?} failed: {status}\n{stderr}"
    );
    std::fs::read_to_string(&out_path).expect("chromium stdout")
}
