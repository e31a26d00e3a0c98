//! One agent as the loop sees it: its baseline (the approved state), its workspace folder, its
//! file policies and its managed files; reading the approved bytes of a file; writing bytes
//! back inside the transaction that records them.

use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, Transaction};

use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::fsutil::{self, FileKind};
use crate::integrity::baseline::{self, Baseline, ChangeKind, FileState};
use crate::integrity::files;
use crate::integrity::history::{self, Origin, VersionSource};
use crate::persona::preset::policy::FilePolicies;
use crate::persona::workspace::RUNTIME_FILES;
use crate::store::Store;
use crate::{Error, Result};

/// How deep the walk for files matching a policy pattern (`memory/**`) goes.
pub const MAX_WALK_DEPTH: usize = 8;
/// How many folder entries the walk looks at, at most, per agent.
pub const MAX_WALK_ENTRIES: usize = 2_000;

/// An agent with a baseline.
pub(super) struct Agent {
    pub(super) tenant: String,
    pub(super) name: String,
    pub(super) baseline: Baseline,
    pub(super) policies: FilePolicies,
}

impl Agent {
    /// `agent` of `tenant`; `not_found` when it has no baseline.
    pub(super) fn load(store: &Store, tenant: &str, agent: &str) -> Result<Agent> {
        let baseline = baseline::get(store, tenant, agent)?.ok_or_else(|| Error::NotFound {
            what: format!("A baseline for agent {agent}"),
            hint: "Its workspace files are managed once a preset is applied to it or its baseline is recorded.".to_owned(),
        })?;
        Ok(Agent {
            tenant: tenant.to_owned(),
            name: agent.to_owned(),
            policies: crate::provision::applied::policies_for_agent(store, tenant, agent)?,
            baseline,
        })
    }

    /// (tenant, agent), as the row helpers take them.
    pub(super) fn key(&self) -> (&str, &str) {
        (&self.tenant, &self.name)
    }

    /// The workspace folder; `not_found` naming it when it is gone.
    pub(super) fn workspace(&self) -> Result<PathBuf> {
        let workspace = PathBuf::from(&self.baseline.workspace);
        if !workspace.is_dir() {
            return Err(Error::NotFound {
                what: format!("The workspace folder {}", workspace.display()),
                hint: "Reconnect the drive or restore the folder; the baseline remembers its path."
                    .to_owned(),
            });
        }
        Ok(workspace)
    }

    /// The managed files: see [`managed_paths`].
    pub(super) fn managed(&self) -> Result<Vec<String>> {
        managed_paths(&self.baseline, &self.policies).map(|m| m.paths)
    }

    /// [`managed`](Self::managed) with whether the walk stopped at its limits.
    pub(super) fn managed_walk(&self) -> Result<Managed> {
        managed_paths(&self.baseline, &self.policies)
    }

    /// `path` as a managed file of this agent: relative, inside the workspace, without `..`,
    /// and managed; `invalid_input` naming it otherwise.
    pub(super) fn managed_path(&self, path: &str) -> Result<String> {
        let outside = Path::new(path).is_absolute()
            || Path::new(path)
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)));
        if outside {
            return Err(Error::invalid(
                "file",
                format!("\"{path}\" is outside the workspace of agent {}; give a path relative to it, without '..'", self.name),
            ));
        }
        let given = path;
        let path = files::check_relative(path)?;
        if path.is_empty() {
            return Err(Error::invalid(
                "file",
                format!(
                    "\"{given}\" names the workspace folder of agent {}, not a file in it",
                    self.name
                ),
            ));
        }
        if !self.managed()?.contains(&path) {
            return Err(Error::invalid(
                "file",
                format!(
                    "{path} is not a managed file of agent {}: it has no baseline and matches no policy pattern",
                    self.name
                ),
            ));
        }
        Ok(path)
    }
}

/// The managed files of an agent, sorted: every file the runtime reads, its watch list, every
/// path its baseline has, and each regular file under its workspace that a pattern of its
/// policies matches (walked without following links, at most [`MAX_WALK_DEPTH`] deep and
/// [`MAX_WALK_ENTRIES`] entries).
pub fn managed_paths(baseline: &Baseline, policies: &FilePolicies) -> Result<Managed> {
    let mut paths: Vec<String> = RUNTIME_FILES.iter().map(|f| (*f).to_owned()).collect();
    paths.extend(baseline.watch_list.iter().cloned());
    paths.extend(baseline.files.iter().map(|f| f.path.clone()));
    let workspace = Path::new(&baseline.workspace);
    let mut budget = MAX_WALK_ENTRIES;
    let mut cut = false;
    for pattern in policies.glob_patterns() {
        let root = literal_prefix(pattern);
        let mut found = Vec::new();
        cut |= walk(workspace, &root, &mut budget, &mut found)?;
        for path in found {
            if policies.policy_for(&path).1 == pattern {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths.dedup();
    Ok(Managed { paths, cut })
}

/// The managed paths of a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    /// Relative paths, sorted.
    pub paths: Vec<String>,
    /// True when the walk stopped at [`MAX_WALK_DEPTH`] or [`MAX_WALK_ENTRIES`]: files past
    /// the limits are not managed.
    pub cut: bool,
}

impl Managed {
    /// What to say when the walk stopped at its limits: `Some` only when [`cut`](Self::cut).
    pub fn warning(&self) -> Option<String> {
        self.cut.then(|| format!(
            "the walk of the policy patterns stopped at {MAX_WALK_DEPTH} folders deep or {MAX_WALK_ENTRIES} entries; files past that are not managed (keep memory folders shallower and smaller)"
        ))
    }
}

/// The folder part of a pattern before its first wildcard: `memory/**` → `memory`.
fn literal_prefix(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal: Vec<&str> = parts
        .iter()
        .take(parts.len().saturating_sub(1))
        .take_while(|p| !p.contains(['*', '?', '[', '{']))
        .copied()
        .collect();
    literal.join("/")
}

/// Regular files under `workspace/relative`, as relative paths (`walkdir`, links not
/// followed, names that are not UTF-8 left out); true when the walk stopped at
/// [`MAX_WALK_DEPTH`] or at the end of `budget` (entries) with entries left.
fn walk(
    workspace: &Path,
    relative: &str,
    budget: &mut usize,
    found: &mut Vec<String>,
) -> Result<bool> {
    let root = workspace.join(relative);
    if !std::fs::symlink_metadata(&root).is_ok_and(|m| m.is_dir()) {
        return Ok(false);
    }
    let mut cut = false;
    let entries = walkdir::WalkDir::new(&root)
        .min_depth(1)
        .max_depth(MAX_WALK_DEPTH + 1)
        .follow_links(false)
        .sort_by_file_name();
    for entry in entries {
        if *budget == 0 {
            return Ok(true);
        }
        *budget -= 1;
        let entry = entry.map_err(|e| {
            let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
            Error::io("read", &path, e.into())
        })?;
        let kind = entry.file_type();
        if kind.is_dir() && entry.depth() > MAX_WALK_DEPTH {
            cut = true;
        }
        if !kind.is_file() {
            continue;
        }
        let Some(path) = entry
            .path()
            .strip_prefix(workspace)
            .ok()
            .and_then(Path::to_str)
        else {
            continue;
        };
        found.push(path.to_owned());
    }
    Ok(cut)
}

/// The bytes of version `sha256` of `path`: the baseline's kept blob, else history's copy.
pub(super) fn version_bytes(
    conn: &Connection,
    (tenant, agent): (&str, &str),
    path: &str,
    sha256: &Digest,
) -> Result<Option<Vec<u8>>> {
    if let Some(bytes) = files::blob(conn, tenant, sha256)? {
        return Ok(Some(bytes));
    }
    match history::content(conn, tenant, agent, path, &sha256.to_string()) {
        Ok(bytes) => Ok(Some(bytes)),
        // Unknown, or known by its hash only (too large, not a regular file).
        Err(e) if matches!(e.code(), "history_version_unknown" | "history_content_gone") => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Puts `bytes` at `path` of the workspace (removes the file when `None`) inside `tx`,
/// atomically and keeping the mode of the file replaced (a file created again gets `mode` when
/// given); the baseline row follows and history keeps the bytes as `origin`. Returns the
/// file's state afterwards.
pub(super) fn write_back(
    tx: &Transaction<'_>,
    agent: &Agent,
    path: &str,
    (bytes, mode): (Option<&[u8]>, Option<u32>),
    origin: &Origin<'_>,
) -> Result<Option<FileState>> {
    let workspace = agent.workspace()?;
    let full = workspace.join(path);
    match bytes {
        // Whatever the agent left there (a link, a pipe) is replaced, never followed.
        Some(bytes) => fsutil::restore_atomic(&full, bytes, mode)?,
        None => match std::fs::symlink_metadata(&full) {
            Ok(meta) if FileKind::of(&meta.file_type()) == FileKind::File => {
                std::fs::remove_file(&full).map_err(|e| Error::io("remove", &full, e))?;
            }
            Ok(_) => {
                return Err(Error::invalid(
                    "file",
                    format!(
                        "{} is not a regular file; it was left in place",
                        full.display()
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("read", &full, e)),
        },
    }
    let (state, kept) = files::read_now(&workspace, path)?;
    files::set_in(tx, agent.key(), path, state.as_ref(), kept.as_deref())?;
    if let Some(bytes) = bytes {
        history::record(tx, &agent.tenant, &agent.name, path, bytes, origin)?;
    }
    Ok(state)
}

/// An origin stamped now.
pub(super) fn origin(source: VersionSource, actor: &str, at: Timestamp) -> Origin<'_> {
    Origin { source, actor, at }
}

/// How `now` differs from its approved state `was` in content, type or link target (a new
/// mtime or mode alone is no change to the loop); `None` when it does not.
pub(super) fn change_of(was: Option<&FileState>, now: Option<&FileState>) -> Option<ChangeKind> {
    match (was, now) {
        (None, None) => None,
        (Some(a), Some(n))
            if a.sha256 == n.sha256
                && a.file_type == n.file_type
                && a.link_target == n.link_target =>
        {
            None
        }
        (None, Some(_)) => Some(ChangeKind::Added),
        (Some(_), None) => Some(ChangeKind::Removed),
        (Some(_), Some(_)) => Some(ChangeKind::Modified),
    }
}
