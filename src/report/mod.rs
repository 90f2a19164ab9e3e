//! Writes the run to files leaders open: CSV scorecards, the matrix,
//! `run.json` and `report.html`. Reports read the run's values only. Every file is
//! written to a temporary name and renamed into place, so a
//! reader never sees half a file and a failed run never clobbers the last
//! good one.

mod csv;
mod evidence;
mod html;
mod json;
pub mod words;
mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::finding::Finding;
use crate::run::{AuditRun, RunChanges};

pub use self::csv::{
    changes_csv, findings_csv, matrix_csv, missing_csv, neutralize_cell, scorecard_csv,
    short_title, status_code, write_findings_csv,
};
pub use self::evidence::{evidence_for, evidence_text};
pub use self::html::{fix_list_name, render_fix_list, render_html};
pub use self::json::{run_json, write_run_json};
pub use self::xlsx::{workbook, workbook_name};

/// The language of the report's own words (titles, headings, labels). Data
/// from the checklist is shown in English only where the checklist gives an
/// English title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Vietnamese, the default: the readers are Vietnamese officials.
    #[default]
    Vi,
    /// English.
    En,
}

/// The matrix's columns: the first finding of every item, in checklist
/// order, items first seen in targets order. `matrix.csv` and the report's
/// matrix both use these.
#[must_use]
pub fn matrix_columns(run: &AuditRun) -> Vec<&Finding> {
    let mut items: Vec<&Finding> = Vec::new();
    for site in &run.sites {
        for f in &site.findings {
            if !items.iter().any(|i| i.item_id == f.item_id) {
                items.push(f);
            }
        }
    }
    items
}

/// Options for the written files.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Start CSV files with a UTF-8 byte-order mark so Excel reads Vietnamese
    /// correctly.
    pub bom: bool,
    /// Language of every file leaders read (not of `run.json`).
    pub lang: Lang,
    /// The CSV field separator: `,`, or `;` for Excel set to Vietnamese.
    pub delimiter: u8,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            bom: true,
            lang: Lang::Vi,
            delimiter: b',',
        }
    }
}

/// Everything the reports are made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The run.
    pub run: &'a AuditRun,
    /// What changed since the previous run.
    pub changes: &'a RunChanges,
}

/// Paths of the files written.
#[derive(Debug, Clone)]
pub struct WrittenReports {
    /// Every file but the fix lists, in the order written; the scorecard
    /// first.
    pub files: Vec<PathBuf>,
    /// The folder of the per-agency fix lists.
    pub fix_list_folder: PathBuf,
    /// How many fix lists were written there.
    pub fix_lists: usize,
}

/// Writes all reports into `out`, creating it if needed. Each file is
/// written under a temporary name and renamed; each is written as soon as it
/// is made, and `run.json` as it is serialised, so that only one is ever in
/// memory (with 10,000 sites they weigh hundreds of megabytes together).
///
/// # Errors
/// When the folder or a file cannot be written.
pub fn write_reports(
    out: &Path,
    input: ReportInput<'_>,
    options: ReportOptions,
) -> anyhow::Result<WrittenReports> {
    let run = input.run;
    let folder = fix_list_folder(options.lang);
    std::fs::create_dir_all(out.join(folder))
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let mut files = OutFiles {
        out,
        written: Vec::new(),
    };
    files.write("scorecard.csv", &scorecard_csv(input, options)?)?;
    files.stream("findings.csv", |file| {
        write_findings_csv(run, options, file)
    })?;
    files.write("missing.csv", &missing_csv(run, options)?)?;
    files.write("changes.csv", &changes_csv(input, options)?)?;
    files.write("matrix.csv", &matrix_csv(run, options)?)?;
    files.stream("run.json", |file| {
        write_run_json(run, &input.changes.items, file)
    })?;
    files.write(
        "report.html",
        render_html(run, &input.changes.items, options.lang).as_bytes(),
    )?;
    files.write(workbook_name(options.lang), &workbook(input, options.lang)?)?;
    for site in &run.sites {
        let path = out.join(folder).join(fix_list_name(&site.target.id));
        write_atomically(&path, render_fix_list(run, site, options.lang).as_bytes())?;
    }
    Ok(WrittenReports {
        files: files.written,
        fix_list_folder: out.join(folder),
        fix_lists: run.sites.len(),
    })
}

/// The main output files, written one by one as they are made.
struct OutFiles<'a> {
    out: &'a Path,
    written: Vec<PathBuf>,
}

impl OutFiles<'_> {
    fn write(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.stream(name, |file| Ok(file.write_all(bytes)?))
    }

    fn stream(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut Buffered) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let path = self.out.join(name);
        write_atomically_with(&path, fill)?;
        self.written.push(path);
        Ok(())
    }
}

/// The folder of the per-agency fix lists: `can-bo-sung` ("to add"), or
/// `to-fix` in English.
#[must_use]
pub fn fix_list_folder(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "can-bo-sung",
        Lang::En => "to-fix",
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it
/// over `path`.
///
/// # Errors
/// When writing or renaming fails; the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically_with(path, |file| Ok(file.write_all(bytes)?))
}

/// A report file being written.
pub type Buffered = std::io::BufWriter<std::fs::File>;

/// Like [`write_atomically`], with the content written by `fill` into a
/// buffered file rather than held in memory first.
///
/// # Errors
/// When `fill`, writing or renaming fails; the temporary file is removed.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut Buffered) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temp)?);
        fill(&mut file)?;
        let file = file
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}
