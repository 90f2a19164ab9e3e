//! The audit history: every run recorded in SQLite (bundled, no server), so
//! the IT department can follow score trends, see what changed since last
//! month, gate CI on regressions, and write any run's outputs again. An
//! advisory lock beside the database keeps two scheduled runs from writing
//! to one history at once; readers take no lock and change nothing.

mod journal;
mod schema;
mod snapshot;

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::blob::ZeroBlob;
use rusqlite::{Connection, MAIN_DB, OptionalExtension, params};

use crate::finding::Status;
use crate::lockfile::LockFile;
use crate::run::{Change, Previous};

pub use journal::{Journal, Resumed, RunKey, digest};
pub use snapshot::Snapshot;

/// An open history: for writing (held exclusively until dropped) or for
/// reading.
#[derive(Debug)]
pub struct History {
    connection: Connection,
    path: PathBuf,
    /// The writer's lock; readers hold none.
    _lock: Option<LockFile>,
    /// The runs whose outputs are in their folder: `written`, and `pending`
    /// ones whose folder was swapped in before the process was killed. As
    /// an SQL list for `IN (…)`; `None` for an older history (all of them).
    published: Option<String>,
}

/// Whether a run's outputs reached their folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// Recorded; the output folder is being written.
    Pending,
    /// The output folder holds this run.
    Written,
    /// Writing failed or was cut short: `portal-audit report` writes them.
    NotWritten,
}

impl Outputs {
    fn code(self) -> &'static str {
        match self {
            Outputs::Pending => "pending",
            Outputs::Written => "written",
            Outputs::NotWritten => "not_written",
        }
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Run number.
    pub id: i64,
    /// When it started (UTC, RFC 3339).
    pub started_at: String,
    /// The date it was judged on.
    pub as_of: String,
    /// Whether it was interrupted.
    pub interrupted: bool,
}

/// A site's score in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorePoint {
    /// Run number.
    pub run_id: i64,
    /// Audit date of the run.
    pub as_of: String,
    /// The site.
    pub site_id: String,
    /// Its status code.
    pub status: String,
    /// Its score, if audited.
    pub score: Option<f64>,
}

impl History {
    /// Opens (creating and migrating as needed) the history at `path` for
    /// writing, and takes its lock. Runs whose outputs were being written
    /// into `out` when a process was killed are settled first.
    ///
    /// # Errors
    /// [`crate::error::InputError`] when another audit holds the lock or
    /// the file is not a portal-audit history; other errors when the
    /// database cannot be opened or migrated.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let lock = LockFile::take(&lock_path(path), path, "this history")?;
        let connection = schema::open_for_writing(path)
            .with_context(|| format!("cannot open history {}", path.display()))?;
        let mut history = Self {
            connection,
            path: path.to_path_buf(),
            _lock: Some(lock),
            published: None,
        };
        history.settle_pending()?;
        Ok(history)
    }

    /// Opens an existing history without writing to it or locking it, so
    /// it can be read while an audit runs.
    ///
    /// # Errors
    /// [`crate::error::InputError`] when there is no portal-audit history
    /// at `path`.
    pub fn open_read_only(path: &Path) -> anyhow::Result<Self> {
        let connection = schema::open_read_only(path)?;
        let mut history = Self {
            connection,
            path: path.to_path_buf(),
            _lock: None,
            published: None,
        };
        history.find_published()?;
        Ok(history)
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Works out which runs' outputs are in their folder. A `pending` run
    /// counts when its folder's `run.json` names it: the folder swap is the
    /// moment a run is published.
    fn find_published(&mut self) -> anyhow::Result<Vec<(i64, bool)>> {
        if !schema::is_current(&self.connection)? {
            self.published = None;
            return Ok(Vec::new());
        }
        let mut ids: Vec<i64> = Vec::new();
        let mut pending = Vec::new();
        {
            let mut statement = self.connection.prepare(
                "SELECT id, outputs, out_dir FROM runs WHERE outputs IN ('written', 'pending', 'not_written')",
            )?;
            let rows = statement.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            for row in rows {
                let (id, outputs, out_dir) = row?;
                if outputs == "written" {
                    ids.push(id);
                } else {
                    let there = out_dir.is_some_and(|d| folder_holds_run(Path::new(&d), id));
                    if there {
                        ids.push(id);
                    }
                    pending.push((id, there));
                }
            }
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.published = Some(list.join(","));
        Ok(pending)
    }

    /// Marks the runs a killed process left `pending`: written if their
    /// folder holds them, else not written.
    fn settle_pending(&mut self) -> anyhow::Result<()> {
        for (id, there) in self.find_published()? {
            let outputs = if there {
                Outputs::Written
            } else {
                Outputs::NotWritten
            };
            self.set_outputs(id, outputs)?;
        }
        Ok(())
    }

    /// `AND`-able SQL restricting `column` (a run id) to published runs.
    fn published_clause(&self, column: &str) -> String {
        match &self.published {
            None => "1".to_owned(),
            Some(list) => format!("{column} IN ({list})"),
        }
    }

    /// Records whether run `id`'s outputs reached their folder.
    ///
    /// # Errors
    /// On database errors.
    pub fn set_outputs(&mut self, id: i64, outputs: Outputs) -> anyhow::Result<()> {
        self.connection.execute(
            "UPDATE runs SET outputs = ?1 WHERE id = ?2",
            params![outputs.code(), id],
        )?;
        if outputs == Outputs::Written {
            let list = self.published.get_or_insert_with(String::new);
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str(&id.to_string());
        }
        Ok(())
    }

    /// Run `id`'s snapshot, to write its outputs again.
    ///
    /// # Errors
    /// On database errors or a damaged snapshot.
    pub fn snapshot(&self, id: i64) -> anyhow::Result<Option<Snapshot>> {
        if !schema::is_current(&self.connection)? {
            return Ok(None);
        }
        let bytes: Option<Option<Vec<u8>>> = self
            .connection
            .query_row(
                "SELECT snapshot FROM runs WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        bytes.flatten().map(|b| Snapshot::decode(&b)).transpose()
    }

    /// Recorded runs whose outputs are not in their folder, oldest first.
    ///
    /// # Errors
    /// On database errors.
    pub fn unpublished(&self) -> anyhow::Result<Vec<RunSummary>> {
        let clause = self.published_clause("id");
        let mut statement = self.connection.prepare(&format!(
            "SELECT id, started_at, as_of, interrupted FROM runs WHERE NOT ({clause}) ORDER BY id"
        ))?;
        let rows = statement.query_map([], run_summary)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest recorded status and score of each of `site_ids`.
    ///
    /// # Errors
    /// On database errors.
    pub fn previous(&self, site_ids: &[&str]) -> anyhow::Result<Previous> {
        let mut previous = Previous::default();
        let mut last_run = self.connection.prepare(&format!(
            "SELECT run_id, score FROM sites WHERE site_id = ?1 AND status = 'ok'
             AND run_id IN (SELECT id FROM runs WHERE interrupted = 0) AND {}
             ORDER BY run_id DESC LIMIT 1",
            self.published_clause("run_id")
        ))?;
        let mut findings = self
            .connection
            .prepare("SELECT item_id, status FROM findings WHERE run_id = ?1 AND site_id = ?2")?;
        for site in site_ids {
            let Some((run_id, score)) = last_run
                .query_row(params![site], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<f64>>(1)?))
                })
                .optional()?
            else {
                continue;
            };
            previous.scores.insert((*site).to_owned(), score);
            let rows = findings.query_map(params![run_id, site], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (item, status) = row?;
                if let Ok(status) = status.parse() {
                    previous.statuses.insert(((*site).to_owned(), item), status);
                }
            }
        }
        Ok(previous)
    }

    /// Records the run of `snapshot`, whose outputs are about to be written
    /// into `out` (`pending` until [`History::set_outputs`]); returns its
    /// run number.
    ///
    /// # Errors
    /// On database errors; nothing is recorded then.
    pub fn record(&mut self, snapshot: &Snapshot, out: &Path) -> anyhow::Result<i64> {
        let run = &snapshot.run;
        // The snapshot goes through a temporary file beside the history, then
        // into its row in pieces: neither it nor SQLite's copy of it is held.
        let folder = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let (spooled, length) = snapshot.spool(folder)?;
        let mut checklists = std::collections::BTreeSet::new();
        let mut rulesets = std::collections::BTreeSet::new();
        for site in run.sites.iter() {
            let site = site?;
            checklists.insert(site.checklist.clone());
            rulesets.insert(site.ruleset.clone());
        }
        let checklists: Vec<String> = checklists.into_iter().collect();
        let rulesets: Vec<String> = rulesets.into_iter().collect();
        let tx = self.connection.transaction()?;
        tx.execute(
            "INSERT INTO runs (started_at, as_of, checklists, rulesets, interrupted, duration_ms, snapshot, out_dir, outputs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending')",
            params![
                run.started_at,
                run.as_of.to_string(),
                checklists.join(" "),
                rulesets.join(" "),
                run.interrupted,
                i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX),
                ZeroBlob(length),
                out.to_string_lossy()
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        let mut blob = tx.blob_open(MAIN_DB, c"runs", c"snapshot", run_id, false)?;
        std::io::copy(&mut BufReader::new(spooled), &mut blob)
            .context("cannot copy the run into the history")?;
        blob.close()?;
        {
            let mut site_row = tx.prepare(
                "INSERT INTO sites (run_id, site_id, name, kind, url, status, score, pages) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut finding_row = tx.prepare(
                "INSERT INTO findings (run_id, site_id, item_id, status, evidence_url, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for site in run.sites.iter() {
                let site = site?;
                site_row.execute(params![
                    run_id,
                    site.target.id,
                    site.target.name,
                    site.target.kind.as_str(),
                    site.target.url.as_str(),
                    site.status.code(),
                    site.score.score,
                    i64::try_from(site.pages_crawled).unwrap_or(i64::MAX)
                ])?;
                for f in &site.findings {
                    finding_row.execute(params![
                        run_id,
                        site.target.id,
                        f.item_id,
                        f.status.as_str(),
                        f.evidence_url,
                        f.evidence
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(run_id)
    }

    /// All runs whose outputs were written, oldest first.
    ///
    /// # Errors
    /// On database errors.
    pub fn runs(&self) -> anyhow::Result<Vec<RunSummary>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT id, started_at, as_of, interrupted FROM runs WHERE {} ORDER BY id",
            self.published_clause("id")
        ))?;
        let rows = statement.query_map([], run_summary)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Scores per site and published run, oldest run first; one site with
    /// `site`.
    ///
    /// # Errors
    /// On database errors.
    pub fn trend(&self, site: Option<&str>) -> anyhow::Result<Vec<ScorePoint>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT s.run_id, r.as_of, s.site_id, s.status, s.score FROM sites s JOIN runs r ON r.id = s.run_id
             WHERE (?1 IS NULL OR s.site_id = ?1) AND {} ORDER BY s.site_id, s.run_id",
            self.published_clause("s.run_id")
        ))?;
        let rows = statement.query_map(params![site], |r| {
            Ok(ScorePoint {
                run_id: r.get(0)?,
                as_of: r.get(1)?,
                site_id: r.get(2)?,
                status: r.get(3)?,
                score: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Items whose status differs between runs `a` and `b`.
    ///
    /// # Errors
    /// On database errors.
    pub fn diff(&self, a: i64, b: i64) -> anyhow::Result<Vec<Change>> {
        let load = |run: i64| -> anyhow::Result<HashMap<(String, String), Status>> {
            let mut statement = self
                .connection
                .prepare("SELECT site_id, item_id, status FROM findings WHERE run_id = ?1")?;
            let rows = statement.query_map(params![run], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut map = HashMap::new();
            for row in rows {
                let (site, item, status) = row?;
                if let Ok(status) = status.parse() {
                    map.insert((site, item), status);
                }
            }
            Ok(map)
        };
        let (before, after) = (load(a)?, load(b)?);
        let sites_in_both: std::collections::HashSet<&String> = before
            .keys()
            .map(|(s, _)| s)
            .filter(|s| after.keys().any(|(t, _)| t == *s))
            .collect();
        let mut keys: Vec<&(String, String)> = before
            .keys()
            .chain(after.keys())
            .filter(|(s, _)| sites_in_both.contains(s))
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                let (b, a) = (before.get(key).copied(), after.get(key).copied());
                (b != a).then(|| Change {
                    site_id: key.0.clone(),
                    item_id: key.1.clone(),
                    before: b,
                    after: a,
                })
            })
            .collect())
    }
}

fn run_summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunSummary> {
    Ok(RunSummary {
        id: r.get(0)?,
        started_at: r.get(1)?,
        as_of: r.get(2)?,
        interrupted: r.get(3)?,
    })
}

/// Whether the output folder `out` holds run `id` (its `run.json` says so).
#[must_use]
pub fn folder_holds_run(out: &Path, id: i64) -> bool {
    #[derive(serde::Deserialize)]
    struct RunId {
        run_id: Option<i64>,
    }
    std::fs::read(out.join("run.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<RunId>(&bytes).ok())
        .is_some_and(|r| r.run_id == Some(id))
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportOptions;
    use crate::run::{AuditRun, RunChanges};

    fn snapshot() -> Snapshot {
        Snapshot {
            run: AuditRun {
                started_at: "2026-12-06T03:00:00Z".to_owned(),
                interrupted: false,
                as_of: jiff::civil::date(2026, 11, 28),
                sites: crate::run::Sites::default(),
                duration: std::time::Duration::from_secs(1),
                shard: None,
                render: crate::crawl::RenderSummary::default(),
            },
            changes: RunChanges::default(),
            report: ReportOptions::default(),
        }
    }

    #[test]
    fn a_saved_run_reads_back_and_a_damaged_one_says_so() {
        let bytes = snapshot().encode().unwrap();
        let back = Snapshot::decode(&bytes).unwrap();
        assert_eq!(back.run.started_at, "2026-12-06T03:00:00Z");
        let cut = Snapshot::decode(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(format!("{cut:#}").contains("damaged"), "{cut:#}");
        let not_json = {
            use std::io::Write as _;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(b"{\"run\": 1}").unwrap();
            gz.finish().unwrap()
        };
        let wrong = Snapshot::decode(&not_json).unwrap_err();
        assert!(format!("{wrong:#}").contains("cannot be read"), "{wrong:#}");
    }

    #[test]
    fn a_run_counts_once_its_folder_holds_it_even_if_killed_before_saying_so() {
        let dir = tempfile::tempdir().unwrap();
        let (path, out) = (dir.path().join("h.sqlite"), dir.path().join("out"));
        std::fs::create_dir(&out).unwrap();
        let mut history = History::open(&path).unwrap();
        let first = history.record(&snapshot(), &out).unwrap();
        history.set_outputs(first, Outputs::Written).unwrap();
        // Killed after recording, before the swap: not published.
        let second = history.record(&snapshot(), &out).unwrap();
        drop(history);
        let reader = History::open_read_only(&path).unwrap();
        assert_eq!(reader.runs().unwrap().len(), 1);
        assert_eq!(reader.unpublished().unwrap()[0].id, second);
        // Killed after the swap, before marking it: published.
        std::fs::write(out.join("run.json"), format!("{{\"run_id\": {second}}}")).unwrap();
        let reader = History::open_read_only(&path).unwrap();
        assert_eq!(reader.runs().unwrap().last().unwrap().id, second);
        assert!(reader.unpublished().unwrap().is_empty());
        assert_eq!(
            reader.snapshot(second).unwrap().unwrap().run.started_at,
            "2026-12-06T03:00:00Z"
        );
        // A writer settles it for good.
        drop(History::open(&path).unwrap());
        std::fs::remove_file(out.join("run.json")).unwrap();
        let reader = History::open_read_only(&path).unwrap();
        assert_eq!(reader.runs().unwrap().len(), 2);
    }
}
