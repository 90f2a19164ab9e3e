//! The one pass over a page's DOM that fills [`PageFacts`]: a [`Walker`]
//! keeps the context of the open elements (hidden, navigation, footer, menu,
//! link, heading) and hands each element, text node and closing tag to its
//! own handler. The walk is iterative, so deep pages cannot overflow the
//! stack.

use std::borrow::Cow;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};
use url::Url;

use super::all_text::AllText;
use super::chrome::{RunSet, key_of, link_key};
use super::elements::{
    Attrs, Marks, Tag, is_breadcrumb, is_date_meta, is_footer, is_menu, is_navigation,
};
use super::open_link::{OpenLink, address_words, place_of};
use super::selectors::SelectorSet;
use super::{
    Heading, LabelFrom, LinkFact, LinkPlace, MAX_LABEL_CHARS, MAX_LINKS_PER_PAGE, MAX_TEXT_CHARS,
    PageFacts, TextRun,
};
use crate::dates::dates_in;
use crate::fold::{clipped, fold, squash_whitespace, squashed};
use crate::labels::has_document_number;
use crate::site::LinkPriority;

/// A row with more text than this outside its links (in characters) is a
/// layout box, not a listing's row: one date in it says nothing about the
/// rest.
const MAX_LISTING_ROW_CHARS: usize = 200;
/// A dated paragraph longer than this (in characters) is running text; a
/// shorter one is a news teaser or a citation ("Ngày 25/11/2026, Sở tổ
/// chức Hội nghị …"), whose words name no section.
const MAX_DATED_PARAGRAPH_CHARS: usize = 600;
/// A paragraph with less text of its own than this (in characters) is a
/// line of links, not running text.
const MIN_RUNNING_TEXT_CHARS: usize = 20;

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
    breadcrumb: bool,
    list_item: bool,
    paragraph: bool,
    row: bool,
}

/// A list entry or row still open, with where its content starts.
struct OpenRow {
    /// A paragraph: dated, it is a teaser or a citation, link or not.
    paragraph: bool,
    runs: usize,
    own_text: usize,
    headings: usize,
    links: usize,
}

/// How many open elements of each kind enclose the current node, and the
/// link and heading being read.
#[derive(Default)]
struct Context<'d> {
    hidden: usize,
    navigation: usize,
    footer: usize,
    menu: usize,
    title: usize,
    breadcrumb: usize,
    list_item: usize,
    paragraph: usize,
    link: Option<OpenLink<'d>>,
    /// The heading being read: its text, level, and how many elements
    /// enclose it (its block lasts while its parent is open).
    heading: Option<(String, u8, usize, bool)>,
}

/// One walk over one page's DOM.
pub(super) struct Walker<'d, 'x> {
    page: &'x Url,
    selectors: &'x SelectorSet,
    chrome: Option<&'x RunSet>,
    /// Links resolve against `<base href>` when the head has one (it comes
    /// before any link in a well-formed page).
    base: Url,
    base_seen: bool,
    /// Per selector: matched already, or its item settled (never tried).
    matched: Vec<bool>,
    stack: Vec<Frame>,
    cx: Context<'d>,
    all_text: AllText<'d>,
    text_chars: usize,
    /// The last link's label buffer, reused by the next link.
    label_buffer: String,
    /// Rows open now, innermost last.
    rows: Vec<OpenRow>,
    /// Paragraphs open now, innermost last: where their links start, and
    /// how much text of their own they have.
    paragraphs: Vec<(usize, usize)>,
    /// Content blocks open now, innermost last: the depth of the heading's
    /// parent and the heading's index.
    blocks: Vec<(usize, u32)>,
    facts: PageFacts,
}

impl<'d, 'x> Walker<'d, 'x> {
    /// A walk of a page at `page`; selectors of items marked in `skip_items`
    /// are not tried, and what `chrome` has is left out.
    pub(super) fn new(
        page: &'x Url,
        selectors: &'x SelectorSet,
        skip_items: &[bool],
        chrome: Option<&'x RunSet>,
    ) -> Self {
        let matched = selectors
            .signals
            .iter()
            .map(|s| skip_items.get(s.item).copied().unwrap_or(false))
            .collect();
        Self {
            page,
            selectors,
            chrome,
            base: page.clone(),
            base_seen: false,
            matched,
            stack: Vec::new(),
            cx: Context::default(),
            all_text: AllText::default(),
            text_chars: 0,
            label_buffer: String::new(),
            rows: Vec::new(),
            paragraphs: Vec::new(),
            blocks: Vec::new(),
            facts: PageFacts::default(),
        }
    }

    /// Walks `document` and returns what it says.
    pub(super) fn walk(mut self, document: &'d Html) -> PageFacts {
        for edge in document.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(element) => {
                        self.match_selectors(ElementRef::wrap(node), element);
                        self.open_element(element);
                    }
                    Node::Text(text) => self.text(text),
                    _ => {}
                },
                Edge::Close(node) if node.value().is_element() => self.close_element(),
                Edge::Close(_) => {}
            }
        }
        self.facts.title = squash_whitespace(&self.facts.title);
        self.facts
    }

    /// Records the selectors `element` matches that had not matched yet.
    fn match_selectors(
        &mut self,
        element_ref: Option<ElementRef<'d>>,
        element: &scraper::node::Element,
    ) {
        let Some(element_ref) = element_ref else {
            return;
        };
        for i in self.selectors.candidates(element) {
            if !self.matched[i]
                && self.selectors.could_match(i, element)
                && self.selectors.signals[i].selector.matches(&element_ref)
            {
                self.matched[i] = true;
                self.facts.selector_hits.push(i);
            }
        }
    }

    fn open_element(&mut self, element: &'d scraper::node::Element) {
        let tag = Tag::of(&element.name.local);
        let attrs = Attrs::of(element);
        if tag == Tag::Base {
            self.note_base(attrs.href);
        }
        if tag == Tag::Html && self.facts.lang.is_none() {
            self.facts.lang = attrs.lang.map(str::to_owned);
        }
        let mut frame = self.enter_context(tag, &attrs);
        frame.link = self.open_link(tag, &attrs);
        if let Tag::Heading(level) = tag
            && self.cx.heading.is_none()
        {
            frame.heading = true;
            let navigation = self.cx.navigation > 0;
            self.cx.heading = Some((String::new(), level, self.stack.len(), navigation));
        }
        if matches!(tag, Tag::ListItem | Tag::Row | Tag::Paragraph) {
            frame.row = true;
            self.rows.push(OpenRow {
                paragraph: tag == Tag::Paragraph,
                runs: self.facts.content_runs.len(),
                own_text: self.facts.own_text.len(),
                headings: self.facts.headings.len(),
                links: self.facts.links.len(),
            });
        }
        self.note_dates(tag, &attrs);
        if self.cx.hidden == 0 {
            self.note_image_and_media(tag, attrs.alt);
        }
        self.stack.push(frame);
    }

    /// The first `<base href>` sets what links resolve against.
    fn note_base(&mut self, href: Option<&str>) {
        if self.base_seen {
            return;
        }
        if let Some(href) = href {
            self.base_seen = true;
            if let Ok(joined) = self.page.join(href.trim()) {
                self.base = joined;
            }
        }
    }

    /// The context flags `tag` opens: hidden text, the title, navigation,
    /// footer, menu.
    fn enter_context(&mut self, tag: Tag, attrs: &Attrs<'_>) -> Frame {
        let marks = Marks::of(attrs.class) | Marks::of(attrs.id);
        let cx = &mut self.cx;
        let mut frame = Frame::default();
        if tag == Tag::Hidden {
            frame.hidden = true;
            cx.hidden += 1;
        }
        if tag == Tag::Title && cx.title == 0 && self.facts.title.is_empty() {
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
        if is_breadcrumb(marks, attrs.aria_label) {
            frame.breadcrumb = true;
            cx.breadcrumb += 1;
        }
        if tag == Tag::ListItem {
            frame.list_item = true;
            cx.list_item += 1;
        }
        if tag == Tag::Paragraph {
            frame.paragraph = true;
            cx.paragraph += 1;
            self.paragraphs.push((self.facts.links.len(), 0));
        }
        frame
    }

    /// Opens a link at an `<a href>`, or at an `<option>` whose value is a web
    /// address ("Liên kết website" is often a `<select>` of other agencies'
    /// addresses). Returns whether one was opened.
    fn open_link(&mut self, tag: Tag, attrs: &Attrs<'d>) -> bool {
        let target = match tag {
            Tag::A => attrs.href,
            Tag::Option => attrs
                .value
                .filter(|v| v.starts_with("http://") || v.starts_with("https://")),
            _ => None,
        };
        let Some(href) = target else {
            return false;
        };
        if self.cx.link.is_some() || self.facts.links.len() >= MAX_LINKS_PER_PAGE {
            return false;
        }
        let mut label = std::mem::take(&mut self.label_buffer);
        label.clear();
        let mut titled = false;
        for v in [attrs.title, attrs.aria_label].into_iter().flatten() {
            label.push(' ');
            label.push_str(v);
            titled |= !v.trim().is_empty();
        }
        let cx = &self.cx;
        let open = OpenLink {
            href,
            label,
            priority: if cx.navigation > 0 {
                LinkPriority::Navigation
            } else {
                LinkPriority::Body
            },
            in_menu: cx.menu > 0 && cx.footer == 0,
            footer: cx.footer > 0,
            navigation: cx.navigation > 0,
            option: tag == Tag::Option,
            list_item: cx.list_item > 0,
            paragraph: cx.paragraph > 0,
            block: self.blocks.last().map(|(_, heading)| *heading),
            titled,
            has_text: false,
            has_alt: false,
            has_image: false,
        };
        self.cx.link = Some(open);
        true
    }

    /// Machine-readable dates: `<time datetime>` and date meta tags.
    fn note_dates(&mut self, tag: Tag, attrs: &Attrs<'_>) {
        if tag == Tag::Time
            && let Some(datetime) = attrs.datetime
        {
            self.facts.structured_dates.push(datetime.to_owned());
        }
        if tag == Tag::Meta
            && let (Some(key), Some(content)) = (attrs.property.or(attrs.name), attrs.content)
            && is_date_meta(key)
        {
            self.facts.structured_dates.push(content.to_owned());
        }
    }

    /// An image's alt labels the link around it; images, media and tables
    /// outside links and navigation are content.
    fn note_image_and_media(&mut self, tag: Tag, alt: Option<&str>) {
        if tag == Tag::Img
            && let Some(link) = self.cx.link.as_mut()
        {
            link.has_image = true;
            if let Some(alt) = alt {
                link.label.push(' ');
                link.label.push_str(alt);
                link.has_alt |= !alt.trim().is_empty();
            }
        }
        if matches!(tag, Tag::Img | Tag::Media | Tag::Table)
            && self.cx.link.is_none()
            && self.cx.navigation == 0
        {
            self.facts.content_media += 1;
        }
    }

    fn text(&mut self, text: &'d str) {
        if self.cx.title > 0 {
            self.facts.title.push_str(text);
            return;
        }
        if self.cx.hidden > 0 || self.text_chars > MAX_TEXT_CHARS {
            return;
        }
        let run = text.trim();
        if run.is_empty() {
            return;
        }
        self.text_chars += run.len();
        let run = squashed(run);
        let key = key_of(&*run);
        if self.chrome.is_none() {
            self.facts.text_keys.push(key);
        }
        let shared = self.chrome.is_some_and(|c| c.texts.contains(&key));
        self.all_text.add(&mut self.facts.all_text, &run, shared);
        // The breadcrumb's last entry that is no link (a link is a parent)
        // and no date names the page.
        if self.cx.breadcrumb > 0
            && self.cx.link.is_none()
            && run.chars().any(char::is_alphanumeric)
            && dates_in(&run).is_empty()
        {
            self.facts.breadcrumb = Some(run.to_string());
        }
        if let Some(link) = self.cx.link.as_mut() {
            link.label.push(' ');
            link.label.push_str(&run);
            link.has_text = true;
            // A heading that is a link ("Tin tức" over a block) is named by it.
            if let Some((heading, _, _, _)) = self.cx.heading.as_mut() {
                heading.push(' ');
                heading.push_str(&run);
            }
            return;
        }
        if let Some((_, own_chars)) = self.paragraphs.last_mut() {
            *own_chars += run.chars().count();
        }
        if self.chrome.is_none() {
            push_line(&mut self.facts.own_text, &run);
        }
        if let Some((heading, _, _, _)) = self.cx.heading.as_mut() {
            heading.push(' ');
            heading.push_str(&run);
        }
        if self.cx.navigation == 0 {
            self.content_run(run);
        }
    }

    /// Keeps a run outside navigation as the page's content, unless the
    /// chrome has it. Runs compare folded, so a run the home page has in
    /// another case or punctuation is chrome all the same.
    fn content_run(&mut self, run: Cow<'_, str>) {
        let folded = fold(&run);
        let folded_key = key_of(&folded);
        if folded.len() > 2 && self.chrome.is_none_or(|c| !c.runs.contains(&folded_key)) {
            self.facts.content_runs.push(TextRun {
                hash: folded_key,
                folded,
                dates: dates_in(&run),
                text: run.into_owned(),
                listing: false,
            });
        }
    }

    fn close_element(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let cx = &mut self.cx;
        cx.hidden -= usize::from(frame.hidden);
        cx.title -= usize::from(frame.title);
        cx.navigation -= usize::from(frame.navigation);
        cx.footer -= usize::from(frame.footer);
        cx.menu -= usize::from(frame.menu);
        cx.breadcrumb -= usize::from(frame.breadcrumb);
        cx.list_item -= usize::from(frame.list_item);
        cx.paragraph -= usize::from(frame.paragraph);
        if frame.paragraph
            && let Some((links, own_chars)) = self.paragraphs.pop()
            && own_chars < MIN_RUNNING_TEXT_CHARS
        {
            // A paragraph of links alone is a list of links, not running text.
            for link in &mut self.facts.links[links..] {
                if link.place == LinkPlace::Body {
                    link.place = LinkPlace::List;
                }
            }
        }
        if frame.link
            && let Some(link) = self.cx.link.take()
        {
            self.close_link(link);
        }
        if frame.heading
            && let Some((text, level, parent_depth, navigation)) = self.cx.heading.take()
        {
            self.close_heading(&text, level, parent_depth, navigation);
        }
        if frame.row
            && let Some(row) = self.rows.pop()
        {
            self.close_row(&row);
        }
        // A block ends with the element that holds its heading.
        while self
            .blocks
            .last()
            .is_some_and(|(depth, _)| *depth > self.stack.len())
        {
            self.blocks.pop();
        }
    }

    /// Keeps a heading; it opens a content block that lasts while the
    /// element holding it is open (a later heading in the same element
    /// starts the next block).
    fn close_heading(&mut self, text: &str, level: u8, parent_depth: usize, navigation: bool) {
        let text = squash_whitespace(text);
        if text.is_empty() {
            // An empty heading (an image) still ends the block before it.
            if self
                .blocks
                .last()
                .is_some_and(|(depth, _)| *depth == parent_depth)
            {
                self.blocks.pop();
            }
            return;
        }
        let index = u32::try_from(self.facts.headings.len()).unwrap_or(u32::MAX);
        self.facts.headings.push(Heading {
            text,
            level,
            navigation,
            listing: false,
        });
        if self
            .blocks
            .last()
            .is_some_and(|(depth, _)| *depth == parent_depth)
        {
            self.blocks.pop();
        }
        self.blocks.push((parent_depth, index));
    }

    /// A short row whose text carries a date or a document number is a row
    /// of a listing: its runs and headings are marked so, its text leaves
    /// the page's own text, and its links take its dates.
    fn close_row(&mut self, row: &OpenRow) {
        // A listing's row leads somewhere, says little beside its link, and
        // is not the page's own title.
        let runs = &self.facts.content_runs[row.runs..];
        let has_link = self.facts.links.len() > row.links;
        let titled = self.facts.headings[row.headings..]
            .iter()
            .any(|h| h.level <= 2);
        if runs.is_empty() || titled || !(has_link || row.paragraph) {
            return;
        }
        let limit = if row.paragraph {
            MAX_DATED_PARAGRAPH_CHARS
        } else {
            MAX_LISTING_ROW_CHARS
        };
        let mut chars = 0;
        for run in runs {
            chars += run.text.chars().count();
            if chars > limit {
                return;
            }
        }
        let dates: Vec<jiff::civil::Date> =
            runs.iter().flat_map(|r| r.dates.iter().copied()).collect();
        if dates.is_empty() && !runs.iter().any(|r| has_document_number(&r.text)) {
            return;
        }
        for run in &mut self.facts.content_runs[row.runs..] {
            run.listing = true;
        }
        for heading in &mut self.facts.headings[row.headings..] {
            heading.listing = true;
        }
        for link in &mut self.facts.links[row.links..] {
            link.listing_row = true;
            if link.listed_dates.is_empty() && link.priority == LinkPriority::Body {
                link.listed_dates.clone_from(&dates);
            }
        }
        self.facts.own_text.truncate(row.own_text);
    }

    /// Keeps a closed link, unless the home page has it too (same label, same
    /// target): that says nothing new and is queued already.
    fn close_link(&mut self, link: OpenLink<'_>) {
        let squashed_label = squashed(&link.label);
        let label = clipped(&squashed_label, MAX_LABEL_CHARS);
        let key = link_key(link.href, &label, &self.base);
        if self.chrome.is_none_or(|c| !c.links.contains(&key)) {
            let url = self.base.join(link.href.trim()).ok();
            let label_from = link.label_from();
            let label = match (label_from, &url) {
                (LabelFrom::Address, Some(url)) => address_words(url),
                _ => label.into_owned(),
            };
            self.facts.links.push(LinkFact {
                url,
                label,
                label_from,
                priority: link.priority,
                in_menu: link.in_menu,
                place: place_of(&link),
                block: link.block,
                listed_dates: Vec::new(),
                listing_row: false,
                key,
            });
        }
        // The label's buffer serves the next link.
        drop(squashed_label);
        self.label_buffer = link.label;
    }
}

fn push_line(buffer: &mut String, run: &str) {
    if !buffer.is_empty() {
        buffer.push('\n');
    }
    buffer.push_str(run);
}
