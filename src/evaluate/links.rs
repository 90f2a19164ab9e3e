//! The links of one page that point to items: by their label or address
//! from the site's structure (menus, footers, sidebars, lists, banners), by
//! the content block they sit under ("Dự án đầu tư – Đấu thầu" and its
//! links), and the dates listings give the pages they list. A link in
//! running text to another site never counts: "508 compliant" in a project
//! write-up is not the agency's accessibility statement.

use jiff::civil::Date;
use url::Url;

use super::observe::{LinkHit, Source};
use crate::checklist::{Checklist, ItemIndex};
use crate::extract::{LabelFrom, LinkFact, LinkPlace, PageFacts, RunSet};
use crate::fold::fold;
use crate::labels::{MAX_LABEL_WORDS, is_short_label};
use crate::site::{Scope, normalize};

/// A link with its label folded once for every signal that needs it.
pub(super) struct FoldedLink<'a> {
    pub(super) link: &'a LinkFact,
    pub(super) folded: String,
    /// Short enough to be a menu entry rather than an article title.
    pub(super) menu_like: bool,
}

impl FoldedLink<'_> {
    /// Part of the main menu: a short label, not in the footer.
    pub(super) fn in_menu(&self) -> bool {
        self.menu_like && self.link.in_menu
    }

    /// The newest date of its listing row, not after `as_of`.
    fn listed(&self, as_of: Date) -> Option<Date> {
        self.link
            .listed_dates
            .iter()
            .copied()
            .filter(|d| *d <= as_of)
            .max()
    }
}

/// The page's links, folded; those the home page has too (same label, same
/// target) say nothing new and are left out.
pub(super) fn fold_links<'a>(facts: &'a PageFacts, chrome: Option<&RunSet>) -> Vec<FoldedLink<'a>> {
    facts
        .links
        .iter()
        .filter(|link| chrome.is_none_or(|c| !c.has_link(link)))
        .map(|link| {
            let folded = fold(&link.label);
            let menu_like = folded.split_whitespace().count() <= MAX_LABEL_WORDS;
            FoldedLink {
                link,
                folded,
                menu_like,
            }
        })
        .collect()
}

/// Links whose label (a short one) or address points to an item.
pub(super) fn link_hits(
    checklist: &Checklist,
    page: &Url,
    links: &[FoldedLink<'_>],
    scope: &Scope,
    as_of: Date,
) -> Vec<LinkHit> {
    let signals = &checklist.signals;
    let here = normalize(page);
    let mut hits: Vec<LinkHit> = Vec::new();
    for link in links {
        let Some(target) = link.link.url.as_ref().and_then(normalize) else {
            continue;
        };
        // A link to the page itself (`#`, a font-size button) leads nowhere.
        if Some(&target) == here.as_ref() {
            continue;
        }
        let off_site = !scope.contains(&target);
        if off_site && link.link.place == LinkPlace::Body {
            continue;
        }
        let mut items: Vec<ItemIndex> = Vec::new();
        // A label made of an address's words is matched as an address only:
        // a news thumbnail's slug is no menu entry. A label must be a label,
        // not a document's title ("Kế hoạch số 56/KH-UBND").
        if link.menu_like && link.link.label_from != LabelFrom::Address {
            let hits = signals.link_text.find(&link.folded);
            if !hits.is_empty() && is_short_label(&link.link.label) {
                items.extend(hits.iter().map(|h| h.item));
            }
        }
        items.extend(signals.url_hits(&target, off_site).iter().map(|h| h.item));
        for item in items {
            if !hits.iter().any(|h| h.item == item && h.target == target) {
                hits.push(LinkHit {
                    item,
                    target: target.clone(),
                    label: link.link.label.clone(),
                    label_from: link.link.label_from,
                    source: Source::of_place(link.link.place),
                    block: None,
                    listed: link.listed(as_of),
                    off_site,
                });
            }
        }
    }
    hits
}

/// The links under a content block's heading that names an item ("Tin tức
/// – Sự kiện", "Dự án đầu tư – Đấu thầu"): the block shows the item as well
/// as its links do, so they are verified like menu links.
pub(super) fn block_hits(
    checklist: &Checklist,
    facts: &PageFacts,
    links: &[FoldedLink<'_>],
    scope: &Scope,
    as_of: Date,
) -> Vec<LinkHit> {
    let mut hits = Vec::new();
    for (index, in_block) in blocks_of(links) {
        let Some(heading) = facts.headings.get(index as usize) else {
            continue;
        };
        if heading.listing {
            continue;
        }
        let mut items: Vec<ItemIndex> = checklist
            .signals
            .heading
            .find(&fold(&heading.text))
            .iter()
            .map(|h| h.item)
            .collect();
        items.dedup();
        if items.is_empty() || !is_short_label(&heading.text) {
            continue;
        }
        for link in in_block {
            let Some(target) = link.link.url.as_ref().and_then(normalize) else {
                continue;
            };
            let off_site = !scope.contains(&target);
            // A link in running text stays running text, block or not.
            let in_text = link.link.place == LinkPlace::Body;
            if off_site && in_text {
                continue;
            }
            for &item in &items {
                hits.push(LinkHit {
                    item,
                    target: target.clone(),
                    label: link.link.label.clone(),
                    label_from: link.link.label_from,
                    source: if in_text { Source::Body } else { Source::Block },
                    block: Some(heading.text.clone()),
                    listed: link.listed(as_of),
                    off_site,
                });
            }
        }
    }
    hits
}

/// The links of each content block that lead somewhere (a web address,
/// not `#` or a script), by the index of the block's heading.
pub(super) fn blocks_of<'l, 'a>(
    links: &'l [FoldedLink<'a>],
) -> std::collections::BTreeMap<u32, Vec<&'l FoldedLink<'a>>> {
    let mut blocks: std::collections::BTreeMap<u32, Vec<&FoldedLink<'_>>> =
        std::collections::BTreeMap::new();
    for link in links {
        let leads_somewhere = link
            .link
            .url
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
        if let (Some(block), true) = (link.link.block, leads_somewhere) {
            blocks.entry(block).or_default().push(link);
        }
    }
    blocks
}

/// On-site pages listed with a date on this page, with the newest date of
/// their row: an article that shows no date is as old as its listing says.
pub(super) fn listed_targets(
    links: &[FoldedLink<'_>],
    scope: &Scope,
    as_of: Date,
) -> Vec<(Url, Date)> {
    links
        .iter()
        .filter_map(|l| {
            let date = l.listed(as_of)?;
            let target = l.link.url.as_ref().and_then(normalize)?;
            scope.contains(&target).then_some((target, date))
        })
        .collect()
}
