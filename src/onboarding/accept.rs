//! Accepting a finished wizard: the user's [`Choice`] is re-evaluated (it must fit the tier's
//! quota; community capabilities only when listed explicitly), then in one transaction the new
//! agent gets its first draft persona spec, generated from the chosen preset and the answers,
//! install requests are opened for the chosen capabilities through the normal "ask first" path
//! (they stay pending until an owner or admin approves them), one `onboarding.accepted` audit
//! entry is appended and the session is marked accepted.
//!
//! Any member may accept, as any member may ask for an install: accepting only proposes. It
//! creates a *new* agent (an existing name is refused), so it can never change an agent someone
//! else shaped, and publishing the draft stays an owner/admin action. Accepting again with the
//! same agent and choice returns the same outcome (marked `already_accepted`) and changes
//! nothing; a different one is refused until the wizard is reset.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::{Clock, Timestamp};
use crate::governance;
use crate::governance::installs::{self, InstallState, RequestInput};
use crate::ids::IdSource;
use crate::onboarding::customize::{customize, Choice, Customization};
use crate::onboarding::recommend::{self, Answer, Answers, Recommendation};
use crate::onboarding::session::{self, WizardState, WizardStatus};
use crate::persona::compile::persona_hash;
use crate::persona::preset::catalog::{self as presets_catalog, VersionRef};
use crate::persona::preset::PresetManifest;
use crate::persona::spec::{self, Mode, PersonaSpec};
use crate::persona::versions;
use crate::store::Store;
use crate::{Error, Result};

/// An install request that accepting opened, or found already open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RequestedCapability {
    pub capability_id: String,
    pub request_id: String,
    /// The state when accepting (pending, unless an open break-glass override installed it).
    pub state: InstallState,
}

/// What accepting created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AcceptOutcome {
    pub agent: String,
    pub draft_version: u32,
    pub persona_hash: Digest,
    pub preset: String,
    pub preset_version: u32,
    /// How the chosen preset was read, ending at the version the draft was built from
    /// (`executive_assistant:production → v1`).
    #[serde(default)]
    pub preset_resolved: String,
    pub preset_hash: Digest,
    pub mode: Mode,
    /// Requests opened now, by capability id.
    pub install_requests: Vec<RequestedCapability>,
    /// Chosen capabilities that were already requested or installed: nothing new was opened.
    pub already_requested: Vec<RequestedCapability>,
    #[ts(type = "unknown")]
    pub harness_profile: Value,
    pub accepted_at: Timestamp,
    /// True when this call found the same choice already accepted and created nothing.
    pub already_accepted: bool,
}

/// [`customize`] for the acting member's finished wizard, with the tenant's own presets,
/// catalog and installed capabilities: the live quota meter.
pub fn customize_for_tenant(
    store: &Store,
    actor: &Actor,
    choice: &Choice,
) -> Result<Customization> {
    evaluate(store, actor, choice).map(|(_, _, c)| c)
}

/// Accepts the acting member's finished wizard with `choice`, creating agent `agent`.
pub fn accept(
    store: &mut Store,
    actor: &Actor,
    choice: &Choice,
    agent: &str,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<AcceptOutcome> {
    versions::check_agent_name(agent)?;
    let choice = choice.normalized();
    let key = String::from_utf8(canon::to_canonical_vec(
        &json!({"agent": agent, "choice": choice}),
    )?)
    .map_err(|e| Error::invalid("choice", e.to_string()))?;
    if let Some(outcome) = accepted_before(store, actor, &key)? {
        return Ok(outcome);
    }
    let (state, recommendation, custom) = evaluate(store, actor, &choice)?;
    if !custom.fits {
        return Err(Error::QuotaExceeded(format!(
            "The chosen bundle does not fit the {} quota: {}",
            crate::governance::quota::tier_label(custom.tier),
            custom.over.join(" ")
        )));
    }
    let (resolved, preset_ref) = chosen_preset(store, actor, &choice.preset)?;
    let preset_resolved = resolved.shown;
    let preset = resolved.version;
    let harness_profile = accepted_harness_profile(&recommendation, &custom, &preset_ref);
    let provenance = json!({
        "bank_version": recommendation.bank_version,
        "scoring_version": recommendation.scoring_version,
        "inputs_hash": recommendation.inputs_hash,
        "preset": {"id": preset.id, "version": preset.version, "content_hash": preset.content_hash},
        "capabilities": choice.capabilities,
        "community": choice.community,
        "harness_profile": harness_profile,
    });
    let spec = draft_spec(
        &preset.bundle.manifest,
        &state.answers,
        recommendation.mode,
        agent,
        provenance,
    )?;
    let hash = persona_hash(&spec)?;
    let text =
        serde_json::to_string_pretty(&spec).map_err(|e| Error::invalid("spec", e.to_string()))?;
    let now = clock.now();
    store.write(|tx| {
        if versions::agent_exists(tx, &actor.tenant_id, agent)? {
            return Err(Error::Conflict(format!(
                "Agent {agent} already exists; onboarding creates a new agent. Choose another name."
            )));
        }
        versions::insert_draft(tx, actor, agent, 1, &text, now)?;
        let (opened, already) = request_installs(tx, actor, agent, &custom, now, ids)?;
        let outcome = AcceptOutcome {
            agent: agent.to_owned(),
            draft_version: 1,
            persona_hash: hash,
            preset: preset.id.clone(),
            preset_version: preset.version,
            preset_resolved: preset_resolved.clone(),
            preset_hash: preset.content_hash,
            mode: recommendation.mode,
            install_requests: opened,
            already_requested: already,
            harness_profile: harness_profile.clone(),
            accepted_at: now,
            already_accepted: false,
        };
        record_accepted(tx, actor, &outcome, &choice, &recommendation)?;
        mark_accepted(tx, actor, &key, &outcome, now)?;
        Ok(outcome)
    })
}

/// The version of `preset` the draft is built from, read as a bare id is read everywhere (the
/// version the production label points at), and the reference the harness profile follows:
/// `ID:production`, or `ID@N` for a preset without that label.
fn chosen_preset(
    store: &Store,
    actor: &Actor,
    preset: &str,
) -> Result<(presets_catalog::Resolved, String)> {
    let resolved = presets_catalog::resolve(store, &actor.tenant_id, preset, &VersionRef::Default)?;
    let preset_ref = match &resolved.label {
        Some(label) => format!("{preset}:{label}"),
        None => format!("{preset}@{}", resolved.version.version),
    };
    Ok((resolved, preset_ref))
}

/// When the wizard was already accepted: its stored outcome if `key` (agent and choice) is the
/// one accepted, marked `already_accepted`; a refusal for any other.
fn accepted_before(store: &Store, actor: &Actor, key: &str) -> Result<Option<AcceptOutcome>> {
    let Some(done) = session::read(store, actor)?.filter(|s| s.status == WizardStatus::Accepted)
    else {
        return Ok(None);
    };
    match done.outcome {
        Some(outcome) if done.accepted_choice.as_deref() == Some(key) => Ok(Some(AcceptOutcome {
            already_accepted: true,
            ..outcome
        })),
        other => Err(Error::InvalidTransition(format!(
            "This onboarding wizard was already accepted{} with another agent or choice. To start a new one, reset the wizard.",
            other.map(|o| format!(" (agent {})", o.agent)).unwrap_or_default()
        ))),
    }
}

/// The harness profile of the accepted bundle, following `preset_ref` (the label the draft's
/// preset version was read through): a capability keeps its personalized-default mark when the
/// recommendation gave it one (in the bundle or trimmed).
fn accepted_harness_profile(
    recommendation: &Recommendation,
    custom: &Customization,
    preset_ref: &str,
) -> Value {
    let personalized: Vec<&str> = recommendation
        .capabilities
        .iter()
        .chain(recommendation.trimmed.iter().map(|t| &t.capability))
        .filter(|c| c.personalized_default)
        .map(|c| c.id.as_str())
        .collect();
    recommend::harness_profile(
        preset_ref,
        recommendation.mode,
        custom
            .capabilities
            .iter()
            .map(|c| (c.id.as_str(), personalized.contains(&c.id.as_str()))),
    )
}

/// Opens an install request for each chosen capability through the normal "ask first" path;
/// one already requested or installed is listed apart and nothing new is opened for it.
/// Returns (opened, already requested).
fn request_installs(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    agent: &str,
    custom: &Customization,
    now: Timestamp,
    ids: &dyn IdSource,
) -> Result<(Vec<RequestedCapability>, Vec<RequestedCapability>)> {
    let reason = format!("Chosen in onboarding for the new agent {agent}.");
    let (mut opened, mut already) = (Vec::new(), Vec::new());
    for capability in custom.capabilities.iter().map(|c| &c.id) {
        if let Some(open) = installs::open_request(tx, &actor.tenant_id, capability, now)? {
            already.push(requested(&open));
            continue;
        }
        let input = RequestInput {
            capability_id: capability.clone(),
            reason: Some(reason.clone()),
            ..RequestInput::default()
        };
        let id = installs::request_in(tx, actor, &input, now, ids)?;
        let row = installs::open_request(tx, &actor.tenant_id, capability, now)?
            .filter(|r| r.id == id)
            .ok_or_else(|| {
                Error::InvalidTransition(format!(
                    "Install request {id} changed while accepting; try again."
                ))
            })?;
        opened.push(requested(&row));
    }
    Ok((opened, already))
}

/// The one `onboarding.accepted` audit entry: the draft, the preset version, the choice, the
/// requests opened and the recommendation it came from.
fn record_accepted(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    outcome: &AcceptOutcome,
    choice: &Choice,
    recommendation: &Recommendation,
) -> Result<()> {
    governance::record(
        tx,
        actor,
        "onboarding.accepted",
        json!({
            "agent": outcome.agent,
            "draft_version": outcome.draft_version,
            "persona_hash": outcome.persona_hash.to_string(),
            "preset": outcome.preset,
            "preset_version": outcome.preset_version,
            "preset_hash": outcome.preset_hash.to_string(),
            "capabilities": choice.capabilities,
            "community": choice.community,
            "requests": outcome.install_requests.iter().map(|r| &r.request_id).collect::<Vec<_>>(),
            "bank_version": recommendation.bank_version,
            "scoring_version": recommendation.scoring_version,
            "inputs_hash": recommendation.inputs_hash.to_string(),
        }),
        outcome.accepted_at,
    )?;
    Ok(())
}

/// Marks the member's in-progress session accepted, storing the accepted key and outcome.
fn mark_accepted(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    key: &str,
    outcome: &AcceptOutcome,
    now: Timestamp,
) -> Result<()> {
    let stored = serde_json::to_string(outcome)
        .map_err(|e| Error::invalid("accept outcome", e.to_string()))?;
    let changed = tx.execute(
        "UPDATE onboarding_sessions
         SET status = 'accepted', accepted_at = ?1, updated_at = ?1, current_question = NULL,
             accepted_choice = ?2, accept_outcome = ?3
         WHERE tenant_id = ?4 AND member_id = ?5 AND status = 'in_progress'",
        rusqlite::params![
            now.to_string(),
            key,
            stored,
            actor.tenant_id,
            actor.member_id
        ],
    )?;
    if changed != 1 {
        return Err(Error::InvalidTransition(
            "The onboarding wizard changed while accepting; look at it again and retry.".to_owned(),
        ));
    }
    Ok(())
}

/// The persona spec an agent starts from: the preset's spec, renamed to the agent, in the mode
/// the answers chose, with the autonomy, verbosity and display name the answers gave, and the
/// onboarding provenance under `extensions.onboarding`. It is validated before it is returned.
pub fn draft_spec(
    preset: &PresetManifest,
    answers: &Answers,
    mode: Mode,
    agent: &str,
    provenance: Value,
) -> Result<PersonaSpec> {
    let id = agent.replace('-', "_");
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Error::invalid(
            "agent name",
            format!("\"{agent}\" must start with a letter: it also becomes the persona spec's id"),
        ));
    }
    let picked = |question: &str| match answers.get(question) {
        Some(Answer::Choices(ids)) => ids.first().map(String::as_str),
        _ => None,
    };
    let mut spec = preset.spec.clone();
    spec.id = id;
    spec.version = 1;
    spec.mode = mode;
    if let Some(Answer::Text(name)) = answers.get("agent_name") {
        spec.identity.name = name.trim().to_owned();
    }
    if let Some(autonomy) = picked("autonomy").and_then(|a| a.parse().ok()) {
        spec.decision_policy.autonomy = autonomy;
    }
    if let Some(verbosity) = picked("style").and_then(|v| v.parse().ok()) {
        spec.style.verbosity = verbosity;
    }
    spec.extensions.insert("onboarding".to_owned(), provenance);
    let value = serde_json::to_value(&spec).map_err(|e| Error::invalid("spec", e.to_string()))?;
    spec::validate_value(&value).map_err(Error::SpecInvalid)
}

/// The finished wizard, its recommendation and `choice` evaluated against the tenant.
fn evaluate(
    store: &Store,
    actor: &Actor,
    choice: &Choice,
) -> Result<(WizardState, Recommendation, Customization)> {
    let state = session::load(store, actor)?;
    let Some(recommendation) = state.recommendation.clone() else {
        let answered = state.answers.len();
        let next = state
            .first_unanswered
            .and_then(|i| state.questions.get(i))
            .map(|q| format!(" Next: \"{}\" ({}).", q.prompt, q.id))
            .unwrap_or_default();
        return Err(Error::InvalidTransition(format!(
            "The onboarding wizard is not finished: {answered} of {} questions are answered.{next}",
            state.questions.len()
        )));
    };
    let custom = customize_recommendation(store, actor, &recommendation, choice)?;
    Ok((state, recommendation, custom))
}

/// [`customize`] of any `recommendation` (for example one made from an answers file, without
/// a wizard) with the tenant's presets, catalog, installed capabilities and waiting requests:
/// a preview that writes nothing.
pub fn customize_recommendation(
    store: &Store,
    actor: &Actor,
    recommendation: &Recommendation,
    choice: &Choice,
) -> Result<Customization> {
    let inputs = recommend::tenant_inputs(store, &actor.tenant_id)?;
    let installed = installs::installed(store, &actor.tenant_id)?;
    let waiting = installs::waiting(store.conn(), &actor.tenant_id)?;
    customize(
        recommendation,
        &inputs.presets,
        &inputs.catalog,
        (&installed, &waiting),
        choice,
    )
}

/// The agent an accept creates: `given`, or else the id that the wizard's `agent_name` answer
/// gives ([`crate::naming::agent_id_from_name`]: `Wren the Wise` → `wren-the-wise`).
///
/// Errors: `invalid_input` on `agent` when neither gives one.
pub fn agent_for(state: &WizardState, given: Option<&str>) -> Result<String> {
    if let Some(given) = given {
        return Ok(given.to_owned());
    }
    let name = match state.answers.get("agent_name") {
        Some(recommend::Answer::Text(text)) => text.as_str(),
        _ => "",
    };
    crate::naming::agent_id_from_name(name).ok_or_else(|| {
        Error::invalid(
            "agent",
            if name.is_empty() {
                "the wizard has no agent name yet: answer agent_name, or give the agent's id".to_owned()
            } else {
                format!("the agent name \"{name}\" gives no id (an id needs ASCII letters or digits): give the agent's id")
            },
        )
    })
}

fn requested(row: &installs::InstallRequest) -> RequestedCapability {
    RequestedCapability {
        capability_id: row.capability_id.clone(),
        request_id: row.id.clone(),
        state: row.state,
    }
}
