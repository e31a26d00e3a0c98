//! A workspace read for its baseline and stored inside the caller's transaction, without an
//! audit entry of its own: for use cases that record one entry for several changes at once
//! (`openclaw` sync and import name the old and new hashes in theirs, invariant 15). The
//! baseline rules (watched files, raw bytes, blobs kept for diffs) are `baseline`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Transaction};

use super::baseline::{
    get, hashes_of, scan, watched_paths, workspace_dir, write_files, Blobs, FileState,
};
use super::history::{Origin, VersionSource};
use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::persona::versions::check_agent_name;
use crate::store::Store;
use crate::Result;

/// A workspace read for a baseline, not yet stored.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    workspace: PathBuf,
    states: Vec<FileState>,
    blobs: Blobs,
}

impl Snapshot {
    /// Each file's sha256, by path.
    pub(crate) fn hashes(&self) -> BTreeMap<String, String> {
        hashes_of(&self.states)
    }
}

/// Reads `workspace` as `agent`'s baseline would hold it (its watch list, if it has one).
pub(crate) fn snapshot(
    store: &Store,
    tenant: &str,
    agent: &str,
    workspace: &Path,
) -> Result<Snapshot> {
    check_agent_name(agent)?;
    let watch = get(store, tenant, agent)?
        .map(|b| b.watch_list)
        .unwrap_or_default();
    let workspace = workspace_dir(workspace)?;
    let (states, blobs) = scan(&workspace, &watched_paths(&watch))?;
    Ok(Snapshot {
        workspace,
        states,
        blobs,
    })
}

/// Makes `snapshot` `agent`'s baseline inside `tx` (recording or replacing it) without an
/// audit entry: the caller appends one entry naming the old and new hashes (invariant 15).
/// Each file's history version is recorded as coming from `source`.
pub(crate) fn store_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    (agent, source): (&str, VersionSource),
    snapshot: &Snapshot,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO baselines (tenant_id, agent, workspace, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tenant_id, agent) DO UPDATE SET
           workspace = excluded.workspace, recorded_at = excluded.recorded_at,
           recorded_by = excluded.recorded_by",
        params![
            actor.tenant_id,
            agent,
            snapshot.workspace.display().to_string(),
            now.to_string(),
            actor.member_id
        ],
    )?;
    let origin = Origin {
        source,
        actor: &actor.member_id,
        at: now,
    };
    write_files(
        tx,
        &actor.tenant_id,
        agent,
        (&snapshot.states, &snapshot.blobs),
        &origin,
    )
}
