//! What a site is, shared by the stages that look at it: its scope (which
//! URLs belong to it), the one normal form and key a URL takes, how eagerly a
//! link is followed, which start redirects stay on the site, and the facts learnt about the site as a whole. Crawl,
//! extract and evaluate all use these values; none of them owns them.

mod same_site;
mod scope;

use std::collections::HashMap;

use url::Url;

pub use same_site::{RedirectReach, redirect_reach, registrable_domain};
pub use scope::{MAX_URL_CHARS, Scope, looks_like_trap, normalize, shape, url_key};

/// Facts about the site as a whole, learnt while opening it.
#[derive(Debug, Clone)]
pub struct SiteFacts {
    /// The start URL from the targets file.
    pub start_url: Url,
    /// Where it led after redirects.
    pub final_url: Url,
    /// Served over HTTPS with a certificate we accepted.
    pub https: bool,
    /// robots.txt answered 200.
    pub robots_txt: bool,
    /// A sitemap that answered with XML.
    pub sitemap_xml: Option<Url>,
    /// The host has an IPv6 address.
    pub ipv6: bool,
    /// Why the certificate is not valid, when `--insecure` let us in anyway.
    pub tls_problem: Option<String>,
    /// `<lastmod>` dates from the sitemap, by [`url_key`] of the page.
    pub lastmod: HashMap<u64, jiff::civil::Date>,
}

/// How eagerly a link should be fetched: by what it can still decide. A
/// person checking a portal opens the menu and footer targets first, then a
/// listing or two, then the pages whose name says they are what is still
/// missing; everything else only while something stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkPriority {
    /// Menu, header, footer, sidebar, banner and link-list entries: the
    /// sections we look for.
    Navigation = 0,
    /// The first page of a listing (news, documents): its dates judge
    /// freshness. Not its archive.
    Listing = 1,
    /// A link whose label or address names an item still open.
    Candidate = 2,
    /// Everything else.
    Body = 3,
}

/// A URL to fetch, how eagerly, and the items it may answer (for a
/// [`LinkPriority::Candidate`]; indexes into the checklist's items, which
/// the crawl treats as opaque numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// Where it goes.
    pub url: Url,
    /// How eagerly to fetch it.
    pub priority: LinkPriority,
    /// The items its label or address names.
    pub items: Vec<usize>,
}

impl Lead {
    /// A lead that names no item.
    #[must_use]
    pub fn new(url: Url, priority: LinkPriority) -> Self {
        Self {
            url,
            priority,
            items: Vec::new(),
        }
    }
}

/// What the crawl still has to answer, as the evaluation of the pages so far
/// sees it: the items not yet settled, and whether pages beyond the site's
/// structure can still change a verdict (an item's freshness not yet shown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenItems {
    /// Per checklist item, whether it is still open.
    pub open: Vec<bool>,
    /// Pages of any kind may still settle an open item: a date that shows
    /// it fresh can sit on any page.
    pub deep: bool,
    /// An open item shows by an element or a pattern (a print button, a
    /// meta tag) that may sit on articles only: a few pages of any kind
    /// are worth reading.
    pub sample: bool,
}

impl OpenItems {
    /// `items` items, all open, before anything is known.
    #[must_use]
    pub fn all(items: usize) -> Self {
        Self {
            open: vec![true; items],
            deep: true,
            sample: true,
        }
    }

    /// Whether any item is still open.
    #[must_use]
    pub fn any(&self) -> bool {
        self.open.iter().any(|o| *o)
    }

    /// Whether any of `items` is still open.
    #[must_use]
    pub fn any_of(&self, items: &[usize]) -> bool {
        items
            .iter()
            .any(|i| self.open.get(*i).copied().unwrap_or(false))
    }
}

/// Why a site's crawl stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The site was not crawled: it could not be opened (or its crawl has
    /// not ended).
    #[default]
    NotCrawled,
    /// Every link was followed.
    Exhausted,
    /// Every item was settled: nothing left to fetch could change a verdict.
    AllSettled,
    /// The page budget (`--max-pages`) ran out.
    PageBudget,
    /// The site's time budget ran out.
    TimeBudget,
    /// The run was interrupted.
    Interrupted,
}

impl StopReason {
    /// The snake_case code, as in `run.json`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            StopReason::NotCrawled => "not_crawled",
            StopReason::Exhausted => "exhausted",
            StopReason::AllSettled => "all_settled",
            StopReason::PageBudget => "page_budget",
            StopReason::TimeBudget => "time_budget",
            StopReason::Interrupted => "interrupted",
        }
    }
}

/// Counters of one site's crawl.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CrawlStats {
    /// Requests for pages (the start page included).
    pub pages_fetched: usize,
    /// Of those, the ones that failed.
    pub pages_failed: usize,
    /// Links not followed because robots.txt disallows them.
    pub robots_skipped: usize,
    /// Links not followed because they look like a crawler trap.
    pub traps_skipped: usize,
    /// The page cap stopped the crawl with links still queued.
    pub hit_page_cap: bool,
    /// The site budget ran out.
    pub hit_time_budget: bool,
    /// The run was interrupted (Ctrl-C, SIGTERM) before the crawl ended.
    pub interrupted: bool,
    /// Pages fetched in another language than the site's main one.
    pub foreign_fetched: usize,
    /// Pages in another language left unfetched: their share of the page
    /// budget was spent.
    pub foreign_skipped: usize,
    /// Why the crawl stopped.
    #[serde(default)]
    pub stopped: StopReason,
    /// Pages fetched because the site's structure links them (menu, footer,
    /// sidebar, banner, link list), the start page not counted.
    #[serde(default)]
    pub navigation_pages: usize,
    /// Pages fetched as the first page of a listing.
    #[serde(default)]
    pub listing_pages: usize,
    /// Pages fetched because their label or address names an open item.
    #[serde(default)]
    pub matching_pages: usize,
    /// Other pages fetched.
    #[serde(default)]
    pub other_pages: usize,
    /// Pages the sitemap lists (read as an index, not fetched one by one).
    #[serde(default)]
    pub sitemap_urls: usize,
    /// Of those, the ones whose address names an item.
    #[serde(default)]
    pub sitemap_matching: usize,
    /// What rendering in a browser did for the site.
    #[serde(default)]
    pub render: RenderStats,
}

/// Counters of a site's pages rendered in a browser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderStats {
    /// Pages that needed rendering: their HTML showed the signs of being
    /// built by JavaScript (or every page, with `--render always`).
    pub wanted: usize,
    /// Pages rendered, and judged from their rendered DOM.
    pub rendered: usize,
    /// Pages that needed rendering and were judged from their HTML.
    pub not_rendered: usize,
    /// Why, for the last such page.
    pub why_not: Option<NotRendered>,
    /// Time spent rendering, in milliseconds.
    pub millis: u64,
    /// Requests the rendered pages made that the crawler fetched for them.
    pub requests_fetched: usize,
    /// Requests the rendered pages made that were refused (another host,
    /// robots.txt, the page budget, a navigation away, not a GET).
    pub requests_blocked: usize,
}

/// Why a page that needed rendering was judged from its HTML instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotRendered {
    /// `--render never`.
    Off,
    /// No Chromium on `PATH` (nor at `--chromium`).
    NoChromium,
    /// The browser could not be started, crashed, or did not finish the
    /// page in time.
    BrowserFailed,
    /// The site's `--max-renders` were spent.
    RenderCap,
}

impl NotRendered {
    /// Why, in English (evaluation's evidence language).
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            NotRendered::Off => "rendering is off (--render never)",
            NotRendered::NoChromium => "Chromium not installed",
            NotRendered::BrowserFailed => "the browser failed or timed out",
            NotRendered::RenderCap => "the site's --max-renders were spent",
        }
    }
}
