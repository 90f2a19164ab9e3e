//! Which questions a site's crawl still has to answer, and which links can
//! answer them. An item is settled once it is present on a page with content
//! (or through a verified link) and, if it has a freshness limit, shown
//! fresh, or undated on the pages that show it; an item stale so far stays
//! open while any page could show a newer date; an item missing so far
//! stays open until the crawl has nothing left that could show it: the
//! site's structure, its listings, and the pages whose label or address
//! names it. Links are ranked by what they can
//! still decide (see [`LinkPriority`]): a block's "more" link leads to
//! the first page of its listing, a pager to its archive, never read
//! first; the sitemap is read as an index of addresses, and only the entries
//! that name an item are fetched first.

use std::collections::HashMap;

use jiff::civil::Date;
use url::Url;

use super::observe::PageObservation;
use super::{SiteAudit, Strength, freshness, not_applicable};
use crate::checklist::{Checklist, Item, ItemIndex, SiteCheck};
use crate::extract::{LabelFrom, LinkFact, LinkPlace};
use crate::labels::is_short_label;
use crate::site::{Lead, LinkPriority, OpenItems, SiteFacts, normalize, url_key};
use crate::target::SiteKind;

impl SiteAudit {
    /// What the crawl still has to answer: the items not settled yet, and
    /// whether a page outside the site's structure could still settle one
    /// (an item stale so far: a newer date may sit on any page; the
    /// site's newest date, while no page shows one).
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
            ..OpenItems::default()
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
                    // An element or pattern (a print button, a meta tag)
                    // may sit on articles only: a few are read.
                    let w = &item.signals_written;
                    open.sample |= !w.selector.is_empty() || !w.pattern.is_empty();
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
            // Stale so far: a newer date may sit on any page, and a false
            // "stale" sends an agency after news it publishes.
            Some(_) => Question::Open { deep: true },
            // Undated on the pages that show it (its section, the first
            // page of its listing): a person checking the portal would say
            // "no date found" too, without reading the archive or every
            // article a block links.
            None => Question::Settled,
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
/// `open`: the site's structure (header, menus, footers, sidebars and
/// other navigation boxes, banners), then the first page of a listing (a
/// content block's "more" link), then the links whose label or address
/// names an open item (a block whose heading names an item names its
/// links too), then the rest. A link in a row of a listing, or with a
/// long label outside the main menu, leads to an article or a document,
/// wherever it sits.
#[must_use]
pub fn rank_links(
    links: &[LinkFact],
    observation: &PageObservation,
    open: Option<&OpenItems>,
) -> Vec<Lead> {
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
            // A long label outside the main menu is a listed article's or
            // document's title ("Tin số 12: hội nghị …" in a sidebar).
            let labelled = link.in_menu
                || link.label_from != LabelFrom::Text
                || link.label.trim().is_empty()
                || is_short_label(&link.label);
            let structure = !foreign
                && labelled
                && !link.listing_row
                && (link.priority == LinkPriority::Navigation || link.place == LinkPlace::Banner);
            if structure {
                return Some(Lead::new(url, LinkPriority::Navigation));
            }
            if !foreign && link.place == LinkPlace::Block && leads_to_listing(&link.label) {
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

/// Whether a block's link is its "more" link ("Xem thêm", "Xem tất cả",
/// "Chi tiết"): it leads to the first page of the block's listing.
fn leads_to_listing(label: &str) -> bool {
    let folded = crate::fold::fold(label);
    let folded = folded
        .trim()
        .trim_end_matches(['»', '›', '>', '.', '…'])
        .trim();
    matches!(
        folded,
        "xem them"
            | "xem tat ca"
            | "xem tiep"
            | "chi tiet"
            | "tat ca"
            | "more"
            | "view all"
            | "see all"
            | "read more"
    )
}

#[cfg(test)]
mod tests {
    use super::leads_to_listing;

    #[test]
    fn a_blocks_more_link_leads_to_its_listing() {
        for label in ["Xem thêm", "Xem tất cả »", "xem tiếp...", "Chi tiết"] {
            assert!(leads_to_listing(label), "{label}");
        }
        for label in ["2", "»", "Trang sau", "Tin tức", "Bài viết số 3", ""] {
            assert!(!leads_to_listing(label), "{label}");
        }
    }
}
