//! The frontier of one site's crawl: the URLs still to fetch, each queued
//! once, ranked by what they can still decide (see [`LinkPriority`]): the
//! site's structure first, then listings, then pages whose name matches an
//! open item, then the rest, shallowest first within each; or, for an
//! exhaustive crawl, shallowest and navigation links first. Crawler traps
//! (URLs too long or self-repeating, endless calendars of one shape) and
//! what robots.txt disallows are dropped and counted.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use url::Url;

use super::politeness::Permit;
use crate::site::{
    CrawlStats, Lead, LinkPriority, OpenItems, looks_like_trap, normalize, shape, url_key,
};

/// URLs of one shape (see [`shape`]) always allowed per site; larger page
/// caps allow a quarter of the cap.
const MIN_URLS_PER_SHAPE: usize = 25;
/// Links remembered per page of the cap, beyond which new ones are ignored.
const SEEN_PER_PAGE_BUDGET: usize = 50;

/// A queued URL; ordered so that the most useful link comes first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    key: Reverse<(u32, u32, u64)>,
    url: Url,
    depth: u32,
    priority: LinkPriority,
    /// Found on a page in another language than the site's main one.
    from_foreign: bool,
}

/// Where a URL still queued stands: the entry that counts (an earlier,
/// worse one is skipped when popped), and the items it may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Standing {
    priority: LinkPriority,
    depth: u32,
    sequence: u64,
    items: Vec<usize>,
}

/// The URLs still to fetch for one site, and every URL ever queued.
#[derive(Debug)]
pub(super) struct Frontier {
    queue: BinaryHeap<Queued>,
    seen: HashSet<u64>,
    /// URLs queued and not yet popped, by [`url_key`], with the entry that
    /// counts (a URL found again by a better link is queued again).
    queued: HashMap<u64, Standing>,
    /// URLs queued and not yet popped, per [`LinkPriority`].
    counts: [usize; 4],
    /// URLs queued per shape, to defuse endless calendars.
    shapes: HashMap<String, usize>,
    sequence: u64,
    seen_cap: usize,
    shape_cap: usize,
    /// Shallowest first whatever a link can decide, never re-ranked: the
    /// crawl that reads every page it can.
    exhaustive: bool,
}

/// A URL popped from the frontier.
#[derive(Debug)]
pub(super) struct Popped {
    pub(super) url: Url,
    pub(super) depth: u32,
    pub(super) priority: LinkPriority,
    /// Found on a page in another language than the site's main one.
    pub(super) from_foreign: bool,
}

impl Frontier {
    /// An empty frontier for a crawl of at most `max_pages` pages, which has
    /// already seen `seen` (the start page, the sitemaps).
    pub(super) fn new(max_pages: usize, seen: HashSet<u64>, exhaustive: bool) -> Self {
        Self {
            queue: BinaryHeap::new(),
            seen,
            queued: HashMap::new(),
            counts: [0; 4],
            shapes: HashMap::new(),
            sequence: 0,
            seen_cap: max_pages.saturating_mul(SEEN_PER_PAGE_BUDGET).max(1_000),
            shape_cap: (max_pages / 4).max(MIN_URLS_PER_SHAPE),
            exhaustive,
        }
    }

    fn key(&self, priority: LinkPriority, depth: u32, sequence: u64) -> Reverse<(u32, u32, u64)> {
        if self.exhaustive {
            let navigation = u32::from(priority != LinkPriority::Navigation);
            Reverse((depth, navigation, sequence))
        } else {
            Reverse((priority as u32, depth, sequence))
        }
    }

    /// Queues `leads` found on a page, for pages at `depth`; `from_foreign`
    /// when that page is in another language than the site's. Off-site,
    /// disallowed, trap-like and already seen links are dropped; traps and
    /// disallowed links are counted in `stats`. A URL still queued that a
    /// better link (more useful, or shallower) finds again moves up.
    pub(super) fn push_all(
        &mut self,
        leads: impl IntoIterator<Item = Lead>,
        depth: u32,
        from_foreign: bool,
        permit: &Permit,
        stats: &mut CrawlStats,
    ) {
        self.push_leads(leads, depth, from_foreign, permit, stats, true);
    }

    /// Queues the pages a sitemap lists, for pages at depth 1: a finite
    /// list the site publishes, so a shape of many URLs (2,000 articles
    /// under `/tin-tuc/`) is no calendar trap. An exhaustive crawl caps
    /// them like any links.
    pub(super) fn push_index(
        &mut self,
        leads: impl IntoIterator<Item = Lead>,
        permit: &Permit,
        stats: &mut CrawlStats,
    ) {
        let shaped = self.exhaustive;
        self.push_leads(leads, 1, false, permit, stats, shaped);
    }

    fn push_leads(
        &mut self,
        leads: impl IntoIterator<Item = Lead>,
        depth: u32,
        from_foreign: bool,
        permit: &Permit,
        stats: &mut CrawlStats,
        shaped: bool,
    ) {
        for lead in leads {
            let Some(url) = normalize(&lead.url) else {
                continue;
            };
            let key = url_key(&url);
            if !permit.is_on_site(&url) {
                continue;
            }
            if self.seen.contains(&key) {
                self.upgrade(key, url, lead, depth, from_foreign);
                continue;
            }
            if self.seen.len() >= self.seen_cap {
                continue;
            }
            if shaped {
                let same_shape = self.shapes.entry(shape(&url)).or_default();
                if *same_shape >= self.shape_cap {
                    stats.traps_skipped += 1;
                    self.seen.insert(key);
                    continue;
                }
                *same_shape += 1;
            }
            if looks_like_trap(&url) {
                stats.traps_skipped += 1;
                self.seen.insert(key);
                continue;
            }
            self.seen.insert(key);
            if !permit.robots_allow(&url) {
                stats.robots_skipped += 1;
                continue;
            }
            self.push(key, url, lead.priority, depth, from_foreign, lead.items);
        }
    }

    fn push(
        &mut self,
        key: u64,
        url: Url,
        priority: LinkPriority,
        depth: u32,
        from_foreign: bool,
        items: Vec<usize>,
    ) {
        self.sequence += 1;
        let sequence = self.sequence;
        self.queued.insert(
            key,
            Standing {
                priority,
                depth,
                sequence,
                items,
            },
        );
        self.counts[priority as usize] += 1;
        self.queue.push(Queued {
            key: self.key(priority, depth, sequence),
            url,
            depth,
            priority,
            from_foreign,
        });
    }

    /// Moves a URL still queued up when `lead` (at `depth`) ranks it better
    /// or names items it was not known to answer.
    fn upgrade(&mut self, key: u64, url: Url, lead: Lead, depth: u32, from_foreign: bool) {
        if self.exhaustive {
            return;
        }
        let Some(old) = self.queued.get(&key) else {
            return;
        };
        let (priority, depth) = (old.priority.min(lead.priority), old.depth.min(depth));
        let new_items = lead.items.iter().any(|i| !old.items.contains(i));
        if (priority, depth) == (old.priority, old.depth) && !new_items {
            return;
        }
        let mut items = old.items.clone();
        items.extend(lead.items);
        items.sort_unstable();
        items.dedup();
        self.counts[old.priority as usize] -= 1;
        self.push(key, url, priority, depth, from_foreign, items);
    }

    /// The next URL to fetch.
    pub(super) fn pop(&mut self) -> Option<Popped> {
        while let Some(q) = self.queue.pop() {
            let key = url_key(&q.url);
            let current = self
                .queued
                .get(&key)
                .is_some_and(|s| self.key(s.priority, s.depth, s.sequence) == q.key);
            if !current {
                continue; // superseded by a better link to the same URL
            }
            self.queued.remove(&key);
            self.counts[q.priority as usize] -= 1;
            return Some(Popped {
                url: q.url,
                depth: q.depth,
                priority: q.priority,
                from_foreign: q.from_foreign,
            });
        }
        None
    }

    /// The rank of the next URL, if any.
    pub(super) fn best(&self) -> Option<LinkPriority> {
        [
            LinkPriority::Navigation,
            LinkPriority::Listing,
            LinkPriority::Candidate,
            LinkPriority::Body,
        ]
        .into_iter()
        .find(|p| self.counts[*p as usize] > 0)
    }

    /// Re-ranks the URLs that name items: those whose items are all
    /// settled can decide no more than any other page.
    pub(super) fn retier(&mut self, open: &OpenItems) {
        if self.exhaustive || self.counts[LinkPriority::Candidate as usize] == 0 {
            return;
        }
        let entries = std::mem::take(&mut self.queue).into_vec();
        let mut kept = Vec::with_capacity(entries.len());
        for mut q in entries {
            let Some(standing) = self.queued.get_mut(&url_key(&q.url)) else {
                continue; // popped
            };
            let current = (standing.priority as u32, standing.depth, standing.sequence);
            if Reverse(current) != q.key {
                continue; // superseded
            }
            if standing.priority == LinkPriority::Candidate && !open.any_of(&standing.items) {
                self.counts[LinkPriority::Candidate as usize] -= 1;
                self.counts[LinkPriority::Body as usize] += 1;
                standing.priority = LinkPriority::Body;
                q.priority = LinkPriority::Body;
                q.key = Reverse((LinkPriority::Body as u32, q.depth, standing.sequence));
            }
            kept.push(q);
        }
        self.queue = BinaryHeap::from(kept);
    }

    /// Forgets that `url` was seen, so a later link may queue it again.
    pub(super) fn forget(&mut self, url: &Url) {
        self.seen.remove(&url_key(url));
    }

    /// Drops everything queued (the crawl is stopping).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.queued.clear();
        self.counts = [0; 4];
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::crawl::RobotsRules;
    use crate::site::Scope;

    fn frontier(exhaustive: bool) -> (Frontier, Permit) {
        let site = Url::parse("http://a.gov.vn/").unwrap();
        let permit = Permit::on_site(Arc::new(Scope::of(&site)), Arc::new(RobotsRules::AllowAll));
        (Frontier::new(200, HashSet::new(), exhaustive), permit)
    }

    fn lead(path: &str, priority: LinkPriority, items: &[usize]) -> Lead {
        Lead {
            url: Url::parse(&format!("http://a.gov.vn{path}")).unwrap(),
            priority,
            items: items.to_vec(),
        }
    }

    fn drain(f: &mut Frontier) -> Vec<String> {
        std::iter::from_fn(|| f.pop())
            .map(|p| p.url.path().to_owned())
            .collect()
    }

    #[test]
    fn structure_first_then_listings_then_matching_then_the_rest() {
        let (mut f, permit) = frontier(false);
        let mut stats = CrawlStats::default();
        let leads = vec![
            lead("/bai-1", LinkPriority::Body, &[]),
            lead("/ngan-sach", LinkPriority::Candidate, &[3]),
            lead("/tin-tuc", LinkPriority::Listing, &[]),
            lead("/gioi-thieu", LinkPriority::Navigation, &[]),
        ];
        f.push_all(leads, 2, false, &permit, &mut stats);
        // Shallower pages do not jump ranks.
        f.push_all(
            vec![lead("/bai-2", LinkPriority::Body, &[])],
            1,
            false,
            &permit,
            &mut stats,
        );
        assert_eq!(f.best(), Some(LinkPriority::Navigation));
        assert_eq!(
            drain(&mut f),
            ["/gioi-thieu", "/tin-tuc", "/ngan-sach", "/bai-2", "/bai-1"]
        );
        assert_eq!(f.best(), None);
    }

    #[test]
    fn exhaustive_crawl_keeps_shallowest_first() {
        let (mut f, permit) = frontier(true);
        let mut stats = CrawlStats::default();
        f.push_all(
            vec![lead("/menu-2", LinkPriority::Navigation, &[])],
            2,
            false,
            &permit,
            &mut stats,
        );
        f.push_all(
            vec![
                lead("/bai-1", LinkPriority::Body, &[]),
                lead("/menu-1", LinkPriority::Navigation, &[]),
            ],
            1,
            false,
            &permit,
            &mut stats,
        );
        assert_eq!(drain(&mut f), ["/menu-1", "/bai-1", "/menu-2"]);
    }

    #[test]
    fn a_better_link_moves_a_queued_url_up_once() {
        let (mut f, permit) = frontier(false);
        let mut stats = CrawlStats::default();
        f.push_all(
            vec![
                lead("/x", LinkPriority::Body, &[]),
                lead("/y", LinkPriority::Candidate, &[1]),
            ],
            1,
            false,
            &permit,
            &mut stats,
        );
        f.push_all(
            vec![lead("/x", LinkPriority::Navigation, &[])],
            2,
            false,
            &permit,
            &mut stats,
        );
        assert_eq!(f.best(), Some(LinkPriority::Navigation));
        assert_eq!(drain(&mut f), ["/x", "/y"]);
    }

    #[test]
    fn links_whose_items_settled_fall_to_the_rest() {
        let (mut f, permit) = frontier(false);
        let mut stats = CrawlStats::default();
        f.push_all(
            vec![
                lead("/tin-tuc/1", LinkPriority::Candidate, &[0]),
                lead("/ngan-sach", LinkPriority::Candidate, &[1]),
            ],
            1,
            false,
            &permit,
            &mut stats,
        );
        let open = OpenItems {
            open: vec![false, true],
            deep: false,
            sample: false,
        };
        f.retier(&open);
        assert_eq!(f.counts, [0, 0, 1, 1]);
        assert_eq!(drain(&mut f), ["/ngan-sach", "/tin-tuc/1"]);
        assert_eq!(f.best(), None);
    }
}
