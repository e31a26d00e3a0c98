//! The prompt-plan compiler: a spec, the workspace files and an interaction context become an
//! ordered, provenance-tagged [`PromptPlan`] whose canonical JSON (and so `plan_hash`) depends on
//! nothing but those inputs.
//!
//! Sections follow the prompt assembly contract: governance and constitution, decision policy,
//! interaction/style policy, intent and procedural modules, tool/source policy, retrieved
//! evidence, user message. Files layer over the spec with precedence
//! SOUL > USER > IDENTITY > AGENTS > spec; a setting two layers disagree on is recorded as a
//! [`Conflict`]. Governance settings (autonomy) are locked to the spec: a file cannot loosen them.
//!
//! Files: `budget.rs` (each file cut to its budget and the total, USER.md kept out of public
//! contexts), `settings.rs` (`Key: value` lines resolved across the layers, with conflicts),
//! `sections.rs` (each section's provenance-tagged parts).

mod budget;
mod sections;
mod settings;

use serde::Serialize;

use crate::canon::{self, Digest};
use crate::persona::spec::{InteractionContext, PersonaSpec};
use crate::persona::workspace::{PersonaFile, WorkspaceFiles, TOTAL_BUDGET_CHARS};
use crate::Result;

use budget::apply_budgets;
use sections::section_parts;
use settings::resolve_settings;

/// The fixed section order of the prompt assembly contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Governance,
    DecisionPolicy,
    Style,
    Intent,
    ToolPolicy,
    Evidence,
    UserMessage,
}

impl SectionKind {
    pub const ORDER: [SectionKind; 7] = [
        SectionKind::Governance,
        SectionKind::DecisionPolicy,
        SectionKind::Style,
        SectionKind::Intent,
        SectionKind::ToolPolicy,
        SectionKind::Evidence,
        SectionKind::UserMessage,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SectionKind::Governance => "Governance and constitution",
            SectionKind::DecisionPolicy => "Decision policy",
            SectionKind::Style => "Interaction and style",
            SectionKind::Intent => "Intents and procedures",
            SectionKind::ToolPolicy => "Tools and sources",
            SectionKind::Evidence => "Retrieved evidence",
            SectionKind::UserMessage => "User message",
        }
    }
}

/// Where a piece of text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    /// A field of the spec, as a JSON pointer.
    Spec { pointer: String },
    /// Lines of a workspace file (1-based, inclusive).
    File {
        file: PersonaFile,
        start_line: u32,
        end_line: u32,
    },
    /// A placeholder filled at run time (evidence, the user's message).
    Slot { name: String },
}

/// One provenance-tagged piece of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Part {
    pub text: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Section {
    pub kind: SectionKind,
    pub title: String,
    pub parts: Vec<Part>,
}

impl Section {
    /// The section's text as the model sees it.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// The layer that set a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Layer {
    File { file: PersonaFile, line: u32 },
    Spec { pointer: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SettingValue {
    pub value: String,
    pub layer: Layer,
}

/// Two or more layers set `key` differently; `winner` is what the plan uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Conflict {
    pub key: String,
    pub winner: SettingValue,
    pub overridden: Vec<SettingValue>,
    pub locked_to_spec: bool,
}

/// Something the owner should know about the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Warning {
    pub code: String,
    pub message: String,
}

/// How much of each budget a file used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileBudget {
    pub file: PersonaFile,
    #[ts(type = "number")]
    pub original_chars: u64,
    #[ts(type = "number")]
    pub used_chars: u64,
    #[ts(type = "number")]
    pub budget_chars: u64,
    pub truncated: bool,
    pub included: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Budget {
    pub files: Vec<FileBudget>,
    #[ts(type = "number")]
    pub total_chars: u64,
    #[ts(type = "number")]
    pub total_budget_chars: u64,
}

/// Identifies a plan and what it was compiled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Trace {
    pub interaction_context: InteractionContext,
    pub persona_spec_version: u32,
    pub persona_id: String,
    pub persona_hash: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_hash: Option<Digest>,
    pub fallback_reason: Option<String>,
}

/// The compiled plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PromptPlan {
    pub sections: Vec<Section>,
    pub settings: Vec<(String, SettingValue)>,
    pub conflicts: Vec<Conflict>,
    pub warnings: Vec<Warning>,
    pub budget: Budget,
    pub trace: Trace,
}

impl PromptPlan {
    /// The plan hash recorded in the trace (always set by the compiler).
    pub fn plan_hash(&self) -> Option<Digest> {
        self.trace.plan_hash
    }

    /// The whole prompt text, sections in order.
    pub fn render(&self) -> String {
        self.sections
            .iter()
            .map(|s| format!("# {}\n\n{}", s.title, s.text()))
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// The hash that identifies a spec: sha256 of the canonical JSON of its normalized form.
pub fn persona_hash(spec: &PersonaSpec) -> Result<Digest> {
    Ok(canon::digest_of(spec)?)
}

/// Compiles `spec` and `files` for `context`.
pub fn compile(
    spec: &PersonaSpec,
    files: &WorkspaceFiles,
    context: InteractionContext,
) -> Result<PromptPlan> {
    let mut warnings = Vec::new();
    let (texts, budget) = apply_budgets(files, context, &mut warnings);
    let (settings, conflicts) = resolve_settings(spec, &texts);
    let sections = SectionKind::ORDER
        .iter()
        .map(|&kind| Section {
            kind,
            title: kind.title().to_owned(),
            parts: section_parts(kind, spec, &texts, &settings, context),
        })
        .collect();
    let plan = PromptPlan {
        sections,
        settings,
        conflicts,
        warnings,
        budget,
        trace: Trace {
            interaction_context: context,
            persona_spec_version: spec.version,
            persona_id: spec.id.clone(),
            persona_hash: Some(persona_hash(spec)?),
            plan_hash: None,
            fallback_reason: None,
        },
    };
    seal(plan)
}

/// Used when the spec could not be compiled: the legacy persona text becomes the whole plan and
/// the trace says why.
pub fn fallback_plan(
    legacy_text: &str,
    context: InteractionContext,
    reason: impl Into<String>,
) -> Result<PromptPlan> {
    let chars = legacy_text.chars().count() as u64;
    let plan = PromptPlan {
        sections: vec![Section {
            kind: SectionKind::Governance,
            title: "Legacy persona".to_owned(),
            parts: vec![Part {
                text: legacy_text.to_owned(),
                source: Source::Slot {
                    name: "legacy_persona".to_owned(),
                },
            }],
        }],
        settings: Vec::new(),
        conflicts: Vec::new(),
        warnings: vec![Warning {
            code: "fallback".to_owned(),
            message: "The spec could not be compiled; the legacy persona text was used instead."
                .to_owned(),
        }],
        budget: Budget {
            files: Vec::new(),
            total_chars: chars,
            total_budget_chars: TOTAL_BUDGET_CHARS as u64,
        },
        trace: Trace {
            interaction_context: context,
            persona_spec_version: 0,
            persona_id: String::new(),
            persona_hash: None,
            plan_hash: None,
            fallback_reason: Some(reason.into()),
        },
    };
    seal(plan)
}

/// Computes the plan hash over everything but the hash itself.
fn seal(mut plan: PromptPlan) -> Result<PromptPlan> {
    plan.trace.plan_hash = None;
    let hash = canon::digest_of(&plan)?;
    plan.trace.plan_hash = Some(hash);
    Ok(plan)
}
