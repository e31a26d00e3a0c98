//! `import`: bring the agents an OpenClaw install already runs under our management. For each
//! agent (or the one asked for), in one transaction each:
//!
//! - its workspace becomes a new local preset draft (the workspace import of
//!   `persona::preset::files::from_workspace`), named after the agent (`night-owl` becomes
//!   `night_owl`; a name already taken gets `_openclaw`, then `_openclaw_2`, …);
//! - the integrity baseline of its workspace and the baseline of its config entry are
//!   recorded, so `status` reports it as ours and sees drift from now on;
//! - one `openclaw.imported` audit entry names the preset, the hashes and the config entry.
//!
//! An agent we already manage (it has a baseline) is reported, never imported twice. Importing
//! every agent skips (and reports why) the ones that cannot be imported, such as a workspace
//! that is gone; importing one agent fails with the reason instead.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::agents::select;
use super::state::store_entry_in;
use super::sync::entry_of;
use super::{locate, read_config, roster, Agent, Environment, OpenClawError};
use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::clock::Clock;
use crate::integrity::history::VersionSource;
use crate::integrity::{baseline, snapshot};
use crate::naming::is_valid_id;
use crate::persona::preset::catalog;
use crate::persona::preset::files::from_workspace;
use crate::persona::versions::check_agent_name;
use crate::store::Store;
use crate::{Error, Result};

/// What happened to one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum ImportAction {
    /// Imported now.
    Imported,
    /// Would be imported (a dry run).
    WouldImport,
    /// Already ours: nothing done.
    AlreadyManaged,
    /// Could not be imported; `reason` says why.
    Skipped,
}

/// One agent's import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentImport {
    /// The agent id.
    pub agent: String,
    /// Its workspace.
    pub workspace: String,
    /// What happened.
    pub action: ImportAction,
    /// The preset draft created (or that would be).
    pub preset: Option<String>,
    /// The persona files taken from the workspace.
    pub files: Vec<String>,
    /// Why it was skipped.
    pub reason: Option<String>,
}

/// An import of an install's agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ImportReport {
    /// The config file read.
    pub config_path: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Each agent, in the config's order.
    pub agents: Vec<AgentImport>,
}

/// Imports every agent of the install (or only `only`); `dry_run` reports and writes nothing.
/// Writing needs an unlocked owner or admin.
pub fn import(
    store: &mut Store,
    actor: &Actor,
    (explicit, env): (Option<&Path>, &Environment),
    only: Option<&str>,
    dry_run: bool,
    clock: &dyn Clock,
) -> Result<ImportReport> {
    if !dry_run {
        require_unlocked_privileged(store.conn(), actor, clock.now(), "import OpenClaw agents")?;
    }
    let located = locate(explicit, env)?;
    let files = read_config(&located.config)?;
    let agents = select(
        roster(&files.value, &located, env)?.agents,
        only,
        &located.config,
    )?;
    let config_path = located.config.display().to_string();
    let mut report = Vec::new();
    for agent in &agents {
        let entry = entry_of(&files.value, &agent.id);
        let imported = import_one(store, actor, agent, (&config_path, entry), dry_run, clock);
        report.push(match imported {
            Ok(done) => done,
            Err(error) if only.is_none() && error.is_bad_input() => AgentImport {
                agent: agent.id.clone(),
                workspace: agent.workspace.clone(),
                action: ImportAction::Skipped,
                preset: None,
                files: Vec::new(),
                reason: Some(error.to_string()),
            },
            Err(error) => return Err(error),
        });
    }
    Ok(ImportReport {
        config_path,
        dry_run,
        agents: report,
    })
}

/// Imports one agent; `entry` is its config entry and where it is.
fn import_one(
    store: &mut Store,
    actor: &Actor,
    agent: &Agent,
    (config_path, (entry_path, entry)): (
        &str,
        (String, serde_json::Map<String, serde_json::Value>),
    ),
    dry_run: bool,
    clock: &dyn Clock,
) -> Result<AgentImport> {
    let mut outcome = AgentImport {
        agent: agent.id.clone(),
        workspace: agent.workspace.clone(),
        action: ImportAction::AlreadyManaged,
        preset: None,
        files: Vec::new(),
        reason: None,
    };
    if baseline::get(store, &actor.tenant_id, &agent.id)?.is_some() {
        return Ok(outcome);
    }
    check_agent_name(&agent.id)?;
    let workspace = Path::new(&agent.workspace);
    if !workspace.is_dir() {
        return Err(OpenClawError::WorkspaceMissing {
            agent: agent.id.clone(),
            workspace: workspace.to_path_buf(),
        }
        .into());
    }
    let preset = free_preset_id(store, &actor.tenant_id, &agent.id)?;
    let bundle = from_workspace(workspace, &preset)?;
    outcome.files = bundle.files.keys().cloned().collect();
    outcome.preset = Some(preset.clone());
    if dry_run {
        outcome.action = ImportAction::WouldImport;
        return Ok(outcome);
    }
    let snapshot = snapshot::snapshot(store, &actor.tenant_id, &agent.id, workspace)?;
    let now = clock.now();
    store.write(|tx| {
        let content_hash = catalog::create_new_draft_in(tx, actor, bundle, now)?;
        snapshot::store_in(
            tx,
            actor,
            (&agent.id, VersionSource::Import),
            &snapshot,
            now,
        )?;
        let entry_sha = store_entry_in(
            tx,
            actor,
            &agent.id,
            (config_path, &entry_path),
            &entry,
            now,
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "openclaw.imported",
            json!({
                "agent": agent.id,
                "workspace": agent.workspace,
                "preset": preset,
                "preset_version": 1,
                "content_hash": content_hash.to_string(),
                "files": snapshot.hashes(),
                "config_path": config_path,
                "entry_path": entry_path,
                "entry_sha256": entry_sha.to_string(),
            }),
            now,
        )?;
        Ok(())
    })?;
    outcome.action = ImportAction::Imported;
    Ok(outcome)
}

/// A preset id for `agent` that no preset of `tenant` has yet.
fn free_preset_id(store: &Store, tenant: &str, agent: &str) -> Result<String> {
    let mut base: String = agent.replace('-', "_");
    if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base = format!("agent_{base}");
    }
    base.truncate(48);
    let base = base.trim_end_matches('_').to_owned();
    for n in 0..100u32 {
        let candidate = match n {
            0 => base.clone(),
            1 => format!("{base}_openclaw"),
            n => format!("{base}_openclaw_{n}"),
        };
        if is_valid_id(&candidate) && !catalog::exists(store, tenant, &candidate)? {
            return Ok(candidate);
        }
    }
    Err(Error::Conflict(format!(
        "Every preset name tried for agent {agent} is taken."
    )))
}
