//! The consistent snapshot: `VACUUM INTO` a copy of the live database, filter the copy to one
//! tenant (generically: every table with a `tenant_id` column, plus `tenants`), purge freed
//! pages, and run `PRAGMA integrity_check` on it. Also lists the tenant's files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use crate::store::Store;
use crate::{Error, Result};

/// Tables that hold no tenant data and need no filtering.
const UNSCOPED_TABLES: &[&str] = &["tenants"];

/// Copies the live database to `dest` (which must not exist), keeps only `tenant_id`'s rows, and
/// checks the copy. Returns rows per table.
pub fn snapshot_database(
    store: &Store,
    tenant_id: &str,
    dest: &Path,
) -> Result<BTreeMap<String, i64>> {
    let dest_text = dest.to_str().ok_or_else(|| {
        Error::SnapshotFailed(format!(
            "The temporary folder path {} is not UTF-8; set TMPDIR to a plain path.",
            dest.display()
        ))
    })?;
    // VACUUM INTO takes a read transaction: a consistent copy while the app keeps running.
    store
        .conn()
        .execute("VACUUM INTO ?1", params![dest_text])
        .map_err(|e| {
            Error::SnapshotFailed(format!(
                "Could not copy the database for the backup ({e}). Check free space in the temporary folder."
            ))
        })?;
    let conn = Connection::open(dest)?;
    filter_to_tenant(&conn, tenant_id)?;
    check_database(&conn)?;
    table_counts(&conn)
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

/// A regular file of the tenant's folder, relative to it.
#[derive(Debug, Clone)]
pub struct TenantFile {
    pub relative: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Every regular file under `dir`, sorted by path. Symbolic links are skipped (their names are
/// returned separately) so a backup never follows a link out of the tenant's folder.
pub fn list_files(dir: &Path) -> Result<(Vec<TenantFile>, Vec<String>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    if !dir.exists() {
        return Ok((files, skipped));
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| Error::io("read the tenant folder", &current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read the tenant folder", &current, e))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| Error::io("inspect", &path, e))?;
            let relative = path
                .strip_prefix(dir)
                .ok()
                .and_then(|p| p.to_str())
                .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"));
            let Some(relative) = relative else {
                skipped.push(path.display().to_string());
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let size = entry
                    .metadata()
                    .map_err(|e| Error::io("inspect", &path, e))?
                    .len();
                files.push(TenantFile {
                    relative,
                    path,
                    size,
                });
            } else {
                skipped.push(relative);
            }
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    skipped.sort();
    Ok((files, skipped))
}
