//! Unit tests of the sites store: what is spilled reads back equal, in
//! targets order, past the memory budget.

use std::time::Duration;

use super::*;
use crate::finding::{Finding, Placement, Status};
use crate::page::{FailureKind, FetchFailure, LeftSite};
use crate::run::{Note, SiteStatus};
use crate::site::CrawlStats;
use crate::target::{SiteKind, Target};

fn site(id: &str, failed: bool) -> SiteResult {
    let findings = vec![Finding {
        item_id: "budget_finance".into(),
        item_title: "Công khai ngân sách".into(),
        item_title_en: Some("Budget".into()),
        status: if failed {
            Status::Unknown
        } else {
            Status::Present
        },
        evidence_url: Some(format!("https://{id}.gov.vn/ngan-sach")),
        evidence: "menu «Công khai ngân sách»".into(),
        pages_searched: Some(14),
        basis: "Nghị định 42/2022/NĐ-CP".into(),
        weight: 2.5,
        report_only: false,
        placement: Placement::default(),
    }];
    let status = if failed {
        let mut failure = FetchFailure::new(FailureKind::ConnectRefused, "refused");
        failure.retry_after = Some(Duration::from_secs(3));
        failure.left_site = Some(Box::new(LeftSite {
            to: "https://elsewhere.example/".parse().unwrap(),
            shared_domain: None,
        }));
        SiteStatus::Failed(failure)
    } else {
        SiteStatus::Ok
    };
    SiteResult {
        target: Target {
            id: id.into(),
            name: format!("Sở {id}"),
            kind: SiteKind::District,
            url: format!("https://{id}.gov.vn/").parse().unwrap(),
            checklist: Some("vn-gov-portal".into()),
            extra: vec![("region".into(), "Bắc".into())],
        },
        checklist: "vn-gov-portal@3".into(),
        ruleset: "nd224_2026".into(),
        status,
        final_url: None,
        crawl: CrawlStats::default(),
        pages_crawled: 7,
        score: crate::score::score(&findings),
        findings,
        notes: vec![Note::PageCap(200), Note::OtherLanguage { read: 2, left: 5 }],
        duration: Duration::from_millis(1234),
    }
}

fn json(sites: &Sites) -> String {
    serde_json::to_string(sites).unwrap()
}

#[test]
fn spilled_sites_read_back_equal_in_targets_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SiteStore::spilling_past(3, dir.path(), 0).unwrap();
    // Finished out of order, as sites do.
    store.keep(2, site("c", false));
    store.keep(0, site("a", true));
    let sites = store.finish(|i| site(&format!("missing-{i}"), true));
    let expected: Sites = vec![site("a", true), site("missing-1", true), site("c", false)].into();
    assert_eq!(json(&sites), json(&expected));
    assert!(matches!(sites.entries[0], Entry::Spilled(_)));
    assert!(
        matches!(sites.entries[1], Entry::Held(_)),
        "made, not finished"
    );
    assert_eq!(sites.id(2), "c");
    assert_eq!(sites.get(0).unwrap().target.name, "Sở a");
}

#[test]
fn sites_are_held_until_the_budget_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    let one = postcard::to_stdvec(&site("a", false)).unwrap().len();
    let mut store = SiteStore::spilling_past(3, dir.path(), one * 2).unwrap();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        store.keep(i, site(id, false));
    }
    let sites = store.finish(|_| unreachable!());
    let held: Vec<bool> = sites
        .entries
        .iter()
        .map(|e| matches!(e, Entry::Held(_)))
        .collect();
    assert_eq!(held, [true, true, false]);
}

#[test]
fn arranged_follows_the_order_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SiteStore::spilling_past(0, dir.path(), 0).unwrap();
    for id in ["b", "x", "a"] {
        store.push(site(id, false));
    }
    let sites = store.finish(|_| unreachable!());
    let arranged = sites.arranged(["a", "b", "nobody"]);
    let ids: Vec<&str> = (0..arranged.len()).map(|i| arranged.id(i)).collect();
    assert_eq!(ids, ["a", "b", "x"]);
}

#[test]
fn the_finder_finds_sites_in_any_order() {
    let sites: Sites = vec![site("a", false), site("b", false), site("c", true)].into();
    let mut finder = sites.finder();
    for id in ["b", "b", "c", "a", "c"] {
        assert_eq!(finder.find(id).unwrap().unwrap().target.id, id);
    }
    assert!(finder.find("nobody").unwrap().is_none());
    assert!(Sites::default().finder().find("a").unwrap().is_none());
}

#[test]
fn a_damaged_spill_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SiteStore::spilling_past(1, dir.path(), 0).unwrap();
    store.keep(0, site("a", false));
    let sites = store.finish(|_| unreachable!());
    let Entry::Spilled(spilled) = &sites.entries[0] else {
        panic!("spilled")
    };
    spilled.file.set_len(spilled.length as u64 / 2).unwrap();
    assert!(sites.get(0).is_err());
    assert!(serde_json::to_string(&sites).is_err());
}
