//! Stored persona spec versions, per tenant and agent: drafts edited freely, published versions
//! immutable (enforced by triggers too), and exactly one active version per agent.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::{Clock, Timestamp};
use crate::persona::compile::persona_hash;
use crate::persona::spec::{self, PersonaSpec};
use crate::store::Store;
use crate::{Error, Result};

/// Where a version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Published,
}

/// A stored version without its spec text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VersionSummary {
    pub agent: String,
    pub version: u32,
    pub state: VersionState,
    pub persona_hash: Option<Digest>,
    pub created_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub active: bool,
}

/// A stored version with its spec text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StoredVersion {
    pub summary: VersionSummary,
    pub spec_json: String,
}

const MAX_SPEC_BYTES: usize = 1024 * 1024;

/// Agent names: lowercase letters, digits, `_` and `-`, 1 to 64 characters.
pub fn check_agent_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "agent name",
            format!("\"{name}\" must be 1 to 64 lowercase letters, digits, '_' or '-', starting with a letter or digit (for example support-bot)"),
        ))
    }
}

fn ensure_agent(tx: &Transaction<'_>, tenant: &str, agent: &str, now: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO agents (tenant_id, name, created_at) VALUES (?1, ?2, ?3)",
        params![tenant, agent, now.to_string()],
    )?;
    Ok(())
}

/// Sets the document's `version` field to `version` when it is a JSON object; other text is kept
/// as typed (a draft may be mid-edit).
fn stamp_version(text: &str, version: u32) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("version".to_owned(), json!(version));
            serde_json::to_string_pretty(&serde_json::Value::Object(map))
                .unwrap_or_else(|_| text.to_owned())
        }
        _ => text.to_owned(),
    }
}

/// The starting text of a new draft: the given text, else the active version, else a sample.
fn starting_text(store: &Store, tenant: &str, agent: &str, given: Option<&str>) -> Result<String> {
    if let Some(text) = given {
        return Ok(text.to_owned());
    }
    if let Some(active) = active(store, tenant, agent)? {
        let pretty = serde_json::from_str::<serde_json::Value>(&active.spec_json)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        return Ok(pretty.unwrap_or(active.spec_json));
    }
    let mut sample = spec::sample_spec();
    sample.id = agent.replace('-', "_");
    serde_json::to_string_pretty(&sample).map_err(|e| Error::invalid("spec", e.to_string()))
}

/// Creates the next version of `agent` as a draft. An agent has at most one open draft.
pub fn create_draft(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    spec_text: Option<&str>,
    clock: &dyn Clock,
) -> Result<VersionSummary> {
    check_agent_name(agent)?;
    require_unlocked_privileged(store.conn(), actor, clock.now(), "create persona drafts")?;
    if let Some(text) = spec_text {
        check_size(text)?;
    }
    if let Some(draft) = draft_version(store, &actor.tenant_id, agent)? {
        return Err(Error::Conflict(format!(
            "Agent {agent} already has draft version {draft}. Edit it with `spec edit` or publish it first."
        )));
    }
    let text = starting_text(store, &actor.tenant_id, agent, spec_text)?;
    let now = clock.now();
    let version = next_version(store, &actor.tenant_id, agent)?;
    let text = stamp_version(&text, version);
    store.write(|tx| insert_draft(tx, actor, agent, version, &text, now))?;
    summary(store, &actor.tenant_id, agent, version)
}

/// Inserts draft `version` of `agent` (creating the agent), inside the caller's transaction.
/// The caller has checked who may do it and that no draft is open.
pub(crate) fn insert_draft(
    tx: &Transaction<'_>,
    actor: &Actor,
    agent: &str,
    version: u32,
    text: &str,
    now: Timestamp,
) -> Result<()> {
    ensure_agent(tx, &actor.tenant_id, agent, now)?;
    tx.execute(
        "INSERT INTO persona_versions
           (tenant_id, agent, version, state, spec_json, persona_hash, created_at, created_by)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7)",
        params![
            actor.tenant_id,
            agent,
            version,
            text,
            draft_hash(text).map(|h| h.to_string()),
            now.to_string(),
            actor.member_id
        ],
    )?;
    Ok(())
}

/// Whether `tenant` has an agent called `agent`.
pub(crate) fn agent_exists(conn: &rusqlite::Connection, tenant: &str, agent: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM agents WHERE tenant_id = ?1 AND name = ?2",
            params![tenant, agent],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Replaces the text of `agent`'s open draft.
pub fn save_draft(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    spec_text: &str,
    clock: &dyn Clock,
) -> Result<VersionSummary> {
    check_agent_name(agent)?;
    require_unlocked_privileged(store.conn(), actor, clock.now(), "edit persona drafts")?;
    check_size(spec_text)?;
    let version = draft_version(store, &actor.tenant_id, agent)?.ok_or_else(|| no_draft(agent))?;
    let hash = draft_hash(spec_text);
    store.write(|tx| {
        tx.execute(
            "UPDATE persona_versions SET spec_json = ?1, persona_hash = ?2
             WHERE tenant_id = ?3 AND agent = ?4 AND version = ?5 AND state = 'draft'",
            params![
                spec_text,
                hash.map(|h| h.to_string()),
                actor.tenant_id,
                agent,
                version
            ],
        )?;
        Ok(())
    })?;
    summary(store, &actor.tenant_id, agent, version)
}

/// Publishes `agent`'s draft: validates it, freezes its canonical JSON and hash, makes it the
/// active version and appends an audit entry.
pub fn publish(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    clock: &dyn Clock,
) -> Result<VersionSummary> {
    check_agent_name(agent)?;
    require_unlocked_privileged(store.conn(), actor, clock.now(), "publish persona versions")?;
    let version = draft_version(store, &actor.tenant_id, agent)?.ok_or_else(|| no_draft(agent))?;
    let draft = get(store, &actor.tenant_id, agent, Some(version))?;
    let spec: PersonaSpec = spec::validate_json(&draft.spec_json).map_err(Error::SpecInvalid)?;
    if spec.version != version {
        return Err(Error::SpecInvalid(vec![spec::Problem {
            pointer: "/version".to_owned(),
            rule: "version_mismatch",
            message: format!(
                "this publishes version {version} of {agent}, but the spec says \"version\": {}; set it to {version}",
                spec.version
            ),
        }]));
    }
    let hash = persona_hash(&spec)?;
    let canonical = String::from_utf8(canon::to_canonical_vec(&spec)?)
        .map_err(|e| Error::invalid("spec", e.to_string()))?;
    let now = clock.now();
    let previous = active(store, &actor.tenant_id, agent)?.map(|a| a.summary.version);
    store.write(|tx| {
        tx.execute(
            "UPDATE persona_versions
             SET state = 'published', spec_json = ?1, persona_hash = ?2, published_at = ?3, published_by = ?4
             WHERE tenant_id = ?5 AND agent = ?6 AND version = ?7 AND state = 'draft'",
            params![
                canonical,
                hash.to_string(),
                now.to_string(),
                actor.member_id,
                actor.tenant_id,
                agent,
                version
            ],
        )?;
        tx.execute(
            "INSERT INTO active_persona (tenant_id, agent, version) VALUES (?1, ?2, ?3)
             ON CONFLICT (tenant_id, agent) DO UPDATE SET version = excluded.version",
            params![actor.tenant_id, agent, version],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "persona.published",
            json!({
                "agent": agent,
                "version": version,
                "persona_hash": hash.to_string(),
                "previous_active": previous,
            }),
            now,
        )?;
        Ok(())
    })?;
    summary(store, &actor.tenant_id, agent, version)
}

/// Every version of `agent`, newest first.
pub fn list(store: &Store, tenant: &str, agent: &str) -> Result<Vec<VersionSummary>> {
    let mut statement = store.conn().prepare(
        "SELECT v.version, v.state, v.persona_hash, v.created_at, v.published_at,
                (a.version IS NOT NULL)
         FROM persona_versions v
         LEFT JOIN active_persona a
           ON a.tenant_id = v.tenant_id AND a.agent = v.agent AND a.version = v.version
         WHERE v.tenant_id = ?1 AND v.agent = ?2
         ORDER BY v.version DESC",
    )?;
    let rows = statement.query_map(params![tenant, agent], |row| {
        Ok(RawSummary {
            version: row.get(0)?,
            state: row.get(1)?,
            hash: row.get(2)?,
            created_at: row.get(3)?,
            published_at: row.get(4)?,
            active: row.get(5)?,
        })
    })?;
    rows.map(|row| row?.into_summary(agent)).collect()
}

/// Agents of `tenant` that have any stored version, by name.
pub fn agents(store: &Store, tenant: &str) -> Result<Vec<String>> {
    let mut statement = store
        .conn()
        .prepare("SELECT name FROM agents WHERE tenant_id = ?1 ORDER BY name")?;
    let names = statement
        .query_map(params![tenant], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// One version with its text; `None` means the active version.
pub fn get(
    store: &Store,
    tenant: &str,
    agent: &str,
    version: Option<u32>,
) -> Result<StoredVersion> {
    let version = match version {
        Some(v) => v,
        None => active_version(store, tenant, agent)?.ok_or_else(|| Error::NotFound {
            what: format!("An active version of agent {agent}"),
            hint: "Publish a draft first with `spec publish`.".to_owned(),
        })?,
    };
    let spec_json: Option<String> = store
        .conn()
        .query_row(
            "SELECT spec_json FROM persona_versions WHERE tenant_id = ?1 AND agent = ?2 AND version = ?3",
            params![tenant, agent, version],
            |row| row.get(0),
        )
        .optional()?;
    let spec_json = spec_json.ok_or_else(|| Error::NotFound {
        what: format!("Version {version} of agent {agent}"),
        hint: format!("List the versions with `spec list --agent {agent}`."),
    })?;
    Ok(StoredVersion {
        summary: summary(store, tenant, agent, version)?,
        spec_json,
    })
}

/// The active (published) version of `agent`, if any.
pub fn active(store: &Store, tenant: &str, agent: &str) -> Result<Option<StoredVersion>> {
    match active_version(store, tenant, agent)? {
        Some(version) => get(store, tenant, agent, Some(version)).map(Some),
        None => Ok(None),
    }
}

/// How many agents of `tenant` have a stored spec version.
pub fn count_agents(store: &Store, tenant: &str) -> Result<i64> {
    Ok(store.conn().query_row(
        "SELECT COUNT(*) FROM agents WHERE tenant_id = ?1",
        params![tenant],
        |row| row.get(0),
    )?)
}

fn active_version(store: &Store, tenant: &str, agent: &str) -> Result<Option<u32>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT version FROM active_persona WHERE tenant_id = ?1 AND agent = ?2",
            params![tenant, agent],
            |row| row.get(0),
        )
        .optional()?)
}

fn draft_version(store: &Store, tenant: &str, agent: &str) -> Result<Option<u32>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT version FROM persona_versions WHERE tenant_id = ?1 AND agent = ?2 AND state = 'draft'",
            params![tenant, agent],
            |row| row.get(0),
        )
        .optional()?)
}

fn next_version(store: &Store, tenant: &str, agent: &str) -> Result<u32> {
    let max: Option<u32> = store.conn().query_row(
        "SELECT MAX(version) FROM persona_versions WHERE tenant_id = ?1 AND agent = ?2",
        params![tenant, agent],
        |row| row.get(0),
    )?;
    Ok(max.unwrap_or(0).saturating_add(1))
}

fn summary(store: &Store, tenant: &str, agent: &str, version: u32) -> Result<VersionSummary> {
    list(store, tenant, agent)?
        .into_iter()
        .find(|s| s.version == version)
        .ok_or_else(|| Error::NotFound {
            what: format!("Version {version} of agent {agent}"),
            hint: String::new(),
        })
}

fn no_draft(agent: &str) -> Error {
    Error::NotFound {
        what: format!("A draft of agent {agent}"),
        hint: format!("Start one with `spec new --agent {agent}`."),
    }
}

fn check_size(text: &str) -> Result<()> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Error::invalid(
            "spec",
            format!("is {} bytes; the limit is {MAX_SPEC_BYTES}", text.len()),
        ));
    }
    Ok(())
}

/// A draft's hash, when its text is a valid spec.
fn draft_hash(text: &str) -> Option<Digest> {
    spec::validate_json(text)
        .ok()
        .and_then(|spec| persona_hash(&spec).ok())
}

struct RawSummary {
    version: u32,
    state: String,
    hash: Option<String>,
    created_at: String,
    published_at: Option<String>,
    active: bool,
}

impl RawSummary {
    fn into_summary(self, agent: &str) -> Result<VersionSummary> {
        let bad = |field: &'static str, e: String| Error::invalid(field, e);
        Ok(VersionSummary {
            agent: agent.to_owned(),
            version: self.version,
            state: if self.state == "published" {
                VersionState::Published
            } else {
                VersionState::Draft
            },
            persona_hash: self
                .hash
                .map(|h| {
                    h.parse::<Digest>()
                        .map_err(|e| bad("persona_hash", e.to_string()))
                })
                .transpose()?,
            created_at: Timestamp::parse(&self.created_at)
                .map_err(|e| bad("created_at", e.to_string()))?,
            published_at: self
                .published_at
                .map(|t| Timestamp::parse(&t).map_err(|e| bad("published_at", e.to_string())))
                .transpose()?,
            active: self.active,
        })
    }
}
