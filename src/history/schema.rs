//! The history's tables, how old files are brought up to date, and how a
//! portal-audit history is told apart from any other SQLite file (or from a
//! file that is no database at all) before anything is written to it.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::InputError;

/// `PRAGMA application_id` of a portal-audit history: "PAUD".
pub(super) const APPLICATION_ID: i64 = 0x5041_5544;

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many have run. Append, never edit: old databases replay the tail.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE runs (
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
    CREATE INDEX sites_by_site ON sites(site_id, run_id);",
    // Each run keeps everything its outputs are made from (so they can be
    // written again), the folder they went to, and whether they got there:
    // `pending` until the folder is swapped in, then `written`, or
    // `not_written` when writing failed or the run was killed first.
    "ALTER TABLE runs ADD COLUMN snapshot BLOB;
    ALTER TABLE runs ADD COLUMN out_dir TEXT;
    ALTER TABLE runs ADD COLUMN outputs TEXT NOT NULL DEFAULT 'written';",
];

/// What a file at a history path turned out to be.
enum Found {
    /// Nothing, or an empty file: a new history.
    Nothing,
    /// A portal-audit history (marked, or from before the mark).
    Ours,
}

/// Checks that `path` is absent, empty or a portal-audit history, without
/// writing to it.
///
/// # Errors
/// [`InputError`] when it is some other file or some other program's
/// database.
fn identify(path: &Path) -> anyhow::Result<Found> {
    let len = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(InputError::in_file(path, "is a folder, not a history file").into());
        }
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
        }
    };
    if len == 0 {
        return Ok(Found::Nothing);
    }
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    let not_ours = || {
        InputError::in_file(
            path,
            "is not a portal-audit history (another program's file); give --history a new path",
        )
    };
    if !is_sqlite {
        return Err(not_ours().into());
    }
    let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| not_ours())?;
    if is_ours(&connection).unwrap_or(false) {
        Ok(Found::Ours)
    } else {
        Err(not_ours().into())
    }
}

/// Marked with our application id, or an unmarked history from before the
/// mark (our tables, our user_version).
fn is_ours(connection: &Connection) -> rusqlite::Result<bool> {
    let id: i64 = connection.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(true);
    }
    if id != 0 {
        return Ok(false);
    }
    let version: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = connection.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'sites', 'findings')",
        [],
        |r| r.get(0),
    )?;
    Ok(version >= 1 && tables == 3)
}

/// Opens the history at `path` for writing: creates it, or checks it is
/// ours, then marks and migrates it.
///
/// # Errors
/// [`InputError`] for someone else's file; other errors from SQLite.
pub(super) fn open_for_writing(path: &Path) -> anyhow::Result<Connection> {
    identify(path)?;
    let mut connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "application_id", APPLICATION_ID)?;
    migrate(&mut connection)?;
    Ok(connection)
}

/// Opens an existing history read-only: nothing in the file changes. A
/// history from before the output columns reads as if every run's outputs
/// were written (see [`is_current`]).
///
/// # Errors
/// [`InputError`] when there is no history at `path` or it is not ours.
pub(super) fn open_read_only(path: &Path) -> anyhow::Result<Connection> {
    match identify(path)? {
        Found::Nothing => Err(InputError::in_file(
            path,
            "no history here (run an audit first, or give --history PATH)",
        )
        .into()),
        Found::Ours => {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let connection = Connection::open_with_flags(path, flags)?;
            Ok(connection)
        }
    }
}

/// Whether the history has every migration (else it is an older one, read
/// as it is).
///
/// # Errors
/// From SQLite.
pub(super) fn is_current(connection: &Connection) -> rusqlite::Result<bool> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(usize::try_from(version).is_ok_and(|v| v >= MIGRATIONS.len()))
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
