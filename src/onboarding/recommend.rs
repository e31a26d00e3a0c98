//! The recommender: deterministic, explainable scoring over the traits that presets and
//! capabilities declare. Each answer contributes weights to traits ([`RULES`], versioned as
//! [`SCORING_VERSION`]); an item scores the sum of the weights of the traits it declares, and
//! every score lists its reasons. The capability bundle is trimmed to the tier's quota, saying
//! what was trimmed and which tier would fit it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Tier;
use crate::canon::{self, Digest};
use crate::governance::catalog::{CapabilityManifest, TrustTier};
use crate::governance::quota::{self, TierLimits};
use crate::onboarding::explain;
use crate::onboarding::questions::QuestionBank;
use crate::persona::preset::reference::PRODUCTION;
use crate::persona::preset::PresetManifest;
use crate::persona::spec::{resolve_reasoning, Mode, ResolvedReasoning};
use crate::{Error, Result};

pub const SCORING_VERSION: u32 = 1;

/// The reasoning levels assumed for the model when the caller knows none (the desktop app and
/// the CLI do not know which model the harness will run).
pub const DEFAULT_MODEL_LEVELS: [&str; 4] = ["low", "medium", "high", "max"];

/// `(question, option, [(trait, weight)])`: what one answer says about the traits wanted.
pub type Rule = (&'static str, &'static str, &'static [(&'static str, i32)]);

/// The scoring rules of [`SCORING_VERSION`].
pub const RULES: &[Rule] = &[
    (
        "goal",
        "inbox_calendar",
        &[
            ("email", 4),
            ("calendar", 4),
            ("planning", 1),
            ("travel", 1),
        ],
    ),
    (
        "goal",
        "customer_support",
        &[("support", 5), ("knowledge_base", 3), ("public_facing", 1)],
    ),
    (
        "goal",
        "research",
        &[
            ("research", 5),
            ("citations", 3),
            ("writing", 1),
            ("data", 1),
        ],
    ),
    ("goal", "software", &[("code", 5), ("devops", 3)]),
    (
        "goal",
        "companion",
        &[("companion", 5), ("wellbeing", 3), ("planning", 1)],
    ),
    ("audience", "individual", &[("individual", 2)]),
    ("audience", "team", &[("team", 2)]),
    ("autonomy", "ask_first", &[("ask_first", 1)]),
    ("autonomy", "balanced", &[("balanced", 1)]),
    ("autonomy", "autonomous", &[("autonomous", 1)]),
    ("style", "terse", &[("terse", 1)]),
    ("style", "detailed", &[("detailed", 1)]),
    ("channels", "email", &[("email", 1)]),
    (
        "channels",
        "website",
        &[("public_facing", 2), ("support", 1)],
    ),
    ("channels", "voice", &[("voice", 2)]),
    ("sensitivity", "personal", &[("sensitive_data", 1)]),
    ("sensitivity", "regulated", &[("sensitive_data", 2)]),
    ("voice", "yes", &[("voice", 4)]),
    ("browser", "yes", &[("browser", 4)]),
];

/// Traits that describe who is served rather than what is done; they rank presets but do not
/// earn a capability a place in the bundle.
const AUDIENCE_TRAITS: [&str; 2] = ["individual", "team"];
/// A capability needs at least this score from functional traits to be proposed.
const CAPABILITY_THRESHOLD: i32 = 3;
/// Runners-up are presets scoring at least this share of the winner.
const RUNNER_UP_SHARE: f64 = 0.6;

/// One answer: the chosen option ids, or the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum Answer {
    Choices(Vec<String>),
    Text(String),
}

pub type Answers = BTreeMap<String, Answer>;

/// One answer's contribution to a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Reason {
    pub question: String,
    pub option: String,
    #[serde(rename = "trait")]
    #[ts(rename = "trait")]
    pub trait_name: String,
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ScoredPreset {
    pub id: String,
    pub name: String,
    pub score: i32,
    pub reasons: Vec<Reason>,
    /// Why, in one plain sentence built from the answers' phrases ([`explain`]).
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ScoredCapability {
    pub id: String,
    pub name: String,
    pub score: i32,
    pub slots: u32,
    #[ts(type = "number")]
    pub storage_bytes: u64,
    pub official: bool,
    /// Added because personalized (individual) mode includes it by default.
    pub personalized_default: bool,
    pub reasons: Vec<Reason>,
    /// Set for community capabilities, which are never preselected.
    pub warning: Option<String>,
    /// Why, in one plain sentence built from the answers' phrases ([`explain`]).
    pub why: String,
    /// What it takes, in words: `Uses 1 slot and 12 MiB`.
    pub uses: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Trimmed {
    pub capability: ScoredCapability,
    pub reason: String,
    /// The smallest tier whose quota would include it, if any.
    pub upgrade: Option<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Recommendation {
    pub bank_version: u32,
    pub scoring_version: u32,
    pub inputs_hash: Digest,
    pub mode: Mode,
    pub preset: ScoredPreset,
    pub runners_up: Vec<ScoredPreset>,
    pub capabilities: Vec<ScoredCapability>,
    pub optional_community: Vec<ScoredCapability>,
    pub trimmed: Vec<Trimmed>,
    pub tier: Tier,
    pub slots_used: u32,
    #[ts(type = "number")]
    pub slots_limit: i64,
    #[ts(type = "number")]
    pub storage_used: u64,
    #[ts(type = "number")]
    pub storage_limit: i64,
    pub reasoning: ResolvedReasoning,
    #[ts(type = "unknown")]
    pub harness_profile: serde_json::Value,
}

fn chosen<'a>(answers: &'a Answers, question: &str) -> Vec<&'a str> {
    match answers.get(question) {
        Some(Answer::Choices(ids)) => ids.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Which questions are shown given `answers` (conditions on earlier answers).
pub fn visible(bank: &QuestionBank, answers: &Answers) -> Vec<String> {
    bank.questions
        .iter()
        .filter(|q| {
            q.show_if.iter().all(|c| {
                let picked = chosen(answers, &c.question);
                c.any_of.iter().any(|o| picked.contains(&o.as_str()))
            })
        })
        .map(|q| q.id.clone())
        .collect()
}

pub use super::answers::{check_answer, check_answers, find_question};

/// The weights the answers give each trait, with their reasons.
fn trait_weights(answers: &Answers) -> BTreeMap<&'static str, Vec<Reason>> {
    let mut out: BTreeMap<&'static str, Vec<Reason>> = BTreeMap::new();
    for (question, option, weights) in RULES {
        if chosen(answers, question).contains(option) {
            for (trait_name, weight) in *weights {
                out.entry(trait_name).or_default().push(Reason {
                    question: (*question).to_owned(),
                    option: (*option).to_owned(),
                    trait_name: (*trait_name).to_owned(),
                    weight: *weight,
                });
            }
        }
    }
    out
}

fn score<'a>(
    traits: impl Iterator<Item = &'a str>,
    weights: &BTreeMap<&'static str, Vec<Reason>>,
) -> (i32, Vec<Reason>) {
    let mut reasons: Vec<Reason> = traits
        .filter_map(|t| weights.get(t))
        .flatten()
        .cloned()
        .collect();
    reasons.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.question.cmp(&b.question))
            .then_with(|| a.trait_name.cmp(&b.trait_name))
    });
    (reasons.iter().map(|r| r.weight).sum(), reasons)
}

/// Recommends a preset and a capability bundle for `answers` within `tier`'s quota.
pub fn recommend(
    bank: &QuestionBank,
    answers: &Answers,
    presets: &[PresetManifest],
    catalog: &[CapabilityManifest],
    tier: Tier,
    model_reasoning_levels: &[&str],
) -> Result<Recommendation> {
    check_answers(bank, answers)?;
    let weights = trait_weights(answers);
    let mode = if chosen(answers, "audience").contains(&"team") {
        Mode::Team
    } else {
        Mode::Individual
    };
    let (mut preset, mut runners_up) = rank_presets(presets, &weights, mode)?;
    let (mut official, mut community) = capability_candidates(catalog, &weights, answers, mode);
    // A sentence names only answers the customer gave (an unanswered audience still sets
    // the mode, and scores by it, but "for you alone" was never said).
    let given = |reasons: &[Reason]| -> Vec<Reason> {
        reasons
            .iter()
            .filter(|r| chosen(answers, &r.question).contains(&r.option.as_str()))
            .cloned()
            .collect()
    };
    preset.why = explain::preset_sentence(bank, &preset.name, &given(&preset.reasons));
    for runner in &mut runners_up {
        runner.why = explain::runner_up_sentence(bank, &given(&runner.reasons));
    }
    for c in official.iter_mut().chain(community.iter_mut()) {
        c.why = explain::capability_sentence(bank, &given(&c.reasons), c.personalized_default);
    }
    let fitted = fit_to_quota(&official, tier);
    let reasoning = resolve_reasoning(model_reasoning_levels, None);
    let inputs_hash = canon::digest_of(&json!({
        "bank_version": bank.bank_version,
        "scoring_version": SCORING_VERSION,
        "answers": answers,
        "presets": presets.iter().map(|p| (&p.id, &p.traits, p.mode)).collect::<Vec<_>>(),
        "catalog": catalog.iter().map(|c| (&c.id, &c.version, &c.traits, c.slots, c.storage_bytes)).collect::<Vec<_>>(),
        "tier": tier.as_str(),
        "model_reasoning_levels": model_reasoning_levels,
    }))?;
    let harness_profile = harness_profile(
        &format!("{}:{PRODUCTION}", preset.id),
        mode,
        fitted
            .bundle
            .iter()
            .map(|c| (c.id.as_str(), c.personalized_default)),
    );
    Ok(Recommendation {
        bank_version: bank.bank_version,
        scoring_version: SCORING_VERSION,
        inputs_hash,
        mode,
        preset,
        runners_up,
        capabilities: fitted.bundle,
        optional_community: community,
        trimmed: fitted.trimmed,
        tier,
        slots_used: fitted.slots,
        slots_limit: fitted.limits.slots,
        storage_used: fitted.storage,
        storage_limit: fitted.limits.storage_bytes,
        reasoning,
        harness_profile,
    })
}

/// Scores every preset (its traits, plus 1 when its mode is the answers' mode) and returns the
/// winner and up to two runners-up scoring at least [`RUNNER_UP_SHARE`] of it. Ties go to the
/// smaller id.
fn rank_presets(
    presets: &[PresetManifest],
    weights: &BTreeMap<&'static str, Vec<Reason>>,
    mode: Mode,
) -> Result<(ScoredPreset, Vec<ScoredPreset>)> {
    let mut scored: Vec<ScoredPreset> = presets
        .iter()
        .map(|p| {
            let (mut s, mut reasons) = score(p.traits.iter().map(String::as_str), weights);
            if p.mode == mode {
                s += 1;
                reasons.push(Reason {
                    question: "audience".to_owned(),
                    option: mode.as_str().to_owned(),
                    trait_name: format!("mode:{}", mode.as_str()),
                    weight: 1,
                });
            }
            ScoredPreset {
                id: p.id.clone(),
                name: p.name.clone(),
                score: s,
                reasons,
                why: String::new(),
            }
        })
        .collect();
    scored.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    let mut ranked = scored.into_iter();
    let preset = ranked
        .next()
        .ok_or_else(|| Error::invalid("presets", "there are no presets to recommend from"))?;
    let runners_up: Vec<ScoredPreset> = ranked
        .filter(|p| f64::from(p.score) >= f64::from(preset.score) * RUNNER_UP_SHARE && p.score > 0)
        .take(2)
        .collect();
    Ok((preset, runners_up))
}

/// The capabilities worth proposing, official and community apart, each in order (personalized
/// defaults first, then by score, then by id). A capability qualifies by its functional traits'
/// score ([`CAPABILITY_THRESHOLD`]) or as a personalized default (voice and the browser in
/// individual mode); answering "no" to voice or the browser rules out what declares it.
fn capability_candidates(
    catalog: &[CapabilityManifest],
    weights: &BTreeMap<&'static str, Vec<Reason>>,
    answers: &Answers,
    mode: Mode,
) -> (Vec<ScoredCapability>, Vec<ScoredCapability>) {
    let rules_out = |question: &str| chosen(answers, question).contains(&"no");
    let personalized = mode == Mode::Individual;
    let mut candidates: Vec<ScoredCapability> = catalog
        .iter()
        .filter_map(|c| {
            let functional = c
                .traits
                .iter()
                .map(String::as_str)
                .filter(|t| !AUDIENCE_TRAITS.contains(t));
            let (s, mut reasons) = score(functional, weights);
            let default = personalized
                && ((c.id == "voice_tts_stt" && !rules_out("voice"))
                    || (c.id == "uplay_chromium" && !rules_out("browser")));
            if default {
                reasons.extend(default_reasons(answers, &c.id));
            }
            let ruled_out = (c.traits.iter().any(|t| t == "voice") && rules_out("voice"))
                || (c.traits.iter().any(|t| t == "browser") && rules_out("browser"));
            (!ruled_out && (s >= CAPABILITY_THRESHOLD || default)).then(|| ScoredCapability {
                id: c.id.clone(),
                name: c.name.clone(),
                score: s,
                slots: c.slots,
                storage_bytes: c.storage_bytes,
                official: c.trust == TrustTier::Official,
                personalized_default: default,
                reasons,
                warning: community_warning(c),
                why: String::new(),
                uses: quota::words::uses(
                    i64::from(c.slots),
                    i64::try_from(c.storage_bytes).unwrap_or(i64::MAX),
                ),
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.personalized_default
            .cmp(&a.personalized_default)
            .then_with(|| b.score.cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
    candidates.into_iter().partition(|c| c.official)
}

/// The trait a personalized default's reasons name (weight 0: it adds no score).
pub const PERSONALIZED_DEFAULT: &str = "personalized_default";

/// Why capability `id` is a personalized default: the audience answer that chose individual
/// mode, and the voice or browser answer that left it in, when one was given.
fn default_reasons(answers: &Answers, id: &str) -> Vec<Reason> {
    let question = if id == "voice_tts_stt" {
        "voice"
    } else {
        "browser"
    };
    let audience = chosen(answers, "audience")
        .first()
        .map_or_else(|| Mode::Individual.as_str().to_owned(), |o| (*o).to_owned());
    let reason = |question: &str, option: String| Reason {
        question: question.to_owned(),
        option,
        trait_name: PERSONALIZED_DEFAULT.to_owned(),
        weight: 0,
    };
    let mut out = vec![reason("audience", audience)];
    out.extend(
        chosen(answers, question)
            .first()
            .map(|o| reason(question, (*o).to_owned())),
    );
    out
}

/// A bundle trimmed to a tier's quota.
struct Fitted {
    bundle: Vec<ScoredCapability>,
    trimmed: Vec<Trimmed>,
    /// Slots and bytes the bundle uses.
    slots: u32,
    storage: u64,
    limits: TierLimits,
}

/// Takes the capabilities in order while they fit `tier`'s slots and storage; each one that
/// does not is trimmed with the reason and the smallest larger tier whose own bundle (the same
/// candidates fitted to it) includes it, so that "It fits on Pro" holds on Pro.
fn fit_to_quota(capabilities: &[ScoredCapability], tier: Tier) -> Fitted {
    let fitted = fit_to_tier(capabilities, tier);
    let trimmed = fitted
        .trimmed
        .into_iter()
        .map(|(capability, shortfall)| {
            let upgrade = tier_including(capabilities, &capability.id, tier);
            Trimmed {
                reason: quota::words::doesnt_fit(shortfall, upgrade),
                capability,
                upgrade,
            }
        })
        .collect();
    Fitted {
        bundle: fitted.bundle,
        trimmed,
        slots: fitted.slots,
        storage: fitted.storage,
        limits: fitted.limits,
    }
}

/// The smallest tier larger than `tier` whose bundle includes capability `id`.
fn tier_including(capabilities: &[ScoredCapability], id: &str, tier: Tier) -> Option<Tier> {
    let mut next = quota::next_tier(tier);
    while let Some(limits) = next {
        if fit_to_tier(capabilities, limits.tier)
            .bundle
            .iter()
            .any(|c| c.id == id)
        {
            return Some(limits.tier);
        }
        next = quota::next_tier(limits.tier);
    }
    None
}

/// The bundle `tier` holds, taking `capabilities` in order, and each one left out with what
/// was short.
struct TierFit {
    bundle: Vec<ScoredCapability>,
    trimmed: Vec<(ScoredCapability, quota::words::Shortfall)>,
    slots: u32,
    storage: u64,
    limits: TierLimits,
}

fn fit_to_tier(capabilities: &[ScoredCapability], tier: Tier) -> TierFit {
    let limits = quota::limits(tier);
    let (mut slots, mut storage) = (0u32, 0u64);
    let mut bundle = Vec::new();
    let mut trimmed = Vec::new();
    for capability in capabilities {
        let fits_slots = i64::from(slots + capability.slots) <= limits.slots;
        let fits_storage = i64::try_from(storage + capability.storage_bytes).unwrap_or(i64::MAX)
            <= limits.storage_bytes;
        if fits_slots && fits_storage {
            slots += capability.slots;
            storage += capability.storage_bytes;
            bundle.push(capability.clone());
            continue;
        }
        let shortfall = quota::words::Shortfall {
            tier,
            slots: i64::from(capability.slots),
            bytes: i64::try_from(capability.storage_bytes).unwrap_or(i64::MAX),
            slots_taken: i64::from(slots),
            bytes_taken: i64::try_from(storage).unwrap_or(i64::MAX),
        };
        trimmed.push((capability.clone(), shortfall));
    }
    TierFit {
        bundle,
        trimmed,
        slots,
        storage,
        limits,
    }
}

/// The JSON Schema (draft 2020-12) of [`harness_profile`]'s output. In this crate the file
/// lives at `schemas/harness-profile.schema.json` under the package root.
pub const HARNESS_PROFILE_SCHEMA_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/schemas/harness-profile.schema.json"
));

/// The harness profile (see [`HARNESS_PROFILE_SCHEMA_JSON`]) for a preset reference
/// (`ID:LABEL`, the label the harness follows, or `ID@N` for a preset without a `production`
/// label), a mode and the capabilities `(id, personalized default)` of the bundle.
pub fn harness_profile<'a>(
    preset_ref: &str,
    mode: Mode,
    capabilities: impl Iterator<Item = (&'a str, bool)> + Clone,
) -> serde_json::Value {
    json!({
        "reasoningPolicy": {"default": "max", "fallbackBehavior": "highest_or_model_default"},
        "persona": {"presetRef": preset_ref, "mode": mode.as_str()},
        "onboarding": {
            "recommendationEnabled": true,
            "personalizedDefaults": capabilities.clone().filter(|c| c.1).map(|c| c.0).collect::<Vec<_>>(),
        },
        "capabilities": capabilities.map(|c| c.0).collect::<Vec<_>>(),
    })
}

/// The smallest tier above `tier` whose quota holds `slots` and `storage`.
pub(crate) fn upgrade_for(tier: Tier, slots: u32, storage: u64) -> Option<Tier> {
    let storage = i64::try_from(storage).unwrap_or(i64::MAX);
    quota::larger_tier_holding(tier, i64::from(slots), storage).map(|limits| limits.tier)
}

/// What the recommender reads from a tenant: its tier, its active presets (the versions a
/// bare id names: `production`, else the newest published) and its capability catalog.
#[derive(Debug, Clone)]
pub struct TenantInputs {
    pub tier: Tier,
    pub presets: Vec<PresetManifest>,
    pub catalog: Vec<CapabilityManifest>,
}

/// Reads [`TenantInputs`] of `tenant`.
pub fn tenant_inputs(store: &crate::store::Store, tenant: &str) -> Result<TenantInputs> {
    use crate::persona::preset::catalog::{self as presets_catalog, PresetFilter, VersionRef};
    // What a bare id means everywhere: the version its production label points at.
    let tier: String = store.conn().query_row(
        "SELECT tier FROM tenants WHERE id = ?1",
        rusqlite::params![tenant],
        |r| r.get(0),
    )?;
    let mut presets = Vec::new();
    for summary in presets_catalog::list(store, tenant, &PresetFilter::default())? {
        if summary.latest_published.is_some() {
            presets.push(
                presets_catalog::get(store, tenant, &summary.id, &VersionRef::Default)?
                    .bundle
                    .manifest,
            );
        }
    }
    let catalog = crate::governance::catalog::list(store, tenant, &Default::default())?
        .into_iter()
        .map(|c| c.manifest)
        .collect();
    Ok(TenantInputs {
        tier: Tier::parse(&tier)?,
        presets,
        catalog,
    })
}

/// Recommends from `tenant`'s own presets, capability catalog and tier.
pub fn recommend_for_tenant(
    store: &crate::store::Store,
    tenant: &str,
    bank: &QuestionBank,
    answers: &Answers,
    model_reasoning_levels: &[&str],
) -> Result<Recommendation> {
    let inputs = tenant_inputs(store, tenant)?;
    recommend(
        bank,
        answers,
        &inputs.presets,
        &inputs.catalog,
        inputs.tier,
        model_reasoning_levels,
    )
}

/// The warning shown for a community capability (none for official ones).
pub fn community_warning(capability: &CapabilityManifest) -> Option<String> {
    (capability.trust == TrustTier::Community).then(|| {
        format!(
            "{} is a community capability: not reviewed by the Persona Studio team. Add it only if you trust its author.",
            capability.name
        )
    })
}
