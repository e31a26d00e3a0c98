//! `sync --dry-run`: the plan that would bring one OpenClaw agent to our agent's active
//! published spec and its applied preset, and the plan's hash. Nothing is written.
//!
//! The plan has two parts (issue 13, following OpenClaw's own consent model for Claws, where a
//! plan's `planIntegrity` hash is checked before anything is applied):
//!
//! - **Workspace files**: the preset's templates rendered into the workspace OpenClaw uses, as
//!   `preset apply --dry-run` renders them (USER.md and MEMORY.md are kept), each with a diff.
//! - **The config entry** (`agents.entries.<id>`, or `agents.list[i]` in a legacy file; keys per
//!   openclaw 2026.9.6 `docs/gateway/config-agents/entries-and-multi-agent.md`):
//!   `thinkingDefault` is the spec's reasoning preference resolved against the levels the
//!   model lists (omitted when the model lists none: the model's default); `identity.name` and
//!   `identity.emoji` come from the spec (its `theme` and `avatar` are kept); `skills` is exactly
//!   the installed skill capabilities (`[]` when none); `bootstrapMaxChars` and
//!   `bootstrapTotalMaxChars` are our compiler's budgets
//!   (`docs/gateway/config-agents/workspace-and-bootstrap.md`). Every other key is kept.
//!
//! `plan_hash` is the sha256 of the RFC 8785 canonical form of the plan without `plan_hash`.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use super::status::applied_presets;
use super::{locate, read_config, roster, AppliedPreset, Environment, OpenClawError};
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::Clock;
use crate::governance::catalog::CapabilityKind;
use crate::governance::installs;
use crate::persona::preset::catalog::VersionRef;
use crate::persona::spec::{self, resolve_reasoning, PersonaSpec, ResolvedReasoning};
use crate::persona::versions;
use crate::persona::workspace::{FILE_BUDGET_CHARS, TOTAL_BUDGET_CHARS};
use crate::provision::apply::{self, ApplyOptions, FileAction, FileChange};
use crate::store::Store;
use crate::{Error, Result};

/// The plan format; a new one means a new name.
pub const PLAN_FORMAT: &str = "persona-studio.openclawSyncPlan.v1";

/// The config keys a sync writes; every other key of the entry is kept.
pub const MANAGED_KEYS: [&str; 5] = [
    "thinkingDefault",
    "identity",
    "skills",
    "bootstrapMaxChars",
    "bootstrapTotalMaxChars",
];

/// What a sync needs besides the install: the reasoning levels the agent's model lists
/// (lowest first), when known.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// The model's levels; `None` means the model is unknown (use its default).
    pub model_levels: Option<Vec<String>>,
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
    /// The reasoning level picked for `thinkingDefault`, and why.
    pub reasoning: ResolvedReasoning,
    /// The config entry before and after, and each managed key that changes.
    pub config: ConfigDiff,
    /// Things to know before applying (files OpenClaw would cut, levels it cannot take).
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
/// [`locate`]) with our agent of the same name. Writes nothing and needs no unlock.
pub fn plan(
    store: &mut Store,
    actor: &Actor,
    (explicit, env): (Option<&Path>, &Environment),
    agent: &str,
    options: &SyncOptions,
    clock: &dyn Clock,
) -> Result<SyncPlan> {
    let located = locate(explicit, env)?;
    let files = read_config(&located.config)?;
    let roster = roster(&files.value, &located, env)?;
    let Some(target) = roster.agents.iter().find(|a| a.id == agent) else {
        return Err(OpenClawError::UnknownAgent {
            id: agent.to_owned(),
            path: located.config.clone(),
            known: roster.agents.iter().map(|a| a.id.clone()).collect(),
        }
        .into());
    };
    let preset = applied_presets(store, &actor.tenant_id)?
        .remove(agent)
        .ok_or_else(|| Error::NotFound {
            what: format!("A preset applied to agent {agent}"),
            hint: "A sync renders the agent's applied preset; apply one to it first.".to_owned(),
        })?;
    let active =
        versions::active(store, &actor.tenant_id, agent)?.ok_or_else(|| Error::NotFound {
            what: format!("An active published spec of agent {agent}"),
            hint: "A sync writes the agent's active published spec; publish one first.".to_owned(),
        })?;
    let spec: PersonaSpec = spec::validate_json(&active.spec_json).map_err(Error::SpecInvalid)?;
    let persona_hash = active.summary.persona_hash.ok_or_else(|| {
        Error::Conflict(format!(
            "The active spec of agent {agent} has no persona hash."
        ))
    })?;
    let dry_run = ApplyOptions {
        dry_run: true,
        ..ApplyOptions::default()
    };
    let workspace = Path::new(&target.workspace);
    let reference = VersionRef::Number(preset.version);
    let report = apply::apply(
        store, actor, &preset.id, &reference, agent, workspace, &dry_run, clock,
    )?;
    let levels: Vec<&str> = options
        .model_levels
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let reasoning = resolve_reasoning(&levels, Some(spec.reasoning.preferred.as_str()));
    let mut warnings = budget_warnings(&report.changes, workspace);
    let (entry_path, before) = entry_of(&files.value, agent);
    let skills = installed_skills(store, &actor.tenant_id)?;
    let after = planned_entry(&before, &spec, &reasoning, skills, &mut warnings);
    let body = PlanBody {
        format: PLAN_FORMAT.to_owned(),
        agent: agent.to_owned(),
        config_path: located.config.display().to_string(),
        entry_path,
        workspace: target.workspace.clone(),
        preset,
        spec_version: active.summary.version,
        persona_hash,
        files: report.changes,
        reasoning,
        config: ConfigDiff {
            changes: key_changes(&before, &after),
            before,
            after,
        },
        warnings,
    };
    let plan_hash = canon::digest_of(&body)?;
    Ok(SyncPlan { body, plan_hash })
}

/// The entry of `id` in a config whose shape `roster` has checked, and where it is.
fn entry_of(config: &Value, id: &str) -> (String, Map<String, Value>) {
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
    match (reasoning.known_level(), &reasoning.level) {
        (Some(level), _) => {
            after.insert("thinkingDefault".to_owned(), Value::from(level.as_str()));
        }
        (None, Some(own)) => {
            warnings.push(format!(
                "The model's level \"{own}\" is not one OpenClaw's thinkingDefault takes, so the key is left out and the model uses its default."
            ));
            after.remove("thinkingDefault");
        }
        (None, None) => {
            after.remove("thinkingDefault");
        }
    }
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
    after.insert("identity".to_owned(), Value::Object(identity));
    after.insert("skills".to_owned(), Value::from(skills));
    after.insert(
        "bootstrapMaxChars".to_owned(),
        Value::from(FILE_BUDGET_CHARS),
    );
    after.insert(
        "bootstrapTotalMaxChars".to_owned(),
        Value::from(TOTAL_BUDGET_CHARS),
    );
    after
}

fn key_changes(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<KeyChange> {
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

/// Files OpenClaw would cut: longer than `bootstrapMaxChars`, or together longer than
/// `bootstrapTotalMaxChars` (characters counted as Unicode scalar values).
fn budget_warnings(changes: &[FileChange], workspace: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut total = 0usize;
    for change in changes {
        let chars = match change.action {
            FileAction::Create | FileAction::Update | FileAction::Unchanged => {
                change.rendered_chars
            }
            FileAction::KeptAgentFile => std::fs::read_to_string(workspace.join(&change.file))
                .map_or(0, |text| text.chars().count()),
        };
        total += chars;
        if chars > FILE_BUDGET_CHARS {
            warnings.push(format!(
                "{} has {chars} characters; OpenClaw injects the first {FILE_BUDGET_CHARS} (bootstrapMaxChars) and cuts the rest.",
                change.file
            ));
        }
    }
    if total > TOTAL_BUDGET_CHARS {
        warnings.push(format!(
            "The workspace files have {total} characters together; OpenClaw injects at most {TOTAL_BUDGET_CHARS} (bootstrapTotalMaxChars)."
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::persona::spec::sample_spec;

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
        assert_eq!(keys, MANAGED_KEYS);
        assert!(key_changes(&after, &after).is_empty());
    }
}
