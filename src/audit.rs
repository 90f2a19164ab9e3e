//! The orchestrator: wires targets → crawl → extract → evaluate → score for
//! every site, concurrently, and returns the run. It writes nothing; reports
//! do that.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::checklist::Checklist;
use crate::crawl::{CrawlConfig, Crawler, RenderMode, SiteCrawl};
use crate::evaluate::{
    PageContext, PageObservation, SiteAudit, observe_page, rank_links, unknown_findings,
};
use crate::extract::{RunSet, extract};
use crate::page::{FailureKind, FetchFailure, Page, PageOutcome};
use crate::parse_pool::ParsePool;
use crate::progress::Progress;
use crate::run::{AuditRun, Note, SiteResult, SiteStatus, SiteStore};
use crate::score::{SiteScore, score};
use crate::site::{CrawlStats, Lead, OpenItems, Scope};
use crate::target::Target;

/// One site to audit with the checklist it is judged by.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The site.
    pub target: Target,
    /// Its checklist.
    pub checklist: Arc<Checklist>,
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
    cancel: CancellationToken,
) -> anyhow::Result<AuditRun> {
    let store = SiteStore::in_memory(assignments.len());
    run_audit_with(
        assignments,
        crawl,
        as_of,
        progress,
        cancel,
        store,
        &mut |_| {},
    )
    .await
}

/// [`run_audit`], keeping each site's result in `store` and telling
/// `site_done` about it as it finishes (the journal that lets an
/// interrupted run resume keeps them).
///
/// # Errors
/// When the HTTP client cannot be built.
pub async fn run_audit_with(
    assignments: Vec<Assignment>,
    crawl: CrawlConfig,
    as_of: Date,
    progress: &Progress,
    cancel: CancellationToken,
    mut store: SiteStore,
    site_done: &mut (dyn FnMut(&SiteResult) + Send),
) -> anyhow::Result<AuditRun> {
    let started = Instant::now();
    let started_at = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map_or_else(|_| String::new(), |t| t.to_string());
    // A site in flight holds its crawl state and at least one request slot:
    // more sites in flight than request slots would only wait, and cost
    // memory (a task per target up front made 10,000 unreachable targets
    // peak at 877 MB).
    let sites_in_flight = crawl.concurrency.max(1);
    let crawler = Crawler::new(crawl, cancel.clone())?;
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let parsing = Arc::new(ParsePool::new(cores)?);
    let mut waiting = assignments.iter().enumerate();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.len() < sites_in_flight {
            let Some((index, assignment)) = waiting.next() else {
                break;
            };
            let (assignment, crawler) = (assignment.clone(), crawler.clone());
            let (progress, parsing) = (progress.clone(), Arc::clone(&parsing));
            tasks.spawn(async move {
                let label = assignment.target.id.clone();
                let result = audit_site(assignment, &crawler, as_of, &progress, parsing).await;
                progress.site_done(&label);
                (index, result)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        match joined {
            Ok((index, result)) => {
                site_done(&result);
                store.keep(index, result);
            }
            // A bug must not cost the other sites their results: the site
            // whose task panicked gets a row saying so (filled in below).
            Err(e) => tracing::error!("a site's audit failed inside portal-audit: {e}"),
        }
    }
    let sites = store.finish(|index| {
        let failure = FetchFailure::new(FailureKind::Internal, "the audit of this site panicked");
        failed_result(assignments[index].clone(), as_of, failure, Duration::ZERO)
    });
    Ok(AuditRun {
        started_at,
        as_of,
        sites,
        duration: started.elapsed(),
        interrupted: cancel.is_cancelled(),
        shard: None,
        render: crawler.render_summary().await,
    })
}

async fn audit_site(
    assignment: Assignment,
    crawler: &Crawler,
    as_of: Date,
    progress: &Progress,
    parsing: Arc<ParsePool>,
) -> SiteResult {
    let started = Instant::now();
    let mut crawl = match crawler.open(&assignment.target.url).await {
        Ok(crawl) => crawl,
        Err(failure) => {
            tracing::info!(site = %assignment.target.id, %failure, "site not audited");
            progress.page_fetched();
            return failed_result(assignment, as_of, failure, started.elapsed());
        }
    };
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
    let mut site = SiteState {
        render: crawl.render_mode(),
        checklist: Arc::clone(&checklist),
        scope: Arc::new(crawl.scope().clone()),
        as_of,
        chrome: None,
        not_found: None,
        main_language: None,
        parsing,
        // Until the home page is read, every item is open.
        open: (!crawl.is_exhaustive()).then(|| OpenItems::all(checklist.items.len())),
    };
    let mut audit = SiteAudit::new(&checklist);
    audit.use_sitemap_dates(&crawl.facts().lastmod, as_of);
    while let Some(page) = crawl.next_page().await {
        progress.page_fetched();
        let depth = page.depth;
        let settled = audit.settled(&checklist, depth);
        let Some(examined) = site.examine_as_seen(page, settled, &mut crawl).await else {
            tracing::warn!(site = %result.target.id, "a page could not be examined");
            continue;
        };
        if site.chrome.is_none() {
            site.adopt_home(&examined, &mut crawl).await;
        }
        crawl.enqueue(examined.links, depth, examined.observation.foreign);
        audit.record(examined.observation);
        if site.open.is_some() {
            site.open = Some(steer(
                &mut crawl,
                &mut audit,
                &checklist,
                result.target.kind,
                as_of,
            ));
        }
    }
    let facts = crawl.facts().clone();
    result.crawl = crawl.stats();
    audit.use_crawl_stats(result.crawl);
    result.pages_crawled = audit.pages_searched();
    result.findings = audit.finish(&checklist, &facts, result.target.kind, as_of);
    result.score = score(&result.findings);
    result.final_url = Some(facts.final_url);
    result.notes = crawl_notes(&result.crawl);
    result
        .notes
        .extend(render_notes(&result.crawl, crawl.blocked_hosts()));
    result.duration = started.elapsed();
    result
}

/// Tells a structure-first crawl what is still open once a page is
/// recorded, so it fetches only what can change a verdict; the first time,
/// ranks the sitemap's entries (an index: those that name an item are
/// fetched, the rest only if the crawl goes deep).
fn steer(
    crawl: &mut SiteCrawl,
    audit: &mut SiteAudit,
    checklist: &Checklist,
    kind: crate::target::SiteKind,
    as_of: Date,
) -> OpenItems {
    let open = audit.open_items(checklist, crawl.facts(), kind, as_of);
    let (leads, matching) = audit.rank_sitemap(checklist, crawl.take_sitemap());
    crawl.enqueue_sitemap(leads, matching);
    crawl.set_open(open.clone());
    open
}

/// What limited a site's crawl, for the scorecard's notes.
fn crawl_notes(stats: &CrawlStats) -> Vec<Note> {
    let mut notes = Vec::new();
    if stats.hit_page_cap {
        notes.push(Note::PageCap(stats.pages_fetched));
    }
    if stats.interrupted {
        notes.push(Note::Interrupted);
    }
    if stats.hit_time_budget {
        notes.push(Note::TimeBudget);
    }
    if stats.pages_failed > 0 {
        notes.push(Note::PagesFailed(stats.pages_failed));
    }
    if stats.foreign_skipped > 0 {
        notes.push(Note::OtherLanguage {
            read: stats.foreign_fetched,
            left: stats.foreign_skipped,
        });
    }
    notes
}

/// What rendering in a browser did, or could not do, for the site.
fn render_notes(stats: &CrawlStats, blocked: &BTreeSet<String>) -> Vec<Note> {
    let render = stats.render;
    let mut notes = Vec::new();
    if render.rendered > 0 {
        notes.push(Note::Rendered {
            pages: render.rendered,
            blocked: render.requests_blocked,
            hosts: blocked.iter().take(MAX_HOSTS_NAMED).cloned().collect(),
        });
    }
    if let Some(why) = render.why_not
        && render.not_rendered > 0
    {
        notes.push(Note::NotRendered {
            pages: render.not_rendered,
            why,
        });
    }
    notes
}

/// Hosts a note names at most when it says which were blocked.
const MAX_HOSTS_NAMED: usize = 3;

/// The row of a site that could not be audited: every applicable item unknown.
fn failed_result(
    assignment: Assignment,
    as_of: Date,
    failure: FetchFailure,
    duration: Duration,
) -> SiteResult {
    let Assignment { target, checklist } = assignment;
    let findings = unknown_findings(&checklist, target.kind, as_of, &failure);
    let (final_url, note) = match failure.left_site.as_deref() {
        // The row says where the start URL led, and why that was not audited.
        Some(left) => (Some(left.to.clone()), Note::LeftSite(left.clone())),
        None => (
            None,
            Note::NotAudited {
                kind: failure.kind,
                detail: failure.detail.clone(),
            },
        ),
    };
    SiteResult {
        checklist: format!("{}@{}", checklist.id, checklist.version),
        ruleset: checklist.rulesets_on(as_of),
        final_url,
        crawl: CrawlStats::default(),
        pages_crawled: 0,
        score: score(&findings),
        findings,
        notes: vec![note],
        status: SiteStatus::Failed(failure),
        duration,
        target,
    }
}

/// What a site's pages are judged against, shared with the blocking threads
/// that parse them.
struct SiteState {
    /// When pages are worth rendering.
    render: RenderMode,
    checklist: Arc<Checklist>,
    scope: Arc<Scope>,
    as_of: Date,
    /// The home page's text runs, once it has been examined.
    chrome: Option<Arc<RunSet>>,
    /// The site's soft-404 page's runs, if it answers 200 for anything.
    not_found: Option<Arc<RunSet>>,
    /// The language of the home page (else the checklist's): pages in
    /// another one show only the items about their language.
    main_language: Option<Arc<str>>,
    /// Shared by all sites: how many pages may be parsed at once (one per
    /// core), so parse threads and live DOMs stay bounded however many sites
    /// are crawled together.
    parsing: Arc<ParsePool>,
    /// What is still open, to rank links by; `None` for an exhaustive crawl.
    open: Option<OpenItems>,
}

/// One page, examined.
struct Examined {
    observation: PageObservation,
    links: Vec<Lead>,
    runs: RunSet,
    /// The page, given back when it is worth rendering: its HTML shows the
    /// signs of being built by JavaScript (or `--render always`).
    to_render: Option<Page>,
}

impl SiteState {
    /// Takes what the home page tells about the site: its runs and links
    /// become the chrome other pages are read against, its language the
    /// site's main one (the crawl keeps its page budget for it); and the
    /// site's answer to an address that cannot exist is read against them.
    async fn adopt_home(&mut self, home: &Examined, crawl: &mut SiteCrawl) {
        let runs = home.runs.clone();
        let scripted = home.observation.rendered || crawl.stats().render.wanted > 0;
        self.chrome = Some(Arc::new(if scripted {
            runs.built_by_script()
        } else {
            runs
        }));
        let language = home
            .observation
            .language
            .clone()
            .or_else(|| self.checklist.language.clone());
        crawl.set_main_language(language.clone());
        self.main_language = language.map(Arc::from);
        if let Some(probe) = crawl.take_not_found_probe() {
            self.not_found = self
                .examine(probe, Vec::new(), true)
                .await
                .map(|probe| Arc::new(probe.runs));
        }
    }

    /// Examines `page` as a visitor sees it: a page built by JavaScript is
    /// rendered in the browser (when the run allows) and judged from the
    /// DOM it built; else from its HTML. The first page examined is the
    /// home page: its runs become the chrome.
    async fn examine_as_seen(
        &self,
        page: Page,
        settled: Vec<bool>,
        crawl: &mut SiteCrawl,
    ) -> Option<Examined> {
        let want_runs = self.chrome.is_none();
        let mut examined = self.examine(page, settled.clone(), want_runs).await?;
        if let Some(page) = examined.to_render.take()
            && let Some(rendered) = crawl.render(&page).await
            && let Some(again) = self.examine(rendered, settled, want_runs).await
        {
            examined = again;
        }
        Some(examined)
    }

    /// Parses and judges `page` on a blocking thread; the DOM never leaves
    /// that thread. With `want_runs`, also returns what the page shares
    /// (only what the chrome lacks, once there is one). `None` if the
    /// examination panicked.
    async fn examine(&self, page: Page, settled: Vec<bool>, want_runs: bool) -> Option<Examined> {
        let checklist = Arc::clone(&self.checklist);
        let scope = Arc::clone(&self.scope);
        let (chrome, not_found, as_of) = (self.chrome.clone(), self.not_found.clone(), self.as_of);
        let main_language = self.main_language.clone();
        let open = self.open.clone();
        let render = self.render;
        self.parsing
            .run(move || {
                let facts = match &page.outcome {
                    PageOutcome::Html { body, .. } => Some(extract(
                        body,
                        &page.url,
                        &checklist.selectors,
                        &settled,
                        chrome.as_deref(),
                    )),
                    _ => None,
                };
                let cx = PageContext {
                    chrome: chrome.as_deref(),
                    not_found: not_found.as_deref(),
                    scope: &scope,
                    as_of,
                    settled: &settled,
                    main_language: main_language.as_deref(),
                };
                let observation = observe_page(&checklist, &page, facts.as_ref(), cx);
                let runs = match &facts {
                    Some(facts) if want_runs => RunSet::of(facts),
                    _ => RunSet::default(),
                };
                let links = match (&facts, &open) {
                    (Some(f), Some(open)) => rank_links(&f.links, &observation, Some(open)),
                    (Some(f), None) => f
                        .links
                        .iter()
                        .filter_map(|l| l.url.clone().map(|u| Lead::new(u, l.priority)))
                        .collect(),
                    (None, _) => Vec::new(),
                };
                let worth_rendering = match (&page.outcome, &facts) {
                    (PageOutcome::Html { rendered: true, .. }, _) | (_, None) => false,
                    (_, Some(_)) if render == RenderMode::Always => true,
                    (_, Some(facts)) => facts.render_sign.is_some(),
                };
                Examined {
                    observation,
                    links,
                    runs,
                    to_render: worth_rendering.then_some(page),
                }
            })
            .await
    }
}
