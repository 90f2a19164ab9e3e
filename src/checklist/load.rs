//! Turns checklist TOML (built-in or a user's file) into a compiled
//! [`Checklist`], resolving `extends`, and reports every problem with the
//! file and line.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::compile::compile;
use super::item_def::{AtSpan, check_weight, compile_item, is_valid_id, kinds_of, period};
use super::model::{ChecklistFile, HeaderDef, ItemDef, OverrideDef, RulesetDef};
use super::{Checklist, Item, Ruleset};
use crate::error::{ECHO_CHARS, InputError, echo};
use crate::limits::{
    MAX_CELL_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS, check_length, check_needle, read_input_file,
};

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
    load_from(name_or_path, Path::new(""))
}

/// Loads a built-in checklist by name, or else the file `name_or_path`
/// relative to `base` (the folder of the file that names it).
pub fn load_from(name_or_path: &str, base: &Path) -> Result<Checklist, InputError> {
    match Origin::named(name_or_path, base) {
        Origin::Builtin(name) => load_builtin(name),
        Origin::File(path) => load_path(&path),
    }
}

/// Loads a built-in checklist.
pub fn load_builtin(name: &str) -> Result<Checklist, InputError> {
    let (name, text) = BUILTINS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        InputError::in_file(
            Path::new(name),
            format!(
                "no built-in checklist `{name}` (built-ins: {})",
                builtin_names().join(", ")
            ),
        )
    })?;
    load_text(&Origin::Builtin(name), text)
}

/// Loads a checklist file.
pub fn load_path(path: &Path) -> Result<Checklist, InputError> {
    let origin = Origin::File(path.to_path_buf());
    let text = origin
        .text()
        .map_err(|e| InputError::in_file(path, format!("cannot read checklist: {e}")))?;
    load_text(&origin, &text)
}

/// Resolves and compiles the checklist `text` read from `origin`.
fn load_text(origin: &Origin, text: &str) -> Result<Checklist, InputError> {
    compile(resolve(origin, text, 0)?, origin.label())
        .map_err(|m| InputError::in_file(&origin.path(), m))
}

/// Where a checklist's text comes from.
enum Origin {
    Builtin(&'static str),
    File(PathBuf),
}

impl Origin {
    /// The one place that decides: a built-in's name, else a path relative
    /// to `base`.
    fn named(name: &str, base: &Path) -> Self {
        match BUILTINS.iter().find(|(n, _)| *n == name) {
            Some((builtin, _)) => Origin::Builtin(builtin),
            None => Origin::File(base.join(name)),
        }
    }

    fn text(&self) -> std::io::Result<Cow<'static, str>> {
        match self {
            Origin::Builtin(name) => Ok(Cow::Borrowed(
                BUILTINS
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, text)| text),
            )),
            Origin::File(path) => String::from_utf8(read_input_file(path)?)
                .map(Cow::Owned)
                .map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "it is not valid UTF-8 (save the file as UTF-8)",
                    )
                }),
        }
    }

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
#[derive(Default)]
pub(super) struct Resolved {
    pub(super) id: String,
    pub(super) version: String,
    pub(super) title: String,
    pub(super) title_en: Option<String>,
    pub(super) description: Option<String>,
    pub(super) language: Option<String>,
    pub(super) rulesets: Vec<Ruleset>,
    pub(super) items: Vec<Item>,
    pub(super) placeholder_phrases: Vec<String>,
    /// Per item (same order), the exclusion phrases.
    pub(super) excludes: Vec<Vec<String>>,
}

fn resolve(origin: &Origin, text: &str, depth: usize) -> Result<Resolved, InputError> {
    let path = origin.path();
    let err = |span: Range<usize>, msg: String| InputError::at_offset(&path, text, span.start, msg);
    let file: ChecklistFile = toml::from_str(text).map_err(|e| {
        // The parser's words may repeat a value of the file whole.
        let message = crate::fold::clip(e.message().trim(), 3 * ECHO_CHARS);
        match e.span() {
            Some(span) => err(span, message),
            None => InputError::in_file(&path, message),
        }
    })?;
    let header = file.checklist;
    let mut resolved = match &header.extends {
        Some(parent) => resolve_parent(parent, &path, depth, &err)?,
        None => Resolved::default(),
    };
    resolved.take_header(&header, &err)?;
    resolved.add_rulesets(file.rulesets, &err)?;
    resolved.disable(&header.disable, &err)?;
    resolved.apply_overrides(&file.overrides, &err)?;
    resolved.add_items(file.items, &err)?;
    if resolved.items.is_empty() {
        return Err(InputError::in_file(
            &path,
            "the checklist has no items (add [[item]] tables)",
        ));
    }
    Ok(resolved)
}

/// The checklist that `extends` names, resolved, relative to the folder of
/// the file at `path`.
fn resolve_parent(
    parent: &Spanned<String>,
    path: &Path,
    depth: usize,
    err: &impl AtSpan,
) -> Result<Resolved, InputError> {
    if depth >= MAX_EXTENDS_DEPTH {
        return Err(err(
            parent.span(),
            "`extends` chains too deep (a cycle?)".into(),
        ));
    }
    let origin = Origin::named(parent.get_ref(), path.parent().unwrap_or(Path::new(".")));
    let text = origin.text().map_err(|e| {
        err(
            parent.span(),
            format!(
                "cannot read extended checklist `{}`: {e}",
                echo(&origin.path().display().to_string())
            ),
        )
    })?;
    resolve(&origin, &text, depth + 1)
}

impl Resolved {
    fn take_header(&mut self, header: &HeaderDef, err: &impl AtSpan) -> Result<(), InputError> {
        let id = header.id.get_ref().clone();
        let at_id = |m: String| err(header.id.span(), m);
        check_header_limits(header).map_err(at_id)?;
        if !is_valid_id(&id, true) {
            return Err(at_id(format!(
                "checklist id `{}` must be lower case letters, digits, `-` or `_`",
                echo(&id)
            )));
        }
        self.id = id;
        self.version.clone_from(&header.version);
        self.title.clone_from(&header.title);
        self.title_en = header.title_en.clone().or(self.title_en.take());
        self.description = header.description.clone().or(self.description.take());
        self.language = header.language.clone().or(self.language.take());
        self.placeholder_phrases
            .extend(header.placeholder_phrases.iter().cloned());
        Ok(())
    }

    /// Adds rule sets; one with the id of an inherited one (or of an
    /// earlier one in the file) replaces it, and goes last.
    fn add_rulesets(
        &mut self,
        rulesets: Vec<RulesetDef>,
        err: &impl AtSpan,
    ) -> Result<(), InputError> {
        let last_of: HashMap<String, usize> = rulesets
            .iter()
            .enumerate()
            .map(|(i, def)| (def.id.get_ref().clone(), i))
            .collect();
        self.rulesets.retain(|r| !last_of.contains_key(&r.id));
        for (i, def) in rulesets.into_iter().enumerate() {
            check_length("rule set id", def.id.get_ref(), MAX_ID_CHARS)
                .and_then(|()| check_length("rule set title", &def.title, MAX_NAME_CHARS))
                .map_err(|m| err(def.id.span(), m))?;
            let period = period(&def.from, &def.until, err)?;
            if last_of.get(def.id.get_ref()) == Some(&i) {
                self.rulesets.push(Ruleset {
                    id: def.id.into_inner(),
                    title: def.title,
                    period,
                });
            }
        }
        Ok(())
    }

    /// Where each item sits in `items`, by id.
    fn positions(&self) -> HashMap<std::sync::Arc<str>, usize> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.clone(), i))
            .collect()
    }

    /// Drops the inherited items `disable` names.
    fn disable(&mut self, off: &[Spanned<String>], err: &impl AtSpan) -> Result<(), InputError> {
        let positions = self.positions();
        let mut dropped = HashSet::new();
        for off in off {
            match positions.get(off.get_ref().as_str()) {
                Some(&pos) if dropped.insert(pos) => {}
                _ => {
                    return Err(err(
                        off.span(),
                        format!(
                            "`disable` names `{}`, which no extended checklist has",
                            echo(off.get_ref())
                        ),
                    ));
                }
            }
        }
        let kept = std::mem::take(&mut self.items)
            .into_iter()
            .zip(std::mem::take(&mut self.excludes))
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, kept)| kept);
        (self.items, self.excludes) = kept.unzip();
        Ok(())
    }

    /// Changes the weight, kinds or report-only flag of inherited items.
    fn apply_overrides(
        &mut self,
        overrides: &[OverrideDef],
        err: &impl AtSpan,
    ) -> Result<(), InputError> {
        let positions = self.positions();
        for ov in overrides {
            let Some(item) = positions
                .get(ov.id.get_ref().as_str())
                .and_then(|&pos| self.items.get_mut(pos))
            else {
                return Err(err(
                    ov.id.span(),
                    format!(
                        "`override` names `{}`, which no extended checklist has",
                        echo(ov.id.get_ref())
                    ),
                ));
            };
            if let Some(w) = ov.weight {
                item.weight = check_weight(w).map_err(|m| {
                    err(
                        ov.id.span(),
                        format!("`override` of `{}`: {m}", ov.id.get_ref()),
                    )
                })?;
            }
            if let Some(kinds) = &ov.applies_to {
                item.applies_to = kinds_of(kinds, err)?;
            }
            if let Some(r) = ov.report_only {
                item.report_only = r;
            }
        }
        Ok(())
    }

    /// Adds the file's own items; one with the id of an inherited item
    /// redefines it in place.
    fn add_items(&mut self, items: Vec<ItemDef>, err: &impl AtSpan) -> Result<(), InputError> {
        let mut positions = self.positions();
        let mut own_ids: HashSet<String> = HashSet::new();
        for def in items {
            let id = def.id.get_ref();
            if own_ids.contains(id) {
                return Err(err(
                    def.id.span(),
                    format!("duplicate item id `{}`", echo(id)),
                ));
            }
            own_ids.insert(id.clone());
            let (item, excludes) = compile_item(def, err)?;
            match positions.get(&*item.id).copied() {
                Some(pos) if pos < self.items.len() => {
                    self.items[pos] = item;
                    self.excludes[pos] = excludes;
                }
                _ => {
                    positions.insert(item.id.clone(), self.items.len());
                    self.items.push(item);
                    self.excludes.push(excludes);
                }
            }
        }
        Ok(())
    }
}

/// The header's values within their limits (see [`crate::limits`]).
fn check_header_limits(header: &HeaderDef) -> Result<(), String> {
    check_length("checklist id", header.id.get_ref(), MAX_ID_CHARS)?;
    check_length("version", &header.version, MAX_ID_CHARS)?;
    check_length("title", &header.title, MAX_NAME_CHARS)?;
    if let Some(title_en) = &header.title_en {
        check_length("title_en", title_en, MAX_NAME_CHARS)?;
    }
    for (what, value) in [
        ("description", &header.description),
        ("language", &header.language),
    ] {
        if let Some(value) = value {
            check_length(what, value, MAX_CELL_CHARS)?;
        }
    }
    for phrase in &header.placeholder_phrases {
        check_needle(phrase)?;
    }
    Ok(())
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
