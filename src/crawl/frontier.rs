//! The frontier of one site's crawl: the URLs still to fetch, shallowest and
//! navigation links first, each queued once; crawler traps (URLs too long or
//! self-repeating, endless calendars of one shape) and what robots.txt
//! disallows are dropped and counted.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use url::Url;

use super::politeness::Permit;
use crate::site::{CrawlStats, LinkPriority, looks_like_trap, normalize, shape, url_key};

/// URLs of one shape (see [`shape`]) always allowed per site; larger page
/// caps allow a quarter of the cap.
const MIN_URLS_PER_SHAPE: usize = 25;
/// Links remembered per page of the cap, beyond which new ones are ignored.
const SEEN_PER_PAGE_BUDGET: usize = 50;

/// A queued URL; ordered so that shallower and higher-priority links come first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    key: Reverse<(u32, u8, u64)>,
    url: Url,
    /// Found on a page in another language than the site's main one.
    from_foreign: bool,
}

/// The URLs still to fetch for one site, and every URL ever queued.
#[derive(Debug)]
pub(super) struct Frontier {
    queue: BinaryHeap<Queued>,
    seen: HashSet<u64>,
    /// URLs queued per shape, to defuse endless calendars.
    shapes: HashMap<String, usize>,
    sequence: u64,
    seen_cap: usize,
    shape_cap: usize,
}

impl Frontier {
    /// An empty frontier for a crawl of at most `max_pages` pages, which has
    /// already seen `seen` (the start page, the sitemaps).
    pub(super) fn new(max_pages: usize, seen: HashSet<u64>) -> Self {
        Self {
            queue: BinaryHeap::new(),
            seen,
            shapes: HashMap::new(),
            sequence: 0,
            seen_cap: max_pages.saturating_mul(SEEN_PER_PAGE_BUDGET).max(1_000),
            shape_cap: (max_pages / 4).max(MIN_URLS_PER_SHAPE),
        }
    }

    /// Queues `links` found on a page, for pages at `depth`; `from_foreign`
    /// when that page is in another language than the site's. Off-site,
    /// disallowed, trap-like and already seen links are dropped; traps and
    /// disallowed links are counted in `stats`.
    pub(super) fn push_all(
        &mut self,
        links: impl IntoIterator<Item = (Url, LinkPriority)>,
        depth: u32,
        from_foreign: bool,
        permit: &Permit,
        stats: &mut CrawlStats,
    ) {
        for (url, priority) in links {
            let Some(url) = normalize(&url) else { continue };
            let key = url_key(&url);
            if !permit.is_on_site(&url)
                || self.seen.len() >= self.seen_cap
                || self.seen.contains(&key)
            {
                continue;
            }
            let same_shape = self.shapes.entry(shape(&url)).or_default();
            if looks_like_trap(&url) || *same_shape >= self.shape_cap {
                stats.traps_skipped += 1;
                self.seen.insert(key);
                continue;
            }
            *same_shape += 1;
            self.seen.insert(key);
            if !permit.robots_allow(&url) {
                stats.robots_skipped += 1;
                continue;
            }
            self.sequence += 1;
            self.queue.push(Queued {
                key: Reverse((depth, priority as u8, self.sequence)),
                url,
                from_foreign,
            });
        }
    }

    /// The next URL to fetch, its depth, and whether it was found on a page
    /// in another language.
    pub(super) fn pop(&mut self) -> Option<(Url, u32, bool)> {
        self.queue.pop().map(
            |Queued {
                 key,
                 url,
                 from_foreign,
             }| (url, key.0.0, from_foreign),
        )
    }

    /// Forgets that `url` was seen, so a later link may queue it again.
    pub(super) fn forget(&mut self, url: &Url) {
        self.seen.remove(&url_key(url));
    }

    /// Whether nothing is queued.
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Drops everything queued (the crawl is stopping).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
    }
}
