//! Reads one HTML page into owned, `Send`able facts: links with their labels,
//! headings, the page's own text, and which checklist selectors match. The
//! `scraper::Html` DOM lives and dies inside [`extract`]; it is never held
//! across an `.await`. The walk over the DOM is iterative, so a page nested
//! 200,000 elements deep cannot overflow the stack.

use std::hash::{DefaultHasher, Hash, Hasher};

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};
use url::Url;

use crate::checklist::SelectorSet;
use crate::crawl::LinkPriority;
use crate::fold::{fold, squash_whitespace};

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
    /// Visible text outside links, one text run per line.
    pub own_text: String,
    /// All visible text, links included, one text run per line (for patterns
    /// such as an e-mail address written as a mailto link).
    pub all_text: String,
    /// Text runs outside links and navigation, to tell a page's own content
    /// from the chrome it shares with the home page.
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
}

/// One run of text, as written and folded, with the hash chrome detection uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    /// Hash of the folded text.
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
}

/// Extracts facts from `html`, resolving links against `base`. `selectors`
/// are the checklist's; those of items marked in `skip_items` (settled on a
/// shallower page) are not tried.
#[must_use]
pub fn extract(html: &str, base: &Url, selectors: &SelectorSet, skip_items: &[bool]) -> PageFacts {
    let html = match overly_nested_at(html, MAX_NESTING) {
        Some(cut) => &html[..cut],
        None => html,
    };
    let document = Html::parse_document(html);
    let mut facts = PageFacts::default();
    walk(&document, base, selectors, skip_items, &mut facts);
    facts
}

/// Where a page's element nesting first passes `limit`, by a quick scan of its
/// tags (void elements, self-closing tags, comments and raw-text elements
/// handled), or `None` if it never does.
fn overly_nested_at(html: &str, limit: usize) -> Option<usize> {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
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
        let is = |tag: &str| name.eq_ignore_ascii_case(tag);
        let tag_end = html[name_start..]
            .find('>')
            .map_or(bytes.len(), |e| name_start + e);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        i = tag_end.min(bytes.len());
        if closing {
            depth = depth.saturating_sub(1);
        } else if ["script", "style", "textarea", "title"].into_iter().any(is) {
            let close = format!("</{name}");
            i = find_ascii_ci(&html[i..], &close).map_or(bytes.len(), |e| i + e);
        } else if !self_closing && !VOID.into_iter().any(is) {
            depth += 1;
            if depth > limit {
                return Some(start);
            }
        }
    }
    None
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
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

struct OpenLink {
    url: Option<Url>,
    parts: Vec<String>,
    priority: LinkPriority,
    in_menu: bool,
}

#[derive(Default)]
struct Context {
    hidden: usize,
    navigation: usize,
    footer: usize,
    menu: usize,
    title: usize,
    link: Option<OpenLink>,
    heading: Option<String>,
}

fn walk(
    document: &Html,
    page: &Url,
    selectors: &SelectorSet,
    skip_items: &[bool],
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
    let mut text_chars = 0usize;
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let name = element.name();
                    if name == "base"
                        && !base_seen
                        && let Some(href) = element.attr("href")
                    {
                        base_seen = true;
                        if let Ok(joined) = page.join(href.trim()) {
                            base = joined;
                        }
                    }
                    if let Some(element_ref) = ElementRef::wrap(node) {
                        for i in selectors.candidates(name) {
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
                    if matches!(name, "script" | "style" | "noscript" | "template" | "svg") {
                        frame.hidden = true;
                        cx.hidden += 1;
                    }
                    if name == "title" && cx.title == 0 && facts.title.is_empty() {
                        frame.title = true;
                        cx.title += 1;
                    }
                    if is_navigation(
                        name,
                        element.attr("class"),
                        element.attr("id"),
                        element.attr("role"),
                    ) {
                        frame.navigation = true;
                        cx.navigation += 1;
                    }
                    if is_footer(
                        name,
                        element.attr("class"),
                        element.attr("id"),
                        element.attr("role"),
                    ) {
                        frame.footer = true;
                        cx.footer += 1;
                    }
                    if is_menu(
                        name,
                        element.attr("class"),
                        element.attr("id"),
                        element.attr("role"),
                    ) {
                        frame.menu = true;
                        cx.menu += 1;
                    }
                    // "Liên kết website" is often a <select> whose options hold
                    // other agencies' addresses: those are links too.
                    let target = match name {
                        "a" => element.attr("href"),
                        "option" => element
                            .attr("value")
                            .filter(|v| v.starts_with("http://") || v.starts_with("https://")),
                        _ => None,
                    };
                    if cx.link.is_none() && facts.links.len() < MAX_LINKS_PER_PAGE {
                        if let Some(href) = target {
                            frame.link = true;
                            let mut parts = Vec::new();
                            for attr in ["title", "aria-label"] {
                                if let Some(v) = element.attr(attr) {
                                    parts.push(v.to_owned());
                                }
                            }
                            cx.link = Some(OpenLink {
                                url: base.join(href.trim()).ok(),
                                parts,
                                priority: if cx.navigation > 0 {
                                    LinkPriority::Navigation
                                } else {
                                    LinkPriority::Body
                                },
                                in_menu: cx.menu > 0 && cx.footer == 0,
                            });
                        }
                    }
                    if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                        && cx.heading.is_none()
                    {
                        frame.heading = true;
                        cx.heading = Some(String::new());
                    }
                    if name == "time"
                        && let Some(datetime) = element.attr("datetime")
                    {
                        facts.structured_dates.push(datetime.to_owned());
                    }
                    if name == "meta"
                        && let (Some(key), Some(content)) = (
                            element.attr("property").or(element.attr("name")),
                            element.attr("content"),
                        )
                        && is_date_meta(key)
                    {
                        facts.structured_dates.push(content.to_owned());
                    }
                    if cx.hidden == 0 {
                        if name == "img" {
                            if let (Some(link), Some(alt)) = (cx.link.as_mut(), element.attr("alt"))
                            {
                                link.parts.push(alt.to_owned());
                            }
                        }
                        if matches!(
                            name,
                            "img" | "iframe" | "object" | "embed" | "table" | "video"
                        ) && cx.link.is_none()
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
                    let run = squash_whitespace(run);
                    push_line(&mut facts.all_text, &run);
                    if let Some(link) = cx.link.as_mut() {
                        link.parts.push(run);
                        continue;
                    }
                    push_line(&mut facts.own_text, &run);
                    if let Some(heading) = cx.heading.as_mut() {
                        heading.push(' ');
                        heading.push_str(&run);
                    }
                    if cx.navigation == 0 {
                        let folded = fold(&run);
                        if folded.len() > 2 {
                            facts.content_runs.push(TextRun {
                                hash: hash(&folded),
                                folded,
                                text: run,
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
                    let label = crate::fold::clip(
                        &squash_whitespace(&link.parts.join(" ")),
                        MAX_LABEL_CHARS,
                    );
                    facts.links.push(LinkFact {
                        url: link.url,
                        label,
                        priority: link.priority,
                        in_menu: link.in_menu,
                    });
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

/// Whether a class or id value mentions any of `words` (ASCII, any case),
/// without allocating: this runs for every element of every page.
fn mentions(value: Option<&str>, words: &[&str]) -> bool {
    value.is_some_and(|v| words.iter().any(|w| find_ascii_ci(v, w).is_some()))
}

fn is_footer(name: &str, class: Option<&str>, id: Option<&str>, role: Option<&str>) -> bool {
    name == "footer"
        || role == Some("contentinfo")
        || mentions(class, &["footer"])
        || mentions(id, &["footer"])
}

fn is_menu(name: &str, class: Option<&str>, id: Option<&str>, role: Option<&str>) -> bool {
    matches!(name, "nav" | "header")
        || matches!(role, Some("navigation" | "menu" | "menubar" | "banner"))
        || mentions(class, &["menu", "nav"])
        || mentions(id, &["menu", "nav"])
}

fn is_navigation(name: &str, class: Option<&str>, id: Option<&str>, role: Option<&str>) -> bool {
    if matches!(name, "nav" | "header" | "footer" | "aside") {
        return true;
    }
    if matches!(
        role,
        Some("navigation" | "banner" | "contentinfo" | "menu" | "menubar")
    ) {
        return true;
    }
    let marks =
        |v: Option<&str>| mentions(v, &["menu", "nav", "footer", "header", "sidebar", "banner"]);
    matches!(name, "div" | "ul" | "section" | "td" | "table") && (marks(class) || marks(id))
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
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
        let f = extract(html, &base(), &SelectorSet::default(), &[]);
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
        let f = extract(html, &base(), &SelectorSet::default(), &[]);
        assert_eq!(f.title, "Sở Tư pháp");
        assert_eq!(f.headings, vec!["Công khai"]);
        assert!(!f.all_text.contains("Hỏi đáp"));
        assert!(f.all_text.contains("ngân sách"));
    }

    #[test]
    fn base_href_resolves_links() {
        let html = "<html><head><base href='http://so.example.gov.vn/portal/'></head><body><a href='tin-tuc'>Tin</a></body></html>";
        let f = extract(html, &base(), &SelectorSet::default(), &[]);
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
        let f = extract(&html, &base(), &SelectorSet::default(), &[]);
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
        );
        assert_eq!(f.selector_hits, vec![0]);
    }
}
