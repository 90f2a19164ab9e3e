//! Compiles a resolved checklist's signals into the matchers evaluation
//! runs: one needle set per signal kind, the selector index and the regular
//! expressions, each tagged with its item.

use regex::Regex;
use scraper::Selector;

use super::load::Resolved;
use super::{Checklist, DEFAULT_PLACEHOLDER_PHRASES, NeedleSetBuilder, Signals};
use crate::extract::{SelectorSet, SelectorSignal};
use crate::fold::{fold, fold_dropping_d_stroke};

/// Builds the matchers of `resolved`; `source` says where it came from.
pub(super) fn compile(resolved: Resolved, source: String) -> Checklist {
    let mut link_text = NeedleSetBuilder::default();
    let mut url = NeedleSetBuilder::default();
    let mut heading = NeedleSetBuilder::default();
    let mut text = NeedleSetBuilder::default();
    let mut selectors = Vec::new();
    let mut patterns = Vec::new();
    for (index, item) in resolved.items.iter().enumerate() {
        let w = &item.signals_written;
        for label in &w.link_text {
            link_text.add(label, Some(index));
            heading.add(label, Some(index));
            add_url_forms(&mut url, label, Some(index));
        }
        for slug in &w.url {
            add_url_forms(&mut url, slug, Some(index));
        }
        for h in &w.heading {
            heading.add(h, Some(index));
        }
        for t in &w.text {
            text.add(t, Some(index));
        }
        for ex in &resolved.excludes[index] {
            link_text.add(ex, None);
            heading.add(ex, None);
            text.add(ex, None);
            add_url_forms(&mut url, ex, None);
        }
        for s in &w.selector {
            selectors.push(SelectorSignal {
                item: index,
                selector: Selector::parse(s).expect("validated in compile_item"),
                source: s.clone(),
            });
        }
        for p in &w.pattern {
            patterns.push((index, Regex::new(p).expect("validated in compile_item")));
        }
    }
    let mut placeholder = NeedleSetBuilder::default();
    for phrase in DEFAULT_PLACEHOLDER_PHRASES
        .iter()
        .copied()
        .chain(resolved.placeholder_phrases.iter().map(String::as_str))
    {
        placeholder.add(phrase, Some(0));
    }
    Checklist {
        id: resolved.id,
        version: resolved.version,
        title: resolved.title,
        title_en: resolved.title_en,
        description: resolved.description,
        language: resolved.language,
        source,
        rulesets: resolved.rulesets,
        items: resolved.items,
        signals: Signals {
            link_text: link_text.build(),
            url: url.build(),
            heading: heading.build(),
            text: text.build(),
            placeholder: placeholder.build(),
        },
        selectors: SelectorSet::new(selectors),
        patterns,
    }
}

/// A label or slug as it may appear in a URL: folded normally, with `đ`
/// dropped (`lanh-ao`), and, for several words, run together (`lanhdao`).
pub(super) fn add_url_forms(builder: &mut NeedleSetBuilder, label: &str, item: Option<usize>) {
    for form in [fold(label), fold_dropping_d_stroke(label)] {
        let words: Vec<&str> = form.split_whitespace().collect();
        if words.len() > 1 {
            builder.add_folded(format!(" {} ", words.concat()), label, item);
        }
        builder.add_folded(form, label, item);
    }
}
