//! `sync --dry-run`: the plan that would bring one OpenClaw agent to our agent's active
//! published spec and its applied preset, and the plan's hash. Nothing is written to OpenClaw
//! or the workspace; the plan is remembered (the last [`PLANS_KEPT`] per agent) so that applying
//! it later can say what changed since it was shown.
//!
//! The plan has two parts (issue 13, following OpenClaw's own consent model for Claws, where a
//! plan's `planIntegrity` hash is checked before anything is applied):
//!
//! - **Workspace files**: the preset's templates rendered into the workspace OpenClaw uses, as
//!   `preset apply --dry-run` renders them (USER.md and MEMORY.md are kept unless the caller
//!   chose to overwrite them), each with a diff.
//! - **The config entry** (`agents.entries.<id>`, or `agents.list[i]` in a legacy file; keys per
//!   openclaw 2026.9.6 `docs/gateway/config-agents/entries-and-multi-agent.md`):
//!   `thinkingDefault` is the spec's reasoning preference resolved against the levels the
//!   model lists (from the caller, else the shipped table, see [`super::levels`]; omitted when
//!   unknown: the model's default); `reasoningDefault` is the spec's reasoning visibility
//!   (omitted when the spec has none); `identity.name` and `identity.emoji` come from the spec
//!   (its `theme` and `avatar` are kept); `skills` is exactly the installed skill capabilities
//!   (installs are tenant-wide; `[]` when none); `bootstrapMaxChars` and
//!   `bootstrapTotalMaxChars` are our compiler's budgets (a persona's files are planned to fit
//!   them; `docs/gateway/config-agents/workspace-and-bootstrap.md`), and a file that would not
//!   fit is a warning naming the sections OpenClaw would cut ([`super::budget`]). Every other
//!   key is kept.
//!
//! The plan also says who writes the config ([`ConfigWriter`]) and warns beforehand about what
//! a write loses (JSON5 comments; with our own writer, key order). `plan_hash` is the sha256 of
//! the RFC 8785 canonical form of the plan without `plan_hash`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use super::agents::select;
use super::budget;
use super::config::ConfigFiles;
use super::levels::{levels_for, ModelLevels};
use super::state::remember_plan;
use super::status::applied_presets;
use super::write::{entry_in_root, ConfigWriter, WriterKind};
use super::{
    locate, read_config, roster, Agent, AppliedPreset, Environment, Layout, Located, OpenClawError,
};
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::Clock;
use crate::fsutil::read_in;
use crate::governance::catalog::CapabilityKind;
use crate::governance::installs;
use crate::persona::preset::catalog::VersionRef;
use crate::persona::spec::{self, resolve_reasoning, PersonaSpec, ResolvedReasoning};
use crate::persona::versions;
use crate::persona::workspace::{FILE_BUDGET_CHARS, MAX_FILE_BYTES, TOTAL_BUDGET_CHARS};
use crate::provision::apply::{render_for, ApplyOptions, FileAction, FileChange, Rendered};
use crate::store::Store;
use crate::{Error, Result};

/// The plan format; a new one means a new name.
pub const PLAN_FORMAT: &str = "persona-studio.openclawSyncPlan.v1";

/// How many shown plans are remembered per agent.
pub const PLANS_KEPT: u32 = 10;

/// The config keys a sync writes; every other key of the entry is kept.
pub const MANAGED_KEYS: [&str; 6] = [
    "thinkingDefault",
    "reasoningDefault",
    "identity",
    "skills",
    "bootstrapMaxChars",
    "bootstrapTotalMaxChars",
];

/// What a sync needs besides the install and the agent.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// The reasoning levels the agent's model lists, lowest first; `None` means look the model
    /// up in the shipped table.
    pub model_levels: Option<Vec<String>>,
    /// Also overwrite USER.md and MEMORY.md, which the agent edits itself (the caller has
    /// confirmed it).
    pub overwrite_agent_files: bool,
    /// The OpenClaw CLI to write the config through; `None` means we write it ourselves.
    pub openclaw_bin: Option<PathBuf>,
}

/// A sync plan and its hash.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SyncPlan {
    /// Everything the hash covers.
    #[serde(flatten)]
    pub body: PlanBody,
    /// `sha256:` of the canonical `body`.
    pub plan_hash: Digest,
}

/// A sync plan without its hash.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanBody {
    /// [`PLAN_FORMAT`].
    pub format: String,
    /// The agent id (ours and OpenClaw's).
    pub agent: String,
    /// The config file the entry lives in.
    pub config_path: String,
    /// Where the entry is in it (`agents.entries.exec`, `agents.list[0]`).
    pub entry_path: String,
    /// The workspace OpenClaw uses for the agent.
    pub workspace: String,
    /// The preset rendered into it.
    pub preset: AppliedPreset,
    /// The active spec version whose values go into the entry.
    pub spec_version: u32,
    /// Its persona hash.
    pub persona_hash: Digest,
    /// Each template file and what would happen to it.
    pub files: Vec<FileChange>,
    /// The levels the reasoning policy was resolved against.
    pub model_levels: ModelLevels,
    /// The reasoning level picked for `thinkingDefault`, and why.
    pub reasoning: ResolvedReasoning,
    /// The config entry before and after, and each managed key that changes.
    pub config: ConfigDiff,
    /// Who writes the config.
    pub writer: ConfigWriter,
    /// Things to know before applying (files OpenClaw would cut, levels it cannot take, what a
    /// write of the config loses).
    pub warnings: Vec<String>,
}

/// The config entry before and after the sync.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConfigDiff {
    /// The entry as it is (after `$include`s; its `id` left out in a legacy list).
    #[ts(type = "Record<string, unknown>")]
    pub before: Map<String, Value>,
    /// The entry as the sync would leave it.
    #[ts(type = "Record<string, unknown>")]
    pub after: Map<String, Value>,
    /// The managed keys that change, in [`MANAGED_KEYS`] order.
    pub changes: Vec<KeyChange>,
}

/// One key of the entry that changes; `None` means absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KeyChange {
    /// The key.
    pub key: String,
    /// Its value now.
    #[ts(type = "unknown")]
    pub before: Option<Value>,
    /// Its value after the sync.
    #[ts(type = "unknown")]
    pub after: Option<Value>,
}

/// The plan that would sync OpenClaw agent `agent` (found through `explicit` and `env`, see
/// [`locate`]) with our agent of the same name, remembered for a later apply. Writes nothing
/// to OpenClaw or the workspace and needs no unlock.
pub fn plan(
    store: &mut Store,
    actor: &Actor,
    install: (Option<&Path>, &Environment),
    agent: &str,
    options: &SyncOptions,
    clock: &dyn Clock,
) -> Result<SyncPlan> {
    let computed = compute(store, actor, install, agent, options, clock)?;
    remember_plan(store, &actor.tenant_id, &computed.plan, clock.now())?;
    Ok(computed.plan)
}

/// A plan with what applying it needs.
pub(super) struct Computed {
    pub plan: SyncPlan,
    pub rendered: Rendered,
    pub located: Located,
    pub files: ConfigFiles,
}

/// The plan as things are now; reads only.
pub(super) fn compute(
    store: &Store,
    actor: &Actor,
    (explicit, env): (Option<&Path>, &Environment),
    agent: &str,
    options: &SyncOptions,
    clock: &dyn Clock,
) -> Result<Computed> {
    let located = locate(explicit, env)?;
    let files = read_config(&located.config)?;
    let roster = roster(&files.value, &located, env)?;
    let layout = roster.layout;
    let selected = select(roster.agents, Some(agent), &located.config)?;
    let Some(target) = selected.first() else {
        return Err(Error::Conflict(format!("No OpenClaw agent {agent}.")));
    };
    let ours = ours(store, &actor.tenant_id, agent)?;
    let workspace = Path::new(&target.workspace);
    let rendered = render(
        store,
        actor,
        &ours.preset,
        (agent, workspace),
        options,
        clock,
    )?;
    let model_levels = levels_for(target.model.as_deref(), options.model_levels.as_deref())?;
    let levels: Vec<&str> = model_levels.levels.iter().map(String::as_str).collect();
    let reasoning = resolve_reasoning(&levels, Some(ours.spec.reasoning.preferred.as_str()));
    let mut warnings = budget::warnings(
        &workspace_texts(&rendered, workspace)?,
        FILE_BUDGET_CHARS,
        TOTAL_BUDGET_CHARS,
    );
    let (entry_path, before) = entry_of(&files.value, agent);
    let skills = installed_skills(store, &actor.tenant_id)?;
    let after = planned_entry(&before, &ours.spec, &reasoning, skills, &mut warnings);
    let changes = key_changes(&before, &after);
    let writer = ConfigWriter::for_bin(options.openclaw_bin.as_deref());
    if !changes.is_empty() {
        warnings.extend(writer_warnings(&writer, &files, target, &located, layout));
    }
    let body = PlanBody {
        format: PLAN_FORMAT.to_owned(),
        agent: agent.to_owned(),
        config_path: located.config.display().to_string(),
        entry_path,
        workspace: target.workspace.clone(),
        preset: ours.preset,
        spec_version: ours.spec_version,
        persona_hash: ours.persona_hash,
        files: rendered.report.changes.clone(),
        model_levels,
        reasoning,
        config: ConfigDiff {
            changes,
            before,
            after,
        },
        writer,
        warnings,
    };
    let plan_hash = canon::digest_of(&body)?;
    Ok(Computed {
        plan: SyncPlan { body, plan_hash },
        rendered,
        located,
        files,
    })
}

/// The applied preset rendered for the agent's workspace (which must exist), as a dry run.
fn render(
    store: &Store,
    actor: &Actor,
    preset: &AppliedPreset,
    (agent, workspace): (&str, &Path),
    options: &SyncOptions,
    clock: &dyn Clock,
) -> Result<Rendered> {
    if !workspace.is_dir() {
        return Err(OpenClawError::WorkspaceMissing {
            agent: agent.to_owned(),
            workspace: workspace.to_path_buf(),
        }
        .into());
    }
    let render = ApplyOptions {
        dry_run: true,
        overwrite_agent_files: options.overwrite_agent_files,
        ..ApplyOptions::default()
    };
    let reference = VersionRef::Number(preset.version);
    render_for(
        store, actor, &preset.id, &reference, agent, workspace, &render, clock,
    )
}

/// Our side of an agent: its applied preset and its active published spec.
struct Ours {
    preset: AppliedPreset,
    spec: PersonaSpec,
    spec_version: u32,
    persona_hash: Digest,
}

fn ours(store: &Store, tenant: &str, agent: &str) -> Result<Ours> {
    // The agent exists; what is missing is a step before the sync (a refused operation).
    let preset = applied_presets(store, tenant)?.remove(agent).ok_or_else(|| {
        Error::InvalidTransition(format!(
            "Agent {agent} has no applied preset: a sync renders the agent's applied preset; apply one to it first."
        ))
    })?;
    let active = versions::active(store, tenant, agent)?.ok_or_else(|| {
        Error::InvalidTransition(format!(
            "Agent {agent} has no active published spec: a sync writes it; publish one first."
        ))
    })?;
    let spec: PersonaSpec = spec::validate_json(&active.spec_json).map_err(Error::SpecInvalid)?;
    let persona_hash = active.summary.persona_hash.ok_or_else(|| {
        Error::Conflict(format!(
            "The active spec of agent {agent} has no persona hash."
        ))
    })?;
    Ok(Ours {
        preset,
        spec,
        spec_version: active.summary.version,
        persona_hash,
    })
}

/// The workspace's files as they will be after the sync: rendered, or kept from the disk
/// (agent-editable files we keep, and those a preset has no template for), each read through
/// `fsutil::read_in` (never blocking, bounded; a file that is not valid UTF-8 is left out, as
/// before).
fn workspace_texts(rendered: &Rendered, workspace: &Path) -> Result<Vec<(String, String)>> {
    let from_disk = |file: &str| -> Result<Option<String>> {
        Ok(read_in(workspace, Path::new(file), MAX_FILE_BYTES)?
            .and_then(|bytes| String::from_utf8(bytes).ok()))
    };
    let mut texts: Vec<(String, String)> = Vec::new();
    for change in &rendered.report.changes {
        let text = match change.action {
            FileAction::KeptAgentFile => from_disk(&change.file)?,
            _ => rendered.text(&change.file).map(str::to_owned),
        };
        if let Some(text) = text {
            texts.push((change.file.clone(), text));
        }
    }
    for file in budget::INJECTION_ORDER {
        if !texts.iter().any(|(name, _)| name == file) {
            if let Some(text) = from_disk(file)? {
                texts.push((file.to_owned(), text));
            }
        }
    }
    Ok(texts)
}

/// What writing the entry will do beyond the managed keys, said before it happens.
fn writer_warnings(
    writer: &ConfigWriter,
    files: &ConfigFiles,
    agent: &Agent,
    located: &Located,
    layout: Layout,
) -> Vec<String> {
    let config = located.config.display();
    let mut warnings = Vec::new();
    let list = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match writer.kind {
        WriterKind::OpenclawCli => {
            if !files.commented.is_empty() {
                warnings.push(format!(
                    "OpenClaw's writer drops JSON5 comments: those in {} will not survive if it rewrites them.",
                    list(&files.commented)
                ));
            }
            if layout == Layout::LegacyList {
                warnings.push(format!(
                    "OpenClaw moves the legacy agents.list of {config} to agents.entries when it writes it."
                ));
            }
        }
        WriterKind::PersonaStudio => {
            warnings.push(format!(
                "No OpenClaw CLI: Persona Studio writes {config} itself, as plain JSON with its keys sorted, and keeps the previous file as {}.",
                super::write::backup_path(&located.config).display()
            ));
            if files.commented.contains(&located.config) {
                warnings.push(format!(
                    "The JSON5 comments of {config} will not survive the write."
                ));
            }
            if let Err(error) = entry_in_root(&files.raw, &agent.id, &located.config) {
                warnings.push(format!("{error} Give the OpenClaw CLI to write it."));
            }
        }
    }
    warnings
}

/// The entry of `id` in a config whose shape `roster` has checked, and where it is.
pub(super) fn entry_of(config: &Value, id: &str) -> (String, Map<String, Value>) {
    let agents = &config["agents"];
    if let Some(entry) = agents["entries"][id].as_object() {
        return (format!("agents.entries.{id}"), entry.clone());
    }
    let listed = agents["list"].as_array().into_iter().flatten().enumerate();
    for (index, item) in listed {
        if item["id"] == id {
            let mut entry = item.as_object().cloned().unwrap_or_default();
            entry.remove("id");
            return (format!("agents.list[{index}]"), entry);
        }
    }
    // The implicit agent of a config that declares none.
    (format!("agents.entries.{id}"), Map::new())
}

/// `before` with the managed keys set from the spec, the reasoning level and the skills.
fn planned_entry(
    before: &Map<String, Value>,
    spec: &PersonaSpec,
    reasoning: &ResolvedReasoning,
    skills: Vec<String>,
    warnings: &mut Vec<String>,
) -> Map<String, Value> {
    let mut after = before.clone();
    let mut set = |key: &str, value: Option<Value>| match value {
        Some(value) => after.insert(key.to_owned(), value),
        None => after.remove(key),
    };
    let thinking = match (reasoning.known_level(), &reasoning.level) {
        (Some(level), _) => Some(Value::from(level.as_str())),
        (None, Some(own)) => {
            warnings.push(format!(
                "The model's level \"{own}\" is not one OpenClaw's thinkingDefault takes, so the key is left out and the model uses its default."
            ));
            None
        }
        (None, None) => None,
    };
    set("thinkingDefault", thinking);
    set(
        "reasoningDefault",
        spec.reasoning.visibility.map(|v| Value::from(v.as_str())),
    );
    let mut identity = before
        .get("identity")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    identity.insert("name".to_owned(), Value::from(spec.identity.name.clone()));
    match &spec.identity.emoji {
        Some(emoji) => identity.insert("emoji".to_owned(), Value::from(emoji.clone())),
        None => identity.remove("emoji"),
    };
    set("identity", Some(Value::Object(identity)));
    set("skills", Some(Value::from(skills)));
    set("bootstrapMaxChars", Some(Value::from(FILE_BUDGET_CHARS)));
    set(
        "bootstrapTotalMaxChars",
        Some(Value::from(TOTAL_BUDGET_CHARS)),
    );
    after
}

/// The managed keys whose values differ between `before` and `after`.
pub(super) fn key_changes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Vec<KeyChange> {
    MANAGED_KEYS
        .iter()
        .filter(|key| before.get(**key) != after.get(**key))
        .map(|key| KeyChange {
            key: (*key).to_owned(),
            before: before.get(*key).cloned(),
            after: after.get(*key).cloned(),
        })
        .collect()
}

/// The installed skill capabilities, by id, sorted: the agent's allowlist.
fn installed_skills(store: &Store, tenant: &str) -> Result<Vec<String>> {
    let mut skills: Vec<String> = installs::installed(store, tenant)?
        .into_iter()
        .filter(|c| c.kind == CapabilityKind::Skill)
        .map(|c| c.capability_id)
        .collect();
    skills.sort();
    skills.dedup();
    Ok(skills)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::persona::spec::{sample_spec, ReasoningVisibility};

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_entry_is_found_in_either_layout() {
        let entries = json!({"agents": {"entries": {"exec": {"skills": []}}}});
        let legacy = json!({"agents": {"list": [{"id": "a"}, {"id": "exec", "name": "E"}]}});
        let cases = [
            (entries, "agents.entries.exec", json!({"skills": []})),
            (legacy, "agents.list[1]", json!({"name": "E"})),
            (json!({}), "agents.entries.exec", json!({})),
        ];
        for (config, path, entry) in cases {
            assert_eq!(entry_of(&config, "exec"), (path.to_owned(), object(entry)));
        }
    }

    #[test]
    fn the_entry_keeps_other_keys_and_leaves_out_levels_openclaw_cannot_take() {
        let before = object(json!({
            "thinkingDefault": "low", "identity": {"avatar": "a.png", "emoji": "x"},
            "skills": ["weather"], "sandbox": {"mode": "off"}
        }));
        let mut spec = sample_spec();
        spec.identity.emoji = None;
        let own = resolve_reasoning(&["off", "normal"], Some("max"));
        let mut warnings = Vec::new();
        let after = planned_entry(&before, &spec, &own, vec!["web".to_owned()], &mut warnings);
        assert_eq!(
            Value::Object(after.clone()),
            json!({
                "identity": {"avatar": "a.png", "name": "Ada"}, "skills": ["web"],
                "sandbox": {"mode": "off"}, "bootstrapMaxChars": 20000,
                "bootstrapTotalMaxChars": 60000
            })
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("\"normal\" is not one OpenClaw"),
            "{warnings:?}"
        );
        let keys: Vec<String> = key_changes(&before, &after)
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(
            keys,
            [
                "thinkingDefault",
                "identity",
                "skills",
                "bootstrapMaxChars",
                "bootstrapTotalMaxChars"
            ]
        );
        assert!(key_changes(&after, &after).is_empty());

        // The spec's reasoning visibility becomes reasoningDefault; without one the key goes.
        spec.reasoning.visibility = Some(ReasoningVisibility::Stream);
        let after = planned_entry(&before, &spec, &own, Vec::new(), &mut warnings);
        assert_eq!(after["reasoningDefault"], "stream");
        spec.reasoning.visibility = None;
        let cleared = planned_entry(&after, &spec, &own, Vec::new(), &mut warnings);
        assert_eq!(cleared.get("reasoningDefault"), None);
    }
}
