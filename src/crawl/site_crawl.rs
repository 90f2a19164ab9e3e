//! One site being crawled: hands out fetched pages one at a time while
//! keeping a bounded number of polite fetches in flight, within the page
//! cap, the depth limit and the site's time budget. The orchestrator tells
//! it which items are still open; once nothing queued can change a verdict,
//! the site is done, whatever budget is left.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::decode::decode_html;
use super::frontier::Frontier;
use super::politeness::{Fetched, Pace, Permit};
use super::render::{RenderJob, RenderMode, Renderer, SiteTab, render_page};
use super::{CrawlConfig, Expect, Fetcher, page_from};
use crate::labels::path_language;
use crate::page::{Page, PageOutcome};
use crate::site::{
    CrawlStats, Lead, LinkPriority, NotRendered, OpenItems, Scope, SiteFacts, StopReason, url_key,
};

/// One site being crawled. Ask for pages with [`SiteCrawl::next_page`] and
/// feed their links back with [`SiteCrawl::enqueue`].
#[derive(Debug)]
pub struct SiteCrawl {
    fetcher: Fetcher,
    config: Arc<CrawlConfig>,
    facts: SiteFacts,
    scope: Arc<Scope>,
    permit: Permit,
    pace: Pace,
    frontier: Frontier,
    fetched: Fetched,
    inflight: JoinSet<(u64, Page)>,
    /// Pages fetched and not yet handed out, by launch number: a
    /// structure-first crawl hands pages out in the order it launched
    /// them, so what it fetches next never depends on which server answered
    /// first (the same site gives the same audit, page for page).
    done: BTreeMap<u64, Option<Page>>,
    /// Launch number of each fetch in flight, to tell a fetch that panicked.
    launches: HashMap<tokio::task::Id, u64>,
    /// The next launch number, and the next to hand out.
    launched: u64,
    handed_out: u64,
    first: Option<Page>,
    not_found_probe: Option<Page>,
    cancel: CancellationToken,
    deadline: Instant,
    stats: CrawlStats,
    /// The site's main language, once known: pages in another get at most
    /// [`FOREIGN_SHARE`] of the page budget.
    main_language: Option<String>,
    /// What is still open, once the orchestrator has said (until then,
    /// everything is).
    open: Option<OpenItems>,
    /// Pages the sitemap lists, for the orchestrator to rank (a structure-
    /// first crawl reads the sitemap as an index).
    sitemap: Vec<Url>,
    /// The run's browser, for pages built by JavaScript.
    renderer: Arc<Renderer>,
    /// Hosts other than the site's that rendered pages tried to load from
    /// (refused).
    blocked_hosts: BTreeSet<String>,
    /// `--render-allow-host`, shared with the fetches of rendered pages.
    allow_hosts: Arc<[String]>,
    /// Renders started, whether they succeeded or not (`--max-renders`).
    renders_tried: usize,
    /// The site's browser context and tab, once a page was rendered.
    tab: Option<SiteTab>,
}

impl Drop for SiteCrawl {
    fn drop(&mut self) {
        if let Some(tab) = self.tab.take() {
            tab.close();
        }
    }
}

/// The share of the page budget (one part in this many) that pages in
/// another language than the site's may take: enough to judge the English
/// version, never enough to crowd out the site itself.
const FOREIGN_SHARE: usize = 10;

/// Pages outside the site's structure read while an open item may show on
/// any page (a print button on articles): a person checking the portal
/// opens one or two articles too.
const SAMPLE_PAGES: usize = 3;

/// What opening a site produced, to start its crawl from.
pub(super) struct Opened {
    pub(super) fetcher: Fetcher,
    pub(super) config: Arc<CrawlConfig>,
    pub(super) cancel: CancellationToken,
    pub(super) renderer: Arc<Renderer>,
    pub(super) deadline: Instant,
    pub(super) facts: SiteFacts,
    pub(super) permit: Permit,
    pub(super) pace: Pace,
    /// The start page, already fetched.
    pub(super) first: Page,
    pub(super) not_found_probe: Option<Page>,
    /// Sitemap URLs requested while opening: never fetched again.
    pub(super) sitemaps_tried: Vec<Url>,
    /// Pages the sitemap lists, queued first.
    pub(super) seeds: Vec<Url>,
}

impl SiteCrawl {
    pub(super) fn new(opened: Opened) -> Self {
        let Opened {
            fetcher,
            config,
            cancel,
            renderer,
            deadline,
            facts,
            permit,
            pace,
            first,
            not_found_probe,
            sitemaps_tried,
            seeds,
        } = opened;
        let mut seen: HashSet<u64> = sitemaps_tried.iter().map(url_key).collect();
        seen.insert(url_key(&facts.start_url));
        seen.insert(url_key(&facts.final_url));
        let fetched = Arc::new(Mutex::new(seen.clone()));
        let exhaustive = config.exhaustive;
        let mut crawl = Self {
            fetcher,
            frontier: Frontier::new(config.max_pages, seen, exhaustive),
            config,
            scope: Arc::new(Scope::of(&facts.final_url)),
            facts,
            permit,
            pace,
            fetched,
            inflight: JoinSet::new(),
            done: BTreeMap::new(),
            launches: HashMap::new(),
            launched: 0,
            handed_out: 0,
            first: Some(first),
            not_found_probe,
            cancel,
            deadline,
            stats: CrawlStats {
                pages_fetched: 1,
                sitemap_urls: seeds.len(),
                ..CrawlStats::default()
            },
            main_language: None,
            open: None,
            sitemap: Vec::new(),
            allow_hosts: renderer.config().allow_hosts.clone().into(),
            renderer,
            blocked_hosts: BTreeSet::new(),
            renders_tried: 0,
            tab: None,
        };
        if exhaustive {
            let seeds = seeds.into_iter().map(|u| Lead::new(u, LinkPriority::Body));
            crawl.enqueue(seeds, 0, false);
        } else {
            crawl.sitemap = seeds;
        }
        crawl
    }

    /// The pages the sitemap lists, for the caller to rank and queue with
    /// [`SiteCrawl::enqueue_sitemap`]; empty for an exhaustive crawl, which
    /// queued them all. Taken once.
    pub fn take_sitemap(&mut self) -> Vec<Url> {
        std::mem::take(&mut self.sitemap)
    }

    /// Queues the sitemap's pages the caller chose, ranked; `matching` of
    /// them name an item.
    pub fn enqueue_sitemap(&mut self, mut leads: Vec<Lead>, matching: usize) {
        if leads.is_empty() {
            return;
        }
        self.stats.sitemap_matching = matching;
        // Those that name an item first; of the rest, no more than a crawl
        // could fetch.
        leads.sort_by_key(|l| l.priority);
        leads.truncate(matching.max(self.config.max_pages));
        if self.config.max_depth > 0 {
            self.frontier
                .push_index(leads, &self.permit, &mut self.stats);
        }
    }

    /// Tells the crawl what is still open. Once nothing queued can settle
    /// an open item, it stops fetching (an exhaustive crawl ignores this).
    pub fn set_open(&mut self, open: OpenItems) {
        if self.config.exhaustive {
            return;
        }
        self.frontier.retier(&open);
        self.open = Some(open);
    }

    /// Whether a URL ranked `priority` can still change a verdict.
    fn wanted(&self, priority: LinkPriority) -> bool {
        let Some(open) = &self.open else {
            return true;
        };
        match priority {
            _ if !open.any() => false,
            LinkPriority::Navigation | LinkPriority::Listing | LinkPriority::Candidate => true,
            LinkPriority::Body => {
                open.deep || (open.sample && self.stats.other_pages < SAMPLE_PAGES)
            }
        }
    }

    /// Why the crawl is over, with nothing in flight; sets the flags the
    /// notes read.
    fn stop_reason(&mut self) -> StopReason {
        match self.frontier.best() {
            None => StopReason::Exhausted,
            Some(best) if !self.wanted(best) => StopReason::AllSettled,
            Some(_) if self.stats.pages_fetched >= self.config.max_pages => {
                self.stats.hit_page_cap = true;
                StopReason::PageBudget
            }
            Some(_) if Instant::now() >= self.deadline => {
                self.stats.hit_time_budget = true;
                StopReason::TimeBudget
            }
            Some(_) => StopReason::Exhausted,
        }
    }

    /// Facts about the site.
    #[must_use]
    pub fn facts(&self) -> &SiteFacts {
        &self.facts
    }

    /// Whether the crawl reads every page within its limits.
    #[must_use]
    pub fn is_exhaustive(&self) -> bool {
        self.config.exhaustive
    }

    /// The site's scope.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The site's answer to an address that cannot exist, when it answered
    /// 200 with a page (a soft 404). Taken once.
    pub fn take_not_found_probe(&mut self) -> Option<Page> {
        self.not_found_probe.take()
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> CrawlStats {
        self.stats
    }

    /// Sets the site's main language (`vi`), as its home page shows it.
    pub fn set_main_language(&mut self, language: Option<String>) {
        self.main_language = language;
    }

    /// Queues links found on a page at `depth`; their pages will be at
    /// `depth + 1`. `from_foreign` when that page is in another language
    /// than the site's. Off-site, disallowed, already seen and too deep
    /// links are dropped.
    pub fn enqueue(
        &mut self,
        links: impl IntoIterator<Item = Lead>,
        depth: u32,
        from_foreign: bool,
    ) {
        let depth = depth + 1;
        if depth > self.config.max_depth {
            return;
        }
        self.frontier
            .push_all(links, depth, from_foreign, &self.permit, &mut self.stats);
    }

    /// Whether `url` is in another language than the site's: its address
    /// says so (`/en/`), or it was found on such a page and its address
    /// does not say otherwise.
    fn is_foreign(&self, url: &Url, from_foreign: bool) -> bool {
        let Some(main) = self.main_language.as_deref() else {
            return false;
        };
        path_language(url).map_or(from_foreign, |language| language != main)
    }

    /// The next fetched page, or `None` when the crawl is over (frontier
    /// empty, page cap reached, or site budget spent).
    pub async fn next_page(&mut self) -> Option<Page> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        loop {
            self.launch();
            if let Some(page) = self.hand_out() {
                return Some(page);
            }
            if self.inflight.is_empty() {
                self.stats.stopped = self.stop_reason();
                return None;
            }
            let next = tokio::select! {
                // Ctrl-C or SIGTERM: stop fetching, keep what we have.
                () = self.cancel.cancelled() => {
                    self.stop();
                    self.stats.interrupted = true;
                    self.stats.stopped = StopReason::Interrupted;
                    return None;
                }
                // The next page to finish, within the site budget.
                next = tokio::time::timeout_at(self.deadline, self.inflight.join_next_with_id()) => next,
            };
            match next {
                Ok(Some(Ok((id, (number, page))))) => {
                    self.launches.remove(&id);
                    if let PageOutcome::Failed(failure) = &page.outcome {
                        self.stats.pages_failed += 1;
                        self.pace.slow_down(failure);
                    }
                    self.done.insert(number, Some(page));
                }
                Ok(Some(Err(e))) => {
                    self.stats.pages_failed += 1;
                    if let Some(number) = self.launches.remove(&e.id()) {
                        self.done.insert(number, None);
                    }
                }
                Ok(None) => return None,
                Err(_) => {
                    self.stop();
                    self.stats.hit_time_budget = true;
                    self.stats.stopped = StopReason::TimeBudget;
                    return None;
                }
            }
        }
    }

    /// The next fetched page to hand out: in launch order for a
    /// structure-first crawl, as they finish for an exhaustive one.
    fn hand_out(&mut self) -> Option<Page> {
        loop {
            let page = if self.config.exhaustive {
                self.done.pop_first()?.1
            } else {
                let page = self.done.remove(&self.handed_out)?;
                self.handed_out += 1;
                page
            };
            if page.is_some() {
                return page;
            }
        }
    }

    /// Renders `page` in the browser, if the run's settings, the site's
    /// render cap and the browser allow: the page as a visitor sees it once
    /// its scripts have run. `None` when it was not rendered (the reason is
    /// counted; the page is then judged from its HTML). Call only for pages
    /// that need it (see [`RenderMode`]).
    pub async fn render(&mut self, page: &Page) -> Option<Page> {
        let PageOutcome::Html { status, body, .. } = &page.outcome else {
            return None;
        };
        self.stats.render.wanted += 1;
        let renderer = Arc::clone(&self.renderer);
        let config = renderer.config();
        if config.mode == RenderMode::Never {
            return self.not_rendered(NotRendered::Off);
        }
        if self.renders_tried >= config.max_renders {
            return self.not_rendered(NotRendered::RenderCap);
        }
        let (_slot, live) = tokio::select! {
            () = self.cancel.cancelled() => return None,
            browser = renderer.browser() => match browser {
                Ok(browser) => browser,
                Err(why) => return self.not_rendered(why),
            },
        };
        self.renders_tried += 1;
        let started = Instant::now();
        let job = RenderJob {
            page: &page.url,
            html: body,
            permit: &self.permit,
            fetcher: &self.fetcher,
            pace: &mut self.pace,
            allow_hosts: &self.allow_hosts,
            pages_left: self
                .config
                .max_pages
                .saturating_sub(self.stats.pages_fetched),
            deadline: (started + config.timeout).min(self.deadline),
        };
        let rendered = tokio::select! {
            () = self.cancel.cancelled() => return None,
            rendered = render_page(&mut self.tab, live, job) => rendered,
        };
        let stats = &mut self.stats.render;
        stats.millis += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        stats.requests_fetched += rendered.fetched;
        stats.requests_blocked += rendered.blocked.len();
        self.stats.pages_fetched += rendered.frames;
        for (why, host) in rendered.blocked {
            if why == super::render::Blocked::OtherHost {
                self.blocked_hosts.insert(host);
            }
        }
        let Some(html) = rendered.html else {
            return self.not_rendered(NotRendered::BrowserFailed);
        };
        self.stats.render.rendered += 1;
        Some(Page {
            requested: page.requested.clone(),
            url: page.url.clone(),
            depth: page.depth,
            outcome: PageOutcome::Html {
                status: *status,
                body: decode_html(html.as_bytes(), Some("text/html; charset=utf-8")),
                rendered: true,
            },
        })
    }

    fn not_rendered(&mut self, why: NotRendered) -> Option<Page> {
        self.stats.render.not_rendered += 1;
        self.stats.render.why_not = Some(why);
        None
    }

    /// Hosts other than the site's that rendered pages tried to load from
    /// and were refused.
    #[must_use]
    pub fn blocked_hosts(&self) -> &BTreeSet<String> {
        &self.blocked_hosts
    }

    /// When and how pages are rendered.
    #[must_use]
    pub fn render_mode(&self) -> RenderMode {
        self.renderer.config().mode
    }

    /// Abandons the fetches in flight and everything queued.
    fn stop(&mut self) {
        self.inflight.abort_all();
        self.done.clear();
        self.frontier.clear();
    }

    /// Starts queued fetches while the pace, the page cap and the budget
    /// allow.
    fn launch(&mut self) {
        let now = Instant::now();
        while self.pace.has_room(self.inflight.len() + self.done.len())
            && self.stats.pages_fetched < self.config.max_pages
            && now < self.deadline
        {
            match self.frontier.best() {
                Some(best) if self.wanted(best) => {}
                _ => break,
            }
            let Some(popped) = self.frontier.pop() else {
                break;
            };
            let (url, depth, from_foreign) = (popped.url, popped.depth, popped.from_foreign);
            if self.is_foreign(&url, from_foreign) {
                if self.stats.foreign_fetched >= (self.config.max_pages / FOREIGN_SHARE).max(1) {
                    self.stats.foreign_skipped += 1;
                    // Judged foreign only by the page that linked it: a
                    // main-language page that links it later may queue it.
                    if path_language(&url).is_none() {
                        self.frontier.forget(&url);
                    }
                    continue;
                }
                self.stats.foreign_fetched += 1;
            }
            let slot = self.pace.book(now);
            self.stats.pages_fetched += 1;
            *match popped.priority {
                LinkPriority::Navigation => &mut self.stats.navigation_pages,
                LinkPriority::Listing => &mut self.stats.listing_pages,
                LinkPriority::Candidate => &mut self.stats.matching_pages,
                LinkPriority::Body => &mut self.stats.other_pages,
            } += 1;
            // Claimed at launch, so a redirect to a page still in flight is
            // not fetched a second time.
            if let Ok(mut claimed) = self.fetched.lock() {
                claimed.insert(url_key(&url));
            }
            let fetcher = self.fetcher.clone();
            let fetched = Arc::clone(&self.fetched);
            let permit = self.permit.page(url.clone(), Arc::clone(&fetched));
            let number = self.launched;
            self.launched += 1;
            let task = self.inflight.spawn(async move {
                tokio::time::sleep_until(slot).await;
                let outcome = fetcher
                    .fetch(&url, Expect::Html, &|u: &Url| permit.check(u))
                    .await;
                let page = page_from(url, depth, outcome);
                if let Ok(mut fetched) = fetched.lock() {
                    fetched.insert(url_key(&page.requested));
                    fetched.insert(url_key(&page.url));
                }
                (number, page)
            });
            self.launches.insert(task.id(), number);
        }
    }
}
