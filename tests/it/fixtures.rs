//! Every bundled fixture site, audited on loopback, must give exactly the
//! findings checked in beside it (`fixtures/sites/<site>/expected.csv`).

use portal_audit::fixture_server::embedded_sites;

use crate::support::{audit_served, serve_all};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_site_matches_its_expected_findings() {
    let sites = embedded_sites();
    assert!(sites.len() >= 4, "at least four fixture sites");
    let served = serve_all(sites).await;
    let run = audit_served(&served).await;
    let (mut agree, mut total) = (0usize, 0usize);
    let mut mismatches = Vec::new();
    for (site, served) in run.sites.iter().zip(&served) {
        assert!(
            !served.site.expected.is_empty(),
            "{} has no expected.csv",
            served.site.id
        );
        for (item_id, expected) in &served.site.expected {
            total += 1;
            let finding = site.findings.iter().find(|f| &f.item_id == item_id);
            match finding {
                Some(f) if f.status == *expected => agree += 1,
                Some(f) => mismatches.push(format!(
                    "{}/{}: expected {expected}, got {} ({})",
                    site.target.id, item_id, f.status, f.evidence
                )),
                None => mismatches.push(format!("{}/{}: no finding", site.target.id, item_id)),
            }
        }
        assert_eq!(
            site.findings.len(),
            served.site.expected.len(),
            "{}: one finding per item",
            site.target.id
        );
    }
    println!("item-level agreement: {agree}/{total}");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_respects_robots_and_stays_on_loopback_site() {
    let served = serve_all(vec![crate::support::fixture("so-tu-phap-day-du")]).await;
    let run = audit_served(&served).await;
    assert_eq!(run.sites[0].status.code(), "ok");
    let requests = served[0].requests();
    assert!(
        requests.iter().any(|r| r == "/robots.txt"),
        "robots.txt is read first: {requests:?}"
    );
    assert_eq!(requests.first().map(String::as_str), Some("/robots.txt"));
    assert!(
        !requests.iter().any(|r| r.starts_with("/admin/")),
        "robots.txt disallows /admin/: {requests:?}"
    );
    let mut unique = requests.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        requests.len(),
        "no page fetched twice: {requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_site_still_gets_a_row_with_a_named_status() {
    let served = serve_all(vec![crate::support::fixture("huyen-mat-ket-noi")]).await;
    let run = audit_served(&served).await;
    assert_eq!(run.sites[0].status.code(), "connect_refused");
    assert_eq!(run.sites[0].score.score, None);
    assert!(
        run.sites[0]
            .findings
            .iter()
            .all(|f| matches!(f.status.as_str(), "unknown" | "not_applicable"))
    );
}

/// The same English sub-portal, judged before and after Decree 224/2026
/// replaced Decree 42/2022: the English version is required until
/// 2026-06-30, and the satisfaction rating from 2026-07-01.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_follow_the_audit_date() {
    let served = serve_all(vec![crate::support::fixture("tinh-tieng-anh")]).await;
    let status = |run: &portal_audit::run::AuditRun, item: &str| {
        run.sites[0]
            .findings
            .iter()
            .find(|f| f.item_id == item)
            .map(|f| f.status.as_str().to_owned())
            .unwrap()
    };
    let before = crate::support::audit_served_on(&served, "2026-06-30".parse().unwrap()).await;
    assert_eq!(before.sites[0].ruleset, "nd42_2022");
    assert_eq!(status(&before, "english_version"), "present");
    assert_eq!(status(&before, "satisfaction_rating"), "not_applicable");
    let after = crate::support::audit_served_on(&served, "2026-07-01".parse().unwrap()).await;
    assert_eq!(after.sites[0].ruleset, "nd224_2026");
    assert_eq!(status(&after, "english_version"), "not_applicable");
    assert_eq!(status(&after, "satisfaction_rating"), "missing");
}
