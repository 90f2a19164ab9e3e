//! What pages share: keys for text runs and links, and the [`RunSet`] of the
//! home page (the chrome every page repeats) or of the site's "not found"
//! page, so later stages read only what is a page's own.

use std::hash::{BuildHasher, Hash};

use url::Url;

use super::{LinkFact, PageFacts, TextRun};

/// The key of a link: its label and its `href` as written, with as much of
/// the base as resolving it needs, so it is computed without resolving the
/// link: none for an absolute address, the origin for `/path`, the base's
/// directory for `page.html`, its path for `?query`, all of it but the
/// fragment for `#part`.
pub(super) fn link_key(href: &str, label: &str, base: &Url) -> u64 {
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
    pub(super) runs: foldhash::HashSet<u64>,
    pub(super) texts: foldhash::HashSet<u64>,
    pub(super) links: foldhash::HashSet<u64>,
    /// The page's first heading, folded: on a home page, the banner's
    /// (`<h1><a href="/">Sở Tư pháp …</a></h1>`) that every page repeats.
    pub(super) banner: Option<u64>,
    /// The home page was built by JavaScript: so may the site's other pages
    /// be, and each is checked for the signs.
    pub(super) built_by_script: bool,
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
            banner: facts
                .headings
                .first()
                .map(|h| key_of(crate::fold::fold(&h.text))),
            built_by_script: false,
        }
    }

    /// The same set, from a home page built by JavaScript (rendered in a
    /// browser, or showing the signs): the site's other pages are then
    /// each checked for the signs too.
    #[must_use]
    pub fn built_by_script(mut self) -> Self {
        self.built_by_script = true;
        self
    }

    /// Whether the set has this content run.
    #[must_use]
    pub fn has_run(&self, run: &TextRun) -> bool {
        self.runs.contains(&run.hash)
    }

    /// Whether this folded heading is the frame's: the home page has it as
    /// plain text, or it is the home page's first heading (the banner's,
    /// link or not). A section page's "Liên hệ", which the home page has
    /// only as a menu link, is the page's own.
    #[must_use]
    pub fn has_heading(&self, folded: &str) -> bool {
        let key = key_of(folded);
        self.runs.contains(&key) || self.banner == Some(key)
    }

    /// Whether the set has this link (same label, same `href`).
    #[must_use]
    pub fn has_link(&self, link: &LinkFact) -> bool {
        self.links.contains(&link.key)
    }
}
