//! Checklists of required information: loaded from TOML, validated with file
//! and line in every error, and compiled once into matchers before any network
//! I/O happens.

mod compile;
mod item_def;
mod load;
mod matcher;
pub mod model;

use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use jiff::civil::Date;
use regex::Regex;

pub use load::{builtin_names, load, load_builtin, load_from, load_path};
pub use matcher::{ItemIndex, NeedleHit, NeedleSet, NeedleSetBuilder};

use crate::extract::SelectorSet;
use crate::finding::Placement;

use crate::target::SiteKind;

/// Placeholder phrases every checklist knows, folded by the loader.
pub const DEFAULT_PLACEHOLDER_PHRASES: &[&str] = &[
    "đang được cập nhật",
    "đang cập nhật",
    "đang cập nhập",
    "đang được xây dựng",
    "đang xây dựng",
    "chưa có nội dung",
    "chưa có dữ liệu",
    "chưa có thông tin",
    "không có dữ liệu",
    "nội dung đang được",
    "under construction",
    "coming soon",
    "content is being updated",
];

/// A checklist ready to evaluate: items plus matchers compiled once.
#[derive(Debug)]
pub struct Checklist {
    /// Stable identifier.
    pub id: String,
    /// Content version.
    pub version: String,
    /// Human title.
    pub title: String,
    /// English title.
    pub title_en: Option<String>,
    /// Description for `checklist show`.
    pub description: Option<String>,
    /// The language its sites are written in (`vi`): the main language of a
    /// site when its pages do not tell.
    pub language: Option<String>,
    /// Where it came from: `builtin:NAME` or a path.
    pub source: String,
    /// Legal rule sets with their dates.
    pub rulesets: Vec<Ruleset>,
    /// Items in file order (inherited items first).
    pub items: Vec<Item>,
    /// Matchers over folded text, one per signal kind.
    pub signals: Signals,
    /// Selectors, each with the item it shows, indexed by element name.
    pub selectors: SelectorSet,
    /// Regular expressions over page text, each with its item.
    pub patterns: Vec<(ItemIndex, Regex)>,
}

/// The compiled needle sets a page is searched with.
#[derive(Debug, Clone)]
pub struct Signals {
    /// Over folded link labels.
    pub link_text: NeedleSet,
    /// Over folded URL path and query.
    pub url: NeedleSet,
    /// Over folded headings.
    pub heading: NeedleSet,
    /// Over a page's own folded text.
    pub text: NeedleSet,
    /// Phrases that mark a page as a placeholder (owner 0 = placeholder).
    pub placeholder: NeedleSet,
}

impl Signals {
    /// Items whose URL needles name a segment of `url` (a path segment, a
    /// query value, or with `with_host` a host label). The segment must start
    /// with the needle and have at most two more words, so `/van-ban-phap-luat`
    /// counts for "văn bản" while an article slug that merely mentions
    /// "dự án đầu tư" in its headline does not.
    #[must_use]
    pub fn url_hits(&self, url: &url::Url, with_host: bool) -> Vec<NeedleHit<'_>> {
        let mut hits: Vec<NeedleHit<'_>> = Vec::new();
        for segment in crate::fold::fold_url_segments(url, with_host) {
            let words = segment.split_whitespace().count();
            for hit in self.url.find(&segment) {
                let starts = segment
                    .strip_prefix(' ')
                    .is_some_and(|s| s.starts_with(hit.needle))
                    && segment.as_bytes().get(hit.needle.len() + 1) == Some(&b' ');
                if starts
                    && words <= hit.needle.split_whitespace().count() + 2
                    && !hits.contains(&hit)
                {
                    hits.push(hit);
                }
            }
        }
        hits
    }
}

/// A named body of rules in force for a period.
#[derive(Debug, Clone)]
pub struct Ruleset {
    /// Short id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// When it is in force.
    pub period: Period,
}

/// A closed date interval; open ends are unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First day, inclusive.
    pub from: Option<Date>,
    /// Last day, inclusive.
    pub until: Option<Date>,
}

impl Period {
    /// Whether `date` falls inside the period.
    #[must_use]
    pub fn contains(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }

    /// "2022-08-15 – 2026-06-30", "from 2026-07-01", or "" for always.
    #[must_use]
    pub fn describe(&self) -> String {
        match (self.from, self.until) {
            (None, None) => String::new(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(u)) => format!("until {u}"),
            (Some(f), Some(u)) => format!("{f} – {u}"),
        }
    }
}

/// One legal basis of an item.
#[derive(Debug, Clone)]
pub struct Basis {
    /// The citation.
    pub reference: String,
    /// When it is in force.
    pub period: Period,
}

/// A site-level fact an item can rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteCheck {
    /// The site is served over HTTPS with a certificate we accepted.
    Https,
    /// `/sitemap.xml` (or a `Sitemap:` line in robots.txt) answers with XML.
    SitemapXml,
    /// `/robots.txt` answers 200.
    RobotsTxt,
    /// The host is under `.gov.vn`.
    GovDomain,
    /// The host has an IPv6 address.
    Ipv6,
    /// Some page shows a date (the item's freshness is then judged on the
    /// newest date anywhere on the site).
    DatedContent,
}

impl FromStr for SiteCheck {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "https" => Ok(SiteCheck::Https),
            "sitemap_xml" => Ok(SiteCheck::SitemapXml),
            "robots_txt" => Ok(SiteCheck::RobotsTxt),
            "gov_domain" => Ok(SiteCheck::GovDomain),
            "ipv6" => Ok(SiteCheck::Ipv6),
            "dated_content" => Ok(SiteCheck::DatedContent),
            _ => Err(format!(
                "unknown site check `{}`: use https, sitemap_xml, robots_txt, gov_domain, ipv6 \
                 or dated_content",
                crate::error::echo(s)
            )),
        }
    }
}

/// One required piece of information.
#[derive(Debug, Clone)]
pub struct Item {
    /// Stable id.
    pub id: Arc<str>,
    /// Title in the checklist's language.
    pub title: Arc<str>,
    /// English gloss.
    pub title_en: Option<Arc<str>>,
    /// Weight in the score.
    pub weight: f64,
    /// Kinds it applies to.
    pub applies_to: Vec<SiteKind>,
    /// Legal bases with dates.
    pub basis: Vec<Basis>,
    /// The bases in force on the first date [`Item::basis_on`] was asked
    /// for (the run's audit date), kept so that every site's finding shares
    /// the text.
    pub basis_first_asked: OnceLock<(Date, Arc<str>)>,
    /// When the item itself applies.
    pub period: Period,
    /// Reported but never scored.
    pub report_only: bool,
    /// Site-level facts that show it.
    pub site_checks: Vec<SiteCheck>,
    /// Freshness threshold in days, if any.
    pub fresh_within_days: Option<u32>,
    /// The language of the site version the item is about (`en`), if any:
    /// pages in that language may show it.
    pub language: Option<String>,
    /// Groups of folded link labels that must all appear on one page.
    pub all_link_text: Vec<Vec<String>>,
    /// The signals as written, for `checklist show` and "where we looked".
    pub signals_written: SignalsWritten,
}

/// An item's signals as the checklist author wrote them.
#[derive(Debug, Clone, Default)]
pub struct SignalsWritten {
    /// Link labels.
    pub link_text: Vec<String>,
    /// URL words.
    pub url: Vec<String>,
    /// Headings.
    pub heading: Vec<String>,
    /// Page phrases.
    pub text: Vec<String>,
    /// CSS selectors.
    pub selector: Vec<String>,
    /// Regular expressions.
    pub pattern: Vec<String>,
    /// Site checks.
    pub site: Vec<String>,
    /// Label groups that must all appear on one page.
    pub all_link_text: Vec<Vec<String>>,
}

impl SignalsWritten {
    /// A one-line summary of which signal kinds were tried, for a missing item.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, v: &[String]| {
            if !v.is_empty() {
                parts.push(format!("{name}({})", v.len()));
            }
        };
        add("link_text", &self.link_text);
        add("url", &self.url);
        add("heading", &self.heading);
        add("text", &self.text);
        add("selector", &self.selector);
        add("pattern", &self.pattern);
        add("site", &self.site);
        if !self.all_link_text.is_empty() {
            parts.push(format!("all_link_text({})", self.all_link_text.len()));
        }
        parts.join(" ")
    }
}

/// Whether an item counts for a site of `kind` judged on `date`, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// It applies.
    Applies,
    /// Not for this kind of site.
    OtherKind,
    /// No basis in force on the date.
    NotInForce,
}

impl Item {
    /// Where the item is normally placed on a portal: the footer for what
    /// the footer states, the header for identity and search, the server
    /// for site-wide settings, the pages themselves for page functions, the
    /// main menu for sections.
    #[must_use]
    pub fn placement(&self) -> Placement {
        let w = &self.signals_written;
        if &*self.id == "header_identity" || &*self.id == "site_search" {
            Placement::Header
        } else if !self.is_section() && !w.pattern.is_empty() {
            Placement::Footer
        } else if !self.is_section()
            && !self.site_checks.is_empty()
            && !self.site_checks.contains(&SiteCheck::DatedContent)
        {
            Placement::Server
        } else if !self.is_section() || w.selector.len() > w.link_text.len() {
            Placement::OnPages
        } else {
            Placement::MainMenu
        }
    }

    /// Whether the item is a section of the site (it has labels or slugs to
    /// find it by), rather than a fact written in the text (an address).
    #[must_use]
    pub fn is_section(&self) -> bool {
        !self.signals_written.link_text.is_empty() || !self.signals_written.url.is_empty()
    }

    /// Decides whether the item applies to `kind` on `date`.
    #[must_use]
    pub fn applicability(&self, kind: SiteKind, date: Date) -> Applicability {
        if !self.applies_to.contains(&kind) {
            return Applicability::OtherKind;
        }
        let basis_in_force =
            self.basis.is_empty() || self.basis.iter().any(|b| b.period.contains(date));
        if self.period.contains(date) && basis_in_force {
            Applicability::Applies
        } else {
            Applicability::NotInForce
        }
    }

    /// The bases in force on `date`, joined for a CSV cell; the same text
    /// each time for the run's date.
    #[must_use]
    pub fn basis_on(&self, date: Date) -> Arc<str> {
        let joined = || -> Arc<str> {
            self.basis
                .iter()
                .filter(|b| b.period.contains(date))
                .map(|b| b.reference.as_str())
                .collect::<Vec<_>>()
                .join("; ")
                .into()
        };
        match self.basis_first_asked.get_or_init(|| (date, joined())) {
            (first, text) if *first == date => Arc::clone(text),
            _ => joined(),
        }
    }
}

impl Checklist {
    /// The rule sets in force on `date`, joined with `+` (empty if none declared).
    #[must_use]
    pub fn rulesets_on(&self, date: Date) -> String {
        self.rulesets
            .iter()
            .filter(|r| r.period.contains(date))
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Looks an item up by id.
    #[must_use]
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| &*i.id == id)
    }
}
