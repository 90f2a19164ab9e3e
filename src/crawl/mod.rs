//! The crawler: the only part of portal-audit that touches the network. It
//! opens a site (robots.txt, start page, sitemap probe), then hands out pages
//! one at a time while keeping a bounded number of polite fetches in flight.
//! It never looks inside a page: the orchestrator extracts links and gives
//! them back with [`SiteCrawl::enqueue`].

mod decode;
mod fetch;
mod frontier;
#[cfg(test)]
mod fuzz_tests;
mod politeness;
mod probes;
mod render;
mod robots;
mod site_crawl;
mod sitemap;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use decode::decode_html;
pub use fetch::{Body, Expect, FetchConfig, Fetched, Fetcher};
pub use render::{
    DEFAULT_MAX_RENDERS, DEFAULT_RENDER_MEMORY_MIB, DEFAULT_RENDER_TIMEOUT_SECS, RenderConfig,
    RenderMode, RenderSummary, Renderer,
};
pub use robots::{ROBOTS_AGENT, RobotsRules};
pub use site_crawl::SiteCrawl;
pub use sitemap::{SitemapEntries, parse_sitemap};

use self::politeness::{Pace, Permit};
use self::probes::{has_ipv6, is_private_address};
use self::site_crawl::Opened;

use crate::page::{FailureKind, FetchFailure, LeftSite, Page, PageOutcome};
use crate::site::{RedirectReach, Scope, SiteFacts, normalize, redirect_reach, url_key};

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
/// Sitemap entries a structure-first crawl reads per site at most, as an
/// index of slugs and dates (only those that name an item are fetched).
const MAX_SITEMAP_INDEX: usize = 5_000;
/// Sitemap files read per site at most (candidates, then children of an index).
const MAX_SITEMAP_FILES: usize = 3;

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
    /// Follow a start page's redirect to another site (and audit that site)
    /// instead of ending the audit with `redirect_out_of_scope`.
    pub follow_start_redirects: bool,
    /// Read every page within the limits, shallowest first, instead of
    /// stopping once every item is settled: the reference the
    /// structure-first crawl is measured against.
    pub exhaustive: bool,
    /// When and how pages are rendered in a browser.
    pub render: RenderConfig,
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
    renderer: Arc<Renderer>,
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
            renderer: Arc::new(Renderer::new(config.render.clone())),
            config: Arc::new(config),
            cancel,
        })
    }

    /// What the run's rendering came to, once its sites are done.
    pub async fn render_summary(&self) -> RenderSummary {
        self.renderer.summary().await
    }

    /// Opens a site: reads robots.txt, fetches the start page (following its
    /// redirects, which fix the site's scope) and probes for a sitemap.
    ///
    /// # Errors
    /// A [`FetchFailure`] when the site cannot be audited at all.
    pub async fn open(&self, start: &Url) -> Result<SiteCrawl, FetchFailure> {
        let deadline = Instant::now() + self.config.site_budget;
        // The site's own connections, closed when its crawl is dropped.
        let site = Crawler {
            fetcher: self.fetcher.for_site()?,
            ..self.clone()
        };
        tokio::select! {
            // Ctrl-C or SIGTERM: give up on this site at once.
            () = self.cancel.cancelled() => Err(FetchFailure::new(FailureKind::Interrupted, "the audit was interrupted")),
            // The site budget covers opening too.
            opened = tokio::time::timeout_at(deadline, site.open_inner(start, deadline)) => match opened {
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
        let StartPage {
            final_url,
            robots,
            outcome,
        } = self.fetch_start(&start).await?;
        let scope = Scope::of(&final_url);
        let permit = Permit::on_site(Arc::new(scope.clone()), Arc::clone(&robots));
        // Independent probes: run them together, not one round trip after another.
        let (sitemap, not_found_probe, ipv6, tls_problem) = tokio::join!(
            self.probe_sitemap(&final_url, &permit),
            self.probe_not_found(&final_url, &permit),
            has_ipv6(&final_url),
            self.check_certificate(&final_url),
        );
        let facts = SiteFacts {
            start_url: start.clone(),
            https: final_url.scheme() == "https",
            final_url: final_url.clone(),
            robots_txt: matches!(*robots, RobotsRules::Parsed(_)),
            sitemap_xml: sitemap.found,
            ipv6,
            tls_problem,
            lastmod: sitemap
                .lastmod
                .iter()
                .filter_map(|(u, d)| normalize(u).map(|u| (url_key(&u), *d)))
                .collect(),
        };
        Ok(SiteCrawl::new(Opened {
            fetcher: self.fetcher.clone(),
            config: Arc::clone(&self.config),
            cancel: self.cancel.clone(),
            renderer: Arc::clone(&self.renderer),
            deadline,
            facts,
            permit,
            pace: Pace::new(
                self.config.per_host,
                self.config.min_interval,
                robots.crawl_delay(),
            ),
            first: Page {
                requested: start,
                url: final_url,
                depth: 0,
                outcome,
            },
            not_found_probe,
            sitemaps_tried: sitemap.tried,
            seeds: sitemap.seeds,
        }))
    }

    /// Reads robots.txt and fetches the start page. Its redirects stay on
    /// the site (the `www.` twin, the upgrade to https) unless
    /// `--follow-start-redirects` lets them go anywhere public, which then
    /// fixes the site's scope; never from a public site into a private
    /// network, nor where the start host's robots.txt disallows. Each hop
    /// is judged before it is requested, so an out-of-scope host gets no
    /// request at all. If they lead to another origin, that origin's
    /// robots.txt is read too and must allow the page.
    async fn fetch_start(&self, start: &Url) -> Result<StartPage, FetchFailure> {
        let robots = Arc::new(self.read_robots(start, &Scope::of(start)).await?);
        let start_origin = start.origin();
        let start_is_private = is_private_address(start);
        let start_robots = Arc::clone(&robots);
        let follow_anywhere = self.config.follow_start_redirects;
        let fetched = self
            .fetcher
            .fetch(start, Expect::Html, &move |u: &Url| {
                if !follow_anywhere {
                    stays_on_site(start, u)?;
                }
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
        let robots = if final_url.origin() == start.origin() {
            robots
        } else {
            let robots = self.read_robots(&final_url, &Scope::of(&final_url)).await?;
            if !robots.allows(&final_url) {
                return Err(FetchFailure::new(
                    FailureKind::RobotsDisallowed,
                    format!("robots.txt disallows {final_url}"),
                ));
            }
            Arc::new(robots)
        };
        let Body::Html(body) = fetched.body else {
            return Err(FetchFailure::new(
                FailureKind::NotHtml,
                format!(
                    "the start page is {}",
                    fetched.content_type.unwrap_or_else(|| "not HTML".into())
                ),
            ));
        };
        Ok(StartPage {
            final_url,
            robots,
            outcome: PageOutcome::Html {
                status: fetched.status,
                body,
                rendered: false,
            },
        })
    }
}

/// Whether a start redirect to `to` stays on the site of `start`; if not,
/// the failure that ends the site's audit, saying where it led.
fn stays_on_site(start: &Url, to: &Url) -> Result<(), FetchFailure> {
    let shared_domain = match redirect_reach(start, to) {
        RedirectReach::SameSite => return Ok(()),
        RedirectReach::SameDomain(domain) => Some(domain),
        RedirectReach::OtherSite => None,
    };
    let detail = match &shared_domain {
        Some(domain) => format!(
            "the start URL redirects to {to}, another address under the same registrable domain {domain}: check the URL in the targets file, or pass --follow-start-redirects"
        ),
        None => format!("the start URL redirects to {to}, which leaves the site"),
    };
    let mut failure = FetchFailure::new(FailureKind::RedirectOutOfScope, detail);
    failure.left_site = Some(Box::new(LeftSite {
        to: to.clone(),
        shared_domain,
    }));
    Err(failure)
}

/// The start page, fetched: where it led, the robots.txt that rules there,
/// and its HTML.
struct StartPage {
    final_url: Url,
    robots: Arc<RobotsRules>,
    outcome: PageOutcome,
}

fn page_from(requested: Url, depth: u32, outcome: Result<Fetched, FetchFailure>) -> Page {
    match outcome {
        Ok(fetched) => {
            let url = normalize(&fetched.final_url).unwrap_or(fetched.final_url);
            let outcome = match fetched.body {
                Body::Html(body) => PageOutcome::Html {
                    status: fetched.status,
                    body,
                    rendered: false,
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
