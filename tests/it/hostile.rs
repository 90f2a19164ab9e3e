//! The crawler against a hostile web: one test per hazard, each asserting the
//! named status, a bounded time, and no request out of scope or against
//! robots.txt.

use std::sync::Arc;
use std::time::{Duration, Instant};

use portal_audit::audit::{Assignment, run_audit};
use portal_audit::checklist;
use portal_audit::crawl::CrawlConfig;
use portal_audit::progress::Progress;
use portal_audit::run::AuditRun;
use portal_audit::target::{SiteKind, Target};
use tokio_util::sync::CancellationToken;

use crate::hostile_server::{Hazard, serve, serve_tls};
use crate::support::{fixture_date, test_crawl_config};

/// Short limits so each hazard costs seconds, not minutes.
fn quick() -> CrawlConfig {
    let mut config = test_crawl_config();
    config.fetch.timeout = Duration::from_secs(2);
    config.fetch.connect_timeout = Duration::from_secs(2);
    config.fetch.retries = 1;
    config.site_budget = Duration::from_secs(20);
    config
}

async fn audit(urls: &[String], config: CrawlConfig) -> (AuditRun, Duration) {
    let checklist = Arc::new(checklist::load("vn-gov-portal").unwrap());
    let assignments = urls
        .iter()
        .enumerate()
        .map(|(i, url)| Assignment {
            target: Target {
                id: format!("site{i}"),
                name: format!("Site {i}"),
                kind: SiteKind::Department,
                url: url.parse().unwrap(),
                checklist: None,
                extra: Vec::new(),
            },
            checklist: Arc::clone(&checklist),
        })
        .collect();
    let started = Instant::now();
    let run = run_audit(
        assignments,
        config,
        fixture_date(),
        &Progress::hidden(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    (run, started.elapsed())
}

async fn status_of(hazard: Hazard, bound: Duration) -> (String, portal_audit::run::SiteResult) {
    let site = serve(hazard).await;
    let (run, took) = audit(&[site.url("http")], quick()).await;
    assert!(took < bound, "took {took:?}, bound {bound:?}");
    let result = run.sites.get(0).unwrap().into_owned();
    (result.status.code().to_owned(), result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_never_answers_times_out() {
    // robots.txt: two tries of 2 s plus a 0.5 s pause.
    let (status, _) = status_of(Hazard::Silent, Duration::from_secs(10)).await;
    assert_eq!(status, "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_per_second_times_out() {
    let (status, _) = status_of(Hazard::Drip, Duration::from_secs(10)).await;
    assert_eq!(status, "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_bomb_is_capped() {
    let (status, _) = status_of(Hazard::GzipBomb(64 << 20), Duration::from_secs(15)).await;
    assert_eq!(status, "body_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_page_is_capped() {
    let (status, _) = status_of(Hazard::Huge(120 << 20), Duration::from_secs(15)).await;
    assert_eq!(status, "body_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loop_is_named() {
    let (status, _) = status_of(Hazard::RedirectLoop, Duration::from_secs(5)).await;
    assert_eq!(status, "redirect_loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_calendar_is_bounded() {
    let site = serve(Hazard::Calendar).await;
    let (run, took) = audit(&[site.url("http")], quick()).await;
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(run.sites.get(0).unwrap().status.code(), "ok");
    let calendar = site
        .requests()
        .iter()
        .filter(|r| r.starts_with("/lich"))
        .count();
    assert!(calendar <= 2 * 50 + 5, "{calendar} calendar pages fetched");
    assert!(
        run.sites.get(0).unwrap().crawl.traps_skipped > 0
            || run.sites.get(0).unwrap().crawl.pages_fetched <= 200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_does_not_crash() {
    let (status, result) = status_of(Hazard::DeepNest(200_000), Duration::from_secs(20)).await;
    assert_eq!(status, "ok");
    assert_eq!(
        result
            .findings
            .iter()
            .find(|f| &*f.item_id == "footer_address")
            .unwrap()
            .status
            .as_str(),
        "missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_with_100000_links_is_bounded() {
    let site = serve(Hazard::ManyLinks(100_000)).await;
    let (run, took) = audit(&[site.url("http")], quick()).await;
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(run.sites.get(0).unwrap().status.code(), "ok");
    assert!(
        site.requests().len() <= 200 + 5,
        "{} requests",
        site.requests().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_and_scope_are_never_crossed() {
    let sentinel = serve(Hazard::Good).await;
    let site = serve(Hazard::RobotsAndScope {
        sentinel_port: sentinel.port,
    })
    .await;
    let (run, _) = audit(&[site.url("http")], quick()).await;
    assert_eq!(run.sites.get(0).unwrap().status.code(), "ok");
    let requests = site.requests();
    assert!(
        requests.iter().all(|r| !r.starts_with("/private/")),
        "{requests:?}"
    );
    assert!(requests.iter().any(|r| r == "/public"), "{requests:?}");
    assert!(requests.iter().any(|r| r == "/go"), "{requests:?}");
    assert!(
        sentinel.requests().is_empty(),
        "out of scope: {:?}",
        sentinel.requests()
    );
    assert_eq!(run.sites.get(0).unwrap().crawl.robots_skipped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_server_is_retried_politely() {
    let site = serve(Hazard::Unavailable(1)).await;
    let started = Instant::now();
    let (run, _) = audit(&[site.url("http")], quick()).await;
    assert_eq!(run.sites.get(0).unwrap().status.code(), "ok");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_utf8_in_a_redirect_is_followed() {
    let (status, result) = status_of(Hazard::Utf8Redirect, Duration::from_secs(10)).await;
    assert_eq!(status, "ok");
    assert_eq!(result.final_url.unwrap().path(), "/tin-t%E1%BB%A9c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_answer_and_reset_are_named() {
    assert_eq!(
        status_of(Hazard::Empty, Duration::from_secs(5)).await.0,
        "empty_response"
    );
    assert_eq!(
        status_of(Hazard::Reset, Duration::from_secs(10)).await.0,
        "connect_reset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_certificate_is_a_finding() {
    let site = serve_tls(Hazard::Good).await;
    let (run, _) = audit(&[site.url("https")], quick()).await;
    let result = &*run.sites.get(0).unwrap();
    assert_eq!(result.status.code(), "tls_invalid_cert");
    let https = result
        .findings
        .iter()
        .find(|f| &*f.item_id == "https")
        .unwrap();
    assert_eq!(https.status.as_str(), "missing", "{}", https.evidence);

    let mut insecure = quick();
    insecure.fetch.insecure = true;
    let (run, _) = audit(&[site.url("https")], insecure).await;
    let result = &*run.sites.get(0).unwrap();
    assert_eq!(result.status.code(), "ok");
    let https = result
        .findings
        .iter()
        .find(|f| &*f.item_id == "https")
        .unwrap();
    assert_eq!(https.status.as_str(), "missing");
    assert!(https.evidence.contains("certificate"), "{}", https.evidence);
    assert_eq!(
        result
            .findings
            .iter()
            .find(|f| &*f.item_id == "org_functions")
            .unwrap()
            .status
            .as_str(),
        "present"
    );
}

/// A good site audited beside every hazard gives the same findings as alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_site_is_unaffected_by_hostile_neighbours() {
    let good = serve(Hazard::Good).await;
    let (alone, _) = audit(&[good.url("http")], quick()).await;
    let hazards = [
        serve(Hazard::Silent).await,
        serve(Hazard::Drip).await,
        serve(Hazard::RedirectLoop).await,
        serve(Hazard::Calendar).await,
        serve(Hazard::ManyLinks(20_000)).await,
        serve(Hazard::Huge(20 << 20)).await,
    ];
    let mut urls = vec![good.url("http")];
    urls.extend(hazards.iter().map(|h| h.url("http")));
    let (mixed, took) = audit(&urls, quick()).await;
    assert!(took < Duration::from_secs(25), "{took:?}");
    assert_eq!(mixed.sites.len(), urls.len(), "one row per target");
    let statuses = |r: &portal_audit::run::SiteResult| {
        r.findings
            .iter()
            .map(|f| (f.item_id.clone(), f.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&alone.sites.get(0).unwrap()),
        statuses(&mixed.sites.get(0).unwrap())
    );
}

/// Issue #4's acceptance run, as worded: the built binary with its default
/// limits on a targets file mixing a good site with one site per hazard.
/// Slow by design (servers that never answer cost the default 20 s timeout,
/// three tries), so run it on purpose:
/// `cargo test --release --test it -- --ignored hostile_acceptance --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute of default timeouts; run explicitly"]
async fn hostile_acceptance_with_defaults() {
    let good = serve(Hazard::Good).await;
    let sentinel = serve(Hazard::Good).await;
    let hazards = vec![
        ("silent", serve(Hazard::Silent).await, "http", "timeout"),
        ("drip", serve(Hazard::Drip).await, "http", "timeout"),
        (
            "bomb",
            serve(Hazard::GzipBomb(1 << 30)).await,
            "http",
            "body_too_large",
        ),
        (
            "huge",
            serve(Hazard::Huge(120 << 20)).await,
            "http",
            "body_too_large",
        ),
        (
            "loop",
            serve(Hazard::RedirectLoop).await,
            "http",
            "redirect_loop",
        ),
        ("calendar", serve(Hazard::Calendar).await, "http", "ok"),
        ("nest", serve(Hazard::DeepNest(200_000)).await, "http", "ok"),
        (
            "links",
            serve(Hazard::ManyLinks(100_000)).await,
            "http",
            "ok",
        ),
        (
            "tls",
            serve_tls(Hazard::Good).await,
            "https",
            "tls_invalid_cert",
        ),
        (
            "robots",
            serve(Hazard::RobotsAndScope {
                sentinel_port: sentinel.port,
            })
            .await,
            "http",
            "ok",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut targets = format!("id,name,kind,url\ngood,Good,so,{}\n", good.url("http"));
    for (id, site, scheme, _) in &hazards {
        targets.push_str(&format!("{id},{id},so,{}\n", site.url(scheme)));
    }
    std::fs::write(dir.path().join("T.csv"), targets).unwrap();
    std::fs::write(
        dir.path().join("G.csv"),
        format!("id,name,kind,url\ngood,Good,so,{}\n", good.url("http")),
    )
    .unwrap();

    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args([
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "D",
            "--quiet",
            "--history",
            "mixed.sqlite",
            "--lang",
            "en",
        ])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let took = started.elapsed();
    println!("mixed run: {took:?}, peak RSS {} MB", peak_kb / 1024);
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(600 + 30),
        "within the default site budget plus a margin: {took:?}"
    );
    assert!(peak_kb < 300 * 1024, "peak RSS {} MB", peak_kb / 1024);

    let rows = crate::support::read_csv(&dir.path().join("D/scorecard.csv"));
    assert_eq!(rows.len(), hazards.len() + 1, "one row per target");
    for (id, _, _, expected) in &hazards {
        let row = rows.iter().find(|r| r["site_id"] == *id).unwrap();
        println!("{id:>9}: {} {}", row["status_code"], row["errors"]);
        assert_eq!(row["status_code"], *expected, "{id}");
    }
    assert!(sentinel.requests().is_empty(), "no request out of scope");
    let robots = &hazards.iter().find(|h| h.0 == "robots").unwrap().1;
    assert!(
        robots
            .requests()
            .iter()
            .all(|r| !r.starts_with("/private/")),
        "robots.txt honoured"
    );

    let alone = std::process::Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args([
            "audit",
            "--targets",
            "G.csv",
            "--out",
            "G",
            "--quiet",
            "--history",
            "alone.sqlite",
            "--lang",
            "en",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(alone.success());
    let statuses = |file: &str| -> Vec<(String, String)> {
        crate::support::read_csv(&dir.path().join(file))
            .into_iter()
            .filter(|r| r["site_id"] == "good")
            .map(|r| (r["item_id"].clone(), r["status"].clone()))
            .collect()
    };
    assert_eq!(
        statuses("D/findings.csv"),
        statuses("G/findings.csv"),
        "the good site is judged the same"
    );

    for file in [
        "scorecard.csv",
        "findings.csv",
        "missing.csv",
        "changes.csv",
        "matrix.csv",
    ] {
        let bytes = std::fs::read(dir.path().join("D").join(file)).unwrap();
        let mut reader =
            csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                // A lone `-` (a not-applicable cell) is text in every
                // spreadsheet; `-` followed by anything but a number is not.
                let formula = cell.starts_with(['=', '+', '@'])
                    || (cell.starts_with('-')
                        && cell != "-"
                        && cell.parse::<f64>().is_err()
                        && cell.replacen(',', ".", 1).parse::<f64>().is_err());
                assert!(!formula, "{file}: formula-like cell {cell:?}");
            }
        }
    }
}
