//! The crawler: the only part of portal-audit that touches the network. It
//! opens a site (robots.txt, start page, sitemap probe), then hands out pages
//! one at a time while keeping a bounded number of polite fetches in flight.
//! It never looks inside a page: the orchestrator extracts links and gives
//! them back with [`SiteCrawl::enqueue`].

mod decode;
mod fetch;
mod robots;
mod sitemap;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use decode::decode_html;
pub use fetch::{Body, Expect, FetchConfig, Fetched, Fetcher};
pub use robots::{ROBOTS_AGENT, RobotsRules};
pub use sitemap::{SitemapEntries, parse_sitemap};

use crate::page::{FailureKind, FetchFailure, Page, PageOutcome};
use crate::site::{
    CrawlStats, LinkPriority, Scope, SiteFacts, looks_like_trap, normalize, shape, url_key,
};

/// Default cap on pages fetched per site.
pub const DEFAULT_MAX_PAGES: usize = 200;
/// Default cap on link depth from the start page.
pub const DEFAULT_MAX_DEPTH: u32 = 3;
/// Default connections per host.
pub const DEFAULT_PER_HOST: usize = 4;
/// Default requests in flight across all sites.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Default limit for one request, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 20;
/// Default time budget for one site, in seconds.
pub const DEFAULT_SITE_BUDGET_SECS: u64 = 600;
/// Default cap on a body after decompression.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Default extra tries after a transient failure.
pub const DEFAULT_RETRIES: usize = 2;
/// Default cap on redirects for one URL.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
/// Longest Crawl-delay we honour; a longer one is capped (and the site budget
/// then bounds the crawl).
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);
/// URLs of one shape (see [`shape`]) always allowed per site; larger page
/// caps allow a quarter of the cap.
const MIN_URLS_PER_SHAPE: usize = 25;
/// Sitemap files read per site at most (candidates, then children of an index).
const MAX_SITEMAP_FILES: usize = 3;
/// Links remembered per site, beyond which new ones are ignored.
const SEEN_PER_PAGE_BUDGET: usize = 50;

/// Limits and politeness for a crawl.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// HTTP client settings.
    pub fetch: FetchConfig,
    /// Pages fetched per site at most (the start page included).
    pub max_pages: usize,
    /// Link depth at most.
    pub max_depth: u32,
    /// Requests in flight per site at most.
    pub per_host: usize,
    /// Requests in flight across all sites at most.
    pub concurrency: usize,
    /// Wall-clock budget per site; the crawl stops fetching when it runs out.
    pub site_budget: Duration,
    /// Smallest gap between two requests to one site.
    pub min_interval: Duration,
}

/// Opens sites for crawling; shares one HTTP client and connection budget.
#[derive(Debug, Clone)]
pub struct Crawler {
    fetcher: Fetcher,
    /// Validates certificates even when `--insecure` lets the crawl go on,
    /// so that the https finding stays true.
    strict: Option<Fetcher>,
    config: Arc<CrawlConfig>,
    cancel: CancellationToken,
}

impl Crawler {
    /// Builds the crawler.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: CrawlConfig, cancel: CancellationToken) -> anyhow::Result<Self> {
        let fetcher = Fetcher::new(config.fetch.clone(), config.concurrency)?;
        let strict = if config.fetch.insecure {
            let strict_config = FetchConfig {
                insecure: false,
                retries: 0,
                ..config.fetch.clone()
            };
            Some(Fetcher::new(strict_config, config.concurrency)?)
        } else {
            None
        };
        Ok(Self {
            fetcher,
            strict,
            config: Arc::new(config),
            cancel,
        })
    }

    /// Opens a site: reads robots.txt, fetches the start page (following its
    /// redirects, which fix the site's scope) and probes for a sitemap.
    ///
    /// # Errors
    /// A [`FetchFailure`] when the site cannot be audited at all.
    pub async fn open(&self, start: &Url) -> Result<SiteCrawl, FetchFailure> {
        let deadline = Instant::now() + self.config.site_budget;
        tokio::select! {
            // Ctrl-C or SIGTERM: give up on this site at once.
            () = self.cancel.cancelled() => Err(FetchFailure::new(FailureKind::Interrupted, "the audit was interrupted")),
            // The site budget covers opening too.
            opened = tokio::time::timeout_at(deadline, self.open_inner(start, deadline)) => match opened {
                Ok(result) => result,
                Err(_) => Err(FetchFailure::new(
                    FailureKind::Timeout,
                    "the site budget ran out while opening the site",
                )),
            },
        }
    }

    async fn open_inner(&self, start: &Url, deadline: Instant) -> Result<SiteCrawl, FetchFailure> {
        let start = normalize(start)
            .ok_or_else(|| FetchFailure::new(FailureKind::InvalidUrl, start.to_string()))?;
        let start_scope = Scope::of(&start);
        let mut robots = Arc::new(self.read_robots(&start, &start_scope).await?);
        let mut robots_txt = matches!(*robots, RobotsRules::Parsed(_));
        let start_robots = Arc::clone(&robots);
        let start_origin = start.origin();
        let start_is_private = is_private_address(&start);
        let fetched = self
            .fetcher
            .fetch(&start, Expect::Html, &move |u: &Url| {
                if is_private_address(u) && !start_is_private {
                    // A public site must not send us into a private network.
                    Err(FetchFailure::new(
                        FailureKind::RedirectOutOfScope,
                        format!("redirect to a private address {u}"),
                    ))
                } else if u.origin() == start_origin && !start_robots.allows(u) {
                    Err(FetchFailure::new(
                        FailureKind::RobotsDisallowed,
                        format!("robots.txt disallows {u}"),
                    ))
                } else {
                    Ok(())
                }
            })
            .await?;
        let final_url = normalize(&fetched.final_url).unwrap_or_else(|| fetched.final_url.clone());
        let scope = Scope::of(&final_url);
        if final_url.origin() != start.origin() {
            robots = Arc::new(self.read_robots(&final_url, &scope).await?);
            robots_txt = matches!(*robots, RobotsRules::Parsed(_));
            if !robots.allows(&final_url) {
                return Err(FetchFailure::new(
                    FailureKind::RobotsDisallowed,
                    format!("robots.txt disallows {final_url}"),
                ));
            }
        }
        let outcome = match fetched.body {
            Body::Html(body) => PageOutcome::Html {
                status: fetched.status,
                body,
            },
            _ => {
                return Err(FetchFailure::new(
                    FailureKind::NotHtml,
                    format!(
                        "the start page is {}",
                        fetched.content_type.unwrap_or_else(|| "not HTML".into())
                    ),
                ));
            }
        };
        // Independent probes: run them together, not one round trip after another.
        let (sitemap, not_found_probe, ipv6, tls_problem) = tokio::join!(
            self.probe_sitemap(&final_url, &scope, &robots),
            self.probe_not_found(&final_url, &scope, &robots),
            has_ipv6(&final_url),
            self.check_certificate(&final_url),
        );
        let interval = robots.crawl_delay().map_or(self.config.min_interval, |d| {
            d.min(MAX_CRAWL_DELAY).max(self.config.min_interval)
        });
        let mut seen: HashSet<u64> = sitemap.tried.iter().map(url_key).collect();
        seen.insert(url_key(&start));
        seen.insert(url_key(&final_url));
        let fetched = Arc::new(Mutex::new(seen.clone()));
        let first = Page {
            requested: start.clone(),
            url: final_url.clone(),
            depth: 0,
            outcome,
        };
        let mut crawl = SiteCrawl {
            fetcher: self.fetcher.clone(),
            config: Arc::clone(&self.config),
            facts: SiteFacts {
                start_url: start,
                https: final_url.scheme() == "https",
                final_url,
                robots_txt,
                sitemap_xml: sitemap.found,
                ipv6,
                tls_problem,
                lastmod: sitemap
                    .lastmod
                    .iter()
                    .filter_map(|(u, d)| normalize(u).map(|u| (url_key(&u), *d)))
                    .collect(),
            },
            cancel: self.cancel.clone(),
            not_found_probe,
            scope: Arc::new(scope),
            robots,
            frontier: BinaryHeap::new(),
            seen,
            shapes: HashMap::new(),
            fetched,
            sequence: 0,
            inflight: JoinSet::new(),
            first: Some(first),
            interval,
            next_slot: Instant::now(),
            deadline,
            stats: CrawlStats {
                pages_fetched: 1,
                ..CrawlStats::default()
            },
        };
        crawl.enqueue(
            sitemap.seeds.into_iter().map(|u| (u, LinkPriority::Body)),
            0,
        );
        Ok(crawl)
    }

    async fn read_robots(&self, site: &Url, scope: &Scope) -> Result<RobotsRules, FetchFailure> {
        let Ok(robots_url) = site.join("/robots.txt") else {
            return Ok(RobotsRules::AllowAll);
        };
        let in_scope = |u: &Url| {
            if scope.contains(u) {
                Ok(())
            } else {
                Err(FetchFailure::new(
                    FailureKind::RedirectOutOfScope,
                    u.to_string(),
                ))
            }
        };
        match self
            .fetcher
            .fetch(&robots_url, Expect::Raw, &in_scope)
            .await
        {
            Ok(Fetched {
                body: Body::Raw(bytes),
                ..
            }) => Ok(RobotsRules::parse(&bytes)),
            Ok(_) => Ok(RobotsRules::AllowAll),
            Err(f) => match f.kind {
                FailureKind::Http5xx => Ok(RobotsRules::DisallowAll),
                // No usable robots.txt (404, redirect elsewhere, too big, …): no restrictions.
                FailureKind::Http4xx
                | FailureKind::RedirectOutOfScope
                | FailureKind::BodyTooLarge
                | FailureKind::TooManyRedirects
                | FailureKind::RedirectLoop
                | FailureKind::InvalidUrl
                | FailureKind::EmptyResponse
                | FailureKind::NotHtml => Ok(RobotsRules::AllowAll),
                // The host itself is unreachable: that is the site's outcome.
                _ => Err(f),
            },
        }
    }

    /// With `--insecure`, asks again with certificate checks on, so that the
    /// https finding can say what is wrong.
    async fn check_certificate(&self, url: &Url) -> Option<String> {
        let strict = self.strict.as_ref()?;
        if url.scheme() != "https" {
            return None;
        }
        // Only the handshake matters: no redirect is followed anywhere.
        let only_this = |u: &Url| {
            if u == url {
                Ok(())
            } else {
                Err(FetchFailure::new(
                    FailureKind::RedirectOutOfScope,
                    u.to_string(),
                ))
            }
        };
        match strict.fetch_once(url, Expect::Raw, &only_this).await {
            Err(f)
                if matches!(
                    f.kind,
                    FailureKind::TlsInvalidCert | FailureKind::TlsHandshake
                ) =>
            {
                Some(format!("{}: {}", f.kind, f.detail))
            }
            _ => None,
        }
    }

    /// Asks for an address that cannot exist. A site that answers it with a
    /// 200 page is one that answers every broken link the same way (a soft
    /// 404); that page is kept so its content can be recognised elsewhere.
    async fn probe_not_found(
        &self,
        site: &Url,
        scope: &Scope,
        robots: &RobotsRules,
    ) -> Option<Page> {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            ^ std::process::id();
        let probe = site
            .join(&format!("/portal-audit-probe-{nonce:08x}-khong-ton-tai"))
            .ok()?;
        if !robots.allows(&probe) {
            return None;
        }
        let permit = |u: &Url| {
            if scope.contains(u) && robots.allows(u) {
                Ok(())
            } else {
                Err(FetchFailure::new(
                    FailureKind::RedirectOutOfScope,
                    u.to_string(),
                ))
            }
        };
        match self.fetcher.fetch(&probe, Expect::Html, &permit).await {
            Ok(fetched) => Some(page_from(probe, 1, Ok(fetched))),
            Err(_) => None,
        }
    }

    /// The first candidate that answers with a sitemap, every URL tried, and
    /// the pages it (and up to three child sitemaps) lists, to seed the crawl.
    async fn probe_sitemap(&self, site: &Url, scope: &Scope, robots: &RobotsRules) -> SitemapProbe {
        let mut candidates: Vec<Url> = robots
            .sitemaps()
            .iter()
            .filter_map(|s| site.join(s).ok())
            .filter(|u| scope.contains(u))
            .collect();
        if let Ok(default) = site.join("/sitemap.xml")
            && !candidates.contains(&default)
        {
            candidates.push(default);
        }
        let permit = |u: &Url| {
            if scope.contains(u) && robots.allows(u) {
                Ok(())
            } else {
                Err(FetchFailure::new(
                    FailureKind::RobotsDisallowed,
                    u.to_string(),
                ))
            }
        };
        let max = self.config.max_pages;
        let mut probe = SitemapProbe::default();
        for candidate in candidates.into_iter().take(MAX_SITEMAP_FILES) {
            probe.tried.push(candidate.clone());
            let Ok(Fetched {
                body: Body::Raw(bytes),
                final_url,
                ..
            }) = self.fetcher.fetch(&candidate, Expect::Raw, &permit).await
            else {
                continue;
            };
            if !looks_like_sitemap(&bytes) {
                continue;
            }
            probe.tried.push(final_url.clone());
            let entries = parse_sitemap(&bytes, &final_url, max);
            if entries.pages.is_empty() && entries.children.is_empty() {
                continue; // gzip or XML that lists nothing is no sitemap
            }
            probe.seeds = entries.pages;
            probe.lastmod = entries.lastmod;
            for child in entries
                .children
                .into_iter()
                .filter(|c| scope.contains(c))
                .take(MAX_SITEMAP_FILES)
            {
                if probe.seeds.len() >= max {
                    break;
                }
                probe.tried.push(child.clone());
                if let Ok(Fetched {
                    body: Body::Raw(bytes),
                    final_url,
                    ..
                }) = self.fetcher.fetch(&child, Expect::Raw, &permit).await
                {
                    let child_entries = parse_sitemap(&bytes, &final_url, max);
                    probe.seeds.extend(child_entries.pages);
                    probe.lastmod.extend(child_entries.lastmod);
                }
            }
            probe.seeds.truncate(max);
            probe.found = Some(final_url);
            break;
        }
        probe
    }
}

/// What probing for a sitemap found.
#[derive(Debug, Default)]
struct SitemapProbe {
    /// The sitemap that answered.
    found: Option<Url>,
    /// Every sitemap URL requested.
    tried: Vec<Url>,
    /// Pages it lists.
    seeds: Vec<Url>,
    /// Pages with a `<lastmod>`.
    lastmod: Vec<(Url, jiff::civil::Date)>,
}

/// Whether `url`'s host is an IP address of a private, loopback, link-local
/// or unspecified range (names are not resolved here).
fn is_private_address(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
        }
        Some(url::Host::Ipv6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || ip.is_unspecified()
                || first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
        }
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
#[test]
fn private_addresses_are_recognised() {
    for private in [
        "http://10.0.0.5/",
        "http://169.254.169.254/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://localhost/",
        "http://0.0.0.0/",
    ] {
        assert!(
            is_private_address(&Url::parse(private).unwrap()),
            "{private}"
        );
    }
    for public in [
        "https://stp.hoabinh.gov.vn/",
        "http://203.162.0.1/",
        "http://[2001:db8::1]/",
    ] {
        assert!(
            !is_private_address(&Url::parse(public).unwrap()),
            "{public}"
        );
    }
}

async fn has_ipv6(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(domain)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((domain.to_owned(), port));
            match tokio::time::timeout(Duration::from_secs(5), lookup).await {
                Ok(Ok(mut addrs)) => addrs.any(|a| a.is_ipv6()),
                _ => false,
            }
        }
        _ => false,
    }
}

fn looks_like_sitemap(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return true; // gzip-compressed sitemap
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    head.contains("<urlset") || head.contains("<sitemapindex")
}

/// A queued URL; ordered so that shallower and higher-priority links come first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    key: Reverse<(u32, u8, u64)>,
    url: Url,
}

/// One site being crawled. Ask for pages with [`SiteCrawl::next_page`] and
/// feed their links back with [`SiteCrawl::enqueue`].
#[derive(Debug)]
pub struct SiteCrawl {
    fetcher: Fetcher,
    config: Arc<CrawlConfig>,
    facts: SiteFacts,
    scope: Arc<Scope>,
    robots: Arc<RobotsRules>,
    frontier: BinaryHeap<Queued>,
    seen: HashSet<u64>,
    /// URLs queued per shape, to defuse endless calendars.
    shapes: HashMap<String, usize>,
    /// URLs fetched (as requested and after redirects), shared with the fetch
    /// tasks so that a redirect to a page already fetched is not followed.
    fetched: Arc<Mutex<HashSet<u64>>>,
    sequence: u64,
    inflight: JoinSet<Page>,
    first: Option<Page>,
    not_found_probe: Option<Page>,
    cancel: CancellationToken,
    interval: Duration,
    next_slot: Instant,
    deadline: Instant,
    stats: CrawlStats,
}

impl SiteCrawl {
    /// Facts about the site.
    #[must_use]
    pub fn facts(&self) -> &SiteFacts {
        &self.facts
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

    /// Queues links found on a page at `depth`; their pages will be at
    /// `depth + 1`. Off-site, disallowed, already seen and too deep links are
    /// dropped.
    pub fn enqueue(&mut self, links: impl IntoIterator<Item = (Url, LinkPriority)>, depth: u32) {
        let depth = depth + 1;
        if depth > self.config.max_depth {
            return;
        }
        let seen_cap = self
            .config
            .max_pages
            .saturating_mul(SEEN_PER_PAGE_BUDGET)
            .max(1_000);
        let shape_cap = (self.config.max_pages / 4).max(MIN_URLS_PER_SHAPE);
        for (url, priority) in links {
            let Some(url) = normalize(&url) else { continue };
            let key = url_key(&url);
            if !self.scope.contains(&url) || self.seen.len() >= seen_cap || self.seen.contains(&key)
            {
                continue;
            }
            let same_shape = self.shapes.entry(shape(&url)).or_default();
            if looks_like_trap(&url) || *same_shape >= shape_cap {
                self.stats.traps_skipped += 1;
                self.seen.insert(key);
                continue;
            }
            *same_shape += 1;
            if !self.robots.allows(&url) {
                self.stats.robots_skipped += 1;
                self.seen.insert(key);
                continue;
            }
            self.seen.insert(key);
            self.sequence += 1;
            self.frontier.push(Queued {
                key: Reverse((depth, priority as u8, self.sequence)),
                url,
            });
        }
    }

    /// The next fetched page, or `None` when the crawl is over (frontier
    /// empty, page cap reached, or site budget spent).
    pub async fn next_page(&mut self) -> Option<Page> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        loop {
            self.launch();
            if self.inflight.is_empty() {
                if !self.frontier.is_empty() {
                    if self.stats.pages_fetched >= self.config.max_pages {
                        self.stats.hit_page_cap = true;
                    } else if Instant::now() >= self.deadline {
                        self.stats.hit_time_budget = true;
                    }
                }
                return None;
            }
            let next = tokio::select! {
                // Ctrl-C or SIGTERM: stop fetching, keep what we have.
                () = self.cancel.cancelled() => {
                    self.inflight.abort_all();
                    self.frontier.clear();
                    self.stats.interrupted = true;
                    return None;
                }
                // The next page to finish, within the site budget.
                next = tokio::time::timeout_at(self.deadline, self.inflight.join_next()) => next,
            };
            match next {
                Ok(Some(Ok(page))) => {
                    if let PageOutcome::Failed(failure) = &page.outcome {
                        self.stats.pages_failed += 1;
                        self.slow_down(failure);
                    }
                    return Some(page);
                }
                Ok(Some(Err(_))) => {
                    self.stats.pages_failed += 1;
                }
                Ok(None) => return None,
                Err(_) => {
                    self.inflight.abort_all();
                    self.frontier.clear();
                    self.stats.hit_time_budget = true;
                    return None;
                }
            }
        }
    }

    /// After a 429 or 5xx, waits longer between requests to this site, never
    /// shorter: an overloaded server gets relief, not more traffic.
    fn slow_down(&mut self, failure: &FetchFailure) {
        if matches!(
            failure.kind,
            FailureKind::RateLimited | FailureKind::Http5xx
        ) {
            let doubled = (self.interval * 2).max(Duration::from_millis(500));
            let asked = failure.retry_after.unwrap_or_default();
            self.interval = doubled.max(asked).min(MAX_CRAWL_DELAY);
            tracing::debug!(interval = ?self.interval, "slowing down");
        }
    }

    fn launch(&mut self) {
        let now = Instant::now();
        while self.inflight.len() < self.config.per_host.max(1)
            && self.stats.pages_fetched < self.config.max_pages
            && now < self.deadline
        {
            let Some(Queued {
                key: Reverse((depth, _, _)),
                url,
            }) = self.frontier.pop()
            else {
                break;
            };
            let slot = self.next_slot.max(now);
            self.next_slot = slot + self.interval;
            self.stats.pages_fetched += 1;
            let fetcher = self.fetcher.clone();
            let scope = Arc::clone(&self.scope);
            let robots = Arc::clone(&self.robots);
            let fetched = Arc::clone(&self.fetched);
            // Claimed at launch, so a redirect to a page still in flight is
            // not fetched a second time.
            if let Ok(mut claimed) = fetched.lock() {
                claimed.insert(url_key(&url));
            }
            self.inflight.spawn(async move {
                tokio::time::sleep_until(slot).await;
                let requested = url.clone();
                let permit = |u: &Url| {
                    let already = *u != requested
                        && normalize(u).is_some_and(|n| {
                            fetched.lock().is_ok_and(|f| f.contains(&url_key(&n)))
                        });
                    if already {
                        Err(FetchFailure::new(FailureKind::AlreadyFetched, u.as_str()))
                    } else if !scope.contains(u) {
                        Err(FetchFailure::new(
                            FailureKind::RedirectOutOfScope,
                            format!("leaves the site: {u}"),
                        ))
                    } else if !robots.allows(u) {
                        Err(FetchFailure::new(
                            FailureKind::RobotsDisallowed,
                            format!("robots.txt disallows {u}"),
                        ))
                    } else {
                        Ok(())
                    }
                };
                let outcome = fetcher.fetch(&url, Expect::Html, &permit).await;
                let page = page_from(url, depth, outcome);
                if let Ok(mut fetched) = fetched.lock() {
                    fetched.insert(url_key(&page.requested));
                    fetched.insert(url_key(&page.url));
                }
                page
            });
        }
    }
}

fn page_from(requested: Url, depth: u32, outcome: Result<Fetched, FetchFailure>) -> Page {
    match outcome {
        Ok(fetched) => {
            let url = normalize(&fetched.final_url).unwrap_or(fetched.final_url);
            let outcome = match fetched.body {
                Body::Html(body) => PageOutcome::Html {
                    status: fetched.status,
                    body,
                },
                Body::Skipped | Body::Raw(_) => PageOutcome::Document {
                    content_type: fetched.content_type.unwrap_or_default(),
                },
            };
            Page {
                requested,
                url,
                depth,
                outcome,
            }
        }
        Err(failure) if failure.kind == FailureKind::AlreadyFetched => {
            let same_as = Url::parse(&failure.detail).ok().and_then(|u| normalize(&u));
            let outcome = same_as.map_or(PageOutcome::Failed(failure), PageOutcome::SameAs);
            Page {
                url: requested.clone(),
                requested,
                depth,
                outcome,
            }
        }
        Err(failure) => Page {
            url: requested.clone(),
            requested,
            depth,
            outcome: PageOutcome::Failed(failure),
        },
    }
}
