//! Reads one HTML page into owned, `Send`able facts: links with their labels,
//! headings, the page's own text, and which of the given selectors match. It
//! knows nothing of checklists or crawling: selectors come in as a
//! [`SelectorSet`], and items already settled as a plain list of flags. The
//! `scraper::Html` DOM lives and dies inside [`extract`]; it is never held
//! across an `.await`.

mod all_text;
mod chrome;
mod client_rendered;
mod elements;
mod nesting;
mod open_link;
mod selectors;
mod walk;

use scraper::Html;
use url::Url;

pub use chrome::{RunSet, key_of};
pub use client_rendered::RenderSign;
pub use selectors::{SelectorSet, SelectorSignal};

use crate::site::LinkPriority;

/// Links taken from one page at most; the rest are ignored.
pub const MAX_LINKS_PER_PAGE: usize = 5_000;
/// Characters of text kept from one page at most.
pub const MAX_TEXT_CHARS: usize = 1_000_000;
/// Deepest element nesting we parse. html5ever's tree builder does work
/// proportional to the depth for each element, so a hostile page nested
/// 200,000 deep would take minutes; real pages stay far below this.
pub const MAX_NESTING: usize = 512;
/// Longest link label we keep, in characters.
const MAX_LABEL_CHARS: usize = 300;

/// What a page says, as owned data.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    /// The `<title>`.
    pub title: String,
    /// The `lang` attribute of `<html>`, as written.
    pub lang: Option<String>,
    /// The last entry of the page's breadcrumb trail: the page's own name.
    pub breadcrumb: Option<String>,
    /// Links in document order.
    pub links: Vec<LinkFact>,
    /// Headings, in document order.
    pub headings: Vec<Heading>,
    /// Visible text outside links, one text run per line; empty when
    /// extracted with a chrome (only the home page's is searched whole).
    pub own_text: String,
    /// Visible text, links included, one text run per line (for patterns
    /// such as an e-mail address written as a mailto link). With a chrome,
    /// only the runs it lacks and their neighbours.
    pub all_text: String,
    /// Text runs outside links and navigation, to tell a page's own content
    /// from the chrome it shares with the home page. With a chrome, only the
    /// runs it lacks.
    pub content_runs: Vec<TextRun>,
    /// Images, frames, tables and objects in the content (not in navigation
    /// or links): a page of only an org chart image is not empty.
    pub content_media: usize,
    /// Machine-readable dates: `<time datetime>`, `article:published_time`,
    /// `DC.date` and similar meta tags.
    pub structured_dates: Vec<String>,
    /// Which selectors matched (indexes into `SelectorSet::signals`);
    /// selectors of skipped items are not tried.
    pub selector_hits: Vec<usize>,
    /// Keys of every text run, for [`RunSet::of`]; empty when extracted
    /// with a chrome.
    pub text_keys: Vec<u64>,
    /// Why the page looks built by JavaScript, if it does: it is then
    /// worth rendering in a browser.
    pub render_sign: Option<RenderSign>,
}

/// One heading's own text (text inside links excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The text, white space squashed.
    pub text: String,
    /// 1 for `h1` to 6 for `h6`.
    pub level: u8,
    /// Inside navigation (header, menu, footer, sidebar).
    pub navigation: bool,
    /// Inside a row of a listing (one that carries a date or a document
    /// number): the title of a listed thing, not a section's heading.
    pub listing: bool,
}

/// One run of text, as written and folded, with the key chrome detection uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    /// [`key_of`] the folded text.
    pub hash: u64,
    /// Folded text.
    pub folded: String,
    /// The text as written (white space squashed).
    pub text: String,
    /// It sits in a short row (`li`, `tr`, `p`, `dd`) that carries a date
    /// or a document number: a row of a listing of news or documents.
    pub listing: bool,
    /// The dates written in it.
    pub dates: Vec<jiff::civil::Date>,
}

/// Where on a page a link sits, as a person reading the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkPlace {
    /// The header or main menu.
    Menu,
    /// The footer.
    Footer,
    /// A sidebar or other navigation box.
    Sidebar,
    /// A list of links (`<li>`, a "Liên kết website" `<select>`).
    List,
    /// An image that is a link (a banner).
    Banner,
    /// Under a heading of a content block ("Tin tức – Sự kiện").
    Block,
    /// Inside running text.
    Body,
}

/// Where a link's label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFrom {
    /// Its text.
    Text,
    /// Its image's `alt`.
    Alt,
    /// Its `title` or `aria-label`.
    Title,
    /// Nothing readable: the words of its address (an image with no `alt`).
    Address,
    /// The name of the page it leads to, once that page was read (set by
    /// evaluation, never by extraction).
    LinkedPage,
}

/// One `<a href>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFact {
    /// Absolute target, when the href resolves.
    pub url: Option<Url>,
    /// Text, title, aria-label and image alt, joined; for an image with no
    /// words, the words of its address.
    pub label: String,
    /// Where the label came from.
    pub label_from: LabelFrom,
    /// Navigation/footer links are crawled first.
    pub priority: LinkPriority,
    /// Inside the header or a menu (a `nav`, or an element whose class or id
    /// says menu or nav) and not inside the footer: the site's main menu.
    pub in_menu: bool,
    /// Where on the page it sits.
    pub place: LinkPlace,
    /// The heading of the content block it sits under (an index into
    /// [`PageFacts::headings`]).
    pub block: Option<u32>,
    /// The dates of the listing row it sits in ("Khai mạc hội chợ …
    /// (12/03/2022)"): how old what it leads to is, when that page shows no
    /// date of its own.
    pub listed_dates: Vec<jiff::civil::Date>,
    /// Inside a row of a listing (a short row that carries a date or a
    /// document number), wherever the listing sits: it leads to a listed
    /// article or document, not to a section.
    pub listing_row: bool,
    /// Label and `href` as written, hashed: equal keys, equal links.
    pub key: u64,
}

/// Extracts facts from `html`, resolving links against `base`. `selectors`
/// are the checklist's; those of items marked in `skip_items` (settled on a
/// shallower page) are not tried. Text runs and links the page shares with
/// `chrome` (the home page's) are left out: later stages only read what is
/// the page's own, and most of a page is the menus, sidebars and footer it
/// repeats.
#[must_use]
pub fn extract(
    html: &str,
    base: &Url,
    selectors: &SelectorSet,
    skip_items: &[bool],
    chrome: Option<&RunSet>,
) -> PageFacts {
    let html = match nesting::overly_nested_at(html, MAX_NESTING) {
        Some(cut) => &html[..cut],
        None => html,
    };
    let document = Html::parse_document(html);
    let mut facts = walk::Walker::new(base, selectors, skip_items, chrome).walk(&document);
    // Read for the signs of a page built by JavaScript: the home page; on a
    // site whose home page was, every page; elsewhere only a page with
    // next to nothing of its own (a shell, or a box a script fills), so
    // that a server-rendered site pays nothing for the check.
    let check = match chrome {
        None => true,
        Some(chrome) => chrome.built_by_script || has_little_of_its_own(&facts),
    };
    if check {
        facts.render_sign = client_rendered::sign(&document);
    }
    facts
}

/// Links and bytes of text of its own under which a page, read against
/// the chrome, is checked for the signs of being built by JavaScript.
const LITTLE_LINKS: usize = 5;
const LITTLE_TEXT: usize = 400;

fn has_little_of_its_own(facts: &PageFacts) -> bool {
    facts.links.len() < LITTLE_LINKS
        && facts
            .content_runs
            .iter()
            .map(|r| r.text.len())
            .sum::<usize>()
            < LITTLE_TEXT
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
