//! Writes the run to files leaders open: CSV scorecards now. Every file is
//! built in memory, written to a temporary name and renamed into place, so a
//! reader never sees half a file and a failed run never clobbers the last
//! good one.

mod csv;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::audit::AuditRun;

pub use self::csv::{findings_csv, missing_csv, neutralize_cell, scorecard_csv};

/// Options for the written files.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Start CSV files with a UTF-8 byte-order mark so Excel reads Vietnamese
    /// correctly.
    pub bom: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self { bom: true }
    }
}

/// Paths of the files written.
#[derive(Debug, Clone)]
pub struct WrittenReports {
    /// One row per site.
    pub scorecard: PathBuf,
    /// One row per site and item.
    pub findings: PathBuf,
    /// Only the rows that need action.
    pub missing: PathBuf,
}

/// Writes all reports for `run` into `out`, creating it if needed.
///
/// # Errors
/// When the folder or a file cannot be written.
pub fn write_reports(
    out: &Path,
    run: &AuditRun,
    options: ReportOptions,
) -> anyhow::Result<WrittenReports> {
    let files = [
        ("scorecard.csv", scorecard_csv(run, options)?),
        ("findings.csv", findings_csv(run, options)?),
        ("missing.csv", missing_csv(run, options)?),
    ];
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    for (name, bytes) in &files {
        write_atomically(&out.join(name), bytes)?;
    }
    Ok(WrittenReports {
        scorecard: out.join("scorecard.csv"),
        findings: out.join("findings.csv"),
        missing: out.join("missing.csv"),
    })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it
/// over `path`.
///
/// # Errors
/// When writing or renaming fails; the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}
