//! The output folder, replaced whole: a run's files are written into a
//! staging folder beside `--out`, synced, and swapped in with one atomic
//! rename, so a reader (a leader, a sync job, a kill -9) sees the previous
//! complete set or the new one, never a mix. What a killed run left behind
//! is cleaned up by the next one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::InputError;
use crate::lockfile::LockFile;

/// Every name a run writes into the folder, in either language. Anything
/// else found there is the user's and is carried over to the new set.
const OUTPUT_NAMES: &[&str] = &[
    "scorecard.csv",
    "findings.csv",
    "missing.csv",
    "changes.csv",
    "matrix.csv",
    "run.json",
    "report.html",
    "bao-cao.xlsx",
    "report.xlsx",
    "can-bo-sung",
    "to-fix",
];

/// For tests: pretend the disk fills after this many bytes of outputs.
const FAULT_ENV: &str = "PORTAL_AUDIT_TEST_DISK_BYTES";
/// For tests: pause this many milliseconds after each file, so a test can
/// kill the process while it writes.
const PAUSE_ENV: &str = "PORTAL_AUDIT_TEST_WRITE_PAUSE_MS";

/// An output folder this process may replace, locked until dropped.
#[derive(Debug)]
pub struct OutputFolder {
    out: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    _lock: LockFile,
}

/// Checks `out` as an output folder without writing anything; returns it
/// made absolute.
///
/// # Errors
/// [`InputError`] when it is a file, holds the current folder, or holds
/// files portal-audit did not write (they would be mixed into every set).
pub fn check_out(out: &Path) -> Result<PathBuf, InputError> {
    let bad = |message: &str| InputError::in_file(out, message.to_owned());
    let absolute = std::path::absolute(out).map_err(|e| bad(&e.to_string()))?;
    if absolute.file_name().is_none() {
        return Err(bad(
            "is not a folder name portal-audit can replace; give a folder of its own, such as ./out",
        ));
    }
    let Ok(meta) = std::fs::metadata(&absolute) else {
        return Ok(absolute);
    };
    if !meta.is_dir() {
        return Err(bad("is a file, not a folder; give --out a folder"));
    }
    let here = std::env::current_dir().and_then(std::fs::canonicalize);
    let canonical = std::fs::canonicalize(&absolute).map_err(|e| bad(&e.to_string()))?;
    if here.is_ok_and(|h| h.starts_with(&canonical)) {
        return Err(bad(
            "is the current folder or holds it; the output folder is replaced whole on each run, so give a folder of its own, such as ./out",
        ));
    }
    let entries = std::fs::read_dir(&absolute).map_err(|e| bad(&e.to_string()))?;
    let names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let ours = names.iter().any(|n| OUTPUT_NAMES.contains(&n.as_str()));
    if !names.is_empty() && !ours {
        return Err(bad(
            "holds files portal-audit did not write; give a new or empty folder (each run replaces the folder's outputs as one set)",
        ));
    }
    Ok(absolute)
}

impl OutputFolder {
    /// Takes `out` for this run before any network I/O: checks it, locks
    /// it, cleans what a killed run left, proves the parent folder can be
    /// written, and that about `expected_bytes` fit on its disk.
    ///
    /// # Errors
    /// [`InputError`] for a bad `--out` or a folder another audit is
    /// writing; other errors when the disk cannot take the outputs.
    pub fn claim(out: &Path, expected_bytes: u64) -> anyhow::Result<Self> {
        let out = check_out(out)?;
        let (parent, name) = match (out.parent(), out.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => return Err(InputError::in_file(&out, "has no parent folder").into()),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let lock = LockFile::take(
            &parent.join(format!(".{name}.lock")),
            &out,
            "this output folder",
        )?;
        let folder = Self {
            staging: parent.join(format!(".{name}.staging")),
            old: parent.join(format!(".{name}.old")),
            out,
            _lock: lock,
        };
        folder.clean_leftovers()?;
        folder.probe(&parent, expected_bytes)?;
        Ok(folder)
    }

    /// The folder the outputs end up in.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// Writes a new set with `write` (given the staging folder), syncs it
    /// and swaps it in. On error the previous set is untouched.
    ///
    /// # Errors
    /// From `write`, or when the set cannot be synced or swapped in.
    pub fn replace_with<T>(
        &self,
        write: impl FnOnce(&Path) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        remove_dir_if_any(&self.staging)?;
        std::fs::create_dir(&self.staging)
            .with_context(|| format!("cannot create {}", self.staging.display()))?;
        let written = write(&self.staging).and_then(|value| {
            sync_tree(&self.staging)?;
            self.swap_in()?;
            Ok(value)
        });
        if written.is_err() {
            let _ = remove_dir_if_any(&self.staging);
        }
        written
    }

    /// Puts the staged set in place of `out` in one step; the previous set
    /// lands at the staging path and is removed once the user's own files
    /// are carried over.
    fn swap_in(&self) -> anyhow::Result<()> {
        if !self.out.exists() {
            std::fs::rename(&self.staging, &self.out)
                .with_context(|| format!("cannot move the outputs to {}", self.out.display()))?;
            return sync_parent(&self.out);
        }
        if exchange(&self.staging, &self.out).is_err() {
            // No atomic exchange on this filesystem: two renames, undone
            // by the next run's clean-up if cut between them.
            std::fs::rename(&self.out, &self.old)
                .and_then(|()| std::fs::rename(&self.staging, &self.out))
                .with_context(|| format!("cannot move the outputs to {}", self.out.display()))?;
            std::fs::rename(&self.old, &self.staging)
                .with_context(|| format!("cannot move {}", self.old.display()))?;
        }
        sync_parent(&self.out)?;
        carry_over(&self.staging, &self.out)?;
        remove_dir_if_any(&self.staging)
    }

    /// Removes a killed run's staging folder, and finishes or undoes a swap
    /// it was doing. The user's files in either are carried into `out`.
    fn clean_leftovers(&self) -> anyhow::Result<()> {
        if !self.out.exists() && self.old.is_dir() {
            // Killed between the two renames of a non-atomic swap: the
            // previous set goes back.
            std::fs::rename(&self.old, &self.out)
                .with_context(|| format!("cannot restore {}", self.out.display()))?;
        }
        for leftover in [&self.staging, &self.old] {
            if leftover.is_dir() {
                if self.out.is_dir() {
                    carry_over(leftover, &self.out)?;
                }
                remove_dir_if_any(leftover)?;
            }
        }
        remove_stray_temp_files(&self.out);
        Ok(())
    }

    /// Proves the outputs can be written beside `out` (a test file, then
    /// removed) and that about `expected_bytes` fit.
    fn probe(&self, parent: &Path, expected_bytes: u64) -> anyhow::Result<()> {
        let test = parent.join(format!(".{}.probe", std::process::id()));
        let wrote = std::fs::File::create(&test)
            .and_then(|mut f| f.write_all(b"portal-audit").and_then(|()| f.sync_all()));
        let _ = std::fs::remove_file(&test);
        wrote.with_context(|| {
            format!(
                "cannot write the outputs into {} ({} cannot be written)",
                self.out.display(),
                parent.display()
            )
        })?;
        if let Some(free) = free_bytes(parent)
            && free < expected_bytes
        {
            anyhow::bail!(
                "not enough free space for the outputs in {}: about {} MB needed, {} MB free",
                parent.display(),
                expected_bytes.div_ceil(1 << 20),
                free >> 20
            );
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` and syncs it (see [`stream_file`] for the
/// test hooks).
///
/// # Errors
/// When the file cannot be written.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    stream_file(path, |file| Ok(file.write_all(bytes)?))
}

/// Writes the file `path` with `fill`, buffered, and syncs it. Under the
/// test hook `PORTAL_AUDIT_TEST_DISK_BYTES`, fails like a full disk once
/// that many bytes have been written by this process; under
/// `PORTAL_AUDIT_TEST_WRITE_PAUSE_MS`, pauses after each file.
///
/// # Errors
/// When `fill` fails or the file cannot be written.
pub fn stream_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let result = (|| -> anyhow::Result<()> {
        let file = std::fs::File::create(path)?;
        let mut buffered = std::io::BufWriter::new(BudgetedFile { file });
        fill(&mut buffered)?;
        let file = buffered
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .file;
        file.sync_all()?;
        if let Some(ms) = std::env::var(PAUSE_ENV).ok().and_then(|v| v.parse().ok()) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        Ok(())
    })();
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// A file that, under the full-disk test hook, stops taking bytes once the
/// process has written its budget.
struct BudgetedFile {
    file: std::fs::File,
}

impl Write for BudgetedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match fault_budget(buf.len()) {
            Some(0) => Err(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            Some(room) => self.file.write(&buf[..room]),
            None => self.file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// With the test hook set, how much of `len` more bytes still fits when it
/// does not all fit; `None` when it does.
fn fault_budget(len: usize) -> Option<usize> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITTEN: AtomicU64 = AtomicU64::new(0);
    let limit: u64 = std::env::var(FAULT_ENV).ok()?.parse().ok()?;
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    let before = WRITTEN.fetch_add(len, Ordering::SeqCst);
    (before.saturating_add(len) > limit)
        .then(|| usize::try_from(limit.saturating_sub(before)).unwrap_or(0))
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

/// Moves every entry of `from` that is not an output (the user's notes,
/// say) into `to`, unless `to` has one of that name.
fn carry_over(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if OUTPUT_NAMES.contains(&text.as_ref()) || is_stray_temp(&text) {
            continue;
        }
        let target = to.join(&name);
        if !target.exists() {
            std::fs::rename(entry.path(), &target)
                .with_context(|| format!("cannot keep {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `.name.<pid>.tmp`, what earlier versions wrote before a rename.
fn is_stray_temp(name: &str) -> bool {
    name.starts_with('.')
        && name.strip_suffix(".tmp").is_some_and(|rest| {
            rest.rsplit_once('.')
                .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn remove_stray_temp_files(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if is_stray_temp(&entry.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn remove_dir_if_any(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Syncs the folders of a staged set (files were synced as written), so a
/// power cut after the swap finds every name in place.
fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

fn sync_parent(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(parent) => std::fs::File::open(parent)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot sync {}", parent.display())),
        None => Ok(()),
    }
}

/// Free bytes on the disk holding `dir`, if the system says.
fn free_bytes(dir: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(test)]
mod tests;
