//! Which preset version each agent was last given, read back from the `preset.applied` audit
//! entries that [`super::apply`] writes (the audit log is where an apply is recorded), and the
//! per-file policies an agent is held to as a result ([`policies_for_agent`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{self, AuditFilter};
use crate::persona::preset::catalog::{self, VersionRef};
use crate::persona::preset::policy::FilePolicies;
use crate::store::Store;
use crate::Result;

/// A preset version applied to an agent (from its `preset.applied` audit entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppliedPreset {
    /// The preset id.
    pub id: String,
    /// The version applied.
    pub version: u32,
    /// Its content hash.
    pub content_hash: String,
}

/// The last preset applied to each agent of `tenant`, by agent name.
pub fn applied_presets(store: &Store, tenant: &str) -> Result<BTreeMap<String, AppliedPreset>> {
    let filter = AuditFilter {
        kind: Some("preset.applied".to_owned()),
        limit: Some(u32::MAX),
        ..AuditFilter::default()
    };
    let mut applied = BTreeMap::new();
    // Newest first: the first entry seen for an agent is its current preset.
    for record in audit::list(store.conn(), tenant, &filter)? {
        let data = &record.entry.data;
        let (Some(agent), Some(id), Some(version), Some(hash)) = (
            data["agent"].as_str(),
            data["preset"].as_str(),
            data["version"].as_u64().and_then(|v| u32::try_from(v).ok()),
            data["content_hash"].as_str(),
        ) else {
            continue;
        };
        applied
            .entry(agent.to_owned())
            .or_insert_with(|| AppliedPreset {
                id: id.to_owned(),
                version,
                content_hash: hash.to_owned(),
            });
    }
    Ok(applied)
}

/// The last preset applied to `agent` of `tenant`, if any.
pub fn applied_to(store: &Store, tenant: &str, agent: &str) -> Result<Option<AppliedPreset>> {
    Ok(applied_presets(store, tenant)?.remove(agent))
}

/// The per-file policies `agent` of `tenant` is held to: the `file_policy` rules of the preset
/// version last applied to it (OpenClaw sync renders that same version), followed by the
/// defaults; an agent no preset was applied to gets the defaults. Errors: the database, or
/// `not_found` when the applied version is no longer in the tenant's catalog.
pub fn policies_for_agent(store: &Store, tenant: &str, agent: &str) -> Result<FilePolicies> {
    let Some(applied) = applied_to(store, tenant, agent)? else {
        return Ok(FilePolicies::defaults());
    };
    let version = catalog::get(
        store,
        tenant,
        &applied.id,
        &VersionRef::Number(applied.version),
    )?;
    Ok(FilePolicies::effective(
        &version.bundle.manifest.file_policy,
    ))
}
