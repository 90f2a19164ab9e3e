//! Reads one HTML page into owned, `Send`able facts: links with their labels,
//! headings, the page's own text, and which checklist selectors match. The
//! `scraper::Html` DOM lives and dies inside [`extract`]; it is never held
//! across an `.await`. The walk over the DOM is iterative, so a page nested
//! 200,000 elements deep cannot overflow the stack.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash};

use ego_tree::iter::Edge;
use markup5ever::{local_name, ns};
use scraper::{ElementRef, Html, Node};
use url::Url;

use crate::checklist::SelectorSet;
use crate::crawl::LinkPriority;
use crate::fold::{clipped, find_ascii_ci, fold, squash_whitespace, squashed};

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
    /// Links in document order.
    pub links: Vec<LinkFact>,
    /// Headings' own text (text inside links excluded).
    pub headings: Vec<String>,
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
    /// Which checklist selectors matched (indexes into `SelectorSet::signals`);
    /// selectors of skipped items are not tried.
    pub selector_hits: Vec<usize>,
    /// Keys of every text run, for [`RunSet::of`]; empty when extracted
    /// with a chrome.
    pub text_keys: Vec<u64>,
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
}

/// One `<a href>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFact {
    /// Absolute target, when the href resolves.
    pub url: Option<Url>,
    /// Text, title, aria-label and image alt, joined.
    pub label: String,
    /// Navigation/footer links are crawled first.
    pub priority: LinkPriority,
    /// Inside the header or a menu (a `nav`, or an element whose class or id
    /// says menu or nav) and not inside the footer: the site's main menu.
    pub in_menu: bool,
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
    let html = match overly_nested_at(html, MAX_NESTING) {
        Some(cut) => &html[..cut],
        None => html,
    };
    let document = Html::parse_document(html);
    let mut facts = PageFacts::default();
    walk(&document, base, selectors, skip_items, chrome, &mut facts);
    facts
}

/// Where a page's element nesting first passes `limit`, by a quick scan of its
/// tags (void elements, self-closing tags, comments and raw-text elements
/// handled), or `None` if it never does.
fn overly_nested_at(html: &str, limit: usize) -> Option<usize> {
    const VOID: [&[u8]; 14] = [
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
        b"param", b"source", b"track", b"wbr",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        i = start + 1;
        if bytes[i..].starts_with(b"!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        // Lower-cased into a small buffer (longer names are none of ours),
        // so the tests below are a jump on length and a short compare.
        let mut lower = [0u8; 8];
        let short = name_len <= lower.len();
        if short {
            for (l, b) in lower.iter_mut().zip(name.bytes()) {
                *l = b.to_ascii_lowercase();
            }
        }
        let lower = &lower[..if short { name_len } else { 0 }];
        let tag_end =
            memchr::memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |e| name_start + e);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        i = tag_end.min(bytes.len());
        if closing {
            depth = depth.saturating_sub(1);
        } else if matches!(lower, b"script" | b"style" | b"textarea" | b"title") {
            let close = format!("</{name}");
            i = find_ascii_ci(&html[i..], &close).map_or(bytes.len(), |e| i + e);
        } else if !self_closing && !VOID.contains(&lower) {
            depth += 1;
            if depth > limit {
                return Some(start);
            }
        }
    }
    None
}

/// What an open element contributes to the context of the text inside it.
#[derive(Debug, Clone, Copy, Default)]
struct Frame {
    hidden: bool,
    link: bool,
    heading: bool,
    navigation: bool,
    footer: bool,
    menu: bool,
    title: bool,
}

struct OpenLink<'d> {
    href: &'d str,
    /// Title, aria-label, text and image alt, in document order.
    label: String,
    priority: LinkPriority,
    in_menu: bool,
}

#[derive(Default)]
struct Context<'d> {
    hidden: usize,
    navigation: usize,
    footer: usize,
    menu: usize,
    title: usize,
    link: Option<OpenLink<'d>>,
    heading: Option<String>,
}

/// Builds [`PageFacts::all_text`]. Without a chrome every run goes in. With
/// one, the runs it lacks go in with the run just before and just after each,
/// so a label and its value written as two runs ("Điện thoại:", then the
/// number) still read as one; where runs were left out, a line holding only
/// [`GAP`] keeps patterns from matching across the hole.
#[derive(Default)]
struct AllText<'d> {
    next: usize,
    last_new: Option<usize>,
    last_written: Option<usize>,
    held: Option<(usize, Cow<'d, str>)>,
}

/// Marks where `all_text` leaves runs out: neither white space nor a word.
const GAP: char = '\u{1f}';

impl<'d> AllText<'d> {
    // A `&Cow`, not a `&str`: a run held back is kept as borrowed from the DOM
    // when it can be, instead of always copied.
    #[allow(clippy::ptr_arg)]
    fn add(&mut self, out: &mut String, run: &Cow<'d, str>, shared: bool) {
        let index = self.next;
        self.next += 1;
        if !shared {
            if let Some((held, text)) = self.held.take()
                && held + 1 == index
            {
                self.write(out, held, &text);
            }
            self.write(out, index, run);
            self.last_new = Some(index);
        } else if self.last_new.is_some_and(|new| new + 1 == index) {
            self.write(out, index, run);
        } else {
            self.held = Some((index, run.clone()));
        }
    }

    fn write(&mut self, out: &mut String, index: usize, run: &str) {
        if !out.is_empty() {
            if self.last_written.is_some_and(|last| last + 1 != index) {
                out.push('\n');
                out.push(GAP);
            }
            out.push('\n');
        }
        out.push_str(run);
        self.last_written = Some(index);
    }
}

fn walk(
    document: &Html,
    page: &Url,
    selectors: &SelectorSet,
    skip_items: &[bool],
    chrome: Option<&RunSet>,
    facts: &mut PageFacts,
) {
    // Links resolve against `<base href>` when the head has one (it comes
    // before any link in a well-formed page).
    let mut base = page.clone();
    let mut base_seen = false;
    // Selectors of items already settled are never tried: marked as matched.
    let mut matched: Vec<bool> = selectors
        .signals
        .iter()
        .map(|s| skip_items.get(s.item).copied().unwrap_or(false))
        .collect();
    let mut stack: Vec<Frame> = Vec::new();
    let mut cx = Context::default();
    let mut all_text = AllText::default();
    let mut text_chars = 0usize;
    let mut label_buffer = String::new();
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let tag = Tag::of(&element.name.local);
                    let attrs = Attrs::of(element);
                    let marks = Marks::of(attrs.class) | Marks::of(attrs.id);
                    if tag == Tag::Base
                        && !base_seen
                        && let Some(href) = attrs.href
                    {
                        base_seen = true;
                        if let Ok(joined) = page.join(href.trim()) {
                            base = joined;
                        }
                    }
                    if let Some(element_ref) = ElementRef::wrap(node) {
                        for i in selectors.candidates(element) {
                            if !matched[i]
                                && selectors.could_match(i, element)
                                && selectors.signals[i].selector.matches(&element_ref)
                            {
                                matched[i] = true;
                                facts.selector_hits.push(i);
                            }
                        }
                    }
                    let mut frame = Frame::default();
                    if tag == Tag::Hidden {
                        frame.hidden = true;
                        cx.hidden += 1;
                    }
                    if tag == Tag::Title && cx.title == 0 && facts.title.is_empty() {
                        frame.title = true;
                        cx.title += 1;
                    }
                    if is_navigation(tag, marks, attrs.role) {
                        frame.navigation = true;
                        cx.navigation += 1;
                    }
                    if is_footer(tag, marks, attrs.role) {
                        frame.footer = true;
                        cx.footer += 1;
                    }
                    if is_menu(tag, marks, attrs.role) {
                        frame.menu = true;
                        cx.menu += 1;
                    }
                    // "Liên kết website" is often a <select> whose options hold
                    // other agencies' addresses: those are links too.
                    let target = match tag {
                        Tag::A => attrs.href,
                        Tag::Option => attrs
                            .value
                            .filter(|v| v.starts_with("http://") || v.starts_with("https://")),
                        _ => None,
                    };
                    if cx.link.is_none() && facts.links.len() < MAX_LINKS_PER_PAGE {
                        if let Some(href) = target {
                            frame.link = true;
                            let mut label = std::mem::take(&mut label_buffer);
                            label.clear();
                            for v in [attrs.title, attrs.aria_label].into_iter().flatten() {
                                label.push(' ');
                                label.push_str(v);
                            }
                            cx.link = Some(OpenLink {
                                href,
                                label,
                                priority: if cx.navigation > 0 {
                                    LinkPriority::Navigation
                                } else {
                                    LinkPriority::Body
                                },
                                in_menu: cx.menu > 0 && cx.footer == 0,
                            });
                        }
                    }
                    if tag == Tag::Heading && cx.heading.is_none() {
                        frame.heading = true;
                        cx.heading = Some(String::new());
                    }
                    if tag == Tag::Time
                        && let Some(datetime) = attrs.datetime
                    {
                        facts.structured_dates.push(datetime.to_owned());
                    }
                    if tag == Tag::Meta
                        && let (Some(key), Some(content)) =
                            (attrs.property.or(attrs.name), attrs.content)
                        && is_date_meta(key)
                    {
                        facts.structured_dates.push(content.to_owned());
                    }
                    if cx.hidden == 0 {
                        if tag == Tag::Img
                            && let (Some(link), Some(alt)) = (cx.link.as_mut(), attrs.alt)
                        {
                            link.label.push(' ');
                            link.label.push_str(alt);
                        }
                        if matches!(tag, Tag::Img | Tag::Media | Tag::Table)
                            && cx.link.is_none()
                            && cx.navigation == 0
                        {
                            facts.content_media += 1;
                        }
                    }
                    stack.push(frame);
                }
                Node::Text(text) => {
                    if cx.title > 0 {
                        facts.title.push_str(text);
                        continue;
                    }
                    if cx.hidden > 0 || text_chars > MAX_TEXT_CHARS {
                        continue;
                    }
                    let run = text.trim();
                    if run.is_empty() {
                        continue;
                    }
                    text_chars += run.len();
                    let run = squashed(run);
                    let key = key_of(&*run);
                    if chrome.is_none() {
                        facts.text_keys.push(key);
                    }
                    let shared = chrome.is_some_and(|c| c.texts.contains(&key));
                    all_text.add(&mut facts.all_text, &run, shared);
                    if let Some(link) = cx.link.as_mut() {
                        link.label.push(' ');
                        link.label.push_str(&run);
                        continue;
                    }
                    if chrome.is_none() {
                        push_line(&mut facts.own_text, &run);
                    }
                    if let Some(heading) = cx.heading.as_mut() {
                        heading.push(' ');
                        heading.push_str(&run);
                    }
                    // Content runs compare folded, so a run the home page has in
                    // another case or punctuation is chrome all the same.
                    if cx.navigation == 0 {
                        let folded = fold(&run);
                        let folded_key = key_of(&folded);
                        if folded.len() > 2 && chrome.is_none_or(|c| !c.runs.contains(&folded_key))
                        {
                            facts.content_runs.push(TextRun {
                                hash: folded_key,
                                folded,
                                text: run.into_owned(),
                            });
                        }
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if !node.value().is_element() {
                    continue;
                }
                let Some(frame) = stack.pop() else { continue };
                if frame.hidden {
                    cx.hidden -= 1;
                }
                if frame.title {
                    cx.title -= 1;
                }
                if frame.navigation {
                    cx.navigation -= 1;
                }
                if frame.footer {
                    cx.footer -= 1;
                }
                if frame.menu {
                    cx.menu -= 1;
                }
                if frame.link
                    && let Some(link) = cx.link.take()
                {
                    let squashed_label = squashed(&link.label);
                    let label = clipped(&squashed_label, MAX_LABEL_CHARS);
                    let key = link_key(link.href, &label, &base);
                    // A link the home page has too (same label, same target)
                    // says nothing new and is queued already.
                    if chrome.is_none_or(|c| !c.links.contains(&key)) {
                        facts.links.push(LinkFact {
                            url: base.join(link.href.trim()).ok(),
                            label: label.into_owned(),
                            priority: link.priority,
                            in_menu: link.in_menu,
                            key,
                        });
                    }
                    // The label's buffer serves the next link.
                    drop(squashed_label);
                    label_buffer = link.label;
                }
                if frame.heading
                    && let Some(heading) = cx.heading.take()
                {
                    let heading = squash_whitespace(&heading);
                    if !heading.is_empty() {
                        facts.headings.push(heading);
                    }
                }
            }
        }
    }
    facts.title = squash_whitespace(&facts.title);
}

/// The key of a link: its label and its `href` as written, with as much of
/// the base as resolving it needs, so it is computed without resolving the
/// link: none for an absolute address, the origin for `/path`, the base's
/// directory for `page.html`, its path for `?query`, all of it but the
/// fragment for `#part`.
fn link_key(href: &str, label: &str, base: &Url) -> u64 {
    use url::Position;
    let href = href.trim();
    let scope = if href.starts_with('/') {
        &base[..Position::BeforePath]
    } else if is_absolute(href) {
        ""
    } else if href.is_empty() || href.starts_with('#') {
        &base[..Position::AfterQuery]
    } else if href.starts_with('?') {
        &base[..Position::AfterPath]
    } else {
        let path = &base[..Position::AfterPath];
        &path[..path.rfind('/').map_or(path.len(), |slash| slash + 1)]
    };
    key_of((scope, href, label))
}

/// Whether `href` resolves the same from any page: it starts with a scheme
/// (`mailto:`, `https://`). `http:page` without slashes is relative to the
/// page, so it is not.
fn is_absolute(href: &str) -> bool {
    let Some((scheme, rest)) = href.split_once(':') else {
        return false;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    is_scheme && (!web || rest.starts_with("//"))
}

/// A 64-bit key for a text run or a link, for the sets that tell what pages
/// share. Fixed seed: the same text gets the same key in every run.
#[must_use]
pub fn key_of(value: impl Hash) -> u64 {
    foldhash::quality::FixedState::with_seed(0x7061_7564_6974).hash_one(value)
}

/// What a site's pages share: the home page's text runs and links (the chrome
/// every page repeats), or the runs of the site's answer to an address that
/// cannot exist (its "not found" page).
#[derive(Debug, Clone, Default)]
pub struct RunSet {
    runs: foldhash::HashSet<u64>,
    texts: foldhash::HashSet<u64>,
    links: foldhash::HashSet<u64>,
}

impl RunSet {
    /// What `facts` holds: the whole page when it was extracted without a
    /// chrome; otherwise only what that chrome lacks.
    #[must_use]
    pub fn of(facts: &PageFacts) -> Self {
        Self {
            runs: facts.content_runs.iter().map(|r| r.hash).collect(),
            texts: facts.text_keys.iter().copied().collect(),
            links: facts.links.iter().map(|l| l.key).collect(),
        }
    }

    /// Whether the set has this content run.
    #[must_use]
    pub fn has_run(&self, run: &TextRun) -> bool {
        self.runs.contains(&run.hash)
    }

    /// Whether the set has this link (same label, same `href`).
    #[must_use]
    pub fn has_link(&self, link: &LinkFact) -> bool {
        self.links.contains(&link.key)
    }
}

/// The attributes the walk reads, found in one pass over an element's
/// attribute list. Names are interned atoms, so each test compares integers;
/// `Element::attr` would intern its argument (hash and table lookup) on every
/// call, for every element of every page.
#[derive(Default)]
struct Attrs<'a> {
    href: Option<&'a str>,
    class: Option<&'a str>,
    id: Option<&'a str>,
    role: Option<&'a str>,
    value: Option<&'a str>,
    title: Option<&'a str>,
    aria_label: Option<&'a str>,
    alt: Option<&'a str>,
    datetime: Option<&'a str>,
    property: Option<&'a str>,
    name: Option<&'a str>,
    content: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    fn of(element: &'a scraper::node::Element) -> Self {
        let mut attrs = Self::default();
        for (name, value) in &element.attrs {
            if name.ns != ns!() {
                continue;
            }
            let local = &name.local;
            let slot = if *local == local_name!("href") {
                &mut attrs.href
            } else if *local == local_name!("class") {
                &mut attrs.class
            } else if *local == local_name!("id") {
                &mut attrs.id
            } else if *local == local_name!("role") {
                &mut attrs.role
            } else if *local == local_name!("value") {
                &mut attrs.value
            } else if *local == local_name!("title") {
                &mut attrs.title
            } else if *local == local_name!("aria-label") {
                &mut attrs.aria_label
            } else if *local == local_name!("alt") {
                &mut attrs.alt
            } else if *local == local_name!("datetime") {
                &mut attrs.datetime
            } else if *local == local_name!("property") {
                &mut attrs.property
            } else if *local == local_name!("name") {
                &mut attrs.name
            } else if *local == local_name!("content") {
                &mut attrs.content
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        attrs
    }
}

fn is_date_meta(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(
        key.as_str(),
        "article:published_time"
            | "article:modified_time"
            | "dc.date"
            | "dcterms.date"
            | "dc.date.issued"
            | "dcterms.modified"
            | "date"
            | "pubdate"
    )
}

fn push_line(buffer: &mut String, run: &str) {
    if !buffer.is_empty() {
        buffer.push('\n');
    }
    buffer.push_str(run);
}

/// The elements the walk treats specially, told apart by their interned
/// name (an integer compare each) instead of string compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    A,
    Option,
    Base,
    /// `script`, `style`, `noscript`, `template`, `svg`: text nobody sees.
    Hidden,
    Title,
    Nav,
    Header,
    Footer,
    Aside,
    /// `div`, `ul`, `section`, `td`: boxes a class can make navigation.
    Container,
    Table,
    /// `h1` to `h6`.
    Heading,
    Time,
    Meta,
    Img,
    /// `iframe`, `object`, `embed`, `video`.
    Media,
    Other,
}

impl Tag {
    fn of(name: &markup5ever::LocalName) -> Self {
        static TAGS: std::sync::LazyLock<foldhash::HashMap<markup5ever::LocalName, Tag>> =
            std::sync::LazyLock::new(|| {
                [
                    (local_name!("a"), Tag::A),
                    (local_name!("option"), Tag::Option),
                    (local_name!("base"), Tag::Base),
                    (local_name!("script"), Tag::Hidden),
                    (local_name!("style"), Tag::Hidden),
                    (local_name!("noscript"), Tag::Hidden),
                    (local_name!("template"), Tag::Hidden),
                    (local_name!("svg"), Tag::Hidden),
                    (local_name!("title"), Tag::Title),
                    (local_name!("nav"), Tag::Nav),
                    (local_name!("header"), Tag::Header),
                    (local_name!("footer"), Tag::Footer),
                    (local_name!("aside"), Tag::Aside),
                    (local_name!("div"), Tag::Container),
                    (local_name!("ul"), Tag::Container),
                    (local_name!("section"), Tag::Container),
                    (local_name!("td"), Tag::Container),
                    (local_name!("table"), Tag::Table),
                    (local_name!("h1"), Tag::Heading),
                    (local_name!("h2"), Tag::Heading),
                    (local_name!("h3"), Tag::Heading),
                    (local_name!("h4"), Tag::Heading),
                    (local_name!("h5"), Tag::Heading),
                    (local_name!("h6"), Tag::Heading),
                    (local_name!("time"), Tag::Time),
                    (local_name!("meta"), Tag::Meta),
                    (local_name!("img"), Tag::Img),
                    (local_name!("iframe"), Tag::Media),
                    (local_name!("object"), Tag::Media),
                    (local_name!("embed"), Tag::Media),
                    (local_name!("video"), Tag::Media),
                ]
                .into_iter()
                .collect()
            });
        TAGS.get(name).copied().unwrap_or(Tag::Other)
    }
}

/// Which navigation words an element's class or id mentions (ASCII, any
/// case), found in one pass over each value: this runs for every element of
/// every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Marks(u8);

impl Marks {
    const MENU: Self = Self(1);
    const NAV: Self = Self(2);
    const FOOTER: Self = Self(4);
    const HEADER: Self = Self(8);
    const SIDEBAR: Self = Self(16);
    const BANNER: Self = Self(32);

    fn of(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return Self::default();
        };
        let bytes = value.as_bytes();
        let mut marks = Self::default();
        for (at, byte) in bytes.iter().enumerate() {
            let (word, mark): (&[u8], Self) = match byte.to_ascii_lowercase() {
                b'm' => (b"menu", Self::MENU),
                b'n' => (b"nav", Self::NAV),
                b'f' => (b"footer", Self::FOOTER),
                b'h' => (b"header", Self::HEADER),
                b's' => (b"sidebar", Self::SIDEBAR),
                b'b' => (b"banner", Self::BANNER),
                _ => continue,
            };
            if bytes
                .get(at..at + word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
            {
                marks = marks | mark;
            }
        }
        marks
    }

    fn any(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for Marks {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

fn is_footer(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
    tag == Tag::Footer || role == Some("contentinfo") || marks.any(Marks::FOOTER)
}

fn is_menu(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
    matches!(tag, Tag::Nav | Tag::Header)
        || matches!(role, Some("navigation" | "menu" | "menubar" | "banner"))
        || marks.any(Marks::MENU | Marks::NAV)
}

fn is_navigation(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
    if matches!(tag, Tag::Nav | Tag::Header | Tag::Footer | Tag::Aside) {
        return true;
    }
    if matches!(
        role,
        Some("navigation" | "banner" | "contentinfo" | "menu" | "menubar")
    ) {
        return true;
    }
    let all =
        Marks::MENU | Marks::NAV | Marks::FOOTER | Marks::HEADER | Marks::SIDEBAR | Marks::BANNER;
    matches!(tag, Tag::Container | Tag::Table) && marks.any(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://so.example.gov.vn/a/b.html").unwrap()
    }

    #[test]
    fn links_carry_text_title_aria_and_image_alt() {
        let html = r#"<nav><a href="/x" title="Giới thiệu">Intro</a>
            <a href="index.php?cat=12"><img src="i.png" alt="Thủ tục hành chính"></a></nav>
            <p>Nội dung <a href="c.html" aria-label="Liên hệ"></a></p>"#;
        let f = extract(html, &base(), &SelectorSet::default(), &[], None);
        assert_eq!(f.links.len(), 3);
        assert_eq!(f.links[0].label, "Giới thiệu Intro");
        assert_eq!(
            f.links[1].url.as_ref().unwrap().as_str(),
            "http://so.example.gov.vn/a/index.php?cat=12"
        );
        assert_eq!(f.links[1].label, "Thủ tục hành chính");
        assert_eq!(f.links[1].priority, LinkPriority::Navigation);
        assert_eq!(f.links[2].priority, LinkPriority::Body);
        assert_eq!(f.own_text, "Nội dung");
    }

    #[test]
    fn headings_scripts_and_title() {
        let html = "<html><head><title> Sở  Tư pháp </title><script>var x='Hỏi đáp'</script></head>\
                    <body><h2>Công khai <a href='/n'>ngân sách</a></h2><style>p{}</style></body></html>";
        let f = extract(html, &base(), &SelectorSet::default(), &[], None);
        assert_eq!(f.title, "Sở Tư pháp");
        assert_eq!(f.headings, vec!["Công khai"]);
        assert!(!f.all_text.contains("Hỏi đáp"));
        assert!(f.all_text.contains("ngân sách"));
    }

    #[test]
    fn what_a_page_shares_with_the_chrome_is_left_out() {
        let menu = "<nav><a href='/gioi-thieu'>Giới thiệu</a><a href='/lien-he'>Liên hệ</a></nav>";
        let footer = "<footer><p>Điện thoại:</p><p>Bản quyền</p><p>Sở Mẫu</p></footer>";
        let home = extract(
            &format!("{menu}<p>Trang chủ</p>{footer}"),
            &base(),
            &SelectorSet::default(),
            &[],
            None,
        );
        let chrome = RunSet::of(&home);
        let page = format!(
            "{menu}<h1>Liên hệ</h1><p>Địa chỉ: 12 Đường Thử</p><a href='/lien-he'>Liên hệ ngay</a>{footer}<p>0208 3855 724</p>"
        );
        let f = extract(&page, &base(), &SelectorSet::default(), &[], Some(&chrome));
        // Only the link whose label differs from the home page's is kept.
        assert_eq!(f.links.len(), 1);
        assert_eq!(f.links[0].label, "Liên hệ ngay");
        // The page's own runs, with the shared run on either side of each; a
        // gap line where shared runs were left out.
        assert_eq!(
            f.all_text,
            "Liên hệ\nĐịa chỉ: 12 Đường Thử\nLiên hệ ngay\nĐiện thoại:\n\u{1f}\nSở Mẫu\n0208 3855 724"
        );
        assert!(
            f.own_text.is_empty(),
            "only the home page is searched whole"
        );
        let runs: Vec<&str> = f.content_runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(runs, ["Liên hệ", "Địa chỉ: 12 Đường Thử", "0208 3855 724"]);
    }

    #[test]
    fn class_and_id_marks_are_found_in_one_pass() {
        assert_eq!(Marks::of(None), Marks::default());
        assert_eq!(Marks::of(Some("main-content")), Marks::default());
        assert!(Marks::of(Some("Site-FOOTER")).any(Marks::FOOTER));
        assert!(Marks::of(Some("top navbar")).any(Marks::NAV));
        let both = Marks::of(Some("menu-item sidebar"));
        assert!(both.any(Marks::MENU) && both.any(Marks::SIDEBAR) && !both.any(Marks::BANNER));
        assert!(is_navigation(
            Tag::Container,
            Marks::of(Some("banner")),
            None
        ));
        assert!(!is_navigation(Tag::Other, Marks::of(Some("banner")), None));
        assert_eq!(Tag::of(&local_name!("h4")), Tag::Heading);
        assert_eq!(Tag::of(&local_name!("strong")), Tag::Other);
    }

    #[test]
    fn link_keys_are_equal_exactly_when_links_resolve_alike() {
        let key = |href: &str, base: &str| link_key(href, "Liên hệ", &Url::parse(base).unwrap());
        let home = "http://so.example.gov.vn/";
        let deep = "http://so.example.gov.vn/index.php?id=3#top";
        assert_eq!(key("tin-tuc.html", home), key("tin-tuc.html", deep));
        assert_eq!(key("/lien-he", home), key("/lien-he", deep));
        assert_eq!(
            key("https://dichvucong.gov.vn/", home),
            key("https://dichvucong.gov.vn/", deep)
        );
        assert_ne!(
            key("tin-tuc.html", home),
            key("tin-tuc.html", "http://so.example.gov.vn/a/b")
        );
        assert_ne!(key("?p=2", home), key("?p=2", deep));
        assert_ne!(
            key("http:lien-he", home),
            key("http:lien-he", "http://so.example.gov.vn/a/")
        );
        assert_eq!(
            key("#top", deep),
            key("#top", "http://so.example.gov.vn/index.php?id=3")
        );
    }

    #[test]
    fn base_href_resolves_links() {
        let html = "<html><head><base href='http://so.example.gov.vn/portal/'></head><body><a href='tin-tuc'>Tin</a></body></html>";
        let f = extract(html, &base(), &SelectorSet::default(), &[], None);
        assert_eq!(
            f.links[0].url.as_ref().unwrap().as_str(),
            "http://so.example.gov.vn/portal/tin-tuc"
        );
    }

    #[test]
    fn deep_nesting_is_cut_and_does_not_overflow() {
        let depth = 200_000;
        let html = format!(
            "<nav><a href='/menu'>Tin tức</a></nav>{}<a href='/deep'>x</a>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let f = extract(&html, &base(), &SelectorSet::default(), &[], None);
        assert_eq!(f.links.len(), 1, "the menu before the nest survives");
    }

    #[test]
    fn nesting_scan_ignores_void_elements_comments_and_scripts() {
        let ok =
            "<div><br><img src=x><p>a</p><!-- <div><div> --><script>if (a<b) {}</script></div>"
                .repeat(1000);
        assert_eq!(overly_nested_at(&ok, 4), None);
        assert_eq!(overly_nested_at("<div><div><div>", 2), Some(10));
    }

    #[test]
    fn selectors_report_their_items() {
        let sel = SelectorSet::new(vec![crate::checklist::SelectorSignal {
            item: 7,
            selector: scraper::Selector::parse("form input[name=keyword]").unwrap(),
            source: "form input[name=keyword]".into(),
        }]);
        let f = extract(
            "<form action='/tim-kiem'><input name='keyword'></form>",
            &base(),
            &sel,
            &[],
            None,
        );
        assert_eq!(f.selector_hits, vec![0]);
    }

    #[test]
    fn selectors_for_any_element_are_tried_by_attribute() {
        let signal = |i: usize, s: &str| crate::checklist::SelectorSignal {
            item: i,
            selector: scraper::Selector::parse(s).unwrap(),
            source: s.into(),
        };
        let sel = SelectorSet::new(vec![
            signal(0, "[class*=logo]"),
            signal(1, "[title*='cỡ chữ']"),
            signal(2, "a[href^='mailto:']"),
        ]);
        let f = extract(
            "<div class='site-logo'></div><span title='Tăng cỡ chữ'>A+</span><a href='/x'>x</a>",
            &base(),
            &sel,
            &[],
            None,
        );
        assert_eq!(f.selector_hits, vec![0, 1]);
    }
}
