//! SQLite: opening the database file, its pragmas, and the embedded forward-only migrations.
//!
//! Table groups live with the feature that owns them; this module owns the connection, the
//! schema version (`PRAGMA user_version`) and `documents`, the versioned-document mechanism
//! (draft → publish → immutable, lineage, labels) that persona specs and presets share.

pub mod documents;
mod migrations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use migrations::latest_version;

use crate::home::Home;
use crate::{Error, Result};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs after every committed write (for example to advance the audit checkpoint).
pub type AfterCommit = Box<dyn Fn(&Connection) + Send>;

/// An open, migrated database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    after_commit: Option<AfterCommit>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database in `home` and brings its schema up to date.
    /// A database from a newer schema is refused before anything is written to it.
    pub fn open(home: &Home) -> Result<Store> {
        std::fs::create_dir_all(home.root())
            .map_err(|e| Error::io("create the data folder", home.root(), e))?;
        Store::open_path(&home.database_path())
    }

    /// Opens the database file at `path` and migrates it; creates it first when missing (see
    /// [`create_if_missing`]).
    pub fn open_path(path: &Path) -> Result<Store> {
        create_if_missing(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Check the version before any pragma that writes, so a newer file stays untouched.
        refuse_newer_schema(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations::apply(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            after_commit: None,
        })
    }

    /// Reads a database's state without migrating or writing anything (for `doctor`).
    pub fn inspect(path: &Path) -> Result<DatabaseStatus> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let schema_version = user_version(&conn)?;
        let integrity: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
        Ok(DatabaseStatus {
            schema_version,
            integrity_ok: integrity == "ok",
            integrity_detail: integrity,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder holding the database (the data folder).
    pub fn home_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one write transaction: everything or nothing is committed.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        if let Some(hook) = &self.after_commit {
            hook(&self.conn);
        }
        Ok(value)
    }

    /// Installs the hook that runs after every committed write.
    pub fn set_after_commit(&mut self, hook: AfterCommit) {
        self.after_commit = Some(hook);
    }

    /// The schema version stamped in the file.
    pub fn schema_version(&self) -> Result<i64> {
        user_version(&self.conn)
    }
}

/// What `inspect` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    pub schema_version: i64,
    pub integrity_ok: bool,
    pub integrity_detail: String,
}

/// Builds a missing database in a temporary file beside `path` (WAL journal, every migration)
/// and moves it into place without replacing anything, so concurrent openers, threads or
/// processes, find no file or a whole one. Switching a shared file to WAL fails at once with
/// "database is locked" while another connection reads it (SQLite takes that lock without the
/// busy handler), which made the app's first start fail when its first commands raced.
fn create_if_missing(path: &Path) -> Result<()> {
    if path.symlink_metadata().is_ok() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let fresh = tempfile::Builder::new()
        .prefix(".new-database-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create the database", dir, e))?
        .into_temp_path();
    {
        let mut conn = Connection::open(&fresh)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrations::apply(&mut conn)?;
        // Closing checkpoints the WAL into the file and removes it; the file stays in WAL mode.
        conn.close().map_err(|(_, e)| Error::from(e))?;
    }
    match fresh.persist_noclobber(path) {
        Ok(()) => Ok(()),
        // Another opener's whole database got there first.
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io("create the database", path, e.error)),
    }
}

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

fn refuse_newer_schema(conn: &Connection, path: &Path) -> Result<()> {
    let found = user_version(conn)?;
    let supported = latest_version();
    if found > supported {
        return Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    Ok(())
}
