//! The read-only commands: the score history, the changes between two
//! runs, and the built-in checklists. Their output goes to stdout; a reader
//! that stops early (`| head`) ends them quietly.

use std::io::Write as _;
use std::path::Path;

use super::Exit;
use crate::checklist::{self, Checklist};
use crate::cli::{ChecklistCommand, DiffArgs, HistoryArgs};
use crate::error::InputError;
use crate::history::History;
use crate::report::neutralize_cell;

pub(super) fn history_command(args: &HistoryArgs) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    let history = open_existing_history(&args.history)?;
    let points = history.trend(args.site.as_deref())?;
    if points.is_empty() {
        writeln!(
            out,
            "No runs recorded{}.",
            args.site
                .as_ref()
                .map(|s| format!(" for site `{s}`"))
                .unwrap_or_default()
        )?;
        return Ok(Exit::Ok);
    }
    writeln!(
        out,
        "{:<28} {:>5}  {:<10}  {:>6}  {:>7}  status",
        "site", "run", "as of", "score", "change"
    )?;
    let mut last: Option<(&str, Option<f64>)> = None;
    for p in &points {
        let change = match (last, p.score) {
            (Some((site, Some(before))), Some(now)) if site == p.site_id => {
                format!("{:+.1}", now - before)
            }
            _ => String::new(),
        };
        let score = p
            .score
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        writeln!(
            out,
            "{:<28} {:>5}  {:<10}  {:>6}  {:>7}  {}",
            crate::fold::clip(&p.site_id, 28),
            p.run_id,
            p.as_of,
            score,
            change,
            p.status
        )?;
        last = Some((&p.site_id, p.score));
    }
    for run in history.unpublished()? {
        writeln!(
            out,
            "Run {} ({}, as of {}) was recorded but its outputs were not written: portal-audit report --history {} --run {} --out DIR",
            run.id,
            run.started_at,
            run.as_of,
            args.history.display(),
            run.id
        )?;
    }
    Ok(Exit::Ok)
}

pub(super) fn diff_command(args: &DiffArgs) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    let history = open_existing_history(&args.history)?;
    let runs = history.runs()?;
    let (a, b) = match (args.run_a, args.run_b) {
        (Some(a), Some(b)) => (a, b),
        (None, None) if runs.len() >= 2 => (runs[runs.len() - 2].id, runs[runs.len() - 1].id),
        (None, None) => {
            writeln!(
                out,
                "Fewer than two runs recorded in {}: nothing to compare.",
                args.history.display()
            )?;
            return Ok(Exit::Ok);
        }
        _ => {
            return Err(InputError::in_file(
                Path::new("diff"),
                "give two run numbers, or none for the last two",
            )
            .into());
        }
    };
    for run in [a, b] {
        if !runs.iter().any(|r| r.id == run) {
            return Err(InputError::in_file(
                &args.history,
                format!("no run {run} in this history"),
            )
            .into());
        }
    }
    let changes = history.diff(a, b)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["site_id", "item_id", "before", "after", "regression"])?;
    for c in &changes {
        w.write_record(
            [
                c.site_id.as_str(),
                c.item_id.as_str(),
                c.before.map_or("", |s| s.as_str()),
                c.after.map_or("", |s| s.as_str()),
                if c.is_regression() { "yes" } else { "" },
            ]
            .map(|cell| neutralize_cell(cell).into_owned()),
        )?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot finish CSV: {e}"))?;
    std::io::stdout().lock().write_all(&bytes)?;
    Ok(Exit::Ok)
}

/// Opens the history read-only: no lock (it can be read while an audit
/// runs) and no change to the file.
fn open_existing_history(path: &Path) -> anyhow::Result<History> {
    History::open_read_only(path)
}

pub(super) fn checklist_command(cmd: ChecklistCommand) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ChecklistCommand::List => {
            writeln!(out, "{:<16} {:>5}  title", "checklist", "items")?;
            for name in checklist::builtin_names() {
                let c = checklist::load_builtin(name)?;
                writeln!(
                    out,
                    "{:<16} {:>5}  {} (version {})",
                    c.id,
                    c.items.len(),
                    c.title,
                    c.version
                )?;
            }
            Ok(Exit::Ok)
        }
        ChecklistCommand::Show { name } => {
            let c = checklist::load(&name)?;
            out.write_all(describe(&c).as_bytes())?;
            Ok(Exit::Ok)
        }
        ChecklistCommand::Check { path } => {
            let c = checklist::load_path(&path)?;
            writeln!(
                out,
                "{}: ok — checklist `{}` version {}, {} items",
                path.display(),
                c.id,
                c.version,
                c.items.len()
            )?;
            Ok(Exit::Ok)
        }
    }
}

/// A checklist as text, item by item, with bases and dates.
#[must_use]
pub fn describe(c: &Checklist) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} (version {}, {})",
        c.id, c.title, c.version, c.source
    );
    if let Some(d) = &c.description {
        let _ = writeln!(out, "{}", d.trim());
    }
    if !c.rulesets.is_empty() {
        let _ = writeln!(out, "\nRule sets:");
        for r in &c.rulesets {
            let _ = writeln!(out, "  {:<12} {} {}", r.id, r.title, r.period.describe());
        }
    }
    let _ = writeln!(out, "\nItems ({}):", c.items.len());
    for item in &c.items {
        let kinds: Vec<&str> = item.applies_to.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "\n  {} — {}{}",
            item.id,
            item.title,
            item.title_en
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "    weight {}{}; applies to {}{}",
            item.weight,
            if item.report_only {
                " (report only)"
            } else {
                ""
            },
            kinds.join(", "),
            if item.period.describe().is_empty() {
                String::new()
            } else {
                format!("; {}", item.period.describe())
            }
        );
        for b in &item.basis {
            let period = b.period.describe();
            let _ = writeln!(
                out,
                "    basis: {}{}",
                b.reference,
                if period.is_empty() {
                    String::new()
                } else {
                    format!(" [{period}]")
                }
            );
        }
        if let Some(days) = item.fresh_within_days {
            let _ = writeln!(out, "    freshness: newest date within {days} days");
        }
        let _ = writeln!(out, "    signals: {}", item.signals_written.summary());
    }
    out
}
