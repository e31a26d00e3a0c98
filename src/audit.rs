//! The tamper-evident audit log. Each entry is canonical JSON
//! `{seq, ts, tenant, actor, kind, data, prev}`; its hash is sha256 over a domain-separation
//! byte followed by those bytes, and `prev` is the hash of the entry before it (per tenant).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::canon::{self, Digest};
use crate::clock::Timestamp;
use crate::secrets::{Keyring, Sensitive};
use crate::{Error, Result};

/// Prefixed to every entry before hashing, so an audit hash can never equal the hash of some
/// other canonical document (a spec, a plan) with the same bytes.
const AUDIT_DOMAIN: u8 = 0x01;

/// `prev` of the first entry in a tenant's chain.
pub const GENESIS_PREV: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as it is hashed.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub seq: i64,
    pub ts: Timestamp,
    pub tenant: String,
    pub actor: String,
    pub kind: String,
    #[ts(type = "unknown")]
    pub data: serde_json::Value,
    pub prev: String,
}

impl AuditEntry {
    /// sha256(domain byte || canonical JSON of the entry).
    pub fn hash(&self) -> Result<Digest> {
        let mut bytes = vec![AUDIT_DOMAIN];
        bytes.extend_from_slice(&canon::to_canonical_vec(self)?);
        Ok(Digest::of_bytes(&bytes))
    }
}

/// Appends one entry to `tenant`'s chain inside the caller's transaction, so the entry commits
/// together with the change it records.
pub fn append(
    tx: &Transaction<'_>,
    tenant: &str,
    actor: &str,
    kind: &str,
    data: serde_json::Value,
    ts: Timestamp,
) -> Result<AuditEntry> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE tenant_id = ?1 ORDER BY seq DESC LIMIT 1",
            params![tenant],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_PREV.to_owned()),
    };
    let entry = AuditEntry {
        seq,
        ts,
        tenant: tenant.to_owned(),
        actor: actor.to_owned(),
        kind: kind.to_owned(),
        data,
        prev,
    };
    let hash = entry.hash()?;
    let data_text = String::from_utf8(canon::to_canonical_vec(&entry.data)?)
        .map_err(|e| Error::AuditBroken(e.to_string()))?;
    tx.execute(
        "INSERT INTO audit_log (tenant_id, seq, ts, actor, kind, data, prev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            tenant,
            entry.seq,
            entry.ts.to_string(),
            entry.actor,
            entry.kind,
            data_text,
            entry.prev,
            hash.to_string()
        ],
    )?;
    Ok(entry)
}

/// Number of entries in `tenant`'s chain.
pub fn count(conn: &Connection, tenant: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ?1",
        params![tenant],
        |row| row.get(0),
    )?)
}

/// The last verified position of a tenant's chain, kept in the OS keyring so that a chain
/// rewritten wholesale inside SQLite no longer matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
}

fn checkpoint_entry(tenant: &str) -> String {
    format!("audit-checkpoint/{tenant}")
}

pub fn read_checkpoint(keyring: &Keyring, tenant: &str) -> Result<Option<Checkpoint>> {
    let Some(secret) = keyring.get(&checkpoint_entry(tenant))? else {
        return Ok(None);
    };
    serde_json::from_str(secret.expose())
        .map(Some)
        .map_err(|e| {
            Error::AuditBroken(format!(
                "the audit checkpoint in the keyring is unreadable ({e})"
            ))
        })
}

fn write_checkpoint(keyring: &Keyring, tenant: &str, checkpoint: &Checkpoint) -> Result<()> {
    let text = serde_json::to_string(checkpoint).map_err(|e| Error::AuditBroken(e.to_string()))?;
    Ok(keyring.set(&checkpoint_entry(tenant), &Sensitive::new(text))?)
}

/// One stored row, as read back for verification or listing.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AuditRecord {
    pub entry: AuditEntry,
    pub hash: String,
}

fn read_rows(conn: &Connection, tenant: &str, from_seq: i64) -> Result<Vec<(AuditRecord, String)>> {
    let mut statement = conn.prepare(
        "SELECT seq, ts, actor, kind, data, prev, hash FROM audit_log
         WHERE tenant_id = ?1 AND seq >= ?2 ORDER BY seq",
    )?;
    let rows = statement.query_map(params![tenant, from_seq], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, ts, actor, kind, data, prev, hash) = row?;
        // Unparseable fields are kept as problems for `verify` to report by seq.
        let (ts, ts_problem) = match Timestamp::parse(&ts) {
            Ok(t) => (t, String::new()),
            Err(e) => (
                Timestamp::from_unix_millis(0),
                format!("its time is unreadable ({e})"),
            ),
        };
        let (data, data_problem) = match serde_json::from_str(&data) {
            Ok(v) => (v, String::new()),
            Err(e) => (
                serde_json::Value::Null,
                format!("its data is not JSON ({e})"),
            ),
        };
        let problem = [ts_problem, data_problem]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        out.push((
            AuditRecord {
                entry: AuditEntry {
                    seq,
                    ts,
                    tenant: tenant.to_owned(),
                    actor,
                    kind,
                    data,
                    prev,
                },
                hash,
            },
            problem,
        ));
    }
    Ok(out)
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VerifyReport {
    pub ok: bool,
    #[ts(type = "number")]
    pub entries: i64,
    pub head: Option<String>,
    #[ts(type = "number | null")]
    pub broken_seq: Option<i64>,
    pub reason: Option<String>,
    #[ts(type = "number | null")]
    pub checkpoint_seq: Option<i64>,
}

/// Walks the chain from `start` (a trusted position, or the beginning) and returns the head, or
/// the first broken seq and why.
fn walk(
    rows: &[(AuditRecord, String)],
    start: Option<&Checkpoint>,
) -> Result<Option<(i64, String)>, (i64, String)> {
    let mut expected_prev: Option<String> = start.is_none().then(|| GENESIS_PREV.to_owned());
    let mut head = None;
    for (expected_seq, (record, problem)) in (start.map_or(1, |c| c.seq)..).zip(rows) {
        let entry = &record.entry;
        if entry.seq != expected_seq {
            let reason = if entry.seq > expected_seq {
                format!(
                    "entry {expected_seq} is missing: the chain jumps to {} (a row was deleted)",
                    entry.seq
                )
            } else {
                format!("entry {} appears out of order", entry.seq)
            };
            return Err((expected_seq, reason));
        }
        if !problem.is_empty() {
            return Err((
                entry.seq,
                format!("entry {} was edited: {problem}", entry.seq),
            ));
        }
        let recomputed = entry
            .hash()
            .map_err(|e| (entry.seq, e.to_string()))?
            .to_string();
        if recomputed != record.hash {
            return Err((
                entry.seq,
                format!("entry {} does not match its hash: its content was edited or its rows reordered", entry.seq),
            ));
        }
        if let Some(prev) = &expected_prev {
            if &entry.prev != prev {
                return Err((
                    entry.seq,
                    format!("entry {} does not link to entry {} (prev hash differs): the chain was rewritten or reordered", entry.seq, entry.seq - 1),
                ));
            }
        } else if let Some(checkpoint) = start {
            if record.hash != checkpoint.hash {
                return Err((
                    entry.seq,
                    format!("entry {} differs from the checkpoint kept in the OS keyring: the chain was rewritten", entry.seq),
                ));
            }
        }
        expected_prev = Some(record.hash.clone());
        head = Some((entry.seq, record.hash.clone()));
    }
    if let Some(checkpoint) = start {
        if head.is_none() {
            return Err((
                checkpoint.seq,
                format!("the chain ends before entry {}, which the keyring checkpoint vouches for: entries were deleted", checkpoint.seq),
            ));
        }
    }
    Ok(head)
}

/// Verifies `tenant`'s whole chain, and that it still contains the keyring checkpoint. On
/// success the checkpoint advances to the head.
pub fn verify(conn: &Connection, tenant: &str, keyring: Option<&Keyring>) -> Result<VerifyReport> {
    let rows = read_rows(conn, tenant, 1)?;
    let checkpoint = keyring
        .map(|k| read_checkpoint(k, tenant))
        .transpose()?
        .flatten();
    let entries = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let broken = |seq: i64, reason: String| VerifyReport {
        ok: false,
        entries,
        head: None,
        broken_seq: Some(seq),
        reason: Some(reason),
        checkpoint_seq: checkpoint.as_ref().map(|c| c.seq),
    };
    let head = match walk(&rows, None) {
        Ok(head) => head,
        Err((seq, reason)) => return Ok(broken(seq, reason)),
    };
    if let Some(cp) = &checkpoint {
        let from = rows.iter().position(|(r, _)| r.entry.seq == cp.seq);
        let tail = from.and_then(|i| rows.get(i..)).unwrap_or(&[]);
        if let Err((seq, reason)) = walk(tail, Some(cp)) {
            return Ok(broken(seq, reason));
        }
    }
    let mut checkpoint_seq = checkpoint.as_ref().map(|c| c.seq);
    if let (Some(keyring), Some((seq, hash))) = (keyring, &head) {
        write_checkpoint(
            keyring,
            tenant,
            &Checkpoint {
                seq: *seq,
                hash: hash.clone(),
            },
        )?;
        checkpoint_seq = Some(*seq);
    }
    Ok(VerifyReport {
        ok: true,
        entries,
        head: head.map(|(_, h)| h),
        broken_seq: None,
        reason: None,
        checkpoint_seq,
    })
}

/// Moves the keyring checkpoint to the head, but only when the entries since the checkpoint
/// verify, so a tampered chain is never vouched for.
pub fn advance_checkpoint(conn: &Connection, tenant: &str, keyring: &Keyring) -> Result<bool> {
    let checkpoint = read_checkpoint(keyring, tenant)?;
    let rows = read_rows(conn, tenant, checkpoint.as_ref().map_or(1, |c| c.seq))?;
    match walk(&rows, checkpoint.as_ref()) {
        Ok(Some((seq, hash))) if checkpoint.as_ref().is_none_or(|c| c.seq < seq) => {
            write_checkpoint(keyring, tenant, &Checkpoint { seq, hash })?;
            Ok(true)
        }
        Ok(_) | Err(_) => Ok(false),
    }
}

/// After every committed write, advance the acting tenant's checkpoint (best effort: `verify`
/// reports a lagging or unavailable checkpoint).
pub fn install_checkpointing(store: &mut crate::store::Store) {
    store.set_after_commit(Box::new(|conn: &Connection| {
        let profile: Option<(String, String)> = conn
            .query_row(
                "SELECT install_id, tenant_id FROM local_profile WHERE singleton = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .ok();
        if let Some((install_id, tenant)) = profile {
            let _ = advance_checkpoint(conn, &tenant, &Keyring::new(install_id));
        }
    }));
}

/// Filters for `list`.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
pub struct AuditFilter {
    /// An exact kind (`persona.published`) or a prefix ending in `.` (`integrity.`).
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: Option<u32>,
}

/// Entries of `tenant`'s chain matching `filter`, newest first.
pub fn list(conn: &Connection, tenant: &str, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
    let limit = filter.limit.unwrap_or(200).min(10_000) as usize;
    let mut out: Vec<AuditRecord> = read_rows(conn, tenant, 1)?
        .into_iter()
        .map(|(record, _)| record)
        .filter(|r| match &filter.kind {
            Some(kind) if kind.ends_with('.') => r.entry.kind.starts_with(kind.as_str()),
            Some(kind) => &r.entry.kind == kind,
            None => true,
        })
        .filter(|r| filter.actor.as_ref().is_none_or(|a| &r.entry.actor == a))
        .filter(|r| filter.since.is_none_or(|t| r.entry.ts >= t))
        .filter(|r| filter.until.is_none_or(|t| r.entry.ts <= t))
        .collect();
    out.reverse();
    out.truncate(limit);
    Ok(out)
}

/// The last entry of `tenant`'s chain (its seq and hash), as stored; `None` for an empty chain.
pub fn head(conn: &Connection, tenant: &str) -> Result<Option<Checkpoint>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE tenant_id = ?1 ORDER BY seq DESC LIMIT 1",
            params![tenant],
            |row| {
                Ok(Checkpoint {
                    seq: row.get(0)?,
                    hash: row.get(1)?,
                })
            },
        )
        .optional()?)
}

/// The one path that starts a keyring checkpoint over a chain it has not seen grow: right after
/// a restore, whose `backup.restored` entry names the backup and the heads before and after.
/// The whole chain must verify from its first entry and end with that entry; the checkpoint
/// then vouches for the head, so a later rewrite is caught as on any other chain.
///
/// Errors: `audit_broken` when the chain does not verify or does not end with a restore.
pub fn checkpoint_restored(
    conn: &Connection,
    tenant: &str,
    keyring: &Keyring,
) -> Result<Checkpoint> {
    let rows = read_rows(conn, tenant, 1)?;
    let head = walk(&rows, None).map_err(|(seq, reason)| {
        Error::AuditBroken(format!("the restored chain breaks at seq {seq}: {reason}"))
    })?;
    let ends_with_restore = rows
        .last()
        .is_some_and(|(record, _)| record.entry.kind == RESTORED_KIND);
    let Some((seq, hash)) = head.filter(|_| ends_with_restore) else {
        return Err(Error::AuditBroken(
            "the checkpoint moves only to a chain whose last entry records a restore".to_owned(),
        ));
    };
    let checkpoint = Checkpoint { seq, hash };
    write_checkpoint(keyring, tenant, &checkpoint)?;
    Ok(checkpoint)
}

/// The kind of the entry that records a restore (see [`checkpoint_restored`]).
pub const RESTORED_KIND: &str = "backup.restored";
