//! "Generate": turns an agent's legacy settings (autonomy_level, verbosity, output_format,
//! update_cadence, purpose, personality, custom_instructions) into a persona spec draft.

use serde::Deserialize;

use crate::persona::spec::{
    self, Autonomy, IntentModule, InteractionContext, OutputFormat, PersonaSpec, Rule, Severity,
    Verbosity, Visibility,
};
use crate::{Error, Result};

/// The settings older agents were configured with. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct LegacySettings {
    pub autonomy_level: Option<String>,
    pub verbosity: Option<String>,
    pub output_format: Option<String>,
    pub update_cadence: Option<String>,
    pub purpose: Option<String>,
    pub personality: Option<String>,
    pub custom_instructions: Option<String>,
}

fn pick<T: Copy>(field: &'static str, value: &str, table: &[(&[&str], T)]) -> Result<T> {
    let key = value.trim().to_ascii_lowercase();
    table
        .iter()
        .find(|(names, _)| names.contains(&key.as_str()))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let accepted: Vec<&str> = table
                .iter()
                .flat_map(|(names, _)| names.iter().copied())
                .collect();
            Error::invalid(
                field,
                format!(
                    "\"{value}\" is not recognised; use one of {}",
                    accepted.join(", ")
                ),
            )
        })
}

/// A legacy text field that says something (not missing, not blank).
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|p| !p.trim().is_empty())
}

fn clip(text: &str, max_chars: usize) -> String {
    text.trim().chars().take(max_chars).collect()
}

/// Legacy spellings of each autonomy level.
const AUTONOMY_NAMES: &[(&[&str], Autonomy)] = &[
    (
        &["low", "ask_first", "supervised", "manual"],
        Autonomy::AskFirst,
    ),
    (&["medium", "balanced", "normal"], Autonomy::Balanced),
    (
        &["high", "autonomous", "full", "auto"],
        Autonomy::Autonomous,
    ),
];

/// Legacy spellings of each verbosity.
const VERBOSITY_NAMES: &[(&[&str], Verbosity)] = &[
    (
        &["terse", "concise", "short", "brief", "low"],
        Verbosity::Terse,
    ),
    (
        &["balanced", "normal", "medium", "default"],
        Verbosity::Balanced,
    ),
    (
        &["detailed", "verbose", "long", "high"],
        Verbosity::Detailed,
    ),
];

/// Legacy spellings of each output format.
const OUTPUT_FORMAT_NAMES: &[(&[&str], OutputFormat)] = &[
    (&["markdown", "md", "rich"], OutputFormat::Markdown),
    (&["plain", "text", "plaintext"], OutputFormat::Plain),
    (&["json"], OutputFormat::Json),
];

/// Builds a valid draft spec for `agent` from legacy settings.
pub fn generate(agent_id: &str, legacy: &LegacySettings) -> Result<PersonaSpec> {
    let mut spec = spec::sample_spec();
    spec.id = agent_id.replace('-', "_");
    spec.version = 1;
    spec.extensions.clear();
    if let Some(level) = &legacy.autonomy_level {
        spec.decision_policy.autonomy = pick("autonomy_level", level, AUTONOMY_NAMES)?;
    }
    if let Some(verbosity) = &legacy.verbosity {
        spec.style.verbosity = pick("verbosity", verbosity, VERBOSITY_NAMES)?;
    }
    if let Some(format) = &legacy.output_format {
        spec.style.output_format = pick("output_format", format, OUTPUT_FORMAT_NAMES)?;
    }
    if let Some(purpose) = given(&legacy.purpose) {
        spec.identity.purpose = clip(purpose, 500);
    }
    if let Some(personality) = given(&legacy.personality) {
        spec.identity.vibe = Some(clip(personality, 200));
        spec.style.tone = Some(clip(personality, 200));
    }
    if let Some(instructions) = given(&legacy.custom_instructions) {
        if instructions.chars().count() > 2000 {
            return Err(Error::invalid(
                "custom_instructions",
                "is longer than 2000 characters; split it into shorter rules after generating",
            ));
        }
        spec.constitution.rules.push(Rule {
            id: "custom_instructions".to_owned(),
            text: instructions.trim().to_owned(),
            severity: Severity::Should,
        });
    }
    if let Some(cadence) = given(&legacy.update_cadence) {
        spec.intent_modules.retain(|m| m.id != "status_update");
        spec.intent_modules.push(status_update(cadence));
    }
    spec::validate_value(
        &serde_json::to_value(&spec).map_err(|e| Error::invalid("spec", e.to_string()))?,
    )
    .map_err(Error::SpecInvalid)
}

/// The owner-only intent module for a status update at the legacy cadence.
fn status_update(cadence: &str) -> IntentModule {
    IntentModule {
        id: "status_update".to_owned(),
        when: clip(
            &format!("A {} status update to the owner is due", cadence.trim()),
            500,
        ),
        procedure: vec![
            "Summarise what changed since the last update, most important first.".to_owned(),
            "List open decisions that need the owner, with a recommendation for each.".to_owned(),
            "Keep it short; link to details instead of pasting them.".to_owned(),
        ],
        contexts: vec![InteractionContext::OwnerChat],
        visibility: Visibility::OwnerOnly,
    }
}
