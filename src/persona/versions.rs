//! Stored persona spec versions, per tenant and agent: drafts edited freely, published versions
//! immutable (enforced by triggers too), and exactly one active version per agent. The versions
//! are `store::documents` of kind `persona_spec` (the body is the spec JSON, the content hash
//! the persona hash); the active version is the label [`ACTIVE`].

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::{self, CanonError, Digest};
use crate::clock::{Clock, Timestamp};
use crate::persona::compile::persona_hash;
use crate::persona::spec::{self, PersonaSpec, Problem};
use crate::store::documents::{self, Doc, Kind, Stamp, Version};
use crate::store::Store;
use crate::{Error, Result};

pub use crate::store::documents::VersionState;

/// The label that names an agent's active version (moved by each publish).
pub const ACTIVE: &str = "active";

/// The stored document holding `agent`'s spec versions in `tenant`.
fn doc<'a>(tenant: &'a str, agent: &'a str) -> Doc<'a> {
    Doc {
        kind: Kind::PersonaSpec,
        tenant,
        id: agent,
    }
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
    /// Why a draft has no hash: every problem [`draft_problems`] finds (empty when it is valid,
    /// and for published versions).
    pub problems: Vec<Problem>,
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
    let body = canon::strict(text.as_bytes()).unwrap_or(text.as_bytes());
    match serde_json::from_slice::<serde_json::Value>(body) {
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
    sample.id = spec_id_for(agent);
    serde_json::to_string_pretty(&sample).map_err(|e| Error::invalid("spec", e.to_string()))
}

/// The id an agent's spec carries: the agent name with `-` written `_` (`support-bot` →
/// `support_bot`).
pub fn spec_id_for(agent: &str) -> String {
    agent.replace('-', "_")
}

/// Every problem of `text` as version `version` of `agent`'s spec: the validator's (the same
/// list a spec file's validation gives), else whether its `id` is this agent's and its
/// `version` this version. A draft with problems is stored, but has no hash and is not
/// published.
pub fn draft_problems(agent: &str, version: u32, text: &str) -> Vec<Problem> {
    let spec = match spec::validate_json(text) {
        Ok(spec) => spec,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    let id = spec_id_for(agent);
    if spec.id != id {
        problems.push(Problem {
            pointer: "/id".to_owned(),
            rule: "agent_mismatch",
            message: format!(
                "this is agent {agent}'s spec, but \"id\" is \"{}\", which names another agent; set it to \"{id}\"",
                spec.id
            ),
        });
    }
    if spec.version != version {
        problems.push(Problem {
            pointer: "/version".to_owned(),
            rule: "version_mismatch",
            message: format!(
                "this is version {version} of {agent}, but the spec says \"version\": {}; set it to {version}",
                spec.version
            ),
        });
    }
    problems
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
        check_draft(text)?;
    }
    if let Some(draft) = draft_version(store, &actor.tenant_id, agent)? {
        return Err(Error::Conflict(format!(
            "Agent {agent} already has draft version {draft}. Edit it with `spec edit --agent {agent} FILE` or publish it with `spec publish --agent {agent}` first."
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
    documents::insert_draft(
        tx,
        doc(&actor.tenant_id, agent),
        version,
        text,
        draft_hash(agent, version, text).as_ref(),
        Stamp {
            member: &actor.member_id,
            at: now,
        },
    )
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
    check_draft(spec_text)?;
    let version = draft_version(store, &actor.tenant_id, agent)?.ok_or_else(|| no_draft(agent))?;
    let hash = draft_hash(agent, version, spec_text);
    store.write(|tx| {
        documents::save_draft(
            tx,
            doc(&actor.tenant_id, agent),
            version,
            spec_text,
            hash.as_ref(),
        )
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
    let problems = draft_problems(agent, version, &draft.spec_json);
    if !problems.is_empty() {
        return Err(Error::SpecInvalid(problems));
    }
    let spec: PersonaSpec = spec::validate_json(&draft.spec_json).map_err(Error::SpecInvalid)?;
    let hash = persona_hash(&spec)?;
    let canonical = String::from_utf8(canon::to_canonical_vec(&spec)?)
        .map_err(|e| Error::invalid("spec", e.to_string()))?;
    let now = clock.now();
    let stamp = Stamp {
        member: &actor.member_id,
        at: now,
    };
    let stored = doc(&actor.tenant_id, agent);
    store.write(|tx| {
        documents::publish(tx, stored, version, Some(&canonical), &hash, stamp)?;
        let previous = documents::move_label(tx, stored, ACTIVE, version, stamp)?;
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
    let stored = doc(tenant, agent);
    let active = documents::label(store.conn(), stored, ACTIVE)?;
    Ok(documents::versions(store.conn(), stored)?
        .iter()
        .map(|v| to_summary(agent, v, active))
        .collect())
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
    let stored = doc(tenant, agent);
    let active = documents::label(store.conn(), stored, ACTIVE)?;
    let version = match version {
        Some(v) => v,
        None => active.ok_or_else(|| Error::NotFound {
            what: format!("An active version of agent {agent}"),
            hint: format!("Publish a draft first with `spec publish --agent {agent}`."),
        })?,
    };
    let found =
        documents::version(store.conn(), stored, version)?.ok_or_else(|| Error::NotFound {
            what: format!("Version {version} of agent {agent}"),
            hint: format!("List the versions with `spec list --agent {agent}`."),
        })?;
    Ok(StoredVersion {
        summary: to_summary(agent, &found, active),
        spec_json: found.body,
    })
}

/// The active (published) version of `agent`, if any.
pub fn active(store: &Store, tenant: &str, agent: &str) -> Result<Option<StoredVersion>> {
    match documents::label(store.conn(), doc(tenant, agent), ACTIVE)? {
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

fn draft_version(store: &Store, tenant: &str, agent: &str) -> Result<Option<u32>> {
    documents::draft(store.conn(), doc(tenant, agent))
}

fn next_version(store: &Store, tenant: &str, agent: &str) -> Result<u32> {
    documents::next_number(store.conn(), doc(tenant, agent))
}

fn summary(store: &Store, tenant: &str, agent: &str, version: u32) -> Result<VersionSummary> {
    get(store, tenant, agent, Some(version)).map(|v| v.summary)
}

fn to_summary(agent: &str, version: &Version, active: Option<u32>) -> VersionSummary {
    VersionSummary {
        agent: agent.to_owned(),
        version: version.number,
        state: version.state,
        persona_hash: version.content_hash,
        created_at: version.created_at,
        published_at: version.published_at,
        active: active == Some(version.number),
        problems: match version.state {
            VersionState::Draft => draft_problems(agent, version.number, &version.body),
            VersionState::Published => Vec::new(),
        },
    }
}

fn no_draft(agent: &str) -> Error {
    Error::NotFound {
        what: format!("A draft of agent {agent}"),
        hint: format!("Start one with `spec new --agent {agent}`."),
    }
}

/// A draft may be any text while it is being written, but never one that strict readers and
/// last-wins readers would read differently: a repeated name or a stray byte order mark is
/// refused (with its place) before it is stored, since its copies could not both be approved.
fn check_draft(text: &str) -> Result<()> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Error::invalid(
            "spec",
            format!("is {} bytes; the limit is {MAX_SPEC_BYTES}", text.len()),
        ));
    }
    match canon::strict(text.as_bytes()) {
        Err(source @ (CanonError::DuplicateKey { .. } | CanonError::ByteOrderMark { .. })) => {
            Err(Error::Json {
                what: "The spec draft".to_owned(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// A draft's hash, when its text is a valid spec of this agent and version
/// ([`draft_problems`] finds nothing).
fn draft_hash(agent: &str, version: u32, text: &str) -> Option<Digest> {
    if !draft_problems(agent, version, text).is_empty() {
        return None;
    }
    spec::validate_json(text)
        .ok()
        .and_then(|spec| persona_hash(&spec).ok())
}
