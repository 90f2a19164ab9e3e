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
use crate::error::InputError;
use crate::fold::fold;
use crate::target::SiteKind;

/// Turns a span of the file and a message into an error at its line.
pub(super) trait AtSpan: Fn(Range<usize>, String) -> InputError {}
impl<F: Fn(Range<usize>, String) -> InputError> AtSpan for F {}

/// Validates `def`; returns the item and its exclusion phrases.
pub(super) fn compile_item(
    def: &ItemDef,
    err: &impl AtSpan,
) -> Result<(Item, Vec<String>), InputError> {
    let id = def.id.get_ref().clone();
    let at_id = |m: String| err(def.id.span(), m);
    if !is_valid_id(&id, false) {
        return Err(at_id(format!(
            "item id `{id}` must be lower case letters, digits or `_`"
        )));
    }
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
    check_selectors_and_patterns(def, &id, err)?;
    let site_checks = def
        .site
        .iter()
        .map(|s| {
            SiteCheck::from_str(s.get_ref()).map_err(|m| err(s.span(), format!("item `{id}`: {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !has_signal(def) && site_checks.is_empty() {
        return Err(at_id(format!(
            "item `{id}` has no signal: give link_text, url, heading, text, selector, pattern or site"
        )));
    }
    let item = Item {
        id: id.into(),
        title: def.title.as_str().into(),
        title_en: def.title_en.as_deref().map(Into::into),
        weight,
        applies_to,
        basis,
        basis_first_asked: std::sync::OnceLock::new(),
        period: item_period,
        report_only: def.report_only,
        site_checks,
        fresh_within_days: def.fresh_within_days,
        all_link_text: folded_groups(&def.all_link_text),
        signals_written: written_signals(def),
        language: language_of(def.language.as_ref(), err)?,
    };
    Ok((item, def.exclude.clone()))
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
                format!("item `{id}`: bad CSS selector `{}`: {e}", s.get_ref()),
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
                    p.get_ref()
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

fn written_signals(def: &ItemDef) -> SignalsWritten {
    let spanned = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<Vec<_>>();
    SignalsWritten {
        link_text: def.link_text.clone(),
        url: def.url.clone(),
        heading: def.heading.clone(),
        text: def.text.clone(),
        selector: spanned(&def.selector),
        pattern: spanned(&def.pattern),
        site: spanned(&def.site),
        all_link_text: def.all_link_text.clone(),
    }
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
            format!("language `{code}` must be a code of two or three lower-case letters (en, vi)"),
        ))
    }
}

pub(super) fn is_valid_id(id: &str, allow_dash: bool) -> bool {
    !id.is_empty()
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (allow_dash && c == '-')
        })
}

pub(super) fn check_weight(w: f64) -> Result<f64, String> {
    if w.is_finite() && w >= 0.0 {
        Ok(w)
    } else {
        Err(format!("weight must be a number of zero or more, not {w}"))
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
                    err(
                        s.span(),
                        format!("`{}` is not a date (YYYY-MM-DD): {e}", s.get_ref()),
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
