//! One page judged on its own: does it have real content, what is it (a
//! section's page, an article, a page in another language), which items does
//! it show and where, which links point to items, and the dates it carries.
//! Pure and synchronous: it runs on a parse thread next to the HTML parse.

use jiff::civil::Date;
use url::Url;

use super::links::{FoldedLink, block_hits, fold_links, link_hits, listed_targets};
use super::role::{PageRole, page_role};
use crate::checklist::{Checklist, ItemIndex};
use crate::dates::parse_structured;
use crate::extract::{LabelFrom, LinkPlace, PageFacts, RunSet, TextRun};
use crate::fold::{clip, fold};
use crate::page::{Page, PageOutcome};
use crate::site::{Scope, normalize};

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
    /// The site's main language (`vi`), once the home page has told it.
    pub main_language: Option<&'a str>,
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

/// What kind of evidence shows an item, most trusted first: a person
/// checking a portal trusts its main menu more than a phrase in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A link in the header or main menu.
    Menu,
    /// A link in the footer.
    Footer,
    /// A link in a sidebar or other navigation box.
    Sidebar,
    /// A link in a list of links.
    List,
    /// An image that links to the section (a banner).
    Banner,
    /// A link under a content block's heading ("Tin tức – Sự kiện").
    Block,
    /// A page whose title, main heading or breadcrumb names the section.
    Page,
    /// A link in running text, to a page that is not an article.
    Body,
    /// A heading that introduces the item (a widget, a form).
    Heading,
    /// A phrase, pattern, element or address on a page.
    Text,
}

impl Source {
    /// The source of evidence that a link in `place` gives.
    #[must_use]
    pub fn of_place(place: LinkPlace) -> Self {
        match place {
            LinkPlace::Menu => Source::Menu,
            LinkPlace::Footer => Source::Footer,
            LinkPlace::Sidebar => Source::Sidebar,
            LinkPlace::List => Source::List,
            LinkPlace::Banner => Source::Banner,
            LinkPlace::Block => Source::Block,
            LinkPlace::Body => Source::Body,
        }
    }
}

/// Evidence that sits on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectHit {
    /// The item.
    pub item: ItemIndex,
    /// What kind of evidence it is.
    pub source: Source,
    /// What matched, for people.
    pub evidence: String,
}

/// A link whose label, address or content block points to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHit {
    /// The item.
    pub item: ItemIndex,
    /// Where the link goes.
    pub target: Url,
    /// The link's label.
    pub label: String,
    /// Where the label came from.
    pub label_from: LabelFrom,
    /// Where on the page the link sits.
    pub source: Source,
    /// The heading of the content block that makes it point to the item.
    pub block: Option<String>,
    /// The newest date of the listing row it sits in.
    pub listed: Option<Date>,
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
    /// The language the page is written in, when it can be told.
    pub language: Option<String>,
    /// Written in another language than the site's main one: it shows only
    /// the items about that language.
    pub foreign: bool,
    /// An article or a document's page: its title and text show no section.
    pub article: bool,
    /// Items whose section this page is, with the label that names it.
    pub names: Vec<(ItemIndex, String)>,
    /// Items shown on the page itself.
    pub direct: Vec<DirectHit>,
    /// Links to items.
    pub links: Vec<LinkHit>,
    /// On-site pages this page lists with a date (not after the audit date).
    pub listed: Vec<(Url, Date)>,
    /// Image links with no words but their address, to name by the page
    /// they lead to.
    pub banners: Vec<Url>,
    /// Newest date in the page's own content, not after the audit date.
    pub newest_date: Option<Date>,
    /// Read from the DOM a browser built by running the page's scripts.
    pub rendered: bool,
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
        language: None,
        foreign: false,
        article: false,
        names: Vec::new(),
        direct: Vec::new(),
        links: Vec::new(),
        listed: Vec::new(),
        banners: Vec::new(),
        newest_date: None,
        rendered: matches!(page.outcome, PageOutcome::Html { rendered: true, .. }),
    };
    match &page.outcome {
        PageOutcome::Failed(failure) => {
            observation.verdict = PageVerdict::Broken(match failure.status {
                Some(status) => format!("HTTP {status}"),
                None => failure.kind.code().to_owned(),
            });
            return observation;
        }
        PageOutcome::Document { .. } => {
            // A document (a PDF, an office file) is like an article: a link
            // in running text to it shows no section.
            observation.article = true;
            return observation;
        }
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
    let role = page_role(checklist, page, facts, &links, &cx);
    observation.direct = direct_hits(checklist, page, facts, &links, &cx, &role);
    // Block links first: a link under a block's heading is described by it.
    if !role.article {
        observation.links = block_hits(checklist, facts, &links, cx.scope, cx.as_of);
    }
    observation
        .links
        .extend(link_hits(checklist, &page.url, &links, cx.scope, cx.as_of));
    observation.listed = listed_targets(&links, cx.scope, cx.as_of);
    observation.banners = links
        .iter()
        .filter(|l| l.link.label_from == LabelFrom::Address)
        .filter_map(|l| l.link.url.as_ref().and_then(normalize))
        .filter(|u| cx.scope.contains(u))
        .take(64)
        .collect();
    role.keep_allowed(checklist, &mut observation);
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
        .flat_map(|r| r.dates.iter().copied());
    let structured = facts
        .structured_dates
        .iter()
        .filter_map(|d| parse_structured(d));
    written.chain(structured).filter(|d| *d <= as_of).max()
}

/// Evidence on the page itself: the section it is (by its name), headings
/// that introduce an item, phrases, patterns, elements and its address. An
/// article's own title and text show no section.
fn direct_hits(
    checklist: &Checklist,
    page: &Page,
    facts: &PageFacts,
    links: &[FoldedLink<'_>],
    cx: &PageContext<'_>,
    role: &PageRole,
) -> Vec<DirectHit> {
    let open = |item: ItemIndex| !cx.settled.get(item).copied().unwrap_or(false);
    let mut hits: Vec<DirectHit> = Vec::new();
    let mut add = |item: ItemIndex, source: Source, evidence: String| {
        if !hits.iter().any(|h| h.item == item && h.source <= source) {
            hits.retain(|h| h.item != item);
            hits.push(DirectHit {
                item,
                source,
                evidence,
            });
        }
    };
    for (item, name) in &role.names {
        add(*item, Source::Page, format!("page titled “{name}”"));
    }
    for (item, heading) in &role.headings {
        add(*item, Source::Heading, format!("heading “{heading}”"));
    }
    let signals = &checklist.signals;
    if !role.article {
        for hit in signals.text.find(&own_text(facts, cx.chrome)) {
            add(hit.item, Source::Text, format!("text “{}”", hit.written));
        }
    }
    // Regular expressions are the costliest signal: skip settled items.
    for (item, regex) in checklist.patterns.iter().filter(|(item, _)| open(*item)) {
        if let Some(m) = regex.find(&facts.all_text) {
            add(
                *item,
                Source::Text,
                format!("text “{}”", clip(m.as_str(), EVIDENCE_CHARS)),
            );
        }
    }
    for &index in &facts.selector_hits {
        let signal = &checklist.selectors.signals[index];
        add(
            signal.item,
            Source::Text,
            format!("element `{}`", signal.source),
        );
    }
    if !role.article {
        for hit in signals.url_hits(&page.url, false) {
            add(
                hit.item,
                Source::Text,
                format!("page address matches “{}”", hit.written),
            );
        }
    }
    for (index, names) in all_link_text_hits(checklist, links, &open) {
        add(
            index,
            Source::Text,
            format!("links for all of: {}", names.join(", ")),
        );
    }
    hits
}

/// The page's own text, folded, for phrases: the home page's whole text, or
/// what other pages do not share with it; rows of listings left out (a
/// decision's title in a table of documents is not the section it names).
fn own_text(facts: &PageFacts, chrome: Option<&RunSet>) -> String {
    match chrome {
        None => fold(&facts.own_text),
        Some(chrome) => facts
            .content_runs
            .iter()
            .filter(|r| !r.listing && !chrome.has_run(r))
            .map(|r| r.folded.as_str())
            .collect(),
    }
}

/// Items whose groups of labels (a minimum main menu) are all links of the
/// page's menu, with the first label of each group.
fn all_link_text_hits<'c>(
    checklist: &'c Checklist,
    links: &[FoldedLink<'_>],
    open: &impl Fn(ItemIndex) -> bool,
) -> Vec<(ItemIndex, Vec<&'c str>)> {
    let mut hits = Vec::new();
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
            let names = item
                .signals_written
                .all_link_text
                .iter()
                .filter_map(|g| g.first().map(String::as_str))
                .collect();
            hits.push((index, names));
        }
    }
    hits
}
