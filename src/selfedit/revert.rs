//! Putting a kept version of a managed file back (owner or admin, unlocked): the version must
//! be in the file's history, the path a managed file of the agent inside its workspace, and
//! the workspace there. The bytes are written atomically keeping the file's mode, the baseline
//! row follows, history keeps them as `revert`, an open review of the file is closed, and one
//! `integrity.reverted` audit entry names the old and new hashes, all in one transaction.

use serde::Serialize;
use serde_json::json;

use super::agent::{origin, write_back, Agent};
use super::review;
use super::scan::forget;
use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::Clock;
use crate::fsutil::FileKind;
use crate::integrity::files;
use crate::integrity::history::{self, VersionSource};
use crate::store::Store;
use crate::textdiff::{self, FileDiff};
use crate::Result;

/// A file put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Reverted {
    pub agent: String,
    pub path: String,
    /// The sha256 now on disk, `sha256:<hex>`.
    pub sha256: String,
    /// The file's permission bits afterwards.
    pub mode: u32,
    /// False when the file and its approved state already were that version: nothing was
    /// written or audited.
    pub changed: bool,
}

/// The agent, the checked path and the bytes of the version asked for.
fn target(
    store: &Store,
    tenant: &str,
    (agent, path): (&str, &str),
    to_sha256: &str,
) -> Result<(Agent, String, Vec<u8>)> {
    let agent = Agent::load(store, tenant, agent)?;
    let path = agent.managed_path(path)?;
    agent.workspace()?;
    let sha = history::normalize_sha(to_sha256)?;
    let bytes = history::content(store.conn(), tenant, &agent.name, &path, &sha)?;
    Ok((agent, path, bytes))
}

/// The file as it is now (`baseline` side) against version `to_sha256` (`current` side).
///
/// # Errors
/// As [`revert`], without the privilege check.
pub fn preview(
    store: &Store,
    tenant: &str,
    target_file: (&str, &str),
    to_sha256: &str,
) -> Result<FileDiff> {
    let (agent, path, bytes) = target(store, tenant, target_file, to_sha256)?;
    let (_, now) = files::read_now(&agent.workspace()?, &path)?;
    let now = now.and_then(|b| String::from_utf8(b).ok());
    let then = String::from_utf8(bytes).ok();
    let rows = match (&now, &then) {
        (Some(a), Some(b)) => textdiff::rows(a, b),
        (None, Some(b)) => textdiff::rows("", b),
        _ => Vec::new(),
    };
    Ok(FileDiff {
        path,
        baseline: now,
        current: then,
        rows,
    })
}

/// Puts version `to_sha256` of `target.1` of agent `target.0` back.
///
/// # Errors
/// `history_version_unknown` (bad input) for a version history does not have; `invalid_input`
/// for a path outside the workspace or not managed; `not_found` naming the workspace folder
/// when it is gone, or for an agent without a baseline; `locked`/`forbidden` from the check.
pub fn revert(
    store: &mut Store,
    actor: &Actor,
    target_file: (&str, &str),
    to_sha256: &str,
    clock: &dyn Clock,
) -> Result<Reverted> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "revert workspace files")?;
    let (agent, path, bytes) = target(store, &actor.tenant_id, target_file, to_sha256)?;
    let old = agent
        .baseline
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| (f.sha256.to_string(), f.mode));
    let (on_disk, _) = files::read_now(&agent.workspace()?, &path)?;
    let target_sha = Digest::of_bytes(&bytes).to_string();
    if let Some(state) = on_disk.filter(|s| {
        s.file_type == FileKind::File
            && s.sha256.to_string() == target_sha
            && old.as_ref().is_some_and(|o| o.0 == target_sha)
    }) {
        return Ok(Reverted {
            agent: agent.name.clone(),
            path,
            sha256: target_sha,
            mode: state.mode & 0o7777,
            changed: false,
        });
    }
    store.write(|tx| {
        let origin = origin(VersionSource::Revert, &actor.member_id, now);
        let state = write_back(
            tx,
            &agent,
            &path,
            (Some(&bytes), old.as_ref().map(|o| o.1)),
            &origin,
        )?;
        forget(tx, agent.key(), &path)?;
        let closed = review::close_in(tx, &agent, &path, &actor.member_id, now)?;
        let state = state.ok_or_else(|| {
            crate::Error::invalid("file", format!("{path} is gone after writing it"))
        })?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "integrity.reverted",
            json!({"agent": agent.name, "path": path, "old": old.as_ref().map(|o| &o.0),
                   "new": state.sha256.to_string(), "review_closed": closed}),
            now,
        )?;
        Ok(Reverted {
            agent: agent.name.clone(),
            path: path.clone(),
            sha256: state.sha256.to_string(),
            mode: state.mode & 0o7777,
            changed: true,
        })
    })
}
