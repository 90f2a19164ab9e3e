//! Validates one `[[item]]` table of a checklist into an [`Item`], and the
//! small values items and overrides share (ids, weights, kinds, periods),
//! each problem reported at its line.

use std::ops::Range;
use std::str::FromStr;

use jiff::civil::Date;
use regex::Regex;
use scraper::Selector;
use toml::Spanned;

use super::model::{BasisDef, ItemDef};
use super::{Basis, Item, Period, SignalsWritten, SiteCheck};
use crate::error::{InputError, echo};
use crate::fold::fold;
use crate::limits::{
    MAX_CELL_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_NEEDLES_PER_ITEM, check_length, check_needle,
};
use crate::target::SiteKind;

/// Turns a span of the file and a message into an error at its line.
pub(super) trait AtSpan: Fn(Range<usize>, String) -> InputError {}
impl<F: Fn(Range<usize>, String) -> InputError> AtSpan for F {}

/// Validates `def`; returns the item and its exclusion phrases. Takes the
/// definition whole so its strings move into the item, uncopied.
pub(super) fn compile_item(
    mut def: ItemDef,
    err: &impl AtSpan,
) -> Result<(Item, Vec<String>), InputError> {
    let id = def.id.get_ref().clone();
    let at_id = |m: String| err(def.id.span(), m);
    check_length("item id", &id, MAX_ID_CHARS).map_err(at_id)?;
    if !is_valid_id(&id, false) {
        return Err(at_id(format!(
            "item id `{}` must be lower case letters, digits or `_`",
            echo(&id)
        )));
    }
    check_item_limits(&def).map_err(|m| at_id(format!("item `{id}`: {m}")))?;
    if def.title.trim().is_empty() {
        return Err(at_id(format!("item `{id}` has an empty title")));
    }
    let weight = check_weight(def.weight).map_err(|m| at_id(format!("item `{id}`: {m}")))?;
    let applies_to = match &def.applies_to {
        Some(kinds) => kinds_of(kinds, err)?,
        None => SiteKind::ALL.to_vec(),
    };
    let basis = def
        .basis
        .iter()
        .map(|b: &BasisDef| {
            Ok(Basis {
                reference: b.reference.clone(),
                period: period(&b.from, &b.until, err)?,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    let item_period = period(&def.from, &def.until, err)?;
    check_selectors_and_patterns(&def, &id, err)?;
    let site_checks = def
        .site
        .iter()
        .map(|s| {
            SiteCheck::from_str(s.get_ref()).map_err(|m| err(s.span(), format!("item `{id}`: {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !has_signal(&def) && site_checks.is_empty() {
        return Err(at_id(format!(
            "item `{id}` has no signal: give link_text, url, heading, text, selector, pattern or site"
        )));
    }
    let language = language_of(def.language.as_ref(), err)?;
    let all_link_text = folded_groups(&def.all_link_text);
    let (report_only, fresh_within_days) = (def.report_only, def.fresh_within_days);
    let (title, title_en) = (std::mem::take(&mut def.title), def.title_en.take());
    let (signals_written, excludes) = written_signals(def);
    let item = Item {
        id: id.into(),
        title: title.into(),
        title_en: title_en.map(Into::into),
        weight,
        applies_to,
        basis,
        basis_first_asked: std::sync::OnceLock::new(),
        period: item_period,
        report_only,
        site_checks,
        fresh_within_days,
        all_link_text,
        signals_written,
        language,
    };
    Ok((item, excludes))
}

/// The item's title, legal bases and needles within their limits (see
/// [`crate::limits`]): they bound the work of compiling the matchers.
fn check_item_limits(def: &ItemDef) -> Result<(), String> {
    check_length("title", &def.title, MAX_NAME_CHARS)?;
    if let Some(title_en) = &def.title_en {
        check_length("title_en", title_en, MAX_NAME_CHARS)?;
    }
    for basis in &def.basis {
        check_length("ref", &basis.reference, MAX_CELL_CHARS)?;
    }
    let plain = [
        &def.link_text,
        &def.url,
        &def.heading,
        &def.text,
        &def.exclude,
    ];
    let spanned = [&def.selector, &def.pattern, &def.site];
    let needles = plain.iter().map(|v| v.len()).sum::<usize>()
        + spanned.iter().map(|v| v.len()).sum::<usize>()
        + def.all_link_text.iter().map(Vec::len).sum::<usize>();
    if needles > MAX_NEEDLES_PER_ITEM {
        return Err(format!(
            "{needles} needles (link_text, url, heading, text, exclude, selector, pattern, \
             site and all_link_text together); the most is {MAX_NEEDLES_PER_ITEM}"
        ));
    }
    for needle in plain
        .into_iter()
        .flatten()
        .chain(def.all_link_text.iter().flatten())
    {
        check_needle(needle)?;
    }
    for value in spanned.into_iter().flatten() {
        check_length("value", value.get_ref(), MAX_CELL_CHARS)?;
    }
    Ok(())
}

/// Every selector parses and every pattern compiles.
fn check_selectors_and_patterns(
    def: &ItemDef,
    id: &str,
    err: &impl AtSpan,
) -> Result<(), InputError> {
    for s in &def.selector {
        Selector::parse(s.get_ref()).map_err(|e| {
            err(
                s.span(),
                format!("item `{id}`: bad CSS selector `{}`: {e}", echo(s.get_ref())),
            )
        })?;
    }
    for p in &def.pattern {
        Regex::new(p.get_ref()).map_err(|e| {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_owned();
            err(
                p.span(),
                format!(
                    "item `{id}`: bad regular expression `{}`: {first}",
                    echo(p.get_ref())
                ),
            )
        })?;
    }
    Ok(())
}

/// Whether the item has a page signal that is more than blanks.
fn has_signal(def: &ItemDef) -> bool {
    let all_blank = |v: &[String]| v.iter().all(|s| fold(s).trim().is_empty());
    !(all_blank(&def.link_text)
        && all_blank(&def.url)
        && all_blank(&def.heading)
        && all_blank(&def.text)
        && def.selector.is_empty()
        && def.pattern.is_empty()
        && def.all_link_text.iter().all(|g| all_blank(g)))
}

/// Label groups folded, blanks and empty groups dropped.
fn folded_groups(groups: &[Vec<String>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|l| fold(l))
                .filter(|f| !f.trim().is_empty())
                .collect()
        })
        .filter(|group: &Vec<String>| !group.is_empty())
        .collect()
}

/// The signals as written, and the exclusion phrases, moved out of `def`.
fn written_signals(def: ItemDef) -> (SignalsWritten, Vec<String>) {
    let spanned = |v: Vec<Spanned<String>>| v.into_iter().map(Spanned::into_inner).collect();
    let written = SignalsWritten {
        link_text: def.link_text,
        url: def.url,
        heading: def.heading,
        text: def.text,
        selector: spanned(def.selector),
        pattern: spanned(def.pattern),
        site: spanned(def.site),
        all_link_text: def.all_link_text,
    };
    (written, def.exclude)
}

/// A language code (`en`, `vi`): two or three lower-case letters.
pub(super) fn language_of(
    language: Option<&Spanned<String>>,
    err: &impl AtSpan,
) -> Result<Option<String>, InputError> {
    let Some(language) = language else {
        return Ok(None);
    };
    let code = language.get_ref();
    if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(Some(code.clone()))
    } else {
        Err(err(
            language.span(),
            format!(
                "language `{}` must be a code of two or three lower-case letters (en, vi)",
                echo(code)
            ),
        ))
    }
}

pub(super) fn is_valid_id(id: &str, allow_dash: bool) -> bool {
    !id.is_empty()
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (allow_dash && c == '-')
        })
}

/// The largest weight an item may have. Weights are relative, so 100 is
/// plenty, and 100,000 items of weight 100 still sum to a finite score.
pub(super) const MAX_WEIGHT: f64 = 100.0;

/// A weight from 0 to [`MAX_WEIGHT`]: `1e308` twice overflowed the score
/// to NaN, and `inf` or `nan` mean nothing.
pub(super) fn check_weight(w: f64) -> Result<f64, String> {
    if w.is_finite() && (0.0..=MAX_WEIGHT).contains(&w) {
        Ok(w)
    } else {
        Err(format!(
            "weight must be a number from 0 to {MAX_WEIGHT}, not {w}"
        ))
    }
}

pub(super) fn kinds_of(
    kinds: &[Spanned<String>],
    err: &impl AtSpan,
) -> Result<Vec<SiteKind>, InputError> {
    kinds
        .iter()
        .map(|k| {
            k.get_ref()
                .parse::<SiteKind>()
                .map_err(|m| err(k.span(), m))
        })
        .collect()
}

pub(super) fn period(
    from: &Option<Spanned<String>>,
    until: &Option<Spanned<String>>,
    err: &impl AtSpan,
) -> Result<Period, InputError> {
    let date = |d: &Option<Spanned<String>>| -> Result<Option<Date>, InputError> {
        d.as_ref()
            .map(|s| {
                s.get_ref().parse::<Date>().map_err(|e| {
                    // The parser's own words may repeat a long value whole.
                    let why = echo(&e.to_string()).into_owned();
                    err(
                        s.span(),
                        format!("`{}` is not a date (YYYY-MM-DD): {why}", echo(s.get_ref())),
                    )
                })
            })
            .transpose()
    };
    let p = Period {
        from: date(from)?,
        until: date(until)?,
    };
    if let (Some(f), Some(u), Some(span)) = (p.from, p.until, until.as_ref().map(Spanned::span))
        && f > u
    {
        return Err(err(span, format!("`until` {u} is before `from` {f}")));
    }
    Ok(p)
}
