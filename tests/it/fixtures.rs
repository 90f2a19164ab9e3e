//! Every bundled fixture site, audited on loopback, must give exactly the
//! findings checked in beside it (`fixtures/sites/<site>/expected.csv`).

use portal_audit::finding::Status;
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
    for (site, served) in run.sites.to_vec().unwrap().iter().zip(&served) {
        assert!(
            !served.site.expected.is_empty(),
            "{} has no expected.csv",
            served.site.id
        );
        for (item_id, expected) in &served.site.expected {
            total += 1;
            let finding = site.findings.iter().find(|f| *f.item_id == **item_id);
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
    assert_eq!(run.sites.get(0).unwrap().status.code(), "ok");
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
    assert_eq!(run.sites.get(0).unwrap().status.code(), "connect_refused");
    assert_eq!(run.sites.get(0).unwrap().score.score, None);
    assert!(
        run.sites
            .get(0)
            .unwrap()
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
        run.sites
            .get(0)
            .unwrap()
            .findings
            .iter()
            .find(|f| &*f.item_id == item)
            .map(|f| f.status.as_str().to_owned())
            .unwrap()
    };
    let before = crate::support::audit_served_on(&served, "2026-06-30".parse().unwrap()).await;
    assert_eq!(before.sites.get(0).unwrap().ruleset, "nd42_2022");
    assert_eq!(status(&before, "english_version"), "present");
    assert_eq!(status(&before, "satisfaction_rating"), "not_applicable");
    let after = crate::support::audit_served_on(&served, "2026-07-01".parse().unwrap()).await;
    assert_eq!(after.sites.get(0).unwrap().ruleset, "nd224_2026");
    assert_eq!(status(&after, "english_version"), "not_applicable");
    assert_eq!(status(&after, "satisfaction_rating"), "missing");
}

/// Evidence a person would accept: no "present" rests on a heading that is
/// an article's title (more than eight words) or on a title that carries a
/// document number or a date, on any fixture site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_present_finding_rests_on_an_article_or_document_title() {
    let served = serve_all(embedded_sites()).await;
    let run = audit_served(&served).await;
    let quoted_after = |evidence: &str, opener: &str| -> Option<String> {
        let start = evidence.find(opener)? + opener.len();
        let end = evidence[start..].find('”')? + start;
        Some(evidence[start..end].to_owned())
    };
    let mut offenders = Vec::new();
    for site in &run.sites.to_vec().unwrap() {
        for f in site.findings.iter().filter(|f| f.status == Status::Present) {
            let titles = ["heading “", "page titled “", "block “"]
                .iter()
                .filter_map(|opener| quoted_after(&f.evidence, opener));
            for title in titles {
                if !portal_audit::labels::is_short_label(&title) {
                    offenders.push(format!("{}/{}: {}", site.target.id, f.item_id, f.evidence));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

/// A department portal with a large English sub-portal under `/en/`, audited
/// with `--max-pages 100 --exhaustive` (a crawl that spends its whole page
/// budget): the budget goes to the Vietnamese site (at least 80 of the pages
/// fetched), and news is judged from Vietnamese pages (the English pages'
/// news is years old, the Vietnamese news is recent). The default crawl,
/// which stops once every item is settled, gives English pages no more than
/// their tenth of the budget either, and the same news verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_sub_portal_gets_a_small_share_and_no_say_in_vietnamese_items() {
    let (vietnamese, english, news) = audit_bilingual(true).await;
    println!("exhaustive: {vietnamese} Vietnamese, {english} English pages");
    assert!(
        vietnamese >= 80,
        "{vietnamese} Vietnamese pages, {english} English"
    );
    assert_news_from_vietnamese_pages(&news);
    let (vietnamese, english, news) = audit_bilingual(false).await;
    println!("default: {vietnamese} Vietnamese, {english} English pages");
    assert!(
        english <= 10,
        "{english} English pages of {}",
        vietnamese + english
    );
    assert_news_from_vietnamese_pages(&news);
}

fn assert_news_from_vietnamese_pages(news: &std::collections::HashMap<String, String>) {
    assert_eq!(news["status"], "present", "{news:?}");
    assert!(
        !news["evidence_url"].contains("/en/") && !news["evidence"].contains("/en/"),
        "news judged from an English page: {news:?}"
    );
    assert!(!news["evidence"].contains("2022"), "{news:?}");
}

/// Audits `so-cong-song-ngu` with `--max-pages 100` through the binary:
/// the Vietnamese and English pages fetched, and the news finding.
async fn audit_bilingual(
    exhaustive: bool,
) -> (usize, usize, std::collections::HashMap<String, String>) {
    let served = serve_all(vec![crate::support::fixture("so-cong-song-ngu")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("targets.csv"),
        format!(
            "id,name,kind,url\nsong-ngu,\"{}\",department,{}\n",
            served[0].site.name.replace('"', "'"),
            served[0].url
        ),
    )
    .expect("write targets");
    let mut args = vec![
        "audit",
        "--targets",
        "targets.csv",
        "--out",
        "out",
        "--quiet",
        "--as-of",
        "2026-11-28",
        "--max-pages",
        "100",
        "--lang",
        "en",
    ];
    if exhaustive {
        args.push("--exhaustive");
    }
    let output = crate::support::run_binary(&args, dir.path()).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let requests = served[0].requests();
    let pages: Vec<&String> = requests
        .iter()
        .filter(|r| {
            !r.starts_with("/robots.txt")
                && !r.contains("sitemap")
                && !r.contains("portal-audit-probe")
        })
        .collect();
    let english = pages.iter().filter(|r| r.starts_with("/en")).count();
    let findings = crate::support::read_csv(&dir.path().join("out/findings.csv"));
    let news = findings
        .into_iter()
        .find(|f| f["item_id"] == "news")
        .expect("news finding");
    (pages.len() - english, english, news)
}
