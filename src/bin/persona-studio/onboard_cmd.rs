//! `persona-studio onboard --answers FILE`: the recommender, non-interactively.

use persona_studio::onboarding::questions;
use persona_studio::onboarding::recommend::{self, Answers, Recommendation};
use persona_studio::tenant;

use crate::output::{Failure, Output};
use crate::Env;

pub fn run(answers_file: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let text = crate::read_text(answers_file)?;
    let answers: Answers = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(
            "invalid_input",
            format!("{answers_file}: answers must be a JSON object of question id to option ids (or text): {e}"),
        )
    })?;
    let bank = questions::shipped()?;
    let store = env.open_store()?;
    let recommendation = recommend::recommend_for_tenant(
        &store,
        &tenant::current_actor(&store)?.tenant_id,
        &bank,
        &answers,
        &recommend::DEFAULT_MODEL_LEVELS,
    )?;
    out.value(&recommendation, || text_of(&recommendation));
    Ok(())
}

fn text_of(r: &Recommendation) -> String {
    let reasons = |reasons: &[recommend::Reason]| {
        reasons
            .iter()
            .map(|x| format!("{}={} +{} {}", x.question, x.option, x.weight, x.trait_name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "Recommended preset: {} (score {}; {})\n",
        r.preset.id,
        r.preset.score,
        reasons(&r.preset.reasons)
    );
    for runner in &r.runners_up {
        text.push_str(&format!(
            "  runner-up: {} (score {}; {})\n",
            runner.id,
            runner.score,
            reasons(&runner.reasons)
        ));
    }
    text.push_str(&format!(
        "Capabilities ({} of {} slots on {}):\n",
        r.slots_used,
        r.slots_limit,
        r.tier.as_str()
    ));
    for c in &r.capabilities {
        let why = if c.personalized_default {
            "personalized default".to_owned()
        } else {
            reasons(&c.reasons)
        };
        text.push_str(&format!("  + {} ({why})\n", c.id));
    }
    for t in &r.trimmed {
        let upgrade = t
            .upgrade
            .map(|u| format!("; fits on {}", u.as_str()))
            .unwrap_or_default();
        text.push_str(&format!(
            "  - trimmed {}: {}{upgrade}\n",
            t.capability.id, t.reason
        ));
    }
    for c in &r.optional_community {
        text.push_str(&format!(
            "  ? optional {}: {}\n",
            c.id,
            c.warning.clone().unwrap_or_default()
        ));
    }
    text.push_str(&format!(
        "inputs {} (bank v{}, scoring v{})",
        r.inputs_hash, r.bank_version, r.scoring_version
    ));
    text
}
