//! Checklists of required information: loaded from TOML, validated with file
//! and line in every error, and compiled once into matchers before any network
//! I/O happens.

mod load;
mod matcher;
pub mod model;

use std::str::FromStr;

use jiff::civil::Date;
use markup5ever::LocalName;
use regex::Regex;
use scraper::Selector;

pub use load::{builtin_names, load, load_builtin, load_path};
pub use matcher::{ItemIndex, NeedleHit, NeedleSet, NeedleSetBuilder};

use crate::fold::find_ascii_ci;
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

/// The checklist's selectors, indexed by the element name their subject
/// must have (or, for `[class*=logo]` and the like, the attribute), so one
/// walk over a page's DOM tests each element against only the few selectors
/// that could match it.
#[derive(Debug, Clone, Default)]
pub struct SelectorSet {
    /// Every selector, in checklist order.
    pub signals: Vec<SelectorSignal>,
    /// Selectors by subject element name. Names are interned atoms, as in the
    /// DOM, so a lookup compares integers, not strings; a checklist has a
    /// dozen tags at most, so a list beats a hash map.
    by_tag: Vec<(LocalName, Vec<usize>)>,
    /// Selectors of any element name, by the attribute their subject needs.
    by_attr: Vec<(LocalName, Vec<usize>)>,
    /// Selectors any element could match.
    any_tag: Vec<usize>,
    /// Per selector, an attribute its subject must carry (`[href^=mailto:]`
    /// needs `href`) and a quick test of its value: elements that fail it
    /// are skipped before the costlier full match.
    required_attr: Vec<Option<(LocalName, Option<ValueTest>)>>,
}

impl SelectorSet {
    /// Indexes `signals`.
    #[must_use]
    pub fn new(signals: Vec<SelectorSignal>) -> Self {
        let mut set = Self {
            signals,
            ..Self::default()
        };
        set.required_attr = set
            .signals
            .iter()
            .map(|s| {
                subject_attr(&s.source)
                    .map(|a| (LocalName::from(a.as_str()), subject_value_test(&s.source)))
            })
            .collect();
        fn file(index: &mut Vec<(LocalName, Vec<usize>)>, key: LocalName, i: usize) {
            match index.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(i),
                None => index.push((key, vec![i])),
            }
        }
        for (i, s) in set.signals.iter().enumerate() {
            match (
                subject_tag(&s.source).map(|t| LocalName::from(t.as_str())),
                &set.required_attr[i],
            ) {
                (Some(tag), _) => file(&mut set.by_tag, tag, i),
                (None, Some((attr, _))) => file(&mut set.by_attr, attr.clone(), i),
                (None, None) => set.any_tag.push(i),
            }
        }
        set
    }

    /// Whether selector `index` could match `element` at all, by the
    /// attribute its subject requires.
    #[must_use]
    pub fn could_match(&self, index: usize, element: &scraper::node::Element) -> bool {
        self.required_attr
            .get(index)
            .and_then(Option::as_ref)
            .is_none_or(|(attr, test)| {
                element.attrs.iter().any(|(name, value)| {
                    name.local == *attr && test.as_ref().is_none_or(|t| t.passes(value))
                })
            })
    }

    /// Indexes of the selectors that could match `element`: by its name,
    /// by each of its attributes, and those for any element.
    pub fn candidates<'a>(
        &'a self,
        element: &'a scraper::node::Element,
    ) -> impl Iterator<Item = usize> + 'a {
        let listed = |index: &'a [(LocalName, Vec<usize>)], key: &LocalName| {
            index
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, list)| list.as_slice())
                .unwrap_or_default()
        };
        let by_attr = element
            .attrs
            .iter()
            .flat_map(move |(name, _)| listed(&self.by_attr, &name.local));
        listed(&self.by_tag, &element.name.local)
            .iter()
            .chain(by_attr)
            .chain(&self.any_tag)
            .copied()
    }
}

/// The first attribute the last compound of `selector` requires
/// (`form input[name=q]` → `name`), or `None`.
fn subject_attr(selector: &str) -> Option<String> {
    let compound = last_compound(selector)?;
    // Inside `:not(…)`, `:has(…)` or `:is(…)` an attribute may be one the
    // element must lack, or another element's: no requirement then.
    if compound.contains('(') {
        return None;
    }
    let open = compound.find('[')?;
    let name: String = compound[open + 1..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// The last compound selector of `selector` (`form input[name=q]` →
/// `input[name=q]`), the one the matched element itself must satisfy; `None`
/// for a selector list.
fn last_compound(selector: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut last_start = 0usize;
    for (i, c) in selector.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return None,
            ' ' | '>' | '+' | '~' if depth == 0 => last_start = i + 1,
            _ => {}
        }
    }
    Some(&selector[last_start..])
}

/// A quick test of the value of the attribute a selector's subject requires.
/// It compares ASCII case-insensitively, so it accepts everything the
/// selector does (HTML matches some attributes, such as `type`, without
/// case) and turns most other elements away before the full match.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ValueTest {
    Equals(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
}

impl ValueTest {
    fn passes(&self, text: &str) -> bool {
        let value = text.as_bytes();
        match self {
            Self::Equals(want) => value.eq_ignore_ascii_case(want.as_bytes()),
            Self::Prefix(want) => value
                .get(..want.len())
                .is_some_and(|v| v.eq_ignore_ascii_case(want.as_bytes())),
            Self::Suffix(want) => value
                .len()
                .checked_sub(want.len())
                .is_some_and(|start| value[start..].eq_ignore_ascii_case(want.as_bytes())),
            Self::Contains(want) => find_ascii_ci(text, want).is_some(),
        }
    }
}

/// The value test of the first attribute selector of the last compound of
/// `selector` (`a[href^='mailto:']` → starts with `mailto:`), for the
/// operators `=`, `^=`, `$=` and `*=` with a non-empty value; `None` otherwise.
fn subject_value_test(selector: &str) -> Option<ValueTest> {
    subject_attr(selector)?;
    let compound = last_compound(selector)?;
    let inside = &compound[compound.find('[')? + 1..];
    let after_name = inside
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .trim_start();
    let (operator, rest) = after_name.split_at(after_name.find('=')?);
    let rest = rest[1..].trim_start();
    let value = match rest.chars().next()? {
        quote @ ('\'' | '"') => &rest[1..rest[1..].find(quote)? + 1],
        _ => &rest[..rest.find(|c: char| c.is_whitespace() || c == ']')?],
    };
    if value.is_empty() || value.contains('\\') {
        return None;
    }
    let value = value.to_owned();
    match operator.trim() {
        "" => Some(ValueTest::Equals(value)),
        "^" => Some(ValueTest::Prefix(value)),
        "$" => Some(ValueTest::Suffix(value)),
        "*" => Some(ValueTest::Contains(value)),
        _ => None,
    }
}

/// The element name the last compound of `selector` requires (`form
/// input[name=q]` → `input`), or `None` when any element could match.
fn subject_tag(selector: &str) -> Option<String> {
    // Attribute values may hold spaces and combinator characters: drop them.
    let mut outside = String::with_capacity(selector.len());
    let mut depth = 0usize;
    for c in selector.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    if outside.contains(',') {
        return None;
    }
    let last = outside
        .rsplit([' ', '>', '+', '~'])
        .find(|part| !part.trim().is_empty())?;
    let tag: String = last
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!tag.is_empty()).then(|| tag.to_ascii_lowercase())
}

/// A CSS selector that shows an item when it matches.
#[derive(Debug, Clone)]
pub struct SelectorSignal {
    /// The item it shows.
    pub item: ItemIndex,
    /// The compiled selector.
    pub selector: Selector,
    /// The selector as written, for evidence.
    pub source: String,
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
                "unknown site check `{s}`: use https, sitemap_xml, robots_txt, gov_domain, ipv6 \
                 or dated_content"
            )),
        }
    }
}

/// One required piece of information.
#[derive(Debug, Clone)]
pub struct Item {
    /// Stable id.
    pub id: String,
    /// Title in the checklist's language.
    pub title: String,
    /// English gloss.
    pub title_en: Option<String>,
    /// Weight in the score.
    pub weight: f64,
    /// Kinds it applies to.
    pub applies_to: Vec<SiteKind>,
    /// Legal bases with dates.
    pub basis: Vec<Basis>,
    /// When the item itself applies.
    pub period: Period,
    /// Reported but never scored.
    pub report_only: bool,
    /// Site-level facts that show it.
    pub site_checks: Vec<SiteCheck>,
    /// Freshness threshold in days, if any.
    pub fresh_within_days: Option<u32>,
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

    /// The bases in force on `date`, joined for a CSV cell.
    #[must_use]
    pub fn basis_on(&self, date: Date) -> String {
        self.basis
            .iter()
            .filter(|b| b.period.contains(date))
            .map(|b| b.reference.as_str())
            .collect::<Vec<_>>()
            .join("; ")
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
        self.items.iter().find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::{ValueTest, subject_attr, subject_tag, subject_value_test};

    #[test]
    fn subject_value_tests() {
        let test = |s: &str| subject_value_test(s);
        assert_eq!(
            test("a[href^='mailto:']"),
            Some(ValueTest::Prefix("mailto:".into()))
        );
        assert_eq!(
            test("form input[name=q]"),
            Some(ValueTest::Equals("q".into()))
        );
        assert_eq!(
            test("[title*='cỡ chữ']"),
            Some(ValueTest::Contains("cỡ chữ".into()))
        );
        assert_eq!(
            test("img[src$=\".png\" i]"),
            Some(ValueTest::Suffix(".png".into()))
        );
        assert_eq!(test("a[class~=menu]"), None);
        assert_eq!(test("img[alt]"), None);
        assert_eq!(test("a[href^='']"), None);
        assert!(ValueTest::Prefix("mailto:".into()).passes("MAILTO:a@b.vn"));
        assert!(!ValueTest::Prefix("mailto:".into()).passes("/lien-he"));
        assert!(ValueTest::Contains("print=1".into()).passes("/a?print=1"));
        assert!(ValueTest::Suffix(".png".into()).passes("logo.PNG"));
        assert!(!ValueTest::Suffix("long.png".into()).passes("a.png"));
    }

    #[test]
    fn subject_attrs() {
        assert_eq!(subject_attr("form input[name=q]").as_deref(), Some("name"));
        assert_eq!(subject_attr("a[href^='mailto:']").as_deref(), Some("href"));
        assert_eq!(subject_attr("[title*='cỡ chữ']").as_deref(), Some("title"));
        assert_eq!(
            subject_attr("form[action*=search] input[type=text]").as_deref(),
            Some("type")
        );
        assert_eq!(subject_attr("form[role=search]").as_deref(), Some("role"));
        assert_eq!(subject_attr("nav a"), None);
        assert_eq!(subject_attr("div:not([class*=menu])"), None);
        assert_eq!(subject_attr("a:has(img[src*=logo])"), None);
        assert_eq!(subject_value_test("div:not([class*=menu])"), None);
        assert_eq!(subject_attr("a, img[alt]"), None);
    }

    #[test]
    fn subject_tags() {
        assert_eq!(subject_tag("form input[name=q]").as_deref(), Some("input"));
        assert_eq!(
            subject_tag("link[type='application/rss+xml']").as_deref(),
            Some("link")
        );
        assert_eq!(subject_tag("[title*='cỡ chữ']"), None);
        assert_eq!(subject_tag("nav > a.active").as_deref(), Some("a"));
        assert_eq!(subject_tag("a, img"), None);
    }
}
