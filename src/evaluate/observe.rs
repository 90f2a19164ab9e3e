//! One page judged on its own: does it have real content, which items does it
//! show, which links point to items, and the newest date it carries. Pure and
//! synchronous: it runs on a blocking thread next to the HTML parse.

use jiff::civil::Date;
use url::Url;

use crate::checklist::{Checklist, ItemIndex};
use crate::dates::{dates_in, parse_structured};
use crate::extract::{LinkFact, PageFacts, RunSet, TextRun};
use crate::fold::{clip, fold};
use crate::page::{Page, PageOutcome};
use crate::site::{Scope, normalize};

/// Link labels longer than this many words are article titles, not menu
/// entries: their text is not matched (their URL still is).
pub const MAX_LABEL_WORDS: usize = 8;
/// A page whose own content (beyond the chrome it shares with the home page)
/// holds a placeholder phrase and is shorter than this is a placeholder.
const PLACEHOLDER_MAX_CHARS: usize = 600;
/// A page with less own content than this and no images or tables is empty.
const EMPTY_MAX_CHARS: usize = 20;
/// Characters of matched text kept as evidence.
pub(super) const EVIDENCE_CHARS: usize = 160;

/// What a page is judged against besides the checklist.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The home page's runs; `None` while observing the home page itself.
    pub chrome: Option<&'a RunSet>,
    /// The site's soft-404 page's runs, if it has one.
    pub not_found: Option<&'a RunSet>,
    /// The site, to tell off-site links.
    pub scope: &'a Scope,
    /// The audit date: later dates are not news.
    pub as_of: Date,
    /// Items whose evidence this page cannot improve (found on a shallower
    /// page, no freshness to judge): their costlier signals are skipped.
    pub settled: &'a [bool],
}

/// Whether a fetched page has real content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageVerdict {
    /// Real content (or a document such as a PDF).
    Content,
    /// Reachable but empty: says "đang cập nhật", only chrome, or the site's
    /// generic "not found" page.
    Placeholder(String),
    /// Could not be had (4xx, 5xx, timeout, …).
    Broken(String),
    /// Redirects to another page already judged.
    SameAs(Url),
}

/// Evidence that sits on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectHit {
    /// The item.
    pub item: ItemIndex,
    /// What matched, for people.
    pub evidence: String,
}

/// A link whose label or address points to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHit {
    /// The item.
    pub item: ItemIndex,
    /// Where the link goes.
    pub target: Url,
    /// The link's label.
    pub label: String,
    /// The target is outside the site (never fetched).
    pub off_site: bool,
}

/// Everything one page tells us.
#[derive(Debug, Clone)]
pub struct PageObservation {
    /// URL as queued.
    pub requested: Url,
    /// URL after redirects.
    pub url: Url,
    /// Depth from the start page.
    pub depth: u32,
    /// Whether it has content.
    pub verdict: PageVerdict,
    /// Items shown on the page itself.
    pub direct: Vec<DirectHit>,
    /// Links to items.
    pub links: Vec<LinkHit>,
    /// Newest date in the page's own content, not after the audit date.
    pub newest_date: Option<Date>,
}

/// Observes one page. `facts` is `Some` for HTML pages.
#[must_use]
pub fn observe_page(
    checklist: &Checklist,
    page: &Page,
    facts: Option<&PageFacts>,
    cx: PageContext<'_>,
) -> PageObservation {
    let mut observation = PageObservation {
        requested: page.requested.clone(),
        url: page.url.clone(),
        depth: page.depth,
        verdict: PageVerdict::Content,
        direct: Vec::new(),
        links: Vec::new(),
        newest_date: None,
    };
    match &page.outcome {
        PageOutcome::Failed(failure) => {
            observation.verdict = PageVerdict::Broken(match failure.status {
                Some(status) => format!("HTTP {status}"),
                None => failure.kind.code().to_owned(),
            });
            return observation;
        }
        PageOutcome::Document { .. } => return observation,
        PageOutcome::SameAs(other) => {
            observation.verdict = PageVerdict::SameAs(other.clone());
            return observation;
        }
        PageOutcome::Html { .. } => {}
    }
    let Some(facts) = facts else {
        return observation;
    };
    if let Some(chrome) = cx.chrome {
        observation.verdict = judge_content(checklist, facts, chrome, cx.not_found);
    }
    observation.newest_date = newest_date(facts, cx.chrome, cx.as_of);
    let links = fold_links(facts, cx.chrome);
    observation.direct = direct_hits(checklist, page, facts, &links, &cx);
    observation.links = link_hits(checklist, &links, cx.scope);
    observation
}

fn judge_content(
    checklist: &Checklist,
    facts: &PageFacts,
    chrome: &RunSet,
    not_found: Option<&RunSet>,
) -> PageVerdict {
    let own: Vec<&TextRun> = facts
        .content_runs
        .iter()
        .filter(|r| !chrome.has_run(r))
        .collect();
    let own_chars: usize = own.iter().map(|r| r.folded.trim().chars().count()).sum();
    if own_chars < PLACEHOLDER_MAX_CHARS {
        for run in &own {
            if !checklist.signals.placeholder.find(&run.folded).is_empty() {
                return PageVerdict::Placeholder(format!(
                    "the page only says “{}”",
                    clip(&run.text, EVIDENCE_CHARS)
                ));
            }
        }
    }
    if own_chars < EMPTY_MAX_CHARS && facts.content_media == 0 {
        return PageVerdict::Placeholder("the page has no content beyond the site's menus".into());
    }
    if let Some(not_found) = not_found
        && !own.is_empty()
        && own.iter().all(|r| not_found.has_run(r))
    {
        return PageVerdict::Placeholder(
            "the page is the site's generic “not found” page (answered with 200)".into(),
        );
    }
    PageVerdict::Content
}

/// The newest date in the page's own content (chrome excluded) or its
/// machine-readable dates, not after `as_of`.
fn newest_date(facts: &PageFacts, chrome: Option<&RunSet>, as_of: Date) -> Option<Date> {
    let written = facts
        .content_runs
        .iter()
        .filter(|r| chrome.is_none_or(|c| !c.has_run(r)))
        .flat_map(|r| dates_in(&r.text));
    let structured = facts
        .structured_dates
        .iter()
        .filter_map(|d| parse_structured(d));
    written.chain(structured).filter(|d| *d <= as_of).max()
}

fn direct_hits(
    checklist: &Checklist,
    page: &Page,
    facts: &PageFacts,
    links: &[FoldedLink<'_>],
    cx: &PageContext<'_>,
) -> Vec<DirectHit> {
    let open = |item: ItemIndex| !cx.settled.get(item).copied().unwrap_or(false);
    let mut hits: Vec<DirectHit> = Vec::new();
    let mut add = |item: ItemIndex, evidence: String| {
        if !hits.iter().any(|h| h.item == item) {
            hits.push(DirectHit { item, evidence });
        }
    };
    let signals = &checklist.signals;
    for heading in &facts.headings {
        for hit in signals.heading.find(&fold(heading)) {
            add(
                hit.item,
                format!("heading “{}”", clip(heading, EVIDENCE_CHARS)),
            );
        }
    }
    // The home page is searched whole; other pages only where they differ
    // from it (their runs are folded already).
    let own_text = match cx.chrome {
        None => fold(&facts.own_text),
        Some(chrome) => facts
            .content_runs
            .iter()
            .filter(|r| !chrome.has_run(r))
            .map(|r| r.folded.as_str())
            .collect(),
    };
    for hit in signals.text.find(&own_text) {
        add(hit.item, format!("text “{}”", hit.written));
    }
    // Regular expressions are the costliest signal: skip settled items.
    for (item, regex) in checklist.patterns.iter().filter(|(item, _)| open(*item)) {
        if let Some(m) = regex.find(&facts.all_text) {
            add(
                *item,
                format!("text “{}”", clip(m.as_str(), EVIDENCE_CHARS)),
            );
        }
    }
    for &index in &facts.selector_hits {
        let signal = &checklist.selectors.signals[index];
        add(signal.item, format!("element `{}`", signal.source));
    }
    for hit in signals.url_hits(&page.url, false) {
        add(hit.item, format!("page address matches “{}”", hit.written));
    }
    for (index, item) in checklist.items.iter().enumerate() {
        if item.all_link_text.is_empty() || !open(index) {
            continue;
        }
        let all_there = item.all_link_text.iter().all(|group| {
            group.iter().any(|alt| {
                links
                    .iter()
                    .any(|l| l.in_menu() && l.folded.contains(alt.as_str()))
            })
        });
        if all_there {
            let names: Vec<&str> = item
                .signals_written
                .all_link_text
                .iter()
                .filter_map(|g| g.first().map(String::as_str))
                .collect();
            add(index, format!("links for all of: {}", names.join(", ")));
        }
    }
    hits
}

/// A link with its label folded once for every signal that needs it.
struct FoldedLink<'a> {
    link: &'a LinkFact,
    folded: String,
    /// Short enough to be a menu entry rather than an article title.
    menu_like: bool,
}

impl FoldedLink<'_> {
    /// Part of the main menu: a short label, not in the footer.
    fn in_menu(&self) -> bool {
        self.menu_like && self.link.in_menu
    }
}

fn fold_links<'a>(facts: &'a PageFacts, chrome: Option<&RunSet>) -> Vec<FoldedLink<'a>> {
    facts
        .links
        .iter()
        // A link the home page has too (same label, same target) says nothing new.
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

fn link_hits(checklist: &Checklist, links: &[FoldedLink<'_>], scope: &Scope) -> Vec<LinkHit> {
    let signals = &checklist.signals;
    let mut hits: Vec<LinkHit> = Vec::new();
    for FoldedLink {
        link,
        folded,
        menu_like,
    } in links
    {
        let Some(target) = link.url.as_ref().and_then(normalize) else {
            continue;
        };
        let off_site = !scope.contains(&target);
        let mut items: Vec<ItemIndex> = Vec::new();
        if *menu_like {
            items.extend(signals.link_text.find(folded).iter().map(|h| h.item));
        }
        items.extend(signals.url_hits(&target, off_site).iter().map(|h| h.item));
        for item in items {
            if !hits.iter().any(|h| h.item == item && h.target == target) {
                hits.push(LinkHit {
                    item,
                    target: target.clone(),
                    label: link.label.clone(),
                    off_site,
                });
            }
        }
    }
    hits
}
