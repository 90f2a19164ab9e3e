//! The CSS selectors a page is tested against, indexed by the element name
//! or attribute their subject needs, so one walk over a page's DOM tests each
//! element against only the few selectors that could match it. The checklist
//! compiles its selectors into a [`SelectorSet`]; extraction reports which
//! matched, by index, without knowing what they mean.

use std::collections::HashMap;

use markup5ever::LocalName;
use scraper::Selector;

use crate::fold::find_ascii_ci;

/// A page's selectors, indexed by the element name their subject
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
        // Where each name sits in its list while building: a checklist of
        // 100,000 selectors with as many names still indexes in linear time.
        type Slots = HashMap<LocalName, usize>;
        fn file(
            index: &mut Vec<(LocalName, Vec<usize>)>,
            slots: &mut Slots,
            key: LocalName,
            i: usize,
        ) {
            match slots.get(&key) {
                Some(&slot) => index[slot].1.push(i),
                None => {
                    slots.insert(key.clone(), index.len());
                    index.push((key, vec![i]));
                }
            }
        }
        let (mut tag_slots, mut attr_slots) = (Slots::new(), Slots::new());
        for (i, s) in set.signals.iter().enumerate() {
            match (
                subject_tag(&s.source).map(|t| LocalName::from(t.as_str())),
                &set.required_attr[i],
            ) {
                (Some(tag), _) => file(&mut set.by_tag, &mut tag_slots, tag, i),
                (None, Some((attr, _))) => {
                    file(&mut set.by_attr, &mut attr_slots, attr.clone(), i);
                }
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
    /// The index of the item it shows (extraction skips the selectors of
    /// items the caller marks as settled).
    pub item: usize,
    /// The compiled selector.
    pub selector: Selector,
    /// The selector as written, for evidence.
    pub source: String,
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
