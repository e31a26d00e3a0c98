//! The consistent snapshot: `VACUUM INTO` a copy of the live database, filter the copy to one
//! tenant (generically: every table with a `tenant_id` column, plus `tenants`) and purge freed
//! pages, list the tenant's files, and hash everything for the manifest. The copy is taken on a
//! worker thread with its own connection while this thread hashes the files and reports
//! progress; SQLite work stops promptly on cancel (`sqlite3_interrupt`). `integrity_check` runs
//! on the copy read back from the destination (`archive::unpack`), which holds the same bytes.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags};
use sha2::{Digest as _, Sha256};

use super::archive::{spawn, wait, Ctx, PackEntry, StopOnDrop, POLL, REPORT_EVERY};
use super::format::{DATABASE_PATH, FILES_PREFIX};
use super::limits::SkippedFile;
use super::tree::{self, TenantDir, TenantFile, Tree};
use super::Stage;
use crate::canon::Digest;
use crate::store::Store;
use crate::{Error, Result};

/// Tables that hold no tenant data and need no filtering.
const UNSCOPED_TABLES: &[&str] = &["tenants"];

/// What a snapshot produced: the entries to pack (database copy first) and their sha256, the
/// tenant's folders, and what was left out.
pub struct Snapshot {
    pub counts: BTreeMap<String, i64>,
    pub entries: Vec<PackEntry>,
    pub digests: Vec<Digest>,
    pub dirs: Vec<TenantDir>,
    /// Files that were not backed up, and why (`tree::walk`).
    pub skipped: Vec<SkippedFile>,
}

/// Copies the live database to `copy` (which must not exist) filtered to `tenant_id`, lists and
/// hashes the tenant's files in `tenant_dir`. Progress: bytes copied plus bytes hashed.
pub fn take(
    store: &Store,
    tenant_id: &str,
    copy: &Path,
    tenant_dir: &Path,
    ctx: &Ctx<'_>,
) -> Result<Snapshot> {
    let Tree {
        files,
        dirs,
        skipped,
    } = tree::walk(tenant_dir)?;
    let live_size = std::fs::metadata(store.path())
        .map_err(|e| Error::io("read", store.path(), e))?
        .len();
    let files_size: u64 = files.iter().map(|f| f.size).sum();
    // The copy is written once and hashed once.
    let total = 2 * live_size + files_size;
    let hashed = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let cancel = ctx.cancel_flag();
    let live = store.path();
    ctx.report(Stage::Snapshot, 0, total);
    let (counts, db_size, db_digest, digests) = std::thread::scope(|scope| {
        // However this closure ends, the worker stops soon after.
        let _stop = StopOnDrop(&stop);
        let (hashed, stop) = (&hashed, &stop);
        let worker = spawn(scope, "database snapshot", move || -> Result<_> {
            let counts = copy_database(live, tenant_id, copy, stop)?;
            let size = std::fs::metadata(copy)
                .map_err(|e| Error::io("read", copy, e))?
                .len();
            let digest = hash_exact(copy, size, hashed, stop, &mut || {})?;
            Ok((counts, size, digest))
        })?;
        // Meanwhile this thread hashes the files and reports progress for both.
        let mut shown = 0u64;
        let mut report = || {
            let copied = std::fs::metadata(copy).map(|m| m.len()).unwrap_or(0);
            let done = (hashed.load(Ordering::Relaxed) + copied).clamp(shown, total);
            if done / REPORT_EVERY != shown / REPORT_EVERY {
                ctx.report(Stage::Snapshot, done, total);
            }
            shown = done;
        };
        let mut digests = Vec::with_capacity(files.len());
        for file in &files {
            digests.push(hash_exact(
                &file.path,
                file.size,
                hashed,
                cancel,
                &mut report,
            )?);
        }
        let (counts, size, digest) = wait(worker, "database snapshot", &mut || {
            if cancel.load(Ordering::Relaxed) {
                stop.store(true, Ordering::Relaxed);
            }
            report();
        })?;
        Ok::<_, Error>((counts, size, digest, digests))
    })
    .map_err(|e| match ctx.check_cancel() {
        Err(cancelled) => cancelled,
        Ok(()) => e,
    })?;
    ctx.report(Stage::Snapshot, total, total);
    let (entries, digests) = pack_list((copy, db_size, db_digest), files, digests);
    Ok(Snapshot {
        counts,
        entries,
        digests,
        dirs,
        skipped,
    })
}

/// The entries to pack, the database copy first and then the files under [`FILES_PREFIX`],
/// with their sha256 in the same order.
fn pack_list(
    (copy, db_size, db_digest): (&Path, u64, Digest),
    files: Vec<TenantFile>,
    file_digests: Vec<Digest>,
) -> (Vec<PackEntry>, Vec<Digest>) {
    let mut entries = Vec::with_capacity(files.len() + 1);
    entries.push(PackEntry {
        archive_path: DATABASE_PATH.to_owned(),
        source: copy.to_path_buf(),
        size: db_size,
        mode: None,
    });
    entries.extend(files.into_iter().map(|f| PackEntry {
        archive_path: format!("{FILES_PREFIX}{}", f.relative),
        source: f.path,
        size: f.size,
        mode: f.mode,
    }));
    let mut digests = Vec::with_capacity(file_digests.len() + 1);
    digests.push(db_digest);
    digests.extend(file_digests);
    (entries, digests)
}

/// sha256 of exactly the first `size` bytes of `path` (what the archive will hold), counting
/// them in `hashed` and calling `tick` after each chunk.
fn hash_exact(
    path: &Path,
    size: u64,
    hashed: &AtomicU64,
    stop: &AtomicBool,
    tick: &mut dyn FnMut(),
) -> Result<Digest> {
    let fail = |e| Error::io("read for the backup", path, e);
    let mut file = tree::open_regular(path)?.take(size);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1024 * 1024];
    let mut left = size;
    while left > 0 {
        if stop.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let n = file.read(&mut buf).map_err(fail)?;
        if n == 0 {
            return Err(Error::SnapshotFailed(format!(
                "{} became shorter while it was being backed up; try again.",
                path.display()
            )));
        }
        hasher.update(&buf[..n]);
        left -= n as u64;
        hashed.fetch_add(n as u64, Ordering::Relaxed);
        tick();
    }
    Ok(Digest::from_bytes(hasher.finalize().into()))
}

/// `VACUUM INTO` a copy of the live database at `live` (its own read-only connection, so this
/// runs off the caller's thread), then keeps only `tenant_id`'s rows. Returns rows per table.
pub fn copy_database(
    live: &Path,
    tenant_id: &str,
    dest: &Path,
    stop: &AtomicBool,
) -> Result<BTreeMap<String, i64>> {
    let dest_text = dest.to_str().ok_or_else(|| {
        Error::SnapshotFailed(format!(
            "The temporary folder path {} is not UTF-8; set TMPDIR to a plain path.",
            dest.display()
        ))
    })?;
    let source = Connection::open_with_flags(
        live,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(5))?;
    // The copy is scratch: no fsync (VACUUM INTO syncs as this connection is told to).
    source.pragma_update(None, "synchronous", "OFF")?;
    // VACUUM INTO takes a read transaction: a consistent copy while the app keeps running.
    interruptible(&source, stop, |c| {
        c.execute("VACUUM INTO ?1", params![dest_text])
            .map_err(|e| {
                Error::SnapshotFailed(format!(
                    "Could not copy the database for the backup ({e}). Check free space in the temporary folder."
                ))
            })
    })?;
    drop(source);
    let conn = Connection::open(dest)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    interruptible(&conn, stop, |c| filter_to_tenant(c, tenant_id))?;
    table_counts(&conn)
}

/// Runs `f` on `conn` and interrupts it (`sqlite3_interrupt`) as soon as `stop` is set.
pub fn interruptible<T>(
    conn: &Connection,
    stop: &AtomicBool,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    let handle = conn.get_interrupt_handle();
    let (done, finished) = mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        spawn(scope, "watching for cancel", move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(POLL) {
                if stop.load(Ordering::Relaxed) {
                    handle.interrupt();
                    return;
                }
            }
        })?;
        let result = f(conn);
        drop(done);
        result
    });
    result.map_err(|e| {
        if stop.load(Ordering::Relaxed) {
            Error::Cancelled
        } else {
            e
        }
    })
}

/// `integrity_check` and `foreign_key_check` on a database file, stopped by `stop`.
pub fn check_file(path: &Path, stop: &AtomicBool) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    interruptible(&conn, stop, check_database)
}

/// Deletes every other tenant's rows from a database copy, then VACUUMs so that no freed page
/// still holds them.
pub fn filter_to_tenant(conn: &Connection, tenant_id: &str) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", false)?;
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let tables = user_tables(conn)?;
    // Triggers (e.g. "published versions cannot be deleted") guard the live data, not this copy:
    // drop them for the filter and put them back unchanged.
    let triggers: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut deleted = 0usize;
    let result = (|| -> Result<()> {
        for (name, _) in &triggers {
            conn.execute_batch(&format!("DROP TRIGGER {}", quote_ident(name)))?;
        }
        for table in &tables {
            if table == "tenants" {
                deleted +=
                    conn.execute("DELETE FROM tenants WHERE id <> ?1", params![tenant_id])?;
            } else if has_column(conn, table, "tenant_id")? {
                conn.execute(
                    &format!(
                        "DELETE FROM {} WHERE tenant_id IS NOT ?1",
                        quote_ident(table)
                    ),
                    params![tenant_id],
                )?;
            } else if !UNSCOPED_TABLES.contains(&table.as_str()) {
                return Err(Error::SnapshotFailed(format!(
                    "Table \"{table}\" has no tenant_id column, so a backup cannot be limited to one tenant. This is a bug in Persona Studio; please report it."
                )));
            }
        }
        for (_, sql) in &triggers {
            conn.execute_batch(sql)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    // VACUUM INTO already wrote a compact copy; only a copy that lost rows has freed pages.
    if deleted > 0 {
        conn.execute_batch("VACUUM")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// `PRAGMA integrity_check` and `foreign_key_check` on a database copy.
pub fn check_database(conn: &Connection) -> Result<()> {
    let result: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if result != "ok" {
        return Err(Error::BackupDamaged {
            what: "database copy".to_owned(),
            detail: format!("integrity_check says: {result}"),
        });
    }
    let violations: i64 =
        conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })?;
    if violations > 0 {
        return Err(Error::BackupDamaged {
            what: "database copy".to_owned(),
            detail: format!("{violations} rows break a foreign key"),
        });
    }
    Ok(())
}

/// Rows per user table.
pub fn table_counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for table in user_tables(conn)? {
        let n: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM {}", quote_ident(&table)),
            [],
            |row| row.get(0),
        )?;
        counts.insert(table, n);
    }
    Ok(counts)
}

fn user_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
        params![table, column],
        |row| row.get(0),
    )?;
    Ok(n > 0)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
