//! Signs in a page's HTML that what a visitor sees is built by JavaScript:
//! the page is an empty shell of scripts, a `<noscript>` asks for JavaScript
//! on a page with almost no links, or the menu or footer is an empty box
//! with no other menu or footer on the page. Read in one pass over the
//! parsed document; a page with none of them is judged from its HTML.
//! NukeViet portals, for one, put a `<noscript>` warning on every
//! server-rendered page: a warning alone is not a sign.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Why a page looks built by JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderSign {
    /// Almost no text and no links, but scripts (`<div id="root">`).
    EmptyShell,
    /// A `<noscript>` that asks for JavaScript, on a page with few links.
    NoscriptAsksForJavascript,
    /// A menu or footer box with nothing in it, and no other on the page.
    EmptyNavigation,
}

/// Fewer visible characters than this, with fewer than [`FEW_LINKS`]
/// links and some script, is an empty shell.
const SHELL_TEXT: usize = 200;
const FEW_LINKS: usize = 5;
/// A `<noscript>` warning counts on a page with fewer links than this.
const NOSCRIPT_LINKS: usize = 30;
/// A menu or footer box with at most this much text and no link is empty.
const EMPTY_BOX_TEXT: usize = 20;

/// The first sign the page shows, if any.
pub(super) fn sign(document: &Html) -> Option<RenderSign> {
    let mut seen = Seen::default();
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => seen.open(element.name(), element),
                Node::Text(text) => seen.text(text),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    seen.close(element.name());
                }
            }
        }
    }
    seen.verdict()
}

/// A menu or footer box still open, and what it holds so far.
#[derive(Debug)]
struct OpenBox {
    footer: bool,
    links: usize,
    text: usize,
    /// Nesting depth at which it opened.
    depth: usize,
}

#[derive(Debug, Default)]
struct Seen {
    depth: usize,
    /// Inside `<script>`, `<style>`, `<template>` or `<noscript>`: text that
    /// is not shown.
    hidden: usize,
    in_noscript: bool,
    scripts: usize,
    links: usize,
    text: usize,
    noscript_asks: bool,
    boxes: Vec<OpenBox>,
    menu_with_links: bool,
    footer_with_content: bool,
    empty_menu: bool,
    empty_footer: bool,
}

impl Seen {
    fn open(&mut self, name: &str, element: &scraper::node::Element) {
        self.depth += 1;
        match name {
            "script" => {
                self.scripts += 1;
                self.hidden += 1;
            }
            "style" | "template" => self.hidden += 1,
            "noscript" => {
                self.hidden += 1;
                self.in_noscript = true;
            }
            "a" if element.attr("href").is_some() => {
                self.links += 1;
                for open in &mut self.boxes {
                    open.links += 1;
                }
            }
            _ => {}
        }
        if let Some(footer) = box_kind(name, element) {
            self.boxes.push(OpenBox {
                footer,
                links: 0,
                text: 0,
                depth: self.depth,
            });
        }
    }

    fn close(&mut self, name: &str) {
        if matches!(name, "script" | "style" | "template" | "noscript") {
            self.hidden = self.hidden.saturating_sub(1);
            if name == "noscript" {
                self.in_noscript = false;
            }
        }
        if self.boxes.last().is_some_and(|b| b.depth == self.depth)
            && let Some(done) = self.boxes.pop()
        {
            let empty = done.links == 0 && done.text <= EMPTY_BOX_TEXT;
            match (done.footer, empty) {
                (false, true) => self.empty_menu = true,
                (false, false) => self.menu_with_links |= done.links > 0,
                (true, true) => self.empty_footer = true,
                (true, false) => self.footer_with_content = true,
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn text(&mut self, text: &str) {
        if self.in_noscript && !self.noscript_asks {
            self.noscript_asks = mentions_javascript(text);
        }
        if self.hidden > 0 {
            return;
        }
        let visible = text.chars().filter(|c| !c.is_whitespace()).count();
        self.text += visible;
        for open in &mut self.boxes {
            open.text += visible;
        }
    }

    fn verdict(&self) -> Option<RenderSign> {
        if self.scripts == 0 {
            return None;
        }
        if self.text < SHELL_TEXT && self.links < FEW_LINKS {
            Some(RenderSign::EmptyShell)
        } else if self.noscript_asks && self.links < NOSCRIPT_LINKS {
            Some(RenderSign::NoscriptAsksForJavascript)
        } else if (self.empty_menu && !self.menu_with_links)
            || (self.empty_footer && !self.footer_with_content)
        {
            Some(RenderSign::EmptyNavigation)
        } else {
            None
        }
    }
}

/// Whether an element is a menu box (`Some(false)`) or a footer box
/// (`Some(true)`): `<nav>`, `<footer>`, or a list or block whose id or
/// class says menu, nav or footer.
fn box_kind(name: &str, element: &scraper::node::Element) -> Option<bool> {
    match name {
        "nav" => return Some(false),
        "footer" => return Some(true),
        "div" | "ul" | "ol" | "section" | "aside" | "header" => {}
        _ => return None,
    }
    let says = |word: &str| {
        ["id", "class"]
            .iter()
            .filter_map(|a| element.attr(a))
            .any(|v| contains_ignoring_case(v, word))
    };
    if says("footer") {
        Some(true)
    } else if says("menu") || says("nav") {
        Some(false)
    } else {
        None
    }
}

fn mentions_javascript(text: &str) -> bool {
    contains_ignoring_case(text, "javascript")
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_of(html: &str) -> Option<RenderSign> {
        sign(&Html::parse_document(html))
    }

    #[test]
    fn an_empty_shell_of_scripts_is_a_sign() {
        let shell = r#"<html><body><div id="app"><p>Đang tải…</p></div><script src="/app.js"></script></body></html>"#;
        assert_eq!(sign_of(shell), Some(RenderSign::EmptyShell));
        let no_script = r#"<html><body><p>Trang đang xây dựng</p></body></html>"#;
        assert_eq!(
            sign_of(no_script),
            None,
            "an empty page without scripts is just empty"
        );
    }

    #[test]
    fn an_empty_menu_or_footer_is_a_sign_only_when_no_other_has_links() {
        let links: String = (0..40)
            .map(|i| format!(r#"<a href="/t/{i}">Tin {i}</a>"#))
            .collect();
        let empty_menu = format!(
            r#"<body><nav id="main-menu"></nav><main>{links}</main><footer>Sở Tư pháp, 1 Trần Hưng Đạo</footer><script src="/js/menu.js"></script></body>"#
        );
        assert_eq!(sign_of(&empty_menu), Some(RenderSign::EmptyNavigation));
        let empty_footer = format!(
            r#"<body><ul class="menu"><li><a href="/gt">Giới thiệu</a></li></ul>{links}<div id="footer"> </div><script>build()</script></body>"#
        );
        assert_eq!(sign_of(&empty_footer), Some(RenderSign::EmptyNavigation));
        let icon_beside_menu = format!(
            r#"<body><div class="menu-icon"></div><ul class="menu"><li><a href="/gt">Giới thiệu</a></li></ul>{links}<footer>Địa chỉ: 1 Trần Hưng Đạo, Hòa Bình</footer><script src="/j.js"></script></body>"#
        );
        assert_eq!(sign_of(&icon_beside_menu), None);
    }

    #[test]
    fn a_noscript_warning_counts_only_on_a_page_with_few_links() {
        let warning = r#"<noscript><div class="alert">Trình duyệt của bạn đã tắt chức năng hỗ trợ JavaScript.</div></noscript><script src="/j.js"></script>"#;
        let text = "Nội dung trang. ".repeat(30);
        let few = format!(
            "<body>{warning}<p>{text}</p><a href=/a>a</a><a href=/b>b</a><a href=/c>c</a><a href=/d>d</a><a href=/e>e</a></body>"
        );
        assert_eq!(sign_of(&few), Some(RenderSign::NoscriptAsksForJavascript));
        let links: String = (0..40)
            .map(|i| format!(r#"<a href="/t/{i}">Tin {i}</a>"#))
            .collect();
        let nukeviet = format!("<body>{warning}<nav>{links}</nav><p>{text}</p></body>");
        assert_eq!(sign_of(&nukeviet), None);
    }
}
