//! Where a run's results go, in the order that loses nothing: the output
//! folder and the history are checked and locked before any network I/O;
//! after the crawl the run is recorded in the history first (with
//! everything its outputs are made from), then its outputs are staged and
//! swapped in whole. If they cannot be written, the run is still in the
//! history and `portal-audit report` writes them again.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::InputError;
use crate::history::{History, Outputs, Snapshot};
use crate::report::{
    OutputFolder, ReportInput, ReportOptions, WrittenReports, check_out, write_reports,
};
use crate::run::{AuditRun, RunChanges};

/// About how much one site adds to the outputs (report, run.json, CSVs,
/// workbook, fix list), with room to spare; checked against free space.
const BYTES_PER_SITE: u64 = 160 * 1024;
/// And the set's fixed part.
const BYTES_PER_SET: u64 = 2 << 20;

/// The output folder and the history of a run, both checked and locked.
pub(super) struct Destination {
    pub(super) folder: OutputFolder,
    pub(super) history: History,
}

/// A run delivered: its number in the history and the files written.
pub(super) struct Delivered {
    pub(super) snapshot: Snapshot,
    pub(super) written: WrittenReports,
}

/// Checks `out` and the history (`--history`, else `history.sqlite` beside
/// the output folder) before any network I/O: neither is something else,
/// they do not overlap, both can be written, the disk has room for `sites`
/// sites' outputs. Nothing is created on bad input.
///
/// # Errors
/// [`InputError`] (exit 2) for bad paths or a busy folder or history;
/// other errors (exit 3) when the system cannot take the outputs.
pub(super) fn prepare(
    out: &Path,
    history: Option<&Path>,
    sites: usize,
) -> anyhow::Result<Destination> {
    let absolute_out = check_out(out)?;
    let history_path = match history {
        Some(path) => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        None => absolute_out
            .parent()
            .unwrap_or(Path::new("/"))
            .join("history.sqlite"),
    };
    if history_path.starts_with(&absolute_out) {
        return Err(InputError::in_file(
            &history_path,
            format!(
                "the history must not be inside the output folder {} (the folder is replaced whole on each run); put it beside it",
                out.display()
            ),
        )
        .into());
    }
    let expected = BYTES_PER_SET + BYTES_PER_SITE * u64::try_from(sites).unwrap_or(u64::MAX / 2);
    let folder = OutputFolder::claim(out, expected)?;
    let history = History::open(&history_path)?;
    Ok(Destination { folder, history })
}

/// Records `run` in the history, then writes its outputs as one set.
///
/// # Errors
/// When the outputs cannot be written; the error says how to get them
/// from the history (or from the recovery file) again.
pub(super) fn deliver(
    destination: &mut Destination,
    run: AuditRun,
    report: ReportOptions,
) -> anyhow::Result<Delivered> {
    let Destination { folder, history } = destination;
    let ids: Vec<&str> = (0..run.sites.len()).map(|i| run.sites.id(i)).collect();
    let previous = history.previous(&ids)?;
    let changes = RunChanges::since(&previous, &run)?;
    let snapshot = Snapshot {
        run,
        changes,
        report,
    };
    let recorded = history.record(&snapshot, folder.path());
    let run_id = recorded.as_ref().ok().copied();
    let input = ReportInput {
        run: &snapshot.run,
        changes: &snapshot.changes,
        run_id,
    };
    let written = folder.replace_with(|dir| write_reports(dir, input, report));
    match (recorded, written) {
        (Ok(id), Ok(written)) => {
            history.set_outputs(id, Outputs::Written)?;
            Ok(Delivered { snapshot, written })
        }
        (Ok(id), Err(e)) => {
            let _ = history.set_outputs(id, Outputs::NotWritten);
            Err(e.context(format!(
                "the outputs could not be written; the results are kept as run {id} in {}: once there is room, write them with\n  portal-audit report --history {} --run {id} --out {}",
                history.path().display(),
                history.path().display(),
                folder.path().display()
            )))
        }
        (Err(e), written) => {
            let kept = save_recovery(&snapshot, folder.path());
            let what = match written {
                Ok(_) => "the outputs were written, but the run is not in the history",
                Err(_) => "neither the outputs nor the history could be written",
            };
            Err(e.context(format!("{what}; {kept}")))
        }
    }
}

/// Saves `snapshot` beside the output folder, else in the temporary
/// folder; says where, and how to write the outputs from it.
fn save_recovery(snapshot: &Snapshot, out: &Path) -> String {
    let stamp: String = snapshot
        .run
        .started_at
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let name = format!("portal-audit-run-{stamp}.json.gz");
    let places: Vec<PathBuf> = [
        out.parent().map(Path::to_path_buf),
        Some(std::env::temp_dir()),
    ]
    .into_iter()
    .flatten()
    .map(|dir| dir.join(&name))
    .collect();
    for path in &places {
        if snapshot.save(path).is_ok() {
            return format!(
                "the results are saved in {}: write the outputs with\n  portal-audit report --saved {} --out {}",
                path.display(),
                path.display(),
                out.display()
            );
        }
    }
    "the results could not be saved anywhere".to_owned()
}

/// Writes a recorded run's outputs again into `out`.
///
/// # Errors
/// When the folder is bad or busy, or the outputs cannot be written.
pub(super) fn rewrite(
    snapshot: &Snapshot,
    run_id: Option<i64>,
    out: &Path,
    report: ReportOptions,
) -> anyhow::Result<WrittenReports> {
    let sites = u64::try_from(snapshot.run.sites.len()).unwrap_or(u64::MAX / 2);
    let folder = OutputFolder::claim(out, BYTES_PER_SET + BYTES_PER_SITE * sites)?;
    let input = ReportInput {
        run: &snapshot.run,
        changes: &snapshot.changes,
        run_id,
    };
    folder
        .replace_with(|dir| write_reports(dir, input, report))
        .with_context(|| format!("cannot write the outputs into {}", out.display()))
}
