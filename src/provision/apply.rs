//! Applying a preset to an agent: render the templates into its workspace folder, show a
//! unified diff first (dry run), write each file atomically (keeping each replaced file's
//! mode; a pipe, device or link in the way is refused before anything is written), leave the
//! agent-editable files (USER.md, MEMORY.md) alone unless told otherwise, then record the
//! integrity baseline and an audit entry naming the preset version and the hashes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::Clock;
use crate::fsutil::{check_replaceable, read_in, write_atomic};
use crate::integrity::history::VersionSource;
use crate::integrity::{baseline, pending};
use crate::persona::preset::bundle::{render, AGENT_EDITABLE};
use crate::persona::preset::catalog::{self, VersionRef};
use crate::persona::versions::check_agent_name;
use crate::persona::workspace::MAX_FILE_BYTES;
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
    /// How the preset reference was read, ending at the version applied
    /// (`executive_assistant:production → v1`).
    pub resolved: String,
    /// What the caller should know but that did not stop the apply (a deprecated preset).
    pub warnings: Vec<String>,
    pub content_hash: Digest,
    pub agent: String,
    pub workspace: String,
    pub dry_run: bool,
    pub changes: Vec<FileChange>,
}

/// A preset version rendered for one workspace: the report (what would happen to each file)
/// and the rendered texts, ready to be written.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// What would happen to each file.
    pub report: ApplyReport,
    workspace: PathBuf,
    texts: Vec<(String, String)>,
}

impl Rendered {
    /// The rendered text of `file`, if the preset has it.
    pub fn text(&self, file: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(name, _)| name == file)
            .map(|(_, text)| text.as_str())
    }

    /// Each file [`Rendered::write`] would create or update, with the sha256 of its new bytes
    /// (what a writer announces first, `integrity::pending`).
    pub fn planned(&self) -> Vec<(String, Digest)> {
        self.report
            .changes
            .iter()
            .filter(|c| matches!(c.action, FileAction::Create | FileAction::Update))
            .map(|c| (c.file.clone(), c.sha256))
            .collect()
    }

    /// Writes every created or updated file atomically (creating the workspace folder); kept
    /// and unchanged files are not touched.
    pub fn write(&self) -> Result<()> {
        let workspace = &self.workspace;
        std::fs::create_dir_all(workspace).map_err(|e| Error::io("create", workspace, e))?;
        for ((file, text), change) in self.texts.iter().zip(&self.report.changes) {
            if matches!(change.action, FileAction::Create | FileAction::Update) {
                write_atomic(&workspace.join(file), text.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// The failpoint between an apply's file writes and the transaction that records their
/// baseline (`fail::fail_point!`, test builds only): the window in which a self-edit scan must
/// not report the product's own bytes (ARCHITECTURE invariant 50).
pub const FAILPOINT_WRITTEN: &str = "provision.apply.written";

/// Applies preset `id` at `reference` (read by `catalog::resolve`) to `agent`'s `workspace`,
/// creating the folder when it does not exist, also when it was removed since the last apply.
/// The report and the `preset.applied` entry name the workspace by its absolute path.
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
    let rendered = render_for(
        store, actor, id, reference, agent, workspace, options, clock,
    )?;
    if options.dry_run {
        return Ok(rendered.report);
    }
    pending::announce(
        store,
        (&actor.tenant_id, agent),
        &rendered.planned(),
        "apply",
        clock.now(),
    )?;
    rendered.write()?;
    fail::fail_point!(FAILPOINT_WRITTEN);
    if baseline::get(store, &actor.tenant_id, agent)?.is_some() {
        baseline::accept_as(store, actor, agent, VersionSource::Apply, clock)?;
    } else {
        baseline::record_as(
            store,
            actor,
            (agent, workspace),
            &[],
            VersionSource::Apply,
            clock,
        )?;
    }
    let report = rendered.report;
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
                "preset": id,
                "version": report.version,
                "content_hash": report.content_hash.to_string(),
                "agent": agent,
                "workspace": report.workspace,
                "files": files,
                "actions": actions,
            }),
            clock.now(),
        )?;
        Ok(())
    })?;
    Ok(report)
}

/// Renders preset `id` at `reference` for `agent`'s `workspace` and compares each file with
/// what is there, writing nothing. Unless `options.dry_run`, the actor must be an unlocked
/// owner or admin and the version published. Every template is rendered before anything is
/// compared, so a missing variable fails early and names it.
#[allow(clippy::too_many_arguments)] // Each argument is a distinct input the caller chooses.
pub fn render_for(
    store: &Store,
    actor: &Actor,
    id: &str,
    reference: &VersionRef,
    agent: &str,
    workspace: &Path,
    options: &ApplyOptions,
    clock: &dyn Clock,
) -> Result<Rendered> {
    check_agent_name(agent)?;
    if !options.dry_run {
        require_unlocked_privileged(store.conn(), actor, clock.now(), "apply presets to agents")?;
    }
    let resolved = catalog::resolve(store, &actor.tenant_id, id, reference)?;
    let version = resolved.version;
    if version.state != crate::persona::versions::VersionState::Published && !options.dry_run {
        return Err(Error::Conflict(format!(
            "Version {} of {id} is a draft; publish it before applying it to an agent.",
            version.version
        )));
    }
    let vars = template_vars(
        store,
        actor,
        &version.bundle.manifest.spec.identity.name,
        options,
    );
    let mut texts = Vec::new();
    for (file, template) in &version.bundle.files {
        texts.push((file.clone(), render(file, template, &vars)?));
    }
    let workspace = &absolute(workspace)?;
    check_workspace(store, &actor.tenant_id, agent, workspace)?;
    let changes = texts
        .iter()
        .map(|(file, text)| file_change(workspace, file, text, options))
        .collect::<Result<Vec<_>>>()?;
    Ok(Rendered {
        report: ApplyReport {
            preset: id.to_owned(),
            version: version.version,
            resolved: resolved.shown,
            warnings: if resolved.deprecated {
                vec![format!(
                    "Preset {id} is deprecated: it is kept for agents that use it, but new agents should use another preset."
                )]
            } else {
                Vec::new()
            },
            content_hash: version.content_hash,
            agent: agent.to_owned(),
            workspace: workspace.display().to_string(),
            dry_run: options.dry_run,
            changes,
        },
        workspace: workspace.to_path_buf(),
        texts,
    })
}

/// The caller's variables, with `agent_name` defaulting to `name` and `owner_name` to the
/// acting member's display name.
fn template_vars(
    store: &Store,
    actor: &Actor,
    name: &str,
    options: &ApplyOptions,
) -> BTreeMap<String, String> {
    let mut vars = options.vars.clone();
    vars.entry("agent_name".to_owned())
        .or_insert_with(|| name.to_owned());
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

/// `workspace` as an absolute path with its links resolved, as baselines record it, whether
/// or not it exists (yet, or again after it was removed): its nearest existing folder is
/// resolved and the rest appended.
fn absolute(workspace: &Path) -> Result<PathBuf> {
    let full = std::path::absolute(workspace).map_err(|e| Error::io("resolve", workspace, e))?;
    let mut missing = Vec::new();
    let mut existing = full.as_path();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(resolved) => return Ok(missing.iter().rev().fold(resolved, |p, c| p.join(c))),
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    missing.push(name.to_owned());
                    existing = parent;
                }
                _ => return Ok(full),
            },
        }
    }
}

/// The workspace must be a folder (or not exist: a new one, or one removed since, is created),
/// and the one `agent`'s baseline names. `workspace` is absolute ([`absolute`]).
fn check_workspace(store: &Store, tenant: &str, agent: &str, workspace: &Path) -> Result<()> {
    if workspace.exists() && !workspace.is_dir() {
        return Err(Error::invalid(
            "workspace",
            format!("{} is not a folder", workspace.display()),
        ));
    }
    if let Some(existing) = baseline::get(store, tenant, agent)? {
        if workspace.display().to_string() != existing.workspace {
            return Err(Error::Conflict(format!(
                "Agent {agent}'s baseline belongs to the workspace {}; apply the preset there, or use another agent name.",
                existing.workspace
            )));
        }
    }
    Ok(())
}

/// What would happen to `file` in `workspace` if it became `text`.
fn file_change(
    workspace: &Path,
    file: &str,
    text: &str,
    options: &ApplyOptions,
) -> Result<FileChange> {
    // Never blocking on a pipe, never past the persona files' limit (`fsutil::read_in`).
    let current = read_in(workspace, Path::new(file), MAX_FILE_BYTES)?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let agent_file = AGENT_EDITABLE.contains(&file);
    let action = match &current {
        None => FileAction::Create,
        Some(_) if agent_file && !options.overwrite_agent_files => FileAction::KeptAgentFile,
        Some(old) if old == text => FileAction::Unchanged,
        Some(_) => FileAction::Update,
    };
    let diff = match action {
        FileAction::Create | FileAction::Update => {
            // A link there would be replaced by a file: refused before anything is written,
            // and already in a dry run.
            check_replaceable(&workspace.join(file))?;
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
