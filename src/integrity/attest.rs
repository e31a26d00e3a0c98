//! Attestations of compiles that were used, as in-toto Statement v1 documents stored in
//! canonical JSON; drift statistics per agent; and the tenant's hash-enforcement setting
//! (`off`, `observe` — the default — or `enforce`).

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::{Clock, Timestamp};
use crate::persona::compile::PromptPlan;
use crate::persona::versions;
use crate::store::Store;
use crate::{Error, Result};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://persona-studio.dev/attestations/compile/v1";
const ENFORCEMENT_KEY: &str = "hash_enforcement";

/// What happens when a compiled spec's hash differs from the published one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Enforcement {
    /// Record the attestation, say nothing.
    Off,
    /// Record and warn.
    #[default]
    Observe,
    /// Refuse to use the compile.
    Enforce,
}

impl Enforcement {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the modes otherwise.
    pub fn parse(text: &str) -> Result<Self> {
        Error::parse_name("hash enforcement", Some("mode"), text)
    }
}

pub fn enforcement(store: &Store, tenant: &str) -> Result<Enforcement> {
    let value: Option<String> = store
        .conn()
        .query_row(
            "SELECT value FROM tenant_settings WHERE tenant_id = ?1 AND key = ?2",
            params![tenant, ENFORCEMENT_KEY],
            |row| row.get(0),
        )
        .optional()?;
    value.map_or(Ok(Enforcement::default()), |v| Enforcement::parse(&v))
}

/// Sets the tenant's hash enforcement (owner or admin; audited).
pub fn set_enforcement(
    store: &mut Store,
    actor: &Actor,
    mode: Enforcement,
    clock: &dyn Clock,
) -> Result<()> {
    require_unlocked_privileged(store.conn(), actor, clock.now(), "change hash enforcement")?;
    let previous = enforcement(store, &actor.tenant_id)?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO tenant_settings (tenant_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value",
            params![actor.tenant_id, ENFORCEMENT_KEY, mode.as_str()],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "integrity.enforcement_set",
            json!({"from": previous.as_str(), "to": mode.as_str()}),
            clock.now(),
        )?;
        Ok(())
    })
}

/// A recorded attestation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Attestation {
    #[ts(type = "number")]
    pub seq: i64,
    pub agent: String,
    pub created_at: Timestamp,
    pub persona_hash: Digest,
    pub plan_hash: Digest,
    pub published_hash: Option<Digest>,
    pub drift: bool,
    /// The in-toto statement, canonical JSON.
    pub statement: String,
    /// Set when enforcement is `observe` and the compile drifted.
    pub warning: Option<String>,
}

fn subject(name: String, digest: Digest) -> serde_json::Value {
    json!({"name": name, "digest": {"sha256": digest.to_hex()}})
}

/// Records that `plan` was used for `agent`. Drift means the persona hash differs from the
/// agent's published (active) hash, or from the previous attestation. Under `enforce`, a hash
/// that differs from the published one is refused and nothing is recorded.
pub fn attest(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    plan: &PromptPlan,
    clock: &dyn Clock,
) -> Result<Attestation> {
    versions::check_agent_name(agent)?;
    // An attestation for an agent that does not exist would count drift for nothing.
    if !versions::agent_exists(store.conn(), &actor.tenant_id, agent)? {
        return Err(Error::NotFound {
            what: format!("Agent {agent}"),
            hint: format!("Start its spec with `spec new --agent {agent}`."),
        });
    }
    let (Some(persona_hash), Some(plan_hash)) = (plan.trace.persona_hash, plan.trace.plan_hash)
    else {
        return Err(Error::invalid(
            "plan",
            "a fallback plan has no persona hash and cannot be attested",
        ));
    };
    let published_hash =
        versions::active(store, &actor.tenant_id, agent)?.and_then(|v| v.summary.persona_hash);
    let previous = previous_hash(store, &actor.tenant_id, agent)?;
    let differs_from_published = published_hash.is_some_and(|p| p != persona_hash);
    let differs_from_previous = previous
        .as_deref()
        .is_some_and(|p| p != persona_hash.to_string());
    let mode = enforcement(store, &actor.tenant_id)?;
    if mode == Enforcement::Enforce && (differs_from_published || published_hash.is_none()) {
        return Err(Error::HashEnforced {
            agent: agent.to_owned(),
            used: persona_hash.to_string(),
            published: published_hash.map(|h| h.to_string()),
        });
    }
    let used = Use {
        agent,
        persona_hash,
        plan_hash,
        published_hash,
        drift: differs_from_published || differs_from_previous,
        mode,
        now: clock.now(),
    };
    let canonical = used.statement(plan, actor)?;
    let seq = store.write(|tx| used.insert(tx, actor, &canonical))?;
    Ok(Attestation {
        seq,
        agent: agent.to_owned(),
        created_at: used.now,
        persona_hash,
        plan_hash,
        published_hash,
        drift: used.drift,
        statement: canonical,
        warning: used.warning(),
    })
}

/// The persona hash of `agent`'s latest attestation, if any.
fn previous_hash(store: &Store, tenant: &str, agent: &str) -> Result<Option<String>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT persona_hash FROM attestations WHERE tenant_id = ?1 AND agent = ?2 ORDER BY seq DESC LIMIT 1",
            params![tenant, agent],
            |row| row.get(0),
        )
        .optional()?)
}

/// One use of a compile being attested: the hashes, whether it drifted, under which mode, when.
struct Use<'a> {
    agent: &'a str,
    persona_hash: Digest,
    plan_hash: Digest,
    published_hash: Option<Digest>,
    drift: bool,
    mode: Enforcement,
    now: Timestamp,
}

impl Use<'_> {
    /// The in-toto Statement v1 (subjects: the persona and the plan), as canonical JSON.
    fn statement(&self, plan: &PromptPlan, actor: &Actor) -> Result<String> {
        let agent = self.agent;
        let context = plan.trace.interaction_context.as_str();
        let statement = json!({
            "_type": STATEMENT_TYPE,
            "subject": [
                subject(format!("persona:{agent}"), self.persona_hash),
                subject(format!("plan:{agent}:{context}"), self.plan_hash),
            ],
            "predicateType": PREDICATE_TYPE,
            "predicate": {
                "agent": agent,
                "spec_version": plan.trace.persona_spec_version,
                "persona_id": plan.trace.persona_id,
                "interaction_context": context,
                "actor": actor.member_id,
                "time": self.now.to_string(),
                "published_hash": self.published_hash.map(|h| h.to_string()),
                "enforcement": self.mode.as_str(),
            },
        });
        String::from_utf8(canon::to_canonical_vec(&statement)?)
            .map_err(|e| Error::invalid("statement", e.to_string()))
    }

    /// Stores the attestation under the tenant's next sequence number, with an audit entry when
    /// it drifted; returns the sequence number.
    fn insert(
        &self,
        tx: &rusqlite::Transaction<'_>,
        actor: &Actor,
        statement: &str,
    ) -> Result<i64> {
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM attestations WHERE tenant_id = ?1",
            params![actor.tenant_id],
            |row| row.get(0),
        )?;
        let published = self.published_hash.map(|h| h.to_string());
        tx.execute(
            "INSERT INTO attestations
               (tenant_id, seq, agent, created_at, persona_hash, plan_hash, published_hash, drift, statement)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                actor.tenant_id,
                seq,
                self.agent,
                self.now.to_string(),
                self.persona_hash.to_string(),
                self.plan_hash.to_string(),
                published,
                self.drift,
                statement
            ],
        )?;
        if self.drift {
            audit::append(
                tx,
                &actor.tenant_id,
                &actor.member_id,
                "integrity.drift_attested",
                json!({
                    "agent": self.agent,
                    "attestation": seq,
                    "persona_hash": self.persona_hash.to_string(),
                    "published_hash": published,
                }),
                self.now,
            )?;
        }
        Ok(seq)
    }

    /// Under `observe`, what to tell the owner about a drifted compile.
    fn warning(&self) -> Option<String> {
        let (agent, persona_hash) = (self.agent, self.persona_hash);
        (self.drift && self.mode == Enforcement::Observe).then(|| match self.published_hash {
            Some(published) if published != persona_hash => format!(
                "Agent {agent} ran persona {persona_hash}, which is not the published {published}."
            ),
            _ => format!("Agent {agent}'s persona hash changed since its previous attestation."),
        })
    }
}

/// Attestation statistics of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentStats {
    pub agent: String,
    #[ts(type = "number")]
    pub attestations: i64,
    #[ts(type = "number")]
    pub distinct_persona_hashes: i64,
    #[ts(type = "number")]
    pub drift_events: i64,
    pub last_attestation: Option<Timestamp>,
    pub last_drift: Option<Timestamp>,
}

/// Per-agent statistics for `tenant`, optionally for one agent.
pub fn stats(store: &Store, tenant: &str, agent: Option<&str>) -> Result<Vec<AgentStats>> {
    let mut statement = store.conn().prepare(
        "SELECT agent, COUNT(*), COUNT(DISTINCT persona_hash), SUM(drift), MAX(created_at),
                MAX(CASE WHEN drift = 1 THEN created_at END)
         FROM attestations
         WHERE tenant_id = ?1 AND (?2 IS NULL OR agent = ?2)
         GROUP BY agent ORDER BY agent",
    )?;
    let rows = statement.query_map(params![tenant, agent], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, Option<String>>(5)?,
        ))
    })?;
    let parse = |text: Option<String>| -> Result<Option<Timestamp>> {
        text.map(|t| Timestamp::parse(&t).map_err(|e| Error::invalid("created_at", e.to_string())))
            .transpose()
    };
    let mut out = Vec::new();
    for row in rows {
        let (agent, attestations, distinct, drift, last, last_drift) = row?;
        out.push(AgentStats {
            agent,
            attestations,
            distinct_persona_hashes: distinct,
            drift_events: drift,
            last_attestation: parse(last)?,
            last_drift: parse(last_drift)?,
        });
    }
    Ok(out)
}

/// A compile the app used, and its attestation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AttestedPlan {
    pub plan: PromptPlan,
    pub attestation: Attestation,
}

/// Compiles `spec_text` for `agent` in `context` with the agent's baselined workspace files
/// (when it has a baseline) and records the attestation of that use.
pub fn compile_for_use(
    store: &mut Store,
    actor: &Actor,
    agent: &str,
    spec_text: &str,
    context: crate::persona::spec::InteractionContext,
    clock: &dyn Clock,
) -> Result<AttestedPlan> {
    let spec = crate::persona::spec::validate_json(spec_text).map_err(Error::SpecInvalid)?;
    let files = match crate::integrity::baseline::get(store, &actor.tenant_id, agent)? {
        Some(baseline) => crate::persona::workspace::WorkspaceFiles::read_dir(
            std::path::Path::new(&baseline.workspace),
        )?,
        None => crate::persona::workspace::WorkspaceFiles::new(),
    };
    let plan = crate::persona::compile::compile(&spec, &files, context)?;
    let attestation = attest(store, actor, agent, &plan, clock)?;
    Ok(AttestedPlan { plan, attestation })
}
