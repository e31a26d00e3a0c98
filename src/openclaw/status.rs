//! `status`: every agent of an OpenClaw install, which of our agents it is, and whether it still
//! runs what we last wrote into its workspace.
//!
//! An OpenClaw agent is one of ours when we hold an integrity baseline under its id (`preset
//! apply` and `integrity baseline` record one; see `integrity::baseline`). Its state:
//!
//! - `not_managed`: we have no baseline for it;
//! - `missing_workspace`: ours, but the folder OpenClaw would use does not exist;
//! - `drifted`: ours, but OpenClaw points at another folder than the one we baselined, a
//!   watched file was added, removed, or changed in content, size, mode, type or link target
//!   since the baseline
//!   (a new modification time alone is not drift: OpenClaw reads the same bytes), or its config
//!   entry differs from the one we last wrote or imported (each key that differs, old and new);
//! - `in_sync`: none of the above.
//!
//! A config entry that changed is listed in any state (a workspace that is gone does not hide
//! it). Values follow openclaw 2026.9.6 `docs/gateway/config-agents/entries-and-multi-agent.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use serde_json::{Map, Value};

use super::agents::select;
use super::state::entry_baseline;
use super::sync::{entry_of, KeyChange};
use super::{locate, read_config, roster, Agent, ConfigSource, Environment, Layout};
use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::integrity::baseline::{self, Attribute, Baseline, ChangeKind};
use crate::persona::versions;
pub(super) use crate::provision::applied::applied_presets;
pub use crate::provision::applied::AppliedPreset;
use crate::store::Store;
use crate::textdiff::RowKind;
use crate::Result;

/// An install and its agents, as `status` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Status {
    /// The config file read.
    pub config_path: String,
    /// How it was found.
    pub found_by: ConfigSource,
    /// The install's state folder.
    pub state_dir: String,
    /// Files read through `$include`, in order.
    pub includes: Vec<String>,
    /// How the config lists its agents.
    pub layout: Layout,
    /// Every agent (or the one asked for), in the config's order.
    pub agents: Vec<AgentStatus>,
}

/// One OpenClaw agent and where it stands with us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentStatus {
    /// The agent as OpenClaw would run it.
    #[serde(flatten)]
    pub agent: Agent,
    /// Which of our agents it is, when it is one.
    pub ours: Option<OurAgent>,
    /// Where it stands.
    pub state: AgentState,
    /// What differs, when `drifted`.
    pub drift: Vec<DriftItem>,
}

/// Where an OpenClaw agent stands with us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Its workspace is what we last recorded.
    InSync,
    /// Its workspace differs from what we last recorded.
    Drifted,
    /// We have no baseline for this agent id.
    NotManaged,
    /// Ours, but its workspace folder does not exist.
    MissingWorkspace,
}

impl AgentState {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::InSync => "in_sync",
            AgentState::Drifted => "drifted",
            AgentState::NotManaged => "not_managed",
            AgentState::MissingWorkspace => "missing_workspace",
        }
    }
}

/// Our side of a managed agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OurAgent {
    /// Our agent name (the same as the OpenClaw id).
    pub agent: String,
    /// The workspace we baselined.
    pub baseline_workspace: String,
    /// When the baseline was recorded or last accepted.
    pub baseline_recorded_at: Timestamp,
    /// The preset last applied to it, if any.
    pub preset: Option<AppliedPreset>,
    /// Its active published spec version and persona hash, if any.
    pub active_spec: Option<u32>,
    /// The active spec's persona hash.
    pub persona_hash: Option<Digest>,
}

/// One difference between an agent's workspace and our baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftItem {
    /// OpenClaw uses another folder than the one we baselined.
    WorkspaceMoved {
        /// The folder we baselined.
        baseline: String,
        /// The folder OpenClaw uses.
        openclaw: String,
    },
    /// A watched file changed.
    File {
        /// Relative to the workspace.
        path: String,
        /// Added, removed or modified.
        change: ChangeKind,
        /// Lines added and removed (0 when either side is binary or too large to keep).
        lines_added: u32,
        /// Lines removed.
        lines_removed: u32,
    },
    /// The config entry differs from the one we last wrote or imported.
    ConfigEntry {
        /// Where the entry is now.
        entry_path: String,
        /// Each key that differs: `before` is what we recorded, `after` what is there now.
        changes: Vec<KeyChange>,
    },
}

/// Reads the install (see [`locate`]) and reports every agent, or only `only`, against the
/// baselines and applied presets of `tenant`.
pub fn status(
    store: &Store,
    tenant: &str,
    explicit: Option<&Path>,
    env: &Environment,
    only: Option<&str>,
) -> Result<Status> {
    let located = locate(explicit, env)?;
    let files = read_config(&located.config)?;
    let roster = roster(&files.value, &located, env)?;
    let agents = select(roster.agents, only, &located.config)?;
    let applied = applied_presets(store, tenant)?;
    let agents = agents
        .into_iter()
        .map(|agent| agent_status(store, tenant, agent, &applied, &files.value))
        .collect::<Result<Vec<_>>>()?;
    Ok(Status {
        config_path: located.config.display().to_string(),
        found_by: located.found_by,
        state_dir: located.state_dir.display().to_string(),
        includes: files
            .includes
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        layout: roster.layout,
        agents,
    })
}

fn agent_status(
    store: &Store,
    tenant: &str,
    agent: Agent,
    applied: &BTreeMap<String, AppliedPreset>,
    config: &Value,
) -> Result<AgentStatus> {
    let Some(baseline) = baseline::get(store, tenant, &agent.id)? else {
        return Ok(AgentStatus {
            agent,
            ours: None,
            state: AgentState::NotManaged,
            drift: Vec::new(),
        });
    };
    let active = versions::active(store, tenant, &agent.id)?;
    let ours = OurAgent {
        agent: agent.id.clone(),
        baseline_workspace: baseline.workspace.clone(),
        baseline_recorded_at: baseline.recorded_at,
        preset: applied.get(&agent.id).cloned(),
        active_spec: active.as_ref().map(|v| v.summary.version),
        persona_hash: active.and_then(|v| v.summary.persona_hash),
    };
    let workspace = PathBuf::from(&agent.workspace);
    let mut drift = if workspace.is_dir() {
        drift(store, tenant, &baseline, &workspace)?
    } else {
        Vec::new()
    };
    drift.extend(entry_drift(store, tenant, &agent.id, config)?);
    let state = if !workspace.is_dir() {
        AgentState::MissingWorkspace
    } else if drift.is_empty() {
        AgentState::InSync
    } else {
        AgentState::Drifted
    };
    Ok(AgentStatus {
        agent,
        ours: Some(ours),
        state,
        drift,
    })
}

/// What differs between `workspace` (which exists) and `baseline`.
fn drift(
    store: &Store,
    tenant: &str,
    baseline: &Baseline,
    workspace: &Path,
) -> Result<Vec<DriftItem>> {
    let real =
        std::fs::canonicalize(workspace).map_err(|e| crate::Error::io("resolve", workspace, e))?;
    if real != Path::new(&baseline.workspace) {
        return Ok(vec![DriftItem::WorkspaceMoved {
            baseline: baseline.workspace.clone(),
            openclaw: real.display().to_string(),
        }]);
    }
    let report = baseline::check(store, tenant, &baseline.agent)?;
    let mut items = Vec::new();
    for change in report.changes {
        let touched_only = change.kind == ChangeKind::Modified
            && change.changed.iter().all(|a| *a == Attribute::Mtime);
        if touched_only {
            continue;
        }
        let rows = baseline::file_diff(store, tenant, &baseline.agent, &change.path)?.rows;
        let count = |kind: RowKind| {
            u32::try_from(rows.iter().filter(|row| row.kind == kind).count()).unwrap_or(u32::MAX)
        };
        items.push(DriftItem::File {
            lines_added: count(RowKind::Added),
            lines_removed: count(RowKind::Removed),
            path: change.path,
            change: change.kind,
        });
    }
    Ok(items)
}

/// How `agent`'s config entry differs from its entry baseline (none without a baseline).
fn entry_drift(
    store: &Store,
    tenant: &str,
    agent: &str,
    config: &Value,
) -> Result<Option<DriftItem>> {
    let Some(recorded) = entry_baseline(store, tenant, agent)? else {
        return Ok(None);
    };
    let (entry_path, now) = entry_of(config, agent);
    let changes = entry_key_changes(&recorded.entry, &now);
    Ok((!changes.is_empty()).then_some(DriftItem::ConfigEntry {
        entry_path,
        changes,
    }))
}

/// Every key whose value differs between two entries, sorted.
fn entry_key_changes(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<KeyChange> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .map(|key| KeyChange {
            key: key.clone(),
            before: before.get(key).cloned(),
            after: after.get(key).cloned(),
        })
        .collect()
}

/// An agent's config entry that differs from its entry baseline (for the self-edit scan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct EntryChange {
    /// Our agent (the OpenClaw id).
    pub agent: String,
    /// Where the entry is now.
    pub entry_path: String,
    /// The sha256 of the entry as we last wrote or imported it.
    pub recorded: Digest,
    /// The sha256 of the canonical JSON of the entry now.
    pub now: Digest,
    /// The keys that differ.
    pub keys: Vec<String>,
}

/// Reads the install once (see [`locate`]) and returns, for each of `agents` that has a config
/// entry baseline, its entry when it differs from that baseline. Reads nothing when none of
/// them has one.
///
/// # Errors
/// Those of reading the config (`openclaw_*`).
pub fn entry_changes(
    store: &Store,
    tenant: &str,
    install: (Option<&Path>, &Environment),
    agents: &[String],
) -> Result<Vec<EntryChange>> {
    let mut recorded = Vec::new();
    for agent in agents {
        if let Some(baseline) = entry_baseline(store, tenant, agent)? {
            recorded.push(baseline);
        }
    }
    if recorded.is_empty() {
        return Ok(Vec::new());
    }
    let located = locate(install.0, install.1)?;
    let files = read_config(&located.config)?;
    let mut out = Vec::new();
    for baseline in recorded {
        let (entry_path, now) = entry_of(&files.value, &baseline.agent);
        let keys: Vec<String> = entry_key_changes(&baseline.entry, &now)
            .into_iter()
            .map(|c| c.key)
            .collect();
        if keys.is_empty() {
            continue;
        }
        out.push(EntryChange {
            agent: baseline.agent,
            entry_path,
            recorded: baseline.sha256,
            now: crate::canon::digest_of(&now)?,
            keys,
        });
    }
    Ok(out)
}
