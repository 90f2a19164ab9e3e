//! Exclusive locks that die with their process: the operating system's
//! advisory lock on a small file, so a run killed with -9, a garbled lock
//! file or a recycled process number never blocks the next run. The file
//! itself is left in place (deleting it would let two processes lock two
//! different files); it only says, for people, which process last held it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::InputError;

/// A lock held until dropped.
#[derive(Debug)]
pub struct LockFile {
    file: File,
    path: PathBuf,
}

impl LockFile {
    /// Takes the lock at `path` (creating the file and its folder), or says
    /// which process holds it. `what` names what the lock protects, for the
    /// message ("this history", "this output folder").
    ///
    /// # Errors
    /// [`InputError`] naming `guarded` when another process holds the lock;
    /// other errors when the file cannot be created.
    pub fn take(path: &Path, guarded: &Path, what: &str) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("cannot create lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(path).unwrap_or_default();
                let holder = holder.trim();
                let holder = if holder.is_empty() || holder.len() > 20 {
                    "another process".to_owned()
                } else {
                    format!("process {holder}")
                };
                return Err(InputError::in_file(
                    guarded,
                    format!(
                        "another audit is using {what} ({holder}, lock {}); wait for it to finish",
                        path.display()
                    ),
                )
                .into());
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        // Best effort: who holds it, for the message above.
        let _ = file.set_len(0);
        let _ = writeln!(file, "{}", std::process::id());
        Ok(Self {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_and_the_lock_dies_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = LockFile::take(&path, Path::new("h"), "this history").unwrap();
        let second = LockFile::take(&path, Path::new("h"), "this history").unwrap_err();
        assert!(second.to_string().contains("another audit"), "{second}");
        drop(first);
        LockFile::take(&path, Path::new("h"), "this history").unwrap();
    }

    #[test]
    fn garbled_or_stale_lock_files_do_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        std::fs::write(&path, "not a pid\0\u{1}").unwrap();
        LockFile::take(&path, Path::new("h"), "this history").unwrap();
        // PID 1 is alive, but holds no lock on the file.
        std::fs::write(&path, "1\n").unwrap();
        LockFile::take(&path, Path::new("h"), "this history").unwrap();
        std::fs::write(&path, "").unwrap();
        LockFile::take(&path, Path::new("h"), "this history").unwrap();
    }
}
