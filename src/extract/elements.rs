//! How the walk recognises the elements and attributes it cares about:
//! interned names compared as integers, navigation words in class and id
//! found in one pass. These run for every element of every page.

use markup5ever::{local_name, ns};

/// The attributes the walk reads, found in one pass over an element's
/// attribute list. Names are interned atoms, so each test compares integers;
/// `Element::attr` would intern its argument (hash and table lookup) on every
/// call, for every element of every page.
#[derive(Default)]
pub(super) struct Attrs<'a> {
    pub(super) href: Option<&'a str>,
    pub(super) class: Option<&'a str>,
    pub(super) id: Option<&'a str>,
    pub(super) role: Option<&'a str>,
    pub(super) value: Option<&'a str>,
    pub(super) title: Option<&'a str>,
    pub(super) aria_label: Option<&'a str>,
    pub(super) alt: Option<&'a str>,
    pub(super) datetime: Option<&'a str>,
    pub(super) property: Option<&'a str>,
    pub(super) name: Option<&'a str>,
    pub(super) content: Option<&'a str>,
    pub(super) lang: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    pub(super) fn of(element: &'a scraper::node::Element) -> Self {
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
            } else if *local == local_name!("lang") {
                &mut attrs.lang
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        attrs
    }
}

pub(super) fn is_date_meta(key: &str) -> bool {
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

/// The elements the walk treats specially, told apart by their interned
/// name (an integer compare each) instead of string compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
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
    /// `h1` to `h6`, with the level.
    Heading(u8),
    /// `li`, `dd`, `dt`: an entry of a list.
    ListItem,
    /// `tr`: a row that may carry its own date.
    Row,
    /// `p`: running text (and a row that may carry its own date).
    Paragraph,
    Html,
    Time,
    Meta,
    Img,
    /// `iframe`, `object`, `embed`, `video`.
    Media,
    Other,
}

impl Tag {
    pub(super) fn of(name: &markup5ever::LocalName) -> Self {
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
                    (local_name!("h1"), Tag::Heading(1)),
                    (local_name!("h2"), Tag::Heading(2)),
                    (local_name!("h3"), Tag::Heading(3)),
                    (local_name!("h4"), Tag::Heading(4)),
                    (local_name!("h5"), Tag::Heading(5)),
                    (local_name!("h6"), Tag::Heading(6)),
                    (local_name!("li"), Tag::ListItem),
                    (local_name!("dd"), Tag::ListItem),
                    (local_name!("dt"), Tag::ListItem),
                    (local_name!("tr"), Tag::Row),
                    (local_name!("p"), Tag::Paragraph),
                    (local_name!("html"), Tag::Html),
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
pub(super) struct Marks(u8);

impl Marks {
    pub(super) const MENU: Self = Self(1);
    pub(super) const NAV: Self = Self(2);
    pub(super) const FOOTER: Self = Self(4);
    pub(super) const HEADER: Self = Self(8);
    pub(super) const SIDEBAR: Self = Self(16);
    pub(super) const BANNER: Self = Self(32);
    pub(super) const BREADCRUMB: Self = Self(64);

    pub(super) fn of(value: Option<&str>) -> Self {
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
                b'b' if bytes
                    .get(at + 1)
                    .is_some_and(|c| c.eq_ignore_ascii_case(&b'r')) =>
                {
                    (b"breadcrumb", Self::BREADCRUMB)
                }
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

    pub(super) fn any(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for Marks {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// A breadcrumb trail (`class="breadcrumb"`, `aria-label="breadcrumb"`):
/// its last entry names the page.
pub(super) fn is_breadcrumb(marks: Marks, aria_label: Option<&str>) -> bool {
    marks.any(Marks::BREADCRUMB) || aria_label.is_some_and(|l| l.eq_ignore_ascii_case("breadcrumb"))
}

pub(super) fn is_footer(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
    tag == Tag::Footer || role == Some("contentinfo") || marks.any(Marks::FOOTER)
}

pub(super) fn is_menu(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
    matches!(tag, Tag::Nav | Tag::Header)
        || matches!(role, Some("navigation" | "menu" | "menubar" | "banner"))
        || marks.any(Marks::MENU | Marks::NAV)
}

pub(super) fn is_navigation(tag: Tag, marks: Marks, role: Option<&str>) -> bool {
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
