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
/// `Err` says why the needles could not be compiled.
pub(super) fn compile(resolved: Resolved, source: String) -> Result<Checklist, String> {
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
                selector: Selector::parse(s).map_err(|e| format!("bad CSS selector: {e}"))?,
                source: s.clone(),
            });
        }
        for p in &w.pattern {
            let regex = Regex::new(p).map_err(|e| format!("bad regular expression: {e}"))?;
            patterns.push((index, regex));
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
    Ok(Checklist {
        id: resolved.id,
        version: resolved.version,
        title: resolved.title,
        title_en: resolved.title_en,
        description: resolved.description,
        language: resolved.language,
        source,
        rulesets: resolved.rulesets,
        items: resolved.items,
        signals: build_signals([link_text, url, heading, text, placeholder])?,
        selectors: SelectorSet::new(selectors),
        patterns,
    })
}

/// Compiles the needle sets of link text, URL, heading, text and
/// placeholder, the URL set (the largest: up to four forms of each label)
/// on a thread of its own: with 100,000 items compiling the automata is
/// a third of the loading time.
fn build_signals(builders: [NeedleSetBuilder; 5]) -> Result<Signals, String> {
    let [link_text, url, heading, text, placeholder] = builders;
    let (url, rest) = std::thread::scope(|scope| {
        let url = scope.spawn(|| url.build());
        let rest = [link_text, heading, text, placeholder].map(NeedleSetBuilder::build);
        let url = url
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (url, rest)
    });
    let [link_text, heading, text, placeholder] = rest;
    Ok(Signals {
        link_text: link_text?,
        url: url?,
        heading: heading?,
        text: text?,
        placeholder: placeholder?,
    })
}

/// A label or slug as it may appear in a URL: folded normally, with `đ`
/// dropped (`lanh-ao`), and, for several words, run together (`lanhdao`).
pub(super) fn add_url_forms(builder: &mut NeedleSetBuilder, label: &str, item: Option<usize>) {
    // Without `đ` both foldings are the same: fold once.
    let dropped = label
        .contains(['đ', 'Đ'])
        .then(|| fold_dropping_d_stroke(label));
    for form in std::iter::once(fold(label)).chain(dropped) {
        let words: Vec<&str> = form.split_whitespace().collect();
        if words.len() > 1 {
            builder.add_folded(format!(" {} ", words.concat()), label, item);
        }
        builder.add_folded(form, label, item);
    }
}
