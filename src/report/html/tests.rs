//! Unit tests of report.html: escaping, order, language, anchors.

use std::time::Duration;

use super::*;
use crate::finding::Finding;
use crate::page::{FailureKind, FetchFailure};
use crate::run::SiteStatus;
use crate::score::score;
use crate::site::CrawlStats;
use crate::target::SiteKind;
use crate::target::Target;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

fn finding(id: &str, status: Status) -> Finding {
    Finding {
        item_id: id.into(),
        item_title: format!("Tiêu đề {id}").into(),
        item_title_en: None,
        status,
        evidence_url: None,
        evidence: "".into(),
        pages_searched: None,
        basis: "Nghị định 42/2022/NĐ-CP".into(),
        weight: 1.0,
        report_only: false,
        placement: crate::finding::Placement::default(),
    }
}

fn site(id: &str, name: &str, findings: Vec<Finding>) -> SiteResult {
    SiteResult {
        target: Target {
            id: id.into(),
            name: name.into(),
            kind: SiteKind::Department,
            url: "https://example.gov.vn/".parse().unwrap(),
            checklist: None,
            extra: Vec::new(),
        },
        checklist: "vn-gov-portal@1".into(),
        ruleset: "nd42_2022".into(),
        status: SiteStatus::Ok,
        final_url: None,
        crawl: CrawlStats::default(),
        pages_crawled: 3,
        score: score(&findings),
        findings,
        notes: Vec::new(),
        duration: Duration::ZERO,
    }
}

fn run(sites: Vec<SiteResult>) -> AuditRun {
    AuditRun {
        started_at: "2026-11-28T00:00:00Z".into(),
        interrupted: false,
        as_of: "2026-11-28".parse().unwrap(),
        sites: sites.into(),
        duration: Duration::ZERO,
        shard: None,
        render: crate::crawl::RenderSummary::default(),
    }
}

/// A site whose score is `present` out of 10.
fn scored(id: &str, present: usize) -> SiteResult {
    let findings = (0..10)
        .map(|i| {
            let status = if i < present {
                Status::Present
            } else {
                Status::Missing
            };
            finding(&format!("item{i}"), status)
        })
        .collect();
    site(id, &format!("Agency {id}"), findings)
}

#[test]
fn escape_covers_the_five_characters() {
    assert_eq!(
        esc(r#"<a href="x" title='y'>&</a>"#),
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
    );
    assert!(matches!(esc("Sở Tư pháp"), Cow::Borrowed(_)));
}

#[test]
fn hostile_strings_are_escaped_everywhere() {
    let mut f = finding("footer_address", Status::Missing);
    f.item_title = format!("Địa chỉ {SCRIPT}{IMG}").into();
    f.item_title_en = Some(format!("Address {SCRIPT}{IMG}").into());
    f.evidence = format!("searched {SCRIPT} and {IMG}").into();
    f.evidence_url = Some(format!("https://x.gov.vn/{IMG}{SCRIPT}"));
    f.basis = format!("{SCRIPT}{IMG}").into();
    f.pages_searched = Some(7);
    let mut js = finding("footer_email", Status::Placeholder);
    js.evidence_url = Some("javascript:alert(1)".into());
    let mut s = site(
        &format!("id{IMG}"),
        &format!("Sở {SCRIPT}{IMG}"),
        vec![f, js],
    );
    s.checklist = format!("list{SCRIPT}");
    s.ruleset = format!("rules{IMG}");
    s.notes.push(crate::run::Note::NotAudited {
        kind: crate::page::FailureKind::Network,
        detail: format!("note {SCRIPT}"),
    });
    let mut failed = site(
        "down",
        &format!("Down {IMG}"),
        vec![finding("a", Status::Unknown)],
    );
    failed.status = SiteStatus::Failed(FetchFailure::new(FailureKind::ConnectRefused, SCRIPT));
    let changes = [Change {
        site_id: format!("gone{SCRIPT}"),
        item_id: format!("item{IMG}"),
        before: Some(Status::Present),
        after: Some(Status::Missing),
    }];
    for lang in [Lang::Vi, Lang::En] {
        let html = render_html(&run(vec![s.clone(), failed.clone()]), &changes, lang);
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("<img"), "{html}");
        assert!(!lower.contains("href=\"javascript:"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("rel=\"nofollow noopener\""));
        assert!(
            html.contains("(7)") || html.contains(": 7)"),
            "pages searched shown"
        );
    }
}

#[test]
fn summary_is_worst_first_with_unscored_sites_last() {
    let mut down = site(
        "down",
        "Agency down",
        vec![finding("item0", Status::Unknown)],
    );
    down.status = SiteStatus::Failed(FetchFailure::new(FailureKind::ConnectRefused, "refused"));
    let sites = vec![down, scored("b80", 8), scored("b20", 2), scored("b50", 5)];
    let html = render_html(&run(sites), &[], Lang::Vi);
    let summary = &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"matrix\"").unwrap()];
    let at = |name: &str| {
        summary
            .find(name)
            .unwrap_or_else(|| panic!("{name} in summary"))
    };
    assert!(at("Agency b20") < at("Agency b50"));
    assert!(at("Agency b50") < at("Agency b80"));
    assert!(at("Agency b80") < at("Agency down"));
    assert!(summary.contains("connect_refused"));
    assert!(summary.contains(crate::report::words::failure_hint(
        FailureKind::ConnectRefused,
        Lang::Vi
    )));
    assert!(summary.contains("style=\"width:20.0%\""));
    // The per-agency sections follow the same order.
    let sections = &html[html.find("id=\"to-fix\"").unwrap()..];
    let at = |id: &str| sections.find(&format!("id=\"site-{id}\"")).unwrap();
    assert!(at("b20") < at("b50") && at("b50") < at("b80") && at("b80") < at("down"));
}

#[test]
fn english_uses_english_titles_and_words() {
    let mut f = finding("footer_address", Status::Missing);
    f.item_title = "Địa chỉ trụ sở".into();
    f.item_title_en = Some("Postal address of the agency".into());
    let mut g = finding("footer_email", Status::Stale);
    g.item_title = "Thư điện tử".into();
    let r = run(vec![site("stp", "Sở Tư pháp", vec![f, g])]);
    let en = render_html(&r, &[], Lang::En);
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Postal address of the agency"));
    assert!(!en.contains("Địa chỉ trụ sở"));
    assert!(
        en.contains("Thư điện tử"),
        "falls back to the checklist title"
    );
    assert!(en.contains("Changes since the previous run"));
    let vi = render_html(&r, &[], Lang::Vi);
    assert!(vi.contains("Địa chỉ trụ sở"));
    assert!(!vi.contains("Postal address of the agency"));
    assert!(vi.contains("Báo cáo rà soát cổng thông tin điện tử"));
    assert!(vi.contains("Thay đổi so với lần trước"));
    assert!(vi.contains("Cần bổ sung"));
}

#[test]
fn interrupted_run_shows_a_banner_and_output_is_deterministic() {
    let mut r = run(vec![scored("a", 3), scored("b", 3)]);
    assert!(!render_html(&r, &[], Lang::Vi).contains("class=\"warning\""));
    r.interrupted = true;
    let html = render_html(&r, &[], Lang::Vi);
    assert!(html.contains("class=\"warning\""));
    assert_eq!(html, render_html(&r, &[], Lang::Vi));
    assert!(!html.contains("2026-11-28T00:00:00Z"), "no run timestamp");
}

#[test]
fn anchors_are_safe_and_distinct() {
    assert_eq!(anchor("so-tu-phap"), "site-so-tu-phap");
    assert_ne!(anchor("a b"), anchor("a_b"));
    assert!(
        anchor("x\"><y")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    );
}
