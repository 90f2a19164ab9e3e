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

/// How eagerly a link should be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkPriority {
    /// Main menu, navigation and footer links: the sections we look for.
    Navigation = 0,
    /// Everything else.
    Body = 1,
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
}
