//! An agent's next spec draft, started from what the agent already has: the given text, else
//! its active version, else the spec of the preset version last applied to it, else a
//! placeholder sample that says it is one. Here, above `persona`, because the applied preset
//! is provisioning's record.

use serde::Serialize;

use crate::auth::Actor;
use crate::clock::Clock;
use crate::persona::preset::catalog::{self, VersionRef};
use crate::persona::versions::{self, VersionSummary};
use crate::provision::applied::applied_to;
use crate::store::Store;
use crate::{Error, Result};

/// What a new draft started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DraftSource {
    /// The text the caller gave.
    Given,
    /// The agent's active version.
    Active { version: u32 },
    /// The spec of the preset version last applied to the agent.
    Preset { preset: String, version: u32 },
    /// A sample to replace: the agent has no active version and no applied preset.
    Placeholder,
}

/// A new draft and what it started from (in JSON, the summary's fields and `source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct NewDraft {
    #[serde(flatten)]
    #[ts(flatten)]
    pub summary: VersionSummary,
    pub source: DraftSource,
}

/// Starts `agent`'s next spec draft (see the module documentation for where it starts from).
/// Owner or admin, unlocked, as `versions::create_draft`.
///
/// # Errors
/// Those of `versions::create_draft`, and `not_found` when the applied preset version is gone.
pub fn new_draft(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    spec_text: Option<&str>,
    clock: &dyn Clock,
) -> Result<NewDraft> {
    versions::check_agent_name(agent)?;
    let tenant = &actor.tenant_id;
    let (text, source) = if spec_text.is_some() {
        (spec_text.map(str::to_owned), DraftSource::Given)
    } else if let Some(active) = versions::active(store, tenant, agent)? {
        let version = active.summary.version;
        (None, DraftSource::Active { version })
    } else if let Some(applied) = applied_to(store, tenant, agent)? {
        let number = VersionRef::Number(applied.version);
        let mut spec = catalog::get(store, tenant, &applied.id, &number)?
            .bundle
            .manifest
            .spec;
        spec.id = versions::spec_id_for(agent);
        let text = serde_json::to_string_pretty(&spec)
            .map_err(|e| Error::invalid("spec", e.to_string()))?;
        let source = DraftSource::Preset {
            preset: applied.id,
            version: applied.version,
        };
        (Some(text), source)
    } else {
        (None, DraftSource::Placeholder)
    };
    let summary = versions::create_draft(store, actor, agent, text.as_deref(), clock)?;
    Ok(NewDraft { summary, source })
}
