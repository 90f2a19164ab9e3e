//! What a page is, as a person reading it would say: the page of a section
//! (its title, main heading or breadcrumb is a short label naming it), an
//! article or a document (its main heading is a long title, or carries a
//! document number or a date), and which language it is written in. An
//! article's own headings and text show no section; a page in another
//! language than the site's shows only the items about that language.

use super::links::{FoldedLink, blocks_of};
use super::observe::{PageContext, PageObservation};
use crate::checklist::{Checklist, ItemIndex};
use crate::extract::{Heading, PageFacts};
use crate::fold::{fold, squash_whitespace};
use crate::labels::{
    has_document_number, is_short_label, looks_vietnamese, path_language, primary_language,
};
use crate::page::Page;

/// A name may carry two words beyond the label it matches ("Công khai ngân
/// sách năm 2026"), no more ("Giới thiệu chung về Sở Tư pháp tỉnh …" is
/// not the page of "giới thiệu").
const NAME_EXTRA_WORDS: usize = 2;

/// What a page is.
#[derive(Debug, Default)]
pub(super) struct PageRole {
    /// The language it is written in, when it can be told.
    pub(super) language: Option<String>,
    /// Written in another language than the site's main one.
    pub(super) foreign: bool,
    /// An article or a document's page.
    pub(super) article: bool,
    /// Items whose section the page is, with the name that says so.
    pub(super) names: Vec<(ItemIndex, String)>,
    /// Items a heading of the page introduces, with no links under it (a
    /// form, a widget): the heading itself is the evidence.
    pub(super) headings: Vec<(ItemIndex, String)>,
}

/// Works out what `page` is.
pub(super) fn page_role(
    checklist: &Checklist,
    page: &Page,
    facts: &PageFacts,
    links: &[FoldedLink<'_>],
    cx: &PageContext<'_>,
) -> PageRole {
    let language = page_language(facts, page);
    let foreign = matches!((cx.main_language, &language), (Some(main), Some(lang)) if main != lang);
    let home = cx.chrome.is_none();
    // An article's long heading outweighs a title or breadcrumb that names
    // its section ("Tin tức - Sở …" over a news story): a false "present"
    // hides a gap, while the menu link to a section page with a long
    // heading still shows the section.
    let article = !home && is_article(facts, cx);
    let names = if home || article {
        Vec::new()
    } else {
        section_names(checklist, facts)
    };
    let mut role = PageRole {
        language,
        foreign,
        article,
        names,
        ..PageRole::default()
    };
    if !article {
        role.headings = lone_headings(checklist, facts, links, cx);
    }
    role
}

impl PageRole {
    /// Keeps, of what a foreign page shows, only the items about its
    /// language (a Vietnamese portal's English pages show its English
    /// version, never its news).
    pub(super) fn keep_allowed(&self, checklist: &Checklist, observation: &mut PageObservation) {
        observation.language.clone_from(&self.language);
        observation.foreign = self.foreign;
        observation.article = self.article;
        observation.names.clone_from(&self.names);
        if !self.foreign {
            return;
        }
        let allowed = |item: ItemIndex| {
            checklist.items[item].language.is_some()
                && checklist.items[item].language == self.language
        };
        observation.names.retain(|(item, _)| allowed(*item));
        observation.direct.retain(|h| allowed(h.item));
        observation.links.retain(|h| allowed(h.item));
        observation.listed.clear();
        observation.banners.clear();
    }
}

/// The page's language: Vietnamese when its own text reads so; else what
/// its address says (`/en/`); else, when its text clearly is not
/// Vietnamese, its `<html lang>`. A page with too little text to tell, or
/// a template's `lang` alone, leaves it unknown (the site's own).
fn page_language(facts: &PageFacts, page: &Page) -> Option<String> {
    let vietnamese = looks_vietnamese(facts.content_runs.iter().map(|r| r.text.as_str()));
    if vietnamese == Some(true) {
        return Some("vi".to_owned());
    }
    if let Some(language) = path_language(&page.url) {
        return Some(language.to_owned());
    }
    if vietnamese == Some(false) {
        return facts.lang.as_deref().and_then(primary_language);
    }
    None
}

/// The page's own headings, in order: outside navigation and listings, and
/// not the frame it shares with the home page (a long agency name in the
/// banner, a slogan).
fn own_headings<'a>(
    facts: &'a PageFacts,
    cx: &PageContext<'_>,
) -> impl Iterator<Item = &'a Heading> {
    let chrome = cx.chrome;
    facts.headings.iter().filter(move |h| {
        !h.navigation && !h.listing && chrome.is_none_or(|c| !c.has_heading(&fold(&h.text)))
    })
}

/// An article or a document's page: its main heading, or its first
/// level-one heading, is a title rather than a label, or its `<title>`
/// carries a document number.
fn is_article(facts: &PageFacts, cx: &PageContext<'_>) -> bool {
    let first_h1 = own_headings(facts, cx).find(|h| h.level == 1);
    own_headings(facts, cx)
        .next()
        .into_iter()
        .chain(first_h1)
        .any(|h| !is_short_label(&h.text))
        || has_document_number(&facts.title)
}

/// The parts of a `<title>`: "Công khai ngân sách - Sở Tư pháp" has two.
fn title_parts(title: &str) -> Vec<String> {
    let mut parts = vec![squash_whitespace(title)];
    for separator in [" - ", " | ", " – ", " — ", " :: ", " » "] {
        parts = parts
            .iter()
            .flat_map(|p| p.split(separator))
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
    }
    parts
}

/// Items the page is the section of: a part of its title, its first
/// level-one heading or its breadcrumb's last entry is a short label that
/// names the item.
fn section_names(checklist: &Checklist, facts: &PageFacts) -> Vec<(ItemIndex, String)> {
    let h1 = facts
        .headings
        .iter()
        .find(|h| h.level == 1 && !h.navigation && !h.listing)
        .map(|h| h.text.as_str());
    let mut names: Vec<(ItemIndex, String)> = Vec::new();
    let parts = title_parts(&facts.title);
    let candidates = parts
        .iter()
        .map(String::as_str)
        .chain(h1)
        .chain(facts.breadcrumb.as_deref());
    for name in candidates {
        let folded = fold(name);
        let hits = checklist.signals.heading.find(&folded);
        if hits.is_empty() || !is_short_label(name) {
            continue;
        }
        let words = folded.split_whitespace().count();
        for hit in hits {
            let fits = words <= hit.needle.split_whitespace().count() + NAME_EXTRA_WORDS;
            if fits && !names.iter().any(|(item, _)| *item == hit.item) {
                names.push((hit.item, name.to_owned()));
            }
        }
    }
    names
}

/// Items introduced by a short heading with no links under it (a rating
/// form, a search box). Headings of listings, headings the home page has
/// too (a sidebar box on every page) and headings in navigation are not
/// evidence of their own.
fn lone_headings(
    checklist: &Checklist,
    facts: &PageFacts,
    links: &[FoldedLink<'_>],
    cx: &PageContext<'_>,
) -> Vec<(ItemIndex, String)> {
    let mut hits = Vec::new();
    let blocks = blocks_of(links);
    for (index, heading) in facts.headings.iter().enumerate() {
        if heading.listing {
            continue;
        }
        let folded = fold(&heading.text);
        let found = checklist.signals.heading.find(&folded);
        if found.is_empty()
            || cx.chrome.is_some_and(|c| c.has_heading(&folded))
            || u32::try_from(index).is_ok_and(|i| blocks.contains_key(&i))
            || !is_short_label(&heading.text)
        {
            continue;
        }
        for hit in found {
            hits.push((hit.item, heading.text.clone()));
        }
    }
    hits
}
