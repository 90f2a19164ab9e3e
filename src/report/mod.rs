//! Writes the run to files leaders open: CSV scorecards, the matrix,
//! `run.json`, `report.html`, the workbook and the fix lists. Reports read
//! the run's values only. The set is written into a staging folder and
//! swapped in whole ([`OutputFolder`]), so a reader never sees half a file
//! or a mix of two runs, and a failed run never clobbers the last good set.

mod csv;
mod evidence;
mod folder;
mod html;
mod json;
pub mod words;
mod xlsx;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::finding::Finding;
use crate::run::{AuditRun, RunChanges};

pub use self::csv::{
    changes_csv, findings_csv, matrix_csv, missing_csv, neutralize_cell, scorecard_csv,
    short_title, status_code, write_findings_csv,
};
pub use self::evidence::{evidence_for, evidence_text};
pub use self::folder::{OutputFolder, check_out};
pub use self::html::{fix_list_name, render_fix_list, render_html, write_html};
pub use self::json::{read_run_json, run_json, write_run_json};
pub use self::xlsx::{workbook, workbook_name};

/// The language of the report's own words (titles, headings, labels). Data
/// from the checklist is shown in English only where the checklist gives an
/// English title.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
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
///
/// # Errors
/// When a site spilled to disk cannot be read back.
pub fn matrix_columns(run: &AuditRun) -> std::io::Result<Vec<Finding>> {
    let mut items: Vec<Finding> = Vec::new();
    for site in run.sites.iter() {
        for f in &site?.findings {
            if !items.iter().any(|i| i.item_id == f.item_id) {
                items.push(f.clone());
            }
        }
    }
    Ok(items)
}

/// Options for the written files.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
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
    /// The run's number in the history, when it was recorded.
    pub run_id: Option<i64>,
}

/// Names of the files written, relative to the output folder.
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

/// Writes all reports into the folder `out` (a staging folder: see
/// [`OutputFolder::replace_with`]). Each file is written and synced while it
/// is made, from the sites read back one at a time, so that no output is
/// held whole in memory (with 10,000 sites `findings.csv`, `run.json` and
/// `report.html` weigh hundreds of megabytes together). The workbook is the
/// exception: its zip is put together in memory (3.4 MB at 4,000 sites).
///
/// # Errors
/// When the folder or a file cannot be written.
pub fn write_reports(
    out: &Path,
    input: ReportInput<'_>,
    options: ReportOptions,
) -> anyhow::Result<WrittenReports> {
    let run = input.run;
    let fix_lists_in = fix_list_folder(options.lang);
    std::fs::create_dir_all(out.join(fix_lists_in))
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let mut files = OutFiles {
        out,
        written: Vec::new(),
    };
    files.stream("scorecard.csv", |file| {
        scorecard_csv(input, options, file).map(drop)
    })?;
    files.stream("findings.csv", |file| {
        write_findings_csv(run, options, file)
    })?;
    files.stream("missing.csv", |file| {
        missing_csv(run, options, file).map(drop)
    })?;
    files.stream("changes.csv", |file| {
        changes_csv(input, options, file).map(drop)
    })?;
    files.stream("matrix.csv", |file| {
        matrix_csv(run, options, file).map(drop)
    })?;
    files.stream("run.json", |file| {
        write_run_json(run, input.run_id, &input.changes.items, file)
    })?;
    files.stream("report.html", |file| {
        Ok(write_html(file, run, &input.changes.items, options.lang)?)
    })?;
    let book = workbook(input, options.lang, out)?;
    files.write(workbook_name(options.lang), &book)?;
    for site in run.sites.iter() {
        let site = &*site?;
        let path = out.join(fix_lists_in).join(fix_list_name(&site.target.id));
        folder::write_file(&path, render_fix_list(run, site, options.lang).as_bytes())?;
    }
    Ok(WrittenReports {
        files: files.written,
        fix_list_folder: PathBuf::from(fix_lists_in),
        fix_lists: run.sites.len(),
    })
}

/// The main output files, written one by one as they are made; their names
/// are kept, relative to the folder.
struct OutFiles<'a> {
    out: &'a Path,
    written: Vec<PathBuf>,
}

impl OutFiles<'_> {
    fn write(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        folder::write_file(&self.out.join(name), bytes)?;
        self.written.push(PathBuf::from(name));
        Ok(())
    }

    fn stream(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        folder::stream_file(&self.out.join(name), fill)?;
        self.written.push(PathBuf::from(name));
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
