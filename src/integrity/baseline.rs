//! Workspace baselines and drift: for every file the OpenClaw runtime reads from an agent's
//! workspace (`persona::workspace::RUNTIME_FILES`, whether or not it exists yet) and the user's
//! watch list, each existing file's type, link target, raw size, mtime, mode and sha256
//! (`scan`), stored per tenant and agent; `check` compares the folder against it, reading each
//! file once (`drift`); `accept` makes the current state the new baseline (owner or admin,
//! audited).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::clock::{Clock, Timestamp};
use crate::fsutil::{self, FileKind};
use crate::integrity::digest_cache::DigestCache;
use crate::integrity::history::{self, Origin, VersionSource};
use crate::persona::versions::check_agent_name;
use crate::store::Store;
use crate::{Error, Result};

use super::drift::compare;
pub use super::drift::{Attribute, Change, ChangeKind, DriftReport};
pub(super) use super::scan::{check_relative, scan, scan_with, watched_paths, Blobs};
pub use super::scan::{hash_file, FileState, MAX_BLOB_BYTES};

/// At most this many extra files on a watch list.
pub const MAX_WATCHED: usize = 256;

/// A stored baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Baseline {
    pub agent: String,
    pub workspace: String,
    pub recorded_at: Timestamp,
    pub files: Vec<FileState>,
    pub watch_list: Vec<String>,
}

pub(super) fn workspace_dir(path: &Path) -> Result<PathBuf> {
    if !path.is_dir() {
        return Err(Error::invalid(
            "workspace",
            format!("{} is not a folder", path.display()),
        ));
    }
    std::fs::canonicalize(path).map_err(|e| Error::io("resolve", path, e))
}

/// Records the first baseline of `agent`'s workspace, and a history version (source
/// `baseline`) of each file. An agent with a baseline changes it only through [`accept`].
pub fn record(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    workspace: &Path,
    watch: &[String],
    clock: &dyn Clock,
) -> Result<Baseline> {
    record_as(
        store,
        actor,
        (agent, workspace),
        watch,
        VersionSource::Baseline,
        clock,
    )
}

/// [`record`], with the files' history versions recorded as coming from `source` (a preset
/// apply records `apply`). The audit entry is the same.
pub fn record_as(
    store: &mut Store,
    actor: &Actor,
    (agent, workspace): (&str, &Path),
    watch: &[String],
    source: VersionSource,
    clock: &dyn Clock,
) -> Result<Baseline> {
    check_agent_name(agent)?;
    require_unlocked_privileged(
        store.conn(),
        actor,
        clock.now(),
        "record integrity baselines",
    )?;
    if watch.len() > MAX_WATCHED {
        return Err(Error::invalid(
            "watch list",
            format!("has {} entries; the limit is {MAX_WATCHED}", watch.len()),
        ));
    }
    let watch: Vec<String> = watch
        .iter()
        .map(|p| check_relative(p))
        .collect::<Result<_>>()?;
    let workspace = workspace_dir(workspace)?;
    if get(store, &actor.tenant_id, agent)?.is_some() {
        return Err(Error::Conflict(format!(
            "Agent {agent} already has a baseline. Review the drift with `integrity check DIR --agent {agent}` and make the current state the baseline with `integrity accept DIR --agent {agent}`."
        )));
    }
    let (states, blobs) = scan(&workspace, &watched_paths(&watch))?;
    let now = clock.now();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO baselines (tenant_id, agent, workspace, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                actor.tenant_id,
                agent,
                workspace.display().to_string(),
                now.to_string(),
                actor.member_id
            ],
        )?;
        for path in &watch {
            tx.execute(
                "INSERT OR IGNORE INTO watch_list (tenant_id, agent, path) VALUES (?1, ?2, ?3)",
                params![actor.tenant_id, agent, path],
            )?;
        }
        let origin = Origin {
            source,
            actor: &actor.member_id,
            at: now,
        };
        write_files(tx, &actor.tenant_id, agent, (&states, &blobs), &origin)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "integrity.baseline_recorded",
            json!({
                "agent": agent,
                "workspace": workspace.display().to_string(),
                "files": hashes_of(&states),
            }),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, agent)?.ok_or_else(|| missing_baseline(agent))
}

/// Stores `states` as `agent`'s baseline files (their small contents as blobs) and records a
/// history version of each with `origin`: every baseline write goes through here.
pub(super) fn write_files(
    tx: &Transaction<'_>,
    tenant: &str,
    agent: &str,
    (states, blobs): (&[FileState], &Blobs),
    origin: &Origin<'_>,
) -> Result<()> {
    tx.execute(
        "DELETE FROM baseline_files WHERE tenant_id = ?1 AND agent = ?2",
        params![tenant, agent],
    )?;
    for state in states {
        insert_file(
            tx,
            (tenant, agent),
            &state.path,
            state,
            blobs.get(&state.sha256).map(Vec::as_slice),
        )?;
    }
    record_history(tx, tenant, agent, (states, blobs), origin)
}

/// Inserts one baseline row of `agent` at `path` (which must have none), and its content as
/// a blob when `bytes` is given.
pub(super) fn insert_file(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    path: &str,
    state: &FileState,
    bytes: Option<&[u8]>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO baseline_files
           (tenant_id, agent, path, size, mtime_ns, mode, sha256, ftype, lname)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            tenant,
            agent,
            path,
            i64::try_from(state.size).unwrap_or(i64::MAX),
            state.mtime_ns,
            state.mode,
            state.sha256.to_string(),
            state.file_type.as_str(),
            state.link_target
        ],
    )?;
    if let Some(bytes) = bytes {
        tx.execute(
            "INSERT OR IGNORE INTO baseline_blobs (tenant_id, sha256, content) VALUES (?1, ?2, ?3)",
            params![tenant, state.sha256.to_string(), bytes],
        )?;
    }
    Ok(())
}

/// A history version of each file of `states`: its content when it was read and kept (a
/// regular file, or a link to one the link rule follows), else its hash only.
fn record_history(
    tx: &Transaction<'_>,
    tenant: &str,
    agent: &str,
    (states, blobs): (&[FileState], &Blobs),
    origin: &Origin<'_>,
) -> Result<()> {
    for state in states {
        let content = match state.file_type {
            FileKind::File | FileKind::Symlink => blobs.get(&state.sha256),
            _ => None,
        };
        match content {
            Some(bytes) => history::record(tx, tenant, agent, &state.path, bytes, origin)?,
            None => history::record_hash(
                tx,
                tenant,
                agent,
                &state.path,
                &state.sha256.to_string(),
                state.size,
                origin,
            )?,
        };
    }
    Ok(())
}

pub(super) fn hashes_of(states: &[FileState]) -> BTreeMap<String, String> {
    states
        .iter()
        .map(|s| (s.path.clone(), s.sha256.to_string()))
        .collect()
}

fn missing_baseline(agent: &str) -> Error {
    Error::NotFound {
        what: format!("A baseline for agent {agent}"),
        hint: format!("Record one with `integrity baseline DIR --agent {agent}`."),
    }
}

/// The stored baseline of `agent`, if any.
pub fn get(store: &Store, tenant: &str, agent: &str) -> Result<Option<Baseline>> {
    get_in(store.conn(), tenant, agent)
}

/// [`get`] on a connection or inside a transaction (`&Transaction` derefs to one).
pub fn get_in(conn: &rusqlite::Connection, tenant: &str, agent: &str) -> Result<Option<Baseline>> {
    let head: Option<(String, String)> = conn
        .query_row(
            "SELECT workspace, recorded_at FROM baselines WHERE tenant_id = ?1 AND agent = ?2",
            params![tenant, agent],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((workspace, recorded_at)) = head else {
        return Ok(None);
    };
    let files = files_of(conn, tenant, agent)?;
    let mut statement = conn.prepare_cached(
        "SELECT path FROM watch_list WHERE tenant_id = ?1 AND agent = ?2 ORDER BY path",
    )?;
    let watch_list = statement
        .query_map(params![tenant, agent], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some(Baseline {
        agent: agent.to_owned(),
        workspace,
        recorded_at: Timestamp::parse(&recorded_at)
            .map_err(|e| Error::invalid("recorded_at", e.to_string()))?,
        files,
        watch_list,
    }))
}

/// The files of `agent`'s baseline, by path. Rows from before file types were kept (migration
/// 0010) read as regular files, which is all those baselines recorded.
fn files_of(conn: &rusqlite::Connection, tenant: &str, agent: &str) -> Result<Vec<FileState>> {
    let mut statement = conn.prepare_cached(
        "SELECT path, size, mtime_ns, mode, sha256, ftype, lname FROM baseline_files
         WHERE tenant_id = ?1 AND agent = ?2 ORDER BY path",
    )?;
    let rows = statement.query_map(params![tenant, agent], |row| {
        Ok((
            (row.get::<_, String>(0)?, row.get::<_, i64>(1)?),
            (row.get::<_, i64>(2)?, row.get::<_, u32>(3)?),
            (row.get::<_, String>(4)?, row.get::<_, String>(5)?),
            row.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut files = Vec::new();
    for row in rows {
        let ((path, size), (mtime_ns, mode), (sha256, ftype), link_target) = row?;
        files.push(FileState {
            path,
            file_type: FileKind::parse(&ftype)?,
            link_target,
            size: u64::try_from(size).unwrap_or(0),
            mtime_ns,
            mode,
            sha256: sha256
                .parse()
                .map_err(|e| Error::AuditBroken(format!("baseline hash of {agent}: {e}")))?,
        });
    }
    Ok(files)
}

/// Every agent of `tenant` that has a baseline.
pub fn list(store: &Store, tenant: &str) -> Result<Vec<Baseline>> {
    let mut statement = store
        .conn()
        .prepare("SELECT agent FROM baselines WHERE tenant_id = ?1 ORDER BY agent")?;
    let agents = statement
        .query_map(params![tenant], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    agents
        .iter()
        .filter_map(|agent| get(store, tenant, agent).transpose())
        .collect()
}

/// The agent whose baseline was recorded for `workspace`.
pub fn agent_for_workspace(store: &Store, tenant: &str, workspace: &Path) -> Result<String> {
    let resolved = workspace_dir(workspace)?;
    store
        .conn()
        .query_row(
            "SELECT agent FROM baselines WHERE tenant_id = ?1 AND workspace = ?2",
            params![tenant, resolved.display().to_string()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("A baseline for {}", resolved.display()),
            hint: "Record one with `integrity baseline DIR --agent NAME`, or pass --agent."
                .to_owned(),
        })
}

/// Compares `agent`'s workspace with its baseline, hashing every file.
pub fn check(store: &Store, tenant: &str, agent: &str) -> Result<DriftReport> {
    let baseline = get(store, tenant, agent)?.ok_or_else(|| missing_baseline(agent))?;
    drift_of(&baseline, None)
}

/// Like [`check`], re-hashing only files whose stat data changed since `cache` last saw them
/// (see [`DigestCache`]); `now` is when the files are read.
pub fn check_cached(
    store: &Store,
    tenant: &str,
    agent: &str,
    cache: &DigestCache,
    now: Timestamp,
) -> Result<DriftReport> {
    let baseline = get(store, tenant, agent)?.ok_or_else(|| missing_baseline(agent))?;
    drift_of(&baseline, Some((cache, now)))
}

/// The workspace of `baseline` compared with it: every file hashed, or through a digest cache
/// and the time the files are read.
fn drift_of(baseline: &Baseline, cache: Option<(&DigestCache, Timestamp)>) -> Result<DriftReport> {
    let (workspace, paths) = paths_to_check(baseline)?;
    let current = match cache {
        None => scan(&workspace, &paths)?.0,
        Some((cache, now)) => scan_with(&workspace, &paths, |path, metadata| {
            let (digest, _) = cache.digest(path, metadata, now, || {
                hash_file(path, 0).map(|(digest, _, _)| digest)
            })?;
            Ok((digest, metadata.len()))
        })?,
    };
    Ok(compare(baseline, &current))
}

/// The workspace folder of `baseline` and the files to look at: the persona files, the watch
/// list and every file the baseline has.
fn paths_to_check(baseline: &Baseline) -> Result<(PathBuf, Vec<String>)> {
    let workspace = PathBuf::from(&baseline.workspace);
    if !workspace.is_dir() {
        return Err(Error::NotFound {
            what: format!("The workspace folder {}", workspace.display()),
            hint: "Reconnect the drive or restore the folder; the baseline remembers its path."
                .to_owned(),
        });
    }
    let mut paths = watched_paths(&baseline.watch_list);
    for file in &baseline.files {
        if !paths.contains(&file.path) {
            paths.push(file.path.clone());
        }
    }
    Ok((workspace, paths))
}

/// Makes the workspace's current state the baseline of `agent` and records the old and new
/// hashes in the audit log, and a history version (source `baseline`) of each changed file.
pub fn accept(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    clock: &dyn Clock,
) -> Result<Baseline> {
    accept_as(store, actor, agent, VersionSource::Baseline, clock)
}

/// [`accept`], with the files' history versions recorded as coming from `source` (a preset
/// apply records `apply`). The audit entry is the same.
pub fn accept_as(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    source: VersionSource,
    clock: &dyn Clock,
) -> Result<Baseline> {
    require_unlocked_privileged(
        store.conn(),
        actor,
        clock.now(),
        "accept a new integrity baseline",
    )?;
    let baseline = get(store, &actor.tenant_id, agent)?.ok_or_else(|| missing_baseline(agent))?;
    let workspace = workspace_dir(Path::new(&baseline.workspace))?;
    let (states, blobs) = scan(&workspace, &watched_paths(&baseline.watch_list))?;
    let now = clock.now();
    let origin = Origin {
        source,
        actor: &actor.member_id,
        at: now,
    };
    store.write(|tx| {
        write_files(tx, &actor.tenant_id, agent, (&states, &blobs), &origin)?;
        tx.execute(
            "UPDATE baselines SET recorded_at = ?1, recorded_by = ?2 WHERE tenant_id = ?3 AND agent = ?4",
            params![now.to_string(), actor.member_id, actor.tenant_id, agent],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "integrity.baseline_accepted",
            json!({
                "agent": agent,
                "old": hashes_of(&baseline.files),
                "new": hashes_of(&states),
            }),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, agent)?.ok_or_else(|| missing_baseline(agent))
}

pub use crate::textdiff::FileDiff;

pub fn file_diff(store: &Store, tenant: &str, agent: &str, path: &str) -> Result<FileDiff> {
    let path = check_relative(path)?;
    let baseline = get(store, tenant, agent)?.ok_or_else(|| missing_baseline(agent))?;
    let old_text = match baseline.files.iter().find(|f| f.path == path) {
        Some(file) => store
            .conn()
            .query_row(
                "SELECT content FROM baseline_blobs WHERE tenant_id = ?1 AND sha256 = ?2",
                params![tenant, file.sha256.to_string()],
                |row| row.get::<_, Vec<u8>>(0),
            )
            .optional()?
            .and_then(|bytes| String::from_utf8(bytes).ok()),
        None => None,
    };
    // What the runtime would read there now, if it is small text.
    let current = fsutil::read_in(
        Path::new(&baseline.workspace),
        Path::new(&path),
        MAX_BLOB_BYTES,
    )
    .ok()
    .flatten()
    .and_then(|bytes| String::from_utf8(bytes).ok());
    let rows = match (&old_text, &current) {
        (Some(old), Some(new)) => crate::textdiff::rows(old, new),
        (None, Some(new)) => crate::textdiff::rows("", new),
        (Some(old), None) => crate::textdiff::rows(old, ""),
        (None, None) => Vec::new(),
    };
    Ok(FileDiff {
        path,
        baseline: old_text,
        current,
        rows,
    })
}

/// One agent's integrity state for the panel: its baseline and a fresh check (or why the check
/// could not run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentIntegrity {
    pub agent: String,
    pub workspace: String,
    pub recorded_at: Timestamp,
    pub report: Option<DriftReport>,
    pub error: Option<String>,
}

/// Checks every agent of `tenant` that has a baseline, hashing every file.
pub fn overview(store: &Store, tenant: &str) -> Result<Vec<AgentIntegrity>> {
    overview_with(store, tenant, None)
}

/// Like [`overview`], through `cache` (see [`check_cached`]): what the Dashboard refreshes.
pub fn overview_cached(
    store: &Store,
    tenant: &str,
    cache: &DigestCache,
    now: Timestamp,
) -> Result<Vec<AgentIntegrity>> {
    overview_with(store, tenant, Some((cache, now)))
}

fn overview_with(
    store: &Store,
    tenant: &str,
    cache: Option<(&DigestCache, Timestamp)>,
) -> Result<Vec<AgentIntegrity>> {
    list(store, tenant)?
        .into_iter()
        .map(|b| {
            let (report, error) = match drift_of(&b, cache) {
                Ok(report) => (Some(report), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Ok(AgentIntegrity {
                agent: b.agent,
                workspace: b.workspace,
                recorded_at: b.recorded_at,
                report,
                error,
            })
        })
        .collect()
}
