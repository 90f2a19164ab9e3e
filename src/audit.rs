//! The orchestrator: wires targets → crawl → extract → evaluate → score for
//! every site, concurrently, and returns the run. It writes nothing; reports
//! do that.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use tokio::task::JoinSet;
use url::Url;

use crate::checklist::Checklist;
use crate::crawl::{CrawlConfig, CrawlStats, Crawler, LinkPriority, Scope};
use crate::evaluate::{Chrome, SiteAudit, observe_page, unknown_findings};
use crate::extract::extract;
use crate::finding::Finding;
use crate::page::{FetchFailure, Page, PageOutcome};
use crate::progress::Progress;
use crate::score::{SiteScore, score};
use crate::target::Target;

/// One site to audit with the checklist it is judged by.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The site.
    pub target: Target,
    /// Its checklist.
    pub checklist: Arc<Checklist>,
}

/// How the audit of one site ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteStatus {
    /// Audited.
    Ok,
    /// Could not be audited.
    Failed(FetchFailure),
}

impl SiteStatus {
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
#[derive(Debug, Clone)]
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
    pub notes: Vec<String>,
    /// Wall time spent on the site.
    pub duration: Duration,
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct AuditRun {
    /// The date the audit is judged on.
    pub as_of: Date,
    /// Results in target order.
    pub sites: Vec<SiteResult>,
    /// Wall time of the run.
    pub duration: Duration,
}

/// Audits every assignment concurrently (bounded by the crawler's limits).
///
/// # Errors
/// When the HTTP client cannot be built.
pub async fn run_audit(
    assignments: Vec<Assignment>,
    crawl: CrawlConfig,
    as_of: Date,
    progress: &Progress,
) -> anyhow::Result<AuditRun> {
    let started = Instant::now();
    let crawler = Crawler::new(crawl)?;
    let mut tasks = JoinSet::new();
    for (index, assignment) in assignments.iter().cloned().enumerate() {
        let crawler = crawler.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let label = assignment.target.id.clone();
            let result = audit_site(assignment, &crawler, as_of, &progress).await;
            progress.site_done(&label);
            (index, result)
        });
    }
    let mut results: Vec<Option<SiteResult>> = vec![None; assignments.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, result) = joined?;
        results[index] = Some(result);
    }
    let sites = results
        .into_iter()
        .map(|r| r.expect("every task reports"))
        .collect();
    Ok(AuditRun {
        as_of,
        sites,
        duration: started.elapsed(),
    })
}

async fn audit_site(
    assignment: Assignment,
    crawler: &Crawler,
    as_of: Date,
    progress: &Progress,
) -> SiteResult {
    let started = Instant::now();
    let Assignment { target, checklist } = assignment;
    let mut result = SiteResult {
        checklist: format!("{}@{}", checklist.id, checklist.version),
        ruleset: checklist.rulesets_on(as_of),
        status: SiteStatus::Ok,
        final_url: None,
        crawl: CrawlStats::default(),
        pages_crawled: 0,
        findings: Vec::new(),
        score: SiteScore::default(),
        notes: Vec::new(),
        duration: Duration::ZERO,
        target,
    };
    let mut crawl = match crawler.open(&result.target.url).await {
        Ok(crawl) => crawl,
        Err(failure) => {
            tracing::info!(site = %result.target.id, %failure, "site not audited");
            progress.page_fetched();
            result.findings =
                unknown_findings(&checklist, result.target.kind, as_of, failure.kind.code());
            result.score = score(&result.findings);
            result.notes.push(failure.detail.clone());
            result.status = SiteStatus::Failed(failure);
            result.duration = started.elapsed();
            return result;
        }
    };
    let scope = Arc::new(crawl.scope().clone());
    let mut audit = SiteAudit::new(&checklist);
    let mut chrome: Option<Arc<Chrome>> = None;
    while let Some(page) = crawl.next_page().await {
        progress.page_fetched();
        let depth = page.depth;
        let (checklist_ref, chrome_ref, scope_ref) =
            (Arc::clone(&checklist), chrome.clone(), Arc::clone(&scope));
        let examined = tokio::task::spawn_blocking(move || {
            examine(&checklist_ref, &page, chrome_ref.as_deref(), &scope_ref)
        })
        .await;
        let Ok((observation, links)) = examined else {
            tracing::warn!(site = %result.target.id, "a page could not be examined");
            continue;
        };
        if let Some(first) = &observation.chrome {
            chrome = Some(Arc::new(first.clone()));
        }
        crawl.enqueue(links, depth);
        audit.record(observation);
    }
    let facts = crawl.facts().clone();
    result.crawl = crawl.stats();
    result.pages_crawled = audit.pages_searched();
    result.findings = audit.finish(&checklist, &facts, result.target.kind, as_of);
    result.score = score(&result.findings);
    result.final_url = Some(facts.final_url);
    if result.crawl.hit_page_cap {
        result.notes.push(format!(
            "page cap reached ({} pages)",
            result.crawl.pages_fetched
        ));
    }
    if result.crawl.hit_time_budget {
        result.notes.push("site time budget ran out".into());
    }
    if result.crawl.pages_failed > 0 {
        result
            .notes
            .push(format!("{} pages failed", result.crawl.pages_failed));
    }
    result.duration = started.elapsed();
    result
}

/// Parses and judges one page: runs on a blocking thread, holds the DOM only
/// inside this call.
fn examine(
    checklist: &Checklist,
    page: &Page,
    chrome: Option<&Chrome>,
    scope: &Scope,
) -> (crate::evaluate::PageObservation, Vec<(Url, LinkPriority)>) {
    let facts = match &page.outcome {
        PageOutcome::Html { body, .. } => Some(extract(body, &page.url, &checklist.selectors)),
        _ => None,
    };
    let observation = observe_page(checklist, page, facts.as_ref(), chrome, scope);
    let links = facts
        .map(|f| {
            f.links
                .into_iter()
                .filter_map(|l| l.url.map(|u| (u, l.priority)))
                .collect()
        })
        .unwrap_or_default();
    (observation, links)
}
