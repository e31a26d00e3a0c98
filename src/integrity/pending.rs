//! Product writes announced before they happen, so the self-edit scan never reports the
//! product's own edits as drift. A writer that puts files in a workspace before the transaction
//! that records their baseline (preset apply, OpenClaw sync) first announces each file's new
//! sha256 here in a short transaction of its own ([`announce`]); a scan that finds a file whose
//! bytes are an announced write leaves it alone ([`is_announced`]). An announcement is spent
//! when the baseline row holds its bytes ([`spend_in`], called by the scan); a writer that
//! failed between writing and recording leaves its announcement, and the bytes it wrote are
//! still the product's until the next product write of that file. Table `pending_writes`
//! (migration 0012).

use rusqlite::{params, Connection, Transaction};

use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::store::Store;
use crate::Result;

/// The path under which an OpenClaw config entry is announced and reviewed (the policy's
/// `OPENCLAW_ENTRY`): the digest is that of the entry's canonical JSON.
pub const CONFIG_ENTRY: &str = "openclaw.json";

/// Announces that the product is about to write `files` (path, sha256 of the new bytes) into
/// `agent`'s workspace; `source` names the writer (`apply`, `sync`). Its own short transaction,
/// no audit entry (the write's own entry records it).
pub fn announce(
    store: &mut Store,
    (tenant, agent): (&str, &str),
    files: &[(String, Digest)],
    source: &str,
    now: Timestamp,
) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    store.write(|tx| {
        for (path, sha256) in files {
            tx.execute(
                "INSERT INTO pending_writes (tenant_id, agent, path, sha256, source, announced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant_id, agent, path, sha256) DO UPDATE SET
                   source = excluded.source, announced_at = excluded.announced_at",
                params![
                    tenant,
                    agent,
                    path,
                    sha256.to_string(),
                    source,
                    now.to_string()
                ],
            )?;
        }
        Ok(())
    })
}

/// Whether `sha256` at `path` of `agent` is a product write announced and not yet spent.
pub fn is_announced(
    conn: &Connection,
    (tenant, agent): (&str, &str),
    path: &str,
    sha256: &Digest,
) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pending_writes
           WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3 AND sha256 = ?4)",
        params![tenant, agent, path, sha256.to_string()],
        |row| row.get(0),
    )?)
}

/// Forgets the announcements of `agent` that its baselines now hold (the write was recorded):
/// a file's baseline row, or for [`CONFIG_ENTRY`] the config entry baseline.
pub fn spend_in(tx: &Transaction<'_>, tenant: &str, agent: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM pending_writes
         WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3 AND sha256 IN (
           SELECT sha256 FROM openclaw_entries WHERE tenant_id = ?1 AND agent = ?2)",
        params![tenant, agent, CONFIG_ENTRY],
    )?;
    tx.execute(
        "DELETE FROM pending_writes
         WHERE tenant_id = ?1 AND agent = ?2 AND EXISTS (
           SELECT 1 FROM baseline_files b
           WHERE b.tenant_id = pending_writes.tenant_id AND b.agent = pending_writes.agent
             AND b.path = pending_writes.path AND b.sha256 = pending_writes.sha256)",
        params![tenant, agent],
    )?;
    Ok(())
}
