//! What the app remembers about backups: metadata only (destination, time, size, sha256, part
//! count, verified, restore tests), never payload or secrets. Also retention (keep the last N
//! per destination) and the reminder settings row.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::clock::Timestamp;
use crate::{Error, Result};

/// One backup the app made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackupRecord {
    pub id: String,
    pub destination_id: Option<String>,
    /// `local`, `drive`, `s3`, `webdav` or `file` (manual export).
    pub dest_kind: String,
    pub dest_label: String,
    /// The backup's name at the destination, or the file of a manual export.
    pub location: String,
    pub created_at: Timestamp,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    pub part_count: u32,
    pub verified: bool,
    pub verified_at: Option<Timestamp>,
    pub restore_tested_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, destination_id, dest_kind, dest_label, location, created_at, size, sha256, part_count, verified, verified_at, restore_tested_at, deleted_at";

fn ts(text: Option<String>) -> Result<Option<Timestamp>> {
    text.map(|t| Timestamp::parse(&t).map_err(|e| Error::invalid("backup record", e.to_string())))
        .transpose()
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        destination_id: row.get(1)?,
        dest_kind: row.get(2)?,
        dest_label: row.get(3)?,
        location: row.get(4)?,
        created_at: row.get(5)?,
        size: row.get(6)?,
        sha256: row.get(7)?,
        part_count: row.get(8)?,
        verified: row.get(9)?,
        verified_at: row.get(10)?,
        restore_tested_at: row.get(11)?,
        deleted_at: row.get(12)?,
    })
}

struct RawRow {
    id: String,
    destination_id: Option<String>,
    dest_kind: String,
    dest_label: String,
    location: String,
    created_at: String,
    size: i64,
    sha256: String,
    part_count: i64,
    verified: i64,
    verified_at: Option<String>,
    restore_tested_at: Option<String>,
    deleted_at: Option<String>,
}

impl RawRow {
    fn into_record(self) -> Result<BackupRecord> {
        Ok(BackupRecord {
            id: self.id,
            destination_id: self.destination_id,
            dest_kind: self.dest_kind,
            dest_label: self.dest_label,
            location: self.location,
            created_at: ts(Some(self.created_at))?.unwrap_or(Timestamp::from_unix_millis(0)),
            size: u64::try_from(self.size).unwrap_or(0),
            sha256: self.sha256,
            part_count: u32::try_from(self.part_count).unwrap_or(0),
            verified: self.verified == 1,
            verified_at: ts(self.verified_at)?,
            restore_tested_at: ts(self.restore_tested_at)?,
            deleted_at: ts(self.deleted_at)?,
        })
    }
}

pub fn insert(tx: &Transaction<'_>, tenant_id: &str, r: &BackupRecord) -> Result<()> {
    tx.execute(
        &format!("INSERT INTO backups (tenant_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        params![
            tenant_id,
            r.id,
            r.destination_id,
            r.dest_kind,
            r.dest_label,
            r.location,
            r.created_at.to_string(),
            i64::try_from(r.size).unwrap_or(i64::MAX),
            r.sha256,
            r.part_count,
            i64::from(r.verified),
            r.verified_at.map(|t| t.to_string()),
            r.restore_tested_at.map(|t| t.to_string()),
            r.deleted_at.map(|t| t.to_string()),
        ],
    )?;
    Ok(())
}

/// The tenant's backups, newest first; deleted ones only when asked.
pub fn list(
    conn: &Connection,
    tenant_id: &str,
    include_deleted: bool,
) -> Result<Vec<BackupRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM backups WHERE tenant_id = ?1 AND (?2 OR deleted_at IS NULL)
         ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map(params![tenant_id, include_deleted], from_row)?;
    rows.map(|r| r.map_err(Error::from).and_then(RawRow::into_record))
        .collect()
}

/// The live record at a location (destination id or `None` for a file), if any.
pub fn find(
    conn: &Connection,
    tenant_id: &str,
    destination_id: Option<&str>,
    location: &str,
) -> Result<Option<BackupRecord>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM backups WHERE tenant_id = ?1 AND destination_id IS ?2
                 AND location = ?3 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 1"
            ),
            params![tenant_id, destination_id, location],
            from_row,
        )
        .optional()?;
    row.map(RawRow::into_record).transpose()
}

pub fn set_verified(
    tx: &Transaction<'_>,
    tenant_id: &str,
    id: &str,
    ok: bool,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE backups SET verified = ?3, verified_at = CASE WHEN ?3 = 1 THEN ?4 ELSE verified_at END
         WHERE tenant_id = ?1 AND id = ?2",
        params![tenant_id, id, i64::from(ok), at.to_string()],
    )?;
    Ok(())
}

pub fn set_restore_tested(
    tx: &Transaction<'_>,
    tenant_id: &str,
    id: &str,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE backups SET restore_tested_at = ?3 WHERE tenant_id = ?1 AND id = ?2",
        params![tenant_id, id, at.to_string()],
    )?;
    Ok(())
}

pub fn mark_deleted(tx: &Transaction<'_>, tenant_id: &str, id: &str, at: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE backups SET deleted_at = ?3 WHERE tenant_id = ?1 AND id = ?2",
        params![tenant_id, id, at.to_string()],
    )?;
    Ok(())
}

/// When the newest verified backup was verified.
pub fn last_verified(conn: &Connection, tenant_id: &str) -> Result<Option<Timestamp>> {
    let text: Option<String> = conn.query_row(
        "SELECT MAX(verified_at) FROM backups WHERE tenant_id = ?1 AND verified = 1 AND deleted_at IS NULL",
        params![tenant_id],
        |row| row.get(0),
    )?;
    ts(text)
}

/// The reminder and passphrase settings row.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub snoozed_until: Option<Timestamp>,
    pub passphrase_shown_at: Option<Timestamp>,
    pub passphrase_confirmed_at: Option<Timestamp>,
}

pub fn settings(conn: &Connection, tenant_id: &str) -> Result<Settings> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT snoozed_until, passphrase_shown_at, passphrase_confirmed_at
             FROM backup_settings WHERE tenant_id = ?1",
            params![tenant_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(Settings::default()),
        Some((a, b, c)) => Ok(Settings {
            snoozed_until: ts(a)?,
            passphrase_shown_at: ts(b)?,
            passphrase_confirmed_at: ts(c)?,
        }),
    }
}

/// Sets one settings column (`snoozed_until`, `passphrase_shown_at`, `passphrase_confirmed_at`).
pub fn set_setting(
    tx: &Transaction<'_>,
    tenant_id: &str,
    column: &'static str,
    value: Option<Timestamp>,
) -> Result<()> {
    if ![
        "snoozed_until",
        "passphrase_shown_at",
        "passphrase_confirmed_at",
    ]
    .contains(&column)
    {
        return Err(Error::invalid("setting", column.to_owned()));
    }
    tx.execute(
        "INSERT OR IGNORE INTO backup_settings (tenant_id) VALUES (?1)",
        params![tenant_id],
    )?;
    tx.execute(
        &format!("UPDATE backup_settings SET {column} = ?2 WHERE tenant_id = ?1"),
        params![tenant_id, value.map(|t| t.to_string())],
    )?;
    Ok(())
}
