//! Which questions a site's crawl still has to answer, and which links can
//! answer them. An item is settled once it is present on a page with content
//! (or through a verified link) and, if it has a freshness limit, shown
//! fresh; an item missing so far stays open until the crawl has nothing
//! left that could show it: the site's structure, its listings, and the
//! pages whose label or address names it. Links are ranked by what they can
//! still decide (see [`LinkPriority`]), a listing's pager never above the
//! rest; the sitemap is read as an index of addresses, and only the entries
//! that name an item are fetched first.

use std::collections::HashMap;

use jiff::civil::Date;
use url::Url;

use super::observe::PageObservation;
use super::{SiteAudit, Strength, freshness, not_applicable};
use crate::checklist::{Checklist, Item, ItemIndex, SiteCheck};
use crate::extract::{LinkFact, LinkPlace};
use crate::site::{Lead, LinkPriority, OpenItems, SiteFacts, normalize, url_key};
use crate::target::SiteKind;

impl SiteAudit {
    /// What the crawl still has to answer: the items not settled yet, and
    /// whether a page outside the site's structure could still settle one
    /// (a freshness not yet shown: a newer date may sit on any page).
    /// Settled items stay settled: evidence on a page with content, or a
    /// link verified by its page, is never taken back, and a newest date
    /// only grows newer.
    pub fn open_items(
        &mut self,
        checklist: &Checklist,
        site: &SiteFacts,
        kind: SiteKind,
        as_of: Date,
    ) -> OpenItems {
        if self.closed.len() != checklist.items.len() {
            self.closed = vec![false; checklist.items.len()];
        }
        let mut open = OpenItems {
            open: vec![false; checklist.items.len()],
            deep: false,
        };
        for (index, item) in checklist.items.iter().enumerate() {
            if self.closed[index] {
                continue;
            }
            match self.question(index, item, site, kind, as_of) {
                Question::Settled => self.closed[index] = true,
                Question::Open { deep } => {
                    open.open[index] = true;
                    open.deep |= deep;
                }
            }
        }
        open
    }

    /// Where item `index` stands.
    fn question(
        &self,
        index: ItemIndex,
        item: &Item,
        site: &SiteFacts,
        kind: SiteKind,
        as_of: Date,
    ) -> Question {
        if not_applicable(item, kind, as_of).is_some() {
            return Question::Settled;
        }
        let dated = item.site_checks.contains(&SiteCheck::DatedContent);
        let by_site = item
            .site_checks
            .iter()
            .any(|c| super::site_checks::site_check(*c, site, self.newest.as_ref()).is_some());
        // A date on any page may still show it.
        let undated = Question::Open { deep: dated };
        if !(by_site || self.shown(index)) {
            // Facts about the whole site (HTTPS, a sitemap) do not change
            // as pages are read: such an item is settled, either way.
            let site_only = !dated && super::site_check_shortfall(item, site).is_some();
            return if site_only {
                Question::Settled
            } else {
                undated
            };
        }
        let Some(days) = item.fresh_within_days else {
            return Question::Settled;
        };
        match freshness::newest(self, index, item) {
            Some((date, _))
                if (as_of - date).get_days() <= i32::try_from(days).unwrap_or(i32::MAX) =>
            {
                Question::Settled
            }
            // Stale or undated so far: a newer date may sit on any page.
            _ => Question::Open { deep: true },
        }
    }

    /// Whether evidence that no later page can take back shows the item: a
    /// hit on a page with content, or a link whose page was read and has
    /// content.
    fn shown(&self, index: ItemIndex) -> bool {
        self.content[index].is_some()
            || self.candidates[index]
                .iter()
                .any(|c| matches!(self.strength(c), Some((Strength::Verified, _))))
    }
}

/// Where an item stands while the crawl goes on.
enum Question {
    /// Nothing still to fetch can change its verdict.
    Settled,
    /// Its verdict may still change; `deep` when any page could change it.
    Open { deep: bool },
}

/// The links of a page, ranked by what they can decide given what is still
/// `open`: the site's structure (menus, footers, sidebars, banners, link
/// lists; on the home page, its blocks and lists too), then the first page
/// of a listing (the links under a content block's heading), then the
/// links whose label or address names an open item, then the rest. A link
/// in a row of a listing leads to an article or a document, wherever the
/// listing sits.
#[must_use]
pub fn rank_links(
    links: &[LinkFact],
    observation: &PageObservation,
    open: Option<&OpenItems>,
) -> Vec<Lead> {
    let home = observation.depth == 0;
    // A page in another language is not the site's structure: of its
    // links, only those that name an item about its language (which
    // `observation.links` keeps alone) are wanted.
    let foreign = observation.foreign;
    let mut named: HashMap<u64, Vec<usize>> = HashMap::new();
    for hit in &observation.links {
        if open.is_none_or(|o| o.any_of(&[hit.item])) {
            named
                .entry(url_key(&hit.target))
                .or_default()
                .push(hit.item);
        }
    }
    links
        .iter()
        .filter_map(|link| {
            let url = link.url.clone()?;
            let structure = !foreign
                && !link.listing_row
                && (link.priority == LinkPriority::Navigation
                    || link.place == LinkPlace::Banner
                    || (home && matches!(link.place, LinkPlace::List | LinkPlace::Block)));
            if structure {
                return Some(Lead::new(url, LinkPriority::Navigation));
            }
            if !foreign
                && !link.listing_row
                && link.place == LinkPlace::Block
                && !is_pager(&link.label)
            {
                return Some(Lead::new(url, LinkPriority::Listing));
            }
            let items = if named.is_empty() {
                Vec::new()
            } else {
                normalize(&url)
                    .and_then(|u| named.get(&url_key(&u)).cloned())
                    .unwrap_or_default()
            };
            Some(if items.is_empty() {
                Lead::new(url, LinkPriority::Body)
            } else {
                Lead {
                    url,
                    priority: LinkPriority::Candidate,
                    items,
                }
            })
        })
        .collect()
}

impl SiteAudit {
    /// The sitemap's pages, ranked: those whose address names an item
    /// come first (with the items), the rest only if the crawl goes deep.
    /// Remembers how many name each item and how many there are, for the
    /// finding of an item that stays missing. Returns the leads and how
    /// many name some item.
    pub fn rank_sitemap(&mut self, checklist: &Checklist, pages: Vec<Url>) -> (Vec<Lead>, usize) {
        if pages.is_empty() {
            return (Vec::new(), 0);
        }
        let mut named = vec![0; checklist.items.len()];
        let mut matching = 0;
        self.sitemap_pages = pages.len();
        let leads = pages
            .into_iter()
            .map(|url| {
                let mut items: Vec<usize> = checklist
                    .signals
                    .url_hits(&url, false)
                    .iter()
                    .map(|h| h.item)
                    .collect();
                items.sort_unstable();
                items.dedup();
                if items.is_empty() {
                    return Lead::new(url, LinkPriority::Body);
                }
                matching += 1;
                for item in &items {
                    named[*item] += 1;
                }
                Lead {
                    url,
                    priority: LinkPriority::Candidate,
                    items,
                }
            })
            .collect();
        self.sitemap_named = named;
        (leads, matching)
    }
}

/// Whether a link's label is a pager's ("2", "»", "Trang sau", "Xem
/// tiếp"): it leads to a listing's archive, which no verdict needs.
fn is_pager(label: &str) -> bool {
    let symbol = |c: char| c.is_ascii_digit() || c.is_whitespace() || "»«›‹<>.…|-".contains(c);
    if !label.trim().is_empty() && label.chars().all(symbol) {
        return true;
    }
    let folded = crate::fold::fold(label);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let pager_word = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_digit() || "»«›‹<>.…|-".contains(c))
            || matches!(
                w,
                "trang"
                    | "sau"
                    | "truoc"
                    | "tiep"
                    | "cuoi"
                    | "dau"
                    | "next"
                    | "prev"
                    | "previous"
                    | "last"
                    | "first"
                    | "page"
            )
    };
    !words.is_empty() && words.iter().all(|w| pager_word(w))
}

#[cfg(test)]
mod tests {
    use super::is_pager;

    #[test]
    fn pagers_are_told_from_labels() {
        for label in ["2", "10", "»", "Trang sau", "Trang 3", "Next »", "Cuối"] {
            assert!(is_pager(label), "{label}");
        }
        for label in ["Tin tức", "Xem tất cả tin tức", "Văn bản", ""] {
            assert!(!is_pager(label), "{label}");
        }
    }
}
