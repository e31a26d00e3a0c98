//! Workspace baselines and drift: for each persona file of an agent's workspace (SOUL.md,
//! USER.md, IDENTITY.md, AGENTS.md and the user's watch list) the raw size, mtime, mode and
//! sha256, stored per tenant and agent; `check` compares the folder against it, reading each
//! file once; `accept` makes the current state the new baseline (owner or admin, audited).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::{Digest, DigestWriter};
use crate::clock::{Clock, Timestamp};
use crate::integrity::digest_cache::DigestCache;
use crate::persona::versions::check_agent_name;
use crate::persona::workspace::PersonaFile;
use crate::store::Store;
use crate::{Error, Result};

/// Files up to this size keep their baseline content, so drift can be shown as a diff.
pub const MAX_BLOB_BYTES: u64 = 512 * 1024;
/// At most this many extra files on a watch list.
pub const MAX_WATCHED: usize = 256;
const READ_CHUNK: usize = 256 * 1024;

/// One file as it was (or is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileState {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    #[ts(type = "number")]
    pub mtime_ns: i64,
    pub mode: u32,
    pub sha256: Digest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
}

/// An attribute that differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Size,
    Mtime,
    Mode,
    Content,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub changed: Vec<Attribute>,
    pub old_sha256: Option<Digest>,
    pub new_sha256: Option<Digest>,
}

/// The result of `check`. `exit_code` is a bitmask like AIDE's: 1 added, 2 removed, 4 modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DriftReport {
    pub agent: String,
    pub workspace: String,
    pub baseline_recorded_at: Timestamp,
    pub files_checked: u32,
    pub changes: Vec<Change>,
    pub exit_code: u8,
}

impl DriftReport {
    pub fn is_clean(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A stored baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Baseline {
    pub agent: String,
    pub workspace: String,
    pub recorded_at: Timestamp,
    pub files: Vec<FileState>,
    pub watch_list: Vec<String>,
}

/// Hashes one file, reading it exactly once, and keeps its bytes when `keep_up_to` allows.
pub fn hash_file(path: &Path, keep_up_to: u64) -> std::io::Result<(Digest, u64, Option<Vec<u8>>)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = DigestWriter::new();
    let mut kept = Vec::new();
    let mut keep = true;
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buffer.get(..n).unwrap_or_default();
        hasher.update(chunk);
        total += n as u64;
        if keep {
            if total <= keep_up_to {
                kept.extend_from_slice(chunk);
            } else {
                keep = false;
                kept = Vec::new();
            }
        }
    }
    Ok((hasher.finish(), total, keep.then_some(kept)))
}

/// A watch-list entry must be a relative path inside the workspace.
fn check_relative(path: &str) -> Result<String> {
    let candidate = Path::new(path);
    let inside = !path.is_empty()
        && candidate
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(Error::invalid(
            "watch path",
            format!("\"{path}\" must be a relative path inside the workspace, without '..'"),
        ));
    }
    Ok(candidate
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/"))
}

pub(super) fn watched_paths(watch_list: &[String]) -> Vec<String> {
    let mut paths: Vec<String> = PersonaFile::BY_PRECEDENCE
        .iter()
        .map(|f| f.file_name().to_owned())
        .collect();
    for extra in watch_list {
        if !paths.contains(extra) {
            paths.push(extra.clone());
        }
    }
    paths
}

#[cfg(unix)]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode()
}

#[cfg(not(unix))]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    u32::from(metadata.permissions().readonly())
}

fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

/// Contents of small files, by their hash.
pub(super) type Blobs = BTreeMap<Digest, Vec<u8>>;

/// What is on disk now: the state of each watched file that exists, and the kept contents.
pub(super) fn scan(workspace: &Path, paths: &[String]) -> Result<(Vec<FileState>, Blobs)> {
    let mut blobs = BTreeMap::new();
    let states = scan_with(workspace, paths, |path, _| {
        let (sha256, size, kept) =
            hash_file(path, MAX_BLOB_BYTES).map_err(|e| Error::io("read", path, e))?;
        if let Some(bytes) = kept {
            blobs.insert(sha256, bytes);
        }
        Ok((sha256, size))
    })?;
    Ok((states, blobs))
}

/// What is on disk now, each existing regular file's digest and size given by `digest`.
fn scan_with(
    workspace: &Path,
    paths: &[String],
    mut digest: impl FnMut(&Path, &std::fs::Metadata) -> Result<(Digest, u64)>,
) -> Result<Vec<FileState>> {
    let mut states = Vec::new();
    for relative in paths {
        let path = workspace.join(relative);
        let metadata = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let (sha256, size) = digest(&path, &metadata)?;
        states.push(FileState {
            path: relative.clone(),
            size,
            mtime_ns: mtime_ns(&metadata),
            mode: mode_of(&metadata),
            sha256,
        });
    }
    Ok(states)
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

/// Records the first baseline of `agent`'s workspace. An agent with a baseline changes it only
/// through [`accept`].
pub fn record(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    workspace: &Path,
    watch: &[String],
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
            "Agent {agent} already has a baseline. Review the drift with `integrity check` and make the current state the baseline with `integrity accept`."
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
        write_files(tx, &actor.tenant_id, agent, &states, &blobs)?;
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

pub(super) fn write_files(
    tx: &Transaction<'_>,
    tenant: &str,
    agent: &str,
    states: &[FileState],
    blobs: &Blobs,
) -> Result<()> {
    tx.execute(
        "DELETE FROM baseline_files WHERE tenant_id = ?1 AND agent = ?2",
        params![tenant, agent],
    )?;
    for state in states {
        tx.execute(
            "INSERT INTO baseline_files (tenant_id, agent, path, size, mtime_ns, mode, sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                tenant,
                agent,
                state.path,
                i64::try_from(state.size).unwrap_or(i64::MAX),
                state.mtime_ns,
                state.mode,
                state.sha256.to_string()
            ],
        )?;
        if let Some(bytes) = blobs.get(&state.sha256) {
            tx.execute(
                "INSERT OR IGNORE INTO baseline_blobs (tenant_id, sha256, content) VALUES (?1, ?2, ?3)",
                params![tenant, state.sha256.to_string(), bytes],
            )?;
        }
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
    let head: Option<(String, String)> = store
        .conn()
        .query_row(
            "SELECT workspace, recorded_at FROM baselines WHERE tenant_id = ?1 AND agent = ?2",
            params![tenant, agent],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((workspace, recorded_at)) = head else {
        return Ok(None);
    };
    let mut statement = store.conn().prepare_cached(
        "SELECT path, size, mtime_ns, mode, sha256 FROM baseline_files
         WHERE tenant_id = ?1 AND agent = ?2 ORDER BY path",
    )?;
    let rows = statement.query_map(params![tenant, agent], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, u32>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut files = Vec::new();
    for row in rows {
        let (path, size, mtime_ns, mode, sha256) = row?;
        files.push(FileState {
            path,
            size: u64::try_from(size).unwrap_or(0),
            mtime_ns,
            mode,
            sha256: sha256
                .parse()
                .map_err(|e| Error::AuditBroken(format!("baseline hash of {agent}: {e}")))?,
        });
    }
    let mut statement = store.conn().prepare_cached(
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
                hash_file(path, 0)
                    .map(|(digest, _, _)| digest)
                    .map_err(|e| Error::io("read", path, e))
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

fn compare(baseline: &Baseline, current: &[FileState]) -> DriftReport {
    let old: BTreeMap<&str, &FileState> = baseline
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let new: BTreeMap<&str, &FileState> = current.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut paths: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    paths.sort_unstable();
    paths.dedup();
    let mut changes = Vec::new();
    let mut exit_code = 0u8;
    for path in paths {
        match (old.get(path), new.get(path)) {
            (None, Some(now)) => {
                exit_code |= 1;
                changes.push(Change {
                    path: path.to_owned(),
                    kind: ChangeKind::Added,
                    changed: Vec::new(),
                    old_sha256: None,
                    new_sha256: Some(now.sha256),
                });
            }
            (Some(was), None) => {
                exit_code |= 2;
                changes.push(Change {
                    path: path.to_owned(),
                    kind: ChangeKind::Removed,
                    changed: Vec::new(),
                    old_sha256: Some(was.sha256),
                    new_sha256: None,
                });
            }
            (Some(was), Some(now)) => {
                let changed: Vec<Attribute> = [
                    (was.size != now.size, Attribute::Size),
                    (was.mtime_ns != now.mtime_ns, Attribute::Mtime),
                    (was.mode != now.mode, Attribute::Mode),
                    (was.sha256 != now.sha256, Attribute::Content),
                ]
                .into_iter()
                .filter_map(|(differs, attribute)| differs.then_some(attribute))
                .collect();
                if !changed.is_empty() {
                    exit_code |= 4;
                    changes.push(Change {
                        path: path.to_owned(),
                        kind: ChangeKind::Modified,
                        changed,
                        old_sha256: Some(was.sha256),
                        new_sha256: Some(now.sha256),
                    });
                }
            }
            (None, None) => {}
        }
    }
    DriftReport {
        agent: baseline.agent.clone(),
        workspace: baseline.workspace.clone(),
        baseline_recorded_at: baseline.recorded_at,
        files_checked: u32::try_from(current.len()).unwrap_or(u32::MAX),
        changes,
        exit_code,
    }
}

/// Makes the workspace's current state the baseline of `agent` and records the old and new
/// hashes in the audit log.
pub fn accept(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
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
    store.write(|tx| {
        write_files(tx, &actor.tenant_id, agent, &states, &blobs)?;
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
    let current_path = Path::new(&baseline.workspace).join(&path);
    let current = match std::fs::metadata(&current_path) {
        Ok(m) if m.is_file() && m.len() <= MAX_BLOB_BYTES => std::fs::read(&current_path)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok()),
        _ => None,
    };
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
