//! The audit history: every run recorded in SQLite (bundled, no server), so
//! the IT department can follow score trends, see what changed since last
//! month, and gate CI on regressions. A lock file beside the database keeps
//! two scheduled runs from writing to one history at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::InputError;
use crate::finding::Status;
use crate::run::{AuditRun, Change, Previous};

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many have run. Append, never edit: old databases replay the tail.
const MIGRATIONS: &[&str] = &["CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        as_of TEXT NOT NULL,
        checklists TEXT NOT NULL,
        rulesets TEXT NOT NULL,
        interrupted INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL
    );
    CREATE TABLE sites (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        site_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        status TEXT NOT NULL,
        score REAL,
        pages INTEGER NOT NULL,
        PRIMARY KEY (run_id, site_id)
    );
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        site_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        status TEXT NOT NULL,
        evidence_url TEXT,
        evidence TEXT NOT NULL,
        PRIMARY KEY (run_id, site_id, item_id)
    );
    CREATE INDEX sites_by_site ON sites(site_id, run_id);"];

/// An open history, held exclusively until dropped.
#[derive(Debug)]
pub struct History {
    connection: Connection,
    lock: PathBuf,
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
    /// Opens (creating and migrating as needed) the history at `path`, and
    /// takes its lock.
    ///
    /// # Errors
    /// [`InputError`] when another audit holds the lock; other errors when
    /// the database cannot be opened or migrated.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let lock = lock_path(path);
        take_lock(path, &lock)?;
        let opened = Self::open_locked(path, lock.clone());
        if opened.is_err() {
            let _ = std::fs::remove_file(&lock);
        }
        opened
    }

    fn open_locked(path: &Path, lock: PathBuf) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut connection = Connection::open(path)
            .with_context(|| format!("cannot open history {}", path.display()))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut connection)
            .with_context(|| format!("cannot migrate history {}", path.display()))?;
        Ok(Self { connection, lock })
    }

    /// The latest recorded status and score of each of `site_ids`.
    ///
    /// # Errors
    /// On database errors.
    pub fn previous(&self, site_ids: &[&str]) -> anyhow::Result<Previous> {
        let mut previous = Previous::default();
        let mut last_run = self.connection.prepare(
            "SELECT run_id, score FROM sites WHERE site_id = ?1 AND status = 'ok'
             AND run_id IN (SELECT id FROM runs WHERE interrupted = 0)
             ORDER BY run_id DESC LIMIT 1",
        )?;
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

    /// Records `run`; returns its run number.
    ///
    /// # Errors
    /// On database errors; nothing is recorded then.
    pub fn record(&mut self, run: &AuditRun) -> anyhow::Result<i64> {
        let tx = self.connection.transaction()?;
        let mut checklists: Vec<&str> = run.sites.iter().map(|s| s.checklist.as_str()).collect();
        checklists.sort_unstable();
        checklists.dedup();
        let mut rulesets: Vec<&str> = run.sites.iter().map(|s| s.ruleset.as_str()).collect();
        rulesets.sort_unstable();
        rulesets.dedup();
        tx.execute(
            "INSERT INTO runs (started_at, as_of, checklists, rulesets, interrupted, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                run.started_at,
                run.as_of.to_string(),
                checklists.join(" "),
                rulesets.join(" "),
                run.interrupted,
                i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX)
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        {
            let mut site_row = tx.prepare(
                "INSERT INTO sites (run_id, site_id, name, kind, url, status, score, pages) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut finding_row = tx.prepare(
                "INSERT INTO findings (run_id, site_id, item_id, status, evidence_url, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for site in &run.sites {
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

    /// All runs, oldest first.
    ///
    /// # Errors
    /// On database errors.
    pub fn runs(&self) -> anyhow::Result<Vec<RunSummary>> {
        let mut statement = self
            .connection
            .prepare("SELECT id, started_at, as_of, interrupted FROM runs ORDER BY id")?;
        let rows = statement.query_map([], |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                started_at: r.get(1)?,
                as_of: r.get(2)?,
                interrupted: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Scores per site and run, oldest run first; one site with `site`.
    ///
    /// # Errors
    /// On database errors.
    pub fn trend(&self, site: Option<&str>) -> anyhow::Result<Vec<ScorePoint>> {
        let mut statement = self.connection.prepare(
            "SELECT s.run_id, r.as_of, s.site_id, s.status, s.score FROM sites s JOIN runs r ON r.id = s.run_id
             WHERE ?1 IS NULL OR s.site_id = ?1 ORDER BY s.site_id, s.run_id",
        )?;
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

impl Drop for History {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.lock);
    }
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let version: usize = connection
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?
        .try_into()
        .unwrap_or(0);
    let tx = connection.transaction()?;
    for migration in MIGRATIONS.iter().skip(version) {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(
        None,
        "user_version",
        i64::try_from(MIGRATIONS.len()).unwrap_or(0),
    )?;
    tx.commit()
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// Creates the lock file, or explains who holds it. A lock left by a process
/// that no longer runs (killed with -9) is taken over.
fn take_lock(path: &Path, lock: &Path) -> anyhow::Result<()> {
    if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(lock)
        {
            Ok(mut file) => {
                use std::io::Write as _;
                writeln!(file, "{}", std::process::id())?;
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(lock).unwrap_or_default();
                let pid = holder.trim().parse::<u32>().ok();
                let alive = pid.is_none_or(|p| {
                    Path::new(&format!("/proc/{p}")).exists() || !Path::new("/proc/self").exists()
                });
                if alive {
                    return Err(InputError::in_file(
                        path,
                        format!(
                            "another audit is using this history (lock file {}, process {}); wait for it to finish, or delete the lock file if no audit is running",
                            lock.display(),
                            pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string())
                        ),
                    )
                    .into());
                }
                let _ = std::fs::remove_file(lock);
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot create lock file {}", lock.display()));
            }
        }
    }
    Err(anyhow::anyhow!("cannot take the lock {}", lock.display()))
}
