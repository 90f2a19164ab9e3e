//! Issue #13, point 8: a start URL that redirects to another host ends the
//! site as `redirect_out_of_scope`, and that host gets no request at all
//! (not even robots.txt), unless `--follow-start-redirects` is given. A
//! redirect within the site is followed: `hostile::raw_utf8_in_a_redirect_is_followed`.

use std::sync::Arc;
use std::time::Duration;

use portal_audit::audit::{Assignment, run_audit};
use portal_audit::checklist;
use portal_audit::crawl::CrawlConfig;
use portal_audit::progress::Progress;
use portal_audit::run::{Note, SiteResult};
use portal_audit::target::{SiteKind, Target};
use tokio_util::sync::CancellationToken;

use crate::hostile_server::{Hazard, HostileSite, serve, serve_at};
use crate::support::{fixture_date, test_crawl_config};

async fn audit_one(url: &str, follow_start_redirects: bool) -> SiteResult {
    let config = CrawlConfig {
        follow_start_redirects,
        site_budget: Duration::from_secs(20),
        ..test_crawl_config()
    };
    let assignment = Assignment {
        target: Target {
            id: "stp".into(),
            name: "Sở Tư pháp".into(),
            kind: SiteKind::Department,
            url: url.parse().unwrap(),
            checklist: None,
            extra: Vec::new(),
        },
        checklist: Arc::new(checklist::load("vn-gov-portal").unwrap()),
    };
    let run = run_audit(
        vec![assignment],
        config,
        fixture_date(),
        &Progress::hidden(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    run.sites.get(0).unwrap().into_owned()
}

/// A site on 127.0.0.2 that records what it is asked, and a start URL on
/// 127.0.0.1 whose `/` answers 302 to it.
async fn start_leading_elsewhere() -> (HostileSite, HostileSite) {
    let elsewhere = serve_at(Hazard::Good, "127.0.0.2").await;
    let start = serve(Hazard::RedirectTo(elsewhere.url("http"))).await;
    (start, elsewhere)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_start_redirect_to_another_host_is_not_followed() {
    let (start, elsewhere) = start_leading_elsewhere().await;
    let site = audit_one(&start.url("http"), false).await;
    assert_eq!(site.status.code(), "redirect_out_of_scope");
    assert!(
        elsewhere.requests().is_empty(),
        "the other host was asked: {:?}",
        elsewhere.requests()
    );
    assert_eq!(start.requests(), ["/robots.txt", "/"]);
    // The row says where the start URL led.
    let to = elsewhere.url("http");
    assert_eq!(site.final_url.as_ref().map(url::Url::as_str), Some(&*to));
    match site.notes.as_slice() {
        [Note::LeftSite(left)] => {
            assert_eq!(left.to.as_str(), to);
            assert_eq!(left.shared_domain, None, "IP addresses share no domain");
        }
        other => panic!("notes: {other:?}"),
    }
    assert_eq!(site.pages_crawled, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_start_redirect_is_followed_when_asked() {
    let (start, elsewhere) = start_leading_elsewhere().await;
    let site = audit_one(&start.url("http"), true).await;
    assert_eq!(site.status.code(), "ok");
    let asked = elsewhere.requests();
    assert!(asked.iter().any(|r| r == "/robots.txt"), "{asked:?}");
    assert!(asked.iter().any(|r| r == "/"), "{asked:?}");
    assert!(site.pages_crawled >= 2, "{} pages", site.pages_crawled);
}
