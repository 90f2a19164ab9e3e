//! A link being read during the walk, and what it becomes when it closes:
//! where on the page it sits and where its label came from.

use url::Url;

use super::{LabelFrom, LinkPlace};
use crate::site::LinkPriority;

/// A link still open: what the walk knows of it so far.
pub(super) struct OpenLink<'d> {
    pub(super) href: &'d str,
    /// Title, aria-label, text and image alt, in document order.
    pub(super) label: String,
    pub(super) priority: LinkPriority,
    pub(super) in_menu: bool,
    pub(super) footer: bool,
    pub(super) navigation: bool,
    pub(super) option: bool,
    pub(super) list_item: bool,
    pub(super) paragraph: bool,
    pub(super) block: Option<u32>,
    pub(super) titled: bool,
    pub(super) has_text: bool,
    pub(super) has_alt: bool,
    pub(super) has_image: bool,
}

impl OpenLink<'_> {
    /// Where its label came from: its text, else its image's `alt`, else
    /// its `title`; an image with none of these is named by its address.
    pub(super) fn label_from(&self) -> LabelFrom {
        if self.has_text {
            LabelFrom::Text
        } else if self.has_alt {
            LabelFrom::Alt
        } else if self.titled {
            LabelFrom::Title
        } else if self.has_image {
            LabelFrom::Address
        } else {
            LabelFrom::Text
        }
    }
}

/// Where a link sits, as a reader sees it: menu and footer first, then other
/// navigation, lists, image banners and list entries; a link inside a
/// paragraph is running text whatever block it is in (the walk makes it a
/// list when the paragraph has no text of its own); then content blocks; a
/// link among other links anywhere else is a list.
pub(super) fn place_of(link: &OpenLink<'_>) -> LinkPlace {
    if link.footer {
        LinkPlace::Footer
    } else if link.in_menu {
        LinkPlace::Menu
    } else if link.navigation {
        LinkPlace::Sidebar
    } else if link.option {
        LinkPlace::List
    } else if link.has_image && !link.has_text {
        LinkPlace::Banner
    } else if link.list_item {
        LinkPlace::List
    } else if link.paragraph {
        // Running text, unless its paragraph turns out to hold links alone.
        LinkPlace::Body
    } else if link.block.is_some() {
        LinkPlace::Block
    } else {
        LinkPlace::List
    }
}

/// The words of an address's last path segment, its extension dropped
/// (`/cong-khai-ngan-sach.html` → "cong khai ngan sach"): the only label an
/// image link with no `alt` has.
pub(super) fn address_words(url: &Url) -> String {
    let segment = url
        .path_segments()
        .into_iter()
        .flatten()
        .rfind(|s| !s.is_empty())
        .unwrap_or_default();
    let segment = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    let stem = segment.rsplit_once('.').map_or(&*segment, |(stem, _)| stem);
    stem.split(['-', '_', '.', '+'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
