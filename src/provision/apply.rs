//! Applying a preset to an agent: render the templates into its workspace folder, show a
//! unified diff first (dry run), write each file atomically, leave the agent-editable files
//! (USER.md, MEMORY.md) alone unless told otherwise, then record the integrity baseline and an
//! audit entry naming the preset version and the hashes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::fsutil::write_atomic;
use crate::integrity::baseline;
use crate::persona::preset::bundle::{render, AGENT_EDITABLE};
use crate::persona::preset::catalog::{self, PresetVersion, VersionRef};
use crate::persona::versions::check_agent_name;
use crate::store::Store;
use crate::textdiff;
use crate::{Error, Result};

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
pub struct ApplyOptions {
    /// Show what would change and write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Also overwrite USER.md (and MEMORY.md), which the agent edits itself.
    #[serde(default)]
    pub overwrite_agent_files: bool,
    /// Template variables; `agent_name` defaults to the spec's identity name and `owner_name`
    /// to the acting member's name.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FileAction {
    Create,
    Update,
    Unchanged,
    KeptAgentFile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileChange {
    pub file: String,
    pub action: FileAction,
    /// A unified diff from the current file to the rendered one (empty when unchanged or kept).
    pub diff: String,
    pub sha256: Digest,
    /// Characters (Unicode scalar values) of the rendered text; not serialized.
    #[serde(skip)]
    #[ts(skip)]
    pub rendered_chars: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ApplyReport {
    pub preset: String,
    pub version: u32,
    pub content_hash: Digest,
    pub agent: String,
    pub workspace: String,
    pub dry_run: bool,
    pub changes: Vec<FileChange>,
}

/// Applies preset `id` at `reference` to `agent`'s `workspace`.
#[allow(clippy::too_many_arguments)] // Each argument is a distinct input the caller chooses.
pub fn apply(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    reference: &VersionRef,
    agent: &str,
    workspace: &Path,
    options: &ApplyOptions,
    clock: &dyn Clock,
) -> Result<ApplyReport> {
    check_agent_name(agent)?;
    let now = clock.now();
    if !options.dry_run {
        require_unlocked_privileged(store.conn(), actor, now, "apply presets to agents")?;
    }
    let version = catalog::get(store, &actor.tenant_id, id, reference)?;
    if version.state != crate::persona::versions::VersionState::Published && !options.dry_run {
        return Err(Error::Conflict(format!(
            "Version {} of {id} is a draft; publish it before applying it to an agent.",
            version.version
        )));
    }
    let vars = template_vars(store, actor, &version, options);
    // Render everything before touching the disk, so a missing variable writes nothing.
    let mut rendered = Vec::new();
    for (file, template) in &version.bundle.files {
        rendered.push((file.clone(), render(file, template, &vars)?));
    }
    check_workspace(store, actor, agent, workspace)?;
    let changes = rendered
        .iter()
        .map(|(file, text)| plan_change(workspace, file, text, options))
        .collect::<Result<Vec<_>>>()?;
    let report = ApplyReport {
        preset: id.to_owned(),
        version: version.version,
        content_hash: version.content_hash,
        agent: agent.to_owned(),
        workspace: workspace.display().to_string(),
        dry_run: options.dry_run,
        changes,
    };
    if options.dry_run {
        return Ok(report);
    }
    std::fs::create_dir_all(workspace).map_err(|e| Error::io("create", workspace, e))?;
    for ((file, text), change) in rendered.iter().zip(&report.changes) {
        if matches!(change.action, FileAction::Create | FileAction::Update) {
            write_atomic(&workspace.join(file), text.as_bytes())?;
        }
    }
    if baseline::get(store, &actor.tenant_id, agent)?.is_some() {
        baseline::accept(store, actor, agent, clock)?;
    } else {
        baseline::record(store, actor, agent, workspace, &[], clock)?;
    }
    record_applied(store, actor, &report, now)?;
    Ok(report)
}

/// The template variables: the caller's, with `agent_name` defaulting to the spec's identity
/// name and `owner_name` to the acting member's display name.
fn template_vars(
    store: &Store,
    actor: &Actor,
    version: &PresetVersion,
    options: &ApplyOptions,
) -> BTreeMap<String, String> {
    let mut vars = options.vars.clone();
    vars.entry("agent_name".to_owned())
        .or_insert_with(|| version.bundle.manifest.spec.identity.name.clone());
    if !vars.contains_key("owner_name") {
        let display: Option<String> = store
            .conn()
            .query_row(
                "SELECT display_name FROM members WHERE tenant_id = ?1 AND id = ?2",
                rusqlite::params![actor.tenant_id, actor.member_id],
                |r| r.get(0),
            )
            .ok();
        if let Some(display) = display {
            vars.insert("owner_name".to_owned(), display);
        }
    }
    vars
}

/// The workspace is a folder (or not there yet), and the one the agent's baseline, if it has
/// one, was recorded for.
fn check_workspace(store: &Store, actor: &Actor, agent: &str, workspace: &Path) -> Result<()> {
    if workspace.exists() && !workspace.is_dir() {
        return Err(Error::invalid(
            "workspace",
            format!("{} is not a folder", workspace.display()),
        ));
    }
    if let Some(existing) = baseline::get(store, &actor.tenant_id, agent)? {
        let target = std::fs::canonicalize(workspace)
            .ok()
            .map(|p| p.display().to_string());
        if target.as_deref().is_some_and(|t| t != existing.workspace) || target.is_none() {
            return Err(Error::Conflict(format!(
                "Agent {agent}'s baseline belongs to the workspace {}; apply the preset there, or use another agent name.",
                existing.workspace
            )));
        }
    }
    Ok(())
}

/// What writing the rendered `text` to `file` would do: create, update (with a unified diff
/// from the current file), leave it unchanged, or keep an agent-editable file.
fn plan_change(
    workspace: &Path,
    file: &str,
    text: &str,
    options: &ApplyOptions,
) -> Result<FileChange> {
    let path = workspace.join(file);
    let current = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let agent_file = AGENT_EDITABLE.contains(&file);
    let action = match &current {
        None => FileAction::Create,
        Some(_) if agent_file && !options.overwrite_agent_files => FileAction::KeptAgentFile,
        Some(old) if old == text => FileAction::Unchanged,
        Some(_) => FileAction::Update,
    };
    let diff = match action {
        FileAction::Create | FileAction::Update => {
            textdiff::unified(current.as_deref().unwrap_or(""), text, file)
        }
        FileAction::Unchanged | FileAction::KeptAgentFile => String::new(),
    };
    Ok(FileChange {
        file: file.to_owned(),
        action,
        diff,
        sha256: Digest::of_bytes(text.as_bytes()),
        rendered_chars: text.chars().count(),
    })
}

/// The `preset.applied` audit entry: the preset version, the agent, and each file's hash and
/// action.
fn record_applied(
    store: &mut Store,
    actor: &Actor,
    report: &ApplyReport,
    now: Timestamp,
) -> Result<()> {
    let files: BTreeMap<&str, String> = report
        .changes
        .iter()
        .map(|c| (c.file.as_str(), c.sha256.to_string()))
        .collect();
    let actions: BTreeMap<&str, FileAction> = report
        .changes
        .iter()
        .map(|c| (c.file.as_str(), c.action))
        .collect();
    store.write(|tx| {
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "preset.applied",
            json!({
                "preset": report.preset,
                "version": report.version,
                "content_hash": report.content_hash.to_string(),
                "agent": report.agent,
                "workspace": report.workspace,
                "files": files,
                "actions": actions,
            }),
            now,
        )?;
        Ok(())
    })
}
