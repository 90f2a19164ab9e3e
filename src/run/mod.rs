//! The values a run produces: every site's result and how its audit ended,
//! and what changed since the previous run. They sit low in the house: the
//! orchestrator builds them, and reports and history read them without
//! knowing how they were made.

use std::collections::HashMap;
use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use url::Url;

mod sites;

pub use self::sites::{SiteStore, Sites};
use crate::finding::{Finding, Status};
use crate::page::FetchFailure;
use crate::score::SiteScore;
use crate::site::CrawlStats;
use crate::target::Target;

/// How the audit of one site ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SiteStatus {
    /// Audited.
    Ok,
    /// Could not be audited.
    Failed(FetchFailure),
}

impl SiteStatus {
    /// What went wrong, if the site could not be audited.
    #[must_use]
    pub fn failure(&self) -> Option<crate::page::FailureKind> {
        match self {
            SiteStatus::Ok => None,
            SiteStatus::Failed(f) => Some(f.kind),
        }
    }

    /// `ok` or the failure code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            SiteStatus::Ok => "ok",
            SiteStatus::Failed(f) => f.kind.code(),
        }
    }
}

/// The result for one site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteResult {
    /// The target as given.
    pub target: Target,
    /// Checklist id and version it was judged by.
    pub checklist: String,
    /// Rule sets in force on the audit date.
    pub ruleset: String,
    /// How it ended.
    pub status: SiteStatus,
    /// Where the start URL led.
    pub final_url: Option<Url>,
    /// Crawl counters.
    pub crawl: CrawlStats,
    /// Pages examined.
    pub pages_crawled: usize,
    /// One per checklist item.
    pub findings: Vec<Finding>,
    /// Totals.
    pub score: SiteScore,
    /// Notes on what limited the audit (page cap, time budget, failed pages).
    pub notes: Vec<Note>,
    /// Wall time spent on the site.
    pub duration: Duration,
}

impl SiteResult {
    /// Whether the site's audit ran to its end (an interrupted run stopped
    /// it, or never started it, otherwise): only these are kept for a
    /// resume.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        !self.crawl.interrupted
            && self.status.failure() != Some(crate::page::FailureKind::Interrupted)
    }
}

/// The part of a run that one shard did, and every target of the whole
/// run, so the shards' merge can tell a missing target from a missing
/// shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOfRun {
    /// Which shard.
    pub shard: crate::shard::Shard,
    /// The ids of every target of the whole run, in file order.
    pub all_targets: Vec<String>,
}

/// A note on what limited a site's audit, as data: reports word it in the
/// reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// The page cap stopped the crawl after this many pages.
    PageCap(usize),
    /// The run was interrupted before the crawl ended.
    Interrupted,
    /// The site's time budget ran out.
    TimeBudget,
    /// This many pages failed.
    PagesFailed(usize),
    /// Pages in another language than the site's: read, and left unread
    /// once their share of the budget was spent.
    OtherLanguage {
        /// Read.
        read: usize,
        /// Left.
        left: usize,
    },
    /// The start URL redirected out of the site, so the site was not
    /// audited (without `--follow-start-redirects`).
    LeftSite(crate::page::LeftSite),
    /// The site could not be audited; the detail is the library's own words.
    NotAudited {
        /// What went wrong.
        kind: crate::page::FailureKind,
        /// The detail, for the technically minded.
        detail: String,
    },
    /// Pages built by JavaScript were rendered in a browser; requests they
    /// made that the crawler would not make were blocked.
    Rendered {
        /// Pages rendered.
        pages: usize,
        /// Requests blocked.
        blocked: usize,
        /// The first few other hosts they tried to load from.
        hosts: Vec<String>,
    },
    /// Pages that looked built by JavaScript were judged from their HTML.
    NotRendered {
        /// How many.
        pages: usize,
        /// Why.
        why: crate::site::NotRendered,
    },
}

/// A whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditRun {
    /// When the run started (UTC, RFC 3339).
    pub started_at: String,
    /// The run was stopped (Ctrl-C, SIGTERM) before every site was done; the
    /// results are partial.
    pub interrupted: bool,
    /// The date the audit is judged on.
    pub as_of: Date,
    /// Results in target order.
    pub sites: Sites,
    /// Wall time of the run.
    pub duration: Duration,
    /// When the run is one shard of a larger one (`--shard K/N`).
    #[serde(default)]
    pub shard: Option<ShardOfRun>,
    /// How pages built by JavaScript were rendered.
    #[serde(default)]
    pub render: crate::crawl::RenderSummary,
}

/// An item whose status differs from the previous run of the same site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The site.
    pub site_id: String,
    /// The item.
    pub item_id: String,
    /// Status in the previous run (`None`: the item was not in it).
    pub before: Option<Status>,
    /// Status now (`None`: the item is no longer in the checklist).
    pub after: Option<Status>,
}

impl Change {
    /// A present item that became missing or a placeholder: a regression CI
    /// can fail on.
    #[must_use]
    pub fn is_regression(&self) -> bool {
        self.before == Some(Status::Present)
            && matches!(self.after, Some(Status::Missing | Status::Placeholder))
    }
}

/// What the last run before this one said about the same sites.
#[derive(Debug, Default, Clone)]
pub struct Previous {
    /// Score per site.
    pub scores: HashMap<String, Option<f64>>,
    /// Status per (site, item).
    pub statuses: HashMap<(String, String), Status>,
}

/// What changed since the previous run: the items whose status changed and
/// each site's score change, worked out once before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunChanges {
    /// Items whose status changed, in run order then checklist order.
    pub items: Vec<Change>,
    /// Score now minus score then, per site audited both times.
    pub scores: HashMap<String, f64>,
}

impl RunChanges {
    /// The changes of `run` against what the history said before it, per
    /// site that was audited both times.
    ///
    /// # Errors
    /// When a site spilled to disk cannot be read back.
    pub fn since(previous: &Previous, run: &AuditRun) -> std::io::Result<Self> {
        let mut changes = Self::default();
        for site in run.sites.iter() {
            let site = site?;
            if let Some(before) = previous.scores.get(&site.target.id).copied().flatten()
                && let Some(now) = site.score.score
            {
                changes.scores.insert(site.target.id.clone(), now - before);
            }
            changes.items.extend(item_changes(previous, &site));
        }
        Ok(changes)
    }

    /// The score change of `site_id`, if it was scored both times.
    #[must_use]
    pub fn score_change(&self, site_id: &str) -> Option<f64> {
        self.scores.get(site_id).copied()
    }

    /// The changes that are regressions.
    pub fn regressions(&self) -> impl Iterator<Item = &Change> {
        self.items.iter().filter(|c| c.is_regression())
    }
}

/// Items of `site` whose status changed since `previous`, if it was audited
/// both times, in checklist order.
fn item_changes(previous: &Previous, site: &SiteResult) -> Vec<Change> {
    let mut changes = Vec::new();
    if !previous.scores.contains_key(&site.target.id) || site.status != SiteStatus::Ok {
        return changes;
    }
    for f in &site.findings {
        let before = previous
            .statuses
            .get(&(site.target.id.clone(), f.item_id.to_string()))
            .copied();
        if before != Some(f.status) {
            changes.push(Change {
                site_id: site.target.id.clone(),
                item_id: f.item_id.to_string(),
                before,
                after: Some(f.status),
            });
        }
    }
    changes
}
