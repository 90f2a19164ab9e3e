//! Turns checklist TOML (built-in or a user's file) into a compiled
//! [`Checklist`], resolving `extends`, and reports every problem with the
//! file and line.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use jiff::civil::Date;
use regex::Regex;
use scraper::Selector;
use toml::Spanned;

use super::model::{BasisDef, ChecklistFile, ItemDef};
use super::{
    Basis, Checklist, DEFAULT_PLACEHOLDER_PHRASES, Item, NeedleSetBuilder, Period, Ruleset,
    SelectorSet, SelectorSignal, Signals, SignalsWritten, SiteCheck,
};
use crate::error::InputError;
use crate::fold::{fold, fold_dropping_d_stroke};
use crate::target::SiteKind;

/// Built-in checklists: name and TOML text, embedded in the binary.
const BUILTINS: &[(&str, &str)] = &[
    (
        "vn-gov-portal",
        include_str!("../../checklists/vn-gov-portal.toml"),
    ),
    (
        "us-federal",
        include_str!("../../checklists/us-federal.toml"),
    ),
];

/// How deep `extends` may chain before we call it a cycle.
const MAX_EXTENDS_DEPTH: usize = 8;

/// Names of the built-in checklists.
#[must_use]
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// Loads a built-in checklist by name, or a file when `name_or_path` is not one.
pub fn load(name_or_path: &str) -> Result<Checklist, InputError> {
    if BUILTINS.iter().any(|(n, _)| *n == name_or_path) {
        load_builtin(name_or_path)
    } else {
        load_path(Path::new(name_or_path))
    }
}

/// Loads a built-in checklist.
pub fn load_builtin(name: &str) -> Result<Checklist, InputError> {
    let (_, text) = BUILTINS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        InputError::in_file(
            Path::new(name),
            format!(
                "no built-in checklist `{name}` (built-ins: {})",
                builtin_names().join(", ")
            ),
        )
    })?;
    let origin = Origin::Builtin(name.to_owned());
    compile(resolve(&origin, text, 0)?, origin.label())
}

/// Loads a checklist file.
pub fn load_path(path: &Path) -> Result<Checklist, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::in_file(path, format!("cannot read checklist: {e}")))?;
    let origin = Origin::File(path.to_path_buf());
    compile(resolve(&origin, &text, 0)?, origin.label())
}

enum Origin {
    Builtin(String),
    File(PathBuf),
}

impl Origin {
    fn path(&self) -> PathBuf {
        match self {
            Origin::Builtin(name) => PathBuf::from(format!("checklists/{name}.toml")),
            Origin::File(p) => p.clone(),
        }
    }

    fn label(&self) -> String {
        match self {
            Origin::Builtin(name) => format!("builtin:{name}"),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

/// A checklist after validation and `extends`, before matchers are built.
struct Resolved {
    id: String,
    version: String,
    title: String,
    title_en: Option<String>,
    description: Option<String>,
    rulesets: Vec<Ruleset>,
    items: Vec<Item>,
    placeholder_phrases: Vec<String>,
    /// Per item (same order), the exclusion phrases.
    excludes: Vec<Vec<String>>,
}

fn resolve(origin: &Origin, text: &str, depth: usize) -> Result<Resolved, InputError> {
    let path = origin.path();
    let err = |span: std::ops::Range<usize>, msg: String| {
        InputError::at_offset(&path, text, span.start, msg)
    };
    let file: ChecklistFile = toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => err(span, e.message().trim().to_owned()),
        None => InputError::in_file(&path, e.message().trim().to_owned()),
    })?;

    let header = file.checklist;
    let mut resolved = match &header.extends {
        Some(parent) => {
            if depth >= MAX_EXTENDS_DEPTH {
                return Err(err(
                    parent.span(),
                    "`extends` chains too deep (a cycle?)".into(),
                ));
            }
            let name = parent.get_ref();
            if BUILTINS.iter().any(|(n, _)| n == name) {
                let (_, ptext) = BUILTINS.iter().find(|(n, _)| n == name).expect("checked");
                resolve(&Origin::Builtin(name.clone()), ptext, depth + 1)?
            } else {
                let ppath = path.parent().unwrap_or(Path::new(".")).join(name);
                let ptext = std::fs::read_to_string(&ppath).map_err(|e| {
                    err(
                        parent.span(),
                        format!("cannot read extended checklist `{}`: {e}", ppath.display()),
                    )
                })?;
                resolve(&Origin::File(ppath), &ptext, depth + 1)?
            }
        }
        None => Resolved {
            id: String::new(),
            version: String::new(),
            title: String::new(),
            title_en: None,
            description: None,
            rulesets: Vec::new(),
            items: Vec::new(),
            placeholder_phrases: Vec::new(),
            excludes: Vec::new(),
        },
    };

    let id = header.id.get_ref().clone();
    if !is_valid_id(&id, true) {
        return Err(err(
            header.id.span(),
            format!("checklist id `{id}` must be lower case letters, digits, `-` or `_`"),
        ));
    }
    resolved.id = id;
    resolved.version = header.version;
    resolved.title = header.title;
    resolved.title_en = header.title_en.or(resolved.title_en);
    resolved.description = header.description.or(resolved.description);
    resolved
        .placeholder_phrases
        .extend(header.placeholder_phrases);

    for def in file.rulesets {
        let period = period(&def.from, &def.until, &err)?;
        resolved.rulesets.retain(|r| r.id != def.id);
        resolved.rulesets.push(Ruleset {
            id: def.id,
            title: def.title,
            period,
        });
    }

    for off in &header.disable {
        let Some(pos) = resolved.items.iter().position(|i| &i.id == off.get_ref()) else {
            return Err(err(
                off.span(),
                format!(
                    "`disable` names `{}`, which no extended checklist has",
                    off.get_ref()
                ),
            ));
        };
        resolved.items.remove(pos);
        resolved.excludes.remove(pos);
    }

    for ov in file.overrides {
        let Some(item) = resolved.items.iter_mut().find(|i| &i.id == ov.id.get_ref()) else {
            return Err(err(
                ov.id.span(),
                format!(
                    "`override` names `{}`, which no extended checklist has",
                    ov.id.get_ref()
                ),
            ));
        };
        if let Some(w) = ov.weight {
            item.weight = check_weight(w).map_err(|m| err(ov.id.span(), m))?;
        }
        if let Some(kinds) = &ov.applies_to {
            item.applies_to = kinds_of(kinds, &err)?;
        }
        if let Some(r) = ov.report_only {
            item.report_only = r;
        }
    }

    let mut own_ids: Vec<&str> = Vec::new();
    for def in &file.items {
        let id = def.id.get_ref();
        if own_ids.contains(&id.as_str()) {
            return Err(err(def.id.span(), format!("duplicate item id `{id}`")));
        }
        own_ids.push(id);
        let (item, excludes) = compile_item(def, &err)?;
        match resolved.items.iter().position(|i| i.id == item.id) {
            Some(pos) => {
                resolved.items[pos] = item;
                resolved.excludes[pos] = excludes;
            }
            None => {
                resolved.items.push(item);
                resolved.excludes.push(excludes);
            }
        }
    }
    if resolved.items.is_empty() {
        return Err(InputError::in_file(
            &path,
            "the checklist has no items (add [[item]] tables)",
        ));
    }
    Ok(resolved)
}

fn compile_item<E>(def: &ItemDef, err: &E) -> Result<(Item, Vec<String>), InputError>
where
    E: Fn(std::ops::Range<usize>, String) -> InputError,
{
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
    let site_checks = def
        .site
        .iter()
        .map(|s| {
            SiteCheck::from_str(s.get_ref()).map_err(|m| err(s.span(), format!("item `{id}`: {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let all_blank = |v: &[String]| v.iter().all(|s| fold(s).trim().is_empty());
    if all_blank(&def.link_text)
        && all_blank(&def.url)
        && all_blank(&def.heading)
        && all_blank(&def.text)
        && def.selector.is_empty()
        && def.pattern.is_empty()
        && site_checks.is_empty()
        && def.all_link_text.iter().all(|g| all_blank(g))
    {
        return Err(at_id(format!(
            "item `{id}` has no signal: give link_text, url, heading, text, selector, pattern or site"
        )));
    }

    let spanned = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<Vec<_>>();
    let item = Item {
        id,
        title: def.title.clone(),
        title_en: def.title_en.clone(),
        weight,
        applies_to,
        basis,
        period: item_period,
        report_only: def.report_only,
        site_checks,
        fresh_within_days: def.fresh_within_days,
        all_link_text: def
            .all_link_text
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|l| fold(l))
                    .filter(|f| !f.trim().is_empty())
                    .collect()
            })
            .filter(|group: &Vec<String>| !group.is_empty())
            .collect(),
        signals_written: SignalsWritten {
            link_text: def.link_text.clone(),
            url: def.url.clone(),
            heading: def.heading.clone(),
            text: def.text.clone(),
            selector: spanned(&def.selector),
            pattern: spanned(&def.pattern),
            site: spanned(&def.site),
            all_link_text: def.all_link_text.clone(),
        },
    };
    Ok((item, def.exclude.clone()))
}

fn compile(resolved: Resolved, source: String) -> Result<Checklist, InputError> {
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
    Ok(Checklist {
        id: resolved.id,
        version: resolved.version,
        title: resolved.title,
        title_en: resolved.title_en,
        description: resolved.description,
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
    })
}

/// A label or slug as it may appear in a URL: folded normally, with `đ`
/// dropped (`lanh-ao`), and, for several words, run together (`lanhdao`).
fn add_url_forms(builder: &mut NeedleSetBuilder, label: &str, item: Option<usize>) {
    for form in [fold(label), fold_dropping_d_stroke(label)] {
        let words: Vec<&str> = form.split_whitespace().collect();
        if words.len() > 1 {
            builder.add_folded(format!(" {} ", words.concat()), label, item);
        }
        builder.add_folded(form, label, item);
    }
}

fn is_valid_id(id: &str, allow_dash: bool) -> bool {
    !id.is_empty()
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (allow_dash && c == '-')
        })
}

fn check_weight(w: f64) -> Result<f64, String> {
    if w.is_finite() && w >= 0.0 {
        Ok(w)
    } else {
        Err(format!("weight must be a number of zero or more, not {w}"))
    }
}

fn kinds_of<E>(kinds: &[Spanned<String>], err: &E) -> Result<Vec<SiteKind>, InputError>
where
    E: Fn(std::ops::Range<usize>, String) -> InputError,
{
    kinds
        .iter()
        .map(|k| {
            k.get_ref()
                .parse::<SiteKind>()
                .map_err(|m| err(k.span(), m))
        })
        .collect()
}

fn period<E>(
    from: &Option<Spanned<String>>,
    until: &Option<Spanned<String>>,
    err: &E,
) -> Result<Period, InputError>
where
    E: Fn(std::ops::Range<usize>, String) -> InputError,
{
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Checklist, InputError> {
        let origin = Origin::File(PathBuf::from("my.toml"));
        compile(resolve(&origin, text, 0)?, origin.label())
    }

    const HEADER: &str = "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n";

    #[test]
    fn builtins_load() {
        for name in builtin_names() {
            let c = load_builtin(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.items.is_empty());
        }
    }

    #[test]
    fn vn_gov_portal_switches_rules_on_2026_07_01() {
        use crate::checklist::Applicability;
        let c = load_builtin("vn-gov-portal").unwrap();
        let (before, after) = ("2026-06-30".parse().unwrap(), "2026-07-01".parse().unwrap());
        assert_eq!(c.rulesets_on(before), "nd42_2022");
        assert_eq!(c.rulesets_on(after), "nd224_2026");
        let item = |id: &str| c.item(id).unwrap();
        let kind = SiteKind::Department;
        assert_eq!(
            item("satisfaction_rating").applicability(kind, before),
            Applicability::NotInForce
        );
        assert_eq!(
            item("satisfaction_rating").applicability(kind, after),
            Applicability::Applies
        );
        assert_eq!(
            item("english_version").applicability(kind, before),
            Applicability::Applies
        );
        assert_eq!(
            item("english_version").applicability(kind, after),
            Applicability::NotInForce
        );
        assert!(item("org_functions").basis_on(before).contains("42/2022"));
        assert!(item("org_functions").basis_on(after).contains("224/2026"));
        assert!(!item("org_functions").basis_on(after).contains("42/2022"));
        assert_eq!(
            item("history").applicability(SiteKind::Commune, after),
            Applicability::OtherKind
        );
        assert_eq!(c.items.len(), 53);
    }

    #[test]
    fn extends_disables_overrides_and_adds() {
        let text = "[checklist]\nid = \"tinh-mau\"\nversion = \"1\"\ntitle = \"T\"\n\
                    extends = \"vn-gov-portal\"\ndisable = [\"rss\", \"licence_note\"]\n\n\
                    [[override]]\nid = \"news\"\nweight = 5\n\n\
                    [[item]]\nid = \"zalo_oa\"\ntitle = \"Zalo OA\"\nlink_text = [\"zalo\"]\n";
        let c = load_text(text).unwrap();
        assert_eq!(c.id, "tinh-mau");
        assert_eq!(c.items.len(), 53 - 2 + 1);
        assert!(c.item("rss").is_none());
        assert!((c.item("news").unwrap().weight - 5.0).abs() < f64::EPSILON);
        assert_eq!(c.rulesets.len(), 3, "rule sets are inherited");
        let bad = "[checklist]\nid = \"x\"\nversion = \"1\"\ntitle = \"T\"\nextends = \"vn-gov-portal\"\n\
                   disable = [\"nope\"]\n";
        let e = load_text(bad).unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
    }

    #[test]
    fn unknown_key_names_its_line() {
        let text = format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_txt = [\"x\"]\n");
        let e = load_text(&text).unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.message.contains("link_txt"), "{e}");
    }

    #[test]
    fn bad_regex_and_selector_name_their_line() {
        let text =
            format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\npattern = [\"(unclosed\"]\n");
        let e = load_text(&text).unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.message.contains("regular expression"), "{e}");
        let text =
            format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\n\nselector = [\"div[[\"]\n");
        let e = load_text(&text).unwrap_err();
        assert_eq!(e.line, Some(10), "{e}");
        assert!(e.message.contains("CSS selector"), "{e}");
    }

    #[test]
    fn rejects_duplicates_bad_kinds_dates_and_empty_items() {
        let dup = format!(
            "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\n[[item]]\nid = \"a\"\ntitle = \"B\"\ntext=[\"y\"]\n"
        );
        let e = load_text(&dup).unwrap_err();
        assert_eq!(e.line, Some(10), "{e}");
        let kind = format!(
            "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\napplies_to = [\"ministry\"]\n"
        );
        assert!(
            load_text(&kind)
                .unwrap_err()
                .message
                .contains("unknown kind")
        );
        let date = format!(
            "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\nfrom = \"2026-13-01\"\n"
        );
        assert!(load_text(&date).unwrap_err().message.contains("not a date"));
        let empty = format!("{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\n");
        assert!(load_text(&empty).unwrap_err().message.contains("no signal"));
    }

    #[test]
    fn url_forms_include_dropped_d_stroke_and_joined_words() {
        let text =
            format!("{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"Lãnh đạo\"]\n");
        let c = load_text(&text).unwrap();
        for url in [
            "/lanh-dao",
            "/lanh-ao-so.html",
            "/lanhdao/",
            "/gioi-thieu/lanhao",
            "/?page=lanh-dao",
        ] {
            let u = url::Url::parse(&format!("http://x.vn{url}")).unwrap();
            assert_eq!(c.signals.url_hits(&u, false).len(), 1, "{url}");
        }
        let article =
            url::Url::parse("http://x.vn/tin/hop-mat-cac-lanh-dao-nghi-huu.html").unwrap();
        assert!(c.signals.url_hits(&article, false).is_empty());
    }
}
