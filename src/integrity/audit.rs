//! The tamper-evident audit log. Each entry is canonical JSON
//! `{seq, ts, tenant, actor, kind, data, prev}`; its hash is sha256 over a domain-separation
//! byte followed by those bytes, and `prev` is the hash of the entry before it (per tenant).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::canon::{self, Digest};
use crate::clock::Timestamp;
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

/// Walks `tenant`'s chain from the first entry: each `seq` follows the one before, each `prev`
/// is the hash of the entry before it (the genesis value first), and each stored hash equals the
/// hash recomputed from the entry. Returns the number of entries checked.
pub fn verify_chain(conn: &Connection, tenant: &str) -> Result<u64> {
    let mut statement = conn.prepare(
        "SELECT seq, ts, actor, kind, data, prev, hash FROM audit_log
         WHERE tenant_id = ?1 ORDER BY seq",
    )?;
    let rows = statement.query_map(params![tenant], |row| {
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
    let mut expected_prev = GENESIS_PREV.to_owned();
    let mut checked: u64 = 0;
    for row in rows {
        let (seq, ts, actor, kind, data, prev, hash) = row?;
        let want_seq = i64::try_from(checked).unwrap_or(i64::MAX) + 1;
        if seq != want_seq {
            return Err(Error::AuditBroken(format!(
                "entry {seq} follows entry {}; an entry is missing",
                want_seq - 1
            )));
        }
        if prev != expected_prev {
            return Err(Error::AuditBroken(format!(
                "entry {seq} does not link to the entry before it"
            )));
        }
        let entry = AuditEntry {
            seq,
            ts: Timestamp::parse(&ts)
                .map_err(|e| Error::AuditBroken(format!("entry {seq}: {e}")))?,
            tenant: tenant.to_owned(),
            actor,
            kind,
            data: serde_json::from_str(&data)
                .map_err(|e| Error::AuditBroken(format!("entry {seq}: {e}")))?,
            prev,
        };
        let recomputed = entry.hash()?.to_string();
        if recomputed != hash {
            return Err(Error::AuditBroken(format!(
                "entry {seq} was altered: its hash does not match its content"
            )));
        }
        expected_prev = hash;
        checked += 1;
    }
    Ok(checked)
}
