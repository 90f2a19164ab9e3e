//! The journal of a run in progress: each site's result appended (and
//! synced) beside the output folder the moment the site is done, so a run
//! stopped by Ctrl-C, SIGTERM, a crash or a reboot can be resumed with
//! `--resume` without fetching those sites again. One JSON line per record:
//! first what the run was started with, then one finished site per line.

use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::run::{SiteResult, SiteStore, Sites};

/// What decides a run's results; a resume must be started with the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    /// The audit date.
    pub as_of: String,
    /// Every target (id, kind, URL, checklist), as a digest.
    pub targets: String,
    /// How many targets.
    pub target_count: usize,
    /// The shard, if any.
    pub shard: Option<String>,
    /// Crawl limits that change what is found.
    pub limits: String,
}

/// An open journal, appended to as sites finish.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// The line being written, one buffer reused for every site.
    line: Vec<u8>,
    /// Lines written since the last sync, and when that was.
    unsynced: usize,
    synced_at: std::time::Instant,
}

/// Lines are synced to disk at least this often: a crash loses at most the
/// sites finished in the last second (they are crawled again on resume),
/// and the crawl never waits on a disk flush per site.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What an earlier, unfinished run left: its start time and finished sites.
#[derive(Debug, Default)]
pub struct Resumed {
    /// When the first attempt started (the run keeps it).
    pub started_at: Option<String>,
    /// The sites already done.
    pub sites: Sites,
}

#[derive(Serialize, Deserialize)]
struct Header {
    journal: u32,
    started_at: String,
    key: RunKey,
}

impl Journal {
    /// Starts a new journal at `path` (replacing an old one).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn start(path: &Path, key: &RunKey, started_at: &str) -> anyhow::Result<Self> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut journal = Self {
            file,
            path: path.to_path_buf(),
            line: Vec::new(),
            unsynced: 0,
            synced_at: std::time::Instant::now(),
        };
        let header = Header {
            journal: 1,
            started_at: started_at.to_owned(),
            key: key.clone(),
        };
        serde_json::to_writer(&mut journal.line, &header)?;
        journal.append_line()?;
        journal.sync()?;
        Ok(journal)
    }

    /// Reads the journal at `path` for `--resume`, checks it was started
    /// with `key`, and reopens it to append the remaining sites.
    ///
    /// # Errors
    /// [`InputError`] when there is nothing to resume or the arguments
    /// differ from the first attempt's.
    pub fn resume(path: &Path, key: &RunKey) -> anyhow::Result<(Self, Resumed)> {
        let file = File::open(path).map_err(|_| {
            InputError::in_file(
                path,
                "no unfinished run to resume here: a resume needs the same --out and --as-of as the first attempt (without --as-of the date is today's, and `{date}` in --out changes with it); run without --resume to start one",
            )
        })?;
        let mut lines = BufReader::new(file).lines();
        let header: Header = lines
            .next()
            .transpose()?
            .and_then(|l| serde_json::from_str(&l).ok())
            .ok_or_else(|| InputError::in_file(path, "is not a portal-audit journal"))?;
        if let Some(what) = differs(&header.key, key) {
            return Err(InputError::in_file(
                path,
                format!(
                    "the run to resume was started with other arguments ({what} differs); run it again with the same arguments, or without --resume to start over"
                ),
            )
            .into());
        }
        // Held up to a budget, the rest spilled beside the journal: a
        // national run resumed near its end must not hold every site.
        let mut sites = SiteStore::beside(0, path);
        for line in lines {
            // A line cut short by the kill is the site that was not done.
            match line
                .ok()
                .and_then(|l| serde_json::from_str::<SiteResult>(&l).ok())
            {
                Some(site) => sites.push(site),
                None => break,
            }
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot append to {}", path.display()))?;
        let resumed = Resumed {
            started_at: Some(header.started_at),
            sites: sites.finish(|_| unreachable!("every slot is filled as it is made")),
        };
        Ok((
            Self {
                file,
                path: path.to_path_buf(),
                line: Vec::new(),
                unsynced: 0,
                synced_at: std::time::Instant::now(),
            },
            resumed,
        ))
    }

    /// Records a finished site.
    ///
    /// # Errors
    /// When the journal cannot be written.
    pub fn record(&mut self, site: &SiteResult) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.line, site)?;
        self.append_line()
    }

    /// Writes the line serialised into `self.line`; syncs when a second
    /// has passed since the last sync.
    fn append_line(&mut self) -> anyhow::Result<()> {
        self.line.push(b'\n');
        let written = self
            .file
            .write_all(&self.line)
            .with_context(|| format!("cannot write {}", self.path.display()));
        self.line.clear();
        written?;
        self.unsynced += 1;
        if self.synced_at.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    /// Flushes the lines written so far to disk.
    fn sync(&mut self) -> anyhow::Result<()> {
        if self.unsynced > 0 {
            self.file
                .sync_data()
                .with_context(|| format!("cannot sync {}", self.path.display()))?;
        }
        self.unsynced = 0;
        self.synced_at = std::time::Instant::now();
        Ok(())
    }

    /// The run is complete and delivered: the journal goes.
    pub fn finish(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Journal {
    /// An interrupted run's last sites reach the disk before it ends.
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// The first field of `a` that differs from `b`, in words.
fn differs(a: &RunKey, b: &RunKey) -> Option<&'static str> {
    if a.as_of != b.as_of {
        Some("--as-of")
    } else if a.targets != b.targets || a.target_count != b.target_count {
        Some("the targets or their checklists")
    } else if a.shard != b.shard {
        Some("--shard")
    } else if a.limits != b.limits {
        Some("a crawl limit")
    } else {
        None
    }
}

/// A digest of `parts` that never changes between versions or machines
/// (FNV-1a, 64 bits, as hex).
#[must_use]
pub fn digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let bytes = parts
        .into_iter()
        .flat_map(|part| part.bytes().chain(std::iter::once(0)));
    format!("{:016x}", crate::shard::stable_hash(bytes))
}
