//! Turns a site's findings into one weighted 0–100 score and the counts a
//! leader scans first.

use crate::finding::{Finding, Status};

/// A site's totals.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SiteScore {
    /// Weighted share of applicable items present, 0–100, one decimal.
    /// `None` when nothing could be judged (the site was not audited).
    pub score: Option<f64>,
    /// Scored items present (report-only items are never counted).
    pub present: usize,
    /// Items missing.
    pub missing: usize,
    /// Items that are empty placeholders.
    pub placeholder: usize,
    /// Items out of date.
    pub stale: usize,
    /// Items that do not apply.
    pub not_applicable: usize,
    /// Ids of the scored items needing action, in checklist order
    /// (report-only items are listed in findings, never here).
    pub needs_action: Vec<String>,
}

/// Scores findings: present earns an item's full weight, stale half, missing
/// and placeholder nothing; not-applicable, unknown and report-only items are
/// left out of both sides.
#[must_use]
pub fn score(findings: &[Finding]) -> SiteScore {
    let mut s = SiteScore::default();
    let (mut earned, mut possible) = (0.0, 0.0);
    for f in findings {
        // Report-only items are listed in findings, never counted.
        if f.report_only {
            continue;
        }
        match f.status {
            Status::Present => s.present += 1,
            Status::Missing => s.missing += 1,
            Status::Placeholder => s.placeholder += 1,
            Status::Stale => s.stale += 1,
            Status::NotApplicable => s.not_applicable += 1,
            Status::Unknown => {}
        }
        if f.status.needs_action() {
            s.needs_action.push(f.item_id.to_string());
        }
        if let Some(credit) = f.status.credit() {
            earned += credit * f.weight;
            possible += f.weight;
        }
    }
    if possible > 0.0 {
        s.score = Some((earned / possible * 1000.0).round() / 10.0);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, status: Status, weight: f64) -> Finding {
        Finding {
            item_id: id.into(),
            item_title: id.into(),
            item_title_en: None,
            status,
            evidence_url: None,
            evidence: "".into(),
            pages_searched: None,
            basis: "".into(),
            weight,
            report_only: false,
            placement: crate::finding::Placement::default(),
        }
    }

    #[test]
    fn weighted_and_skips_not_applicable() {
        let s = score(&[
            f("a", Status::Present, 3.0),
            f("b", Status::Missing, 1.0),
            f("c", Status::NotApplicable, 5.0),
            f("d", Status::Stale, 2.0),
        ]);
        // (3 + 1) / (3 + 1 + 2) = 66.7
        assert_eq!(s.score, Some(66.7));
        assert_eq!(s.needs_action, vec!["b", "d"]);
    }

    #[test]
    fn unknown_everywhere_gives_no_score() {
        assert_eq!(score(&[f("a", Status::Unknown, 1.0)]).score, None);
    }
}
