//! The prompt-plan compiler: a spec, the workspace files and an interaction context become an
//! ordered, provenance-tagged [`PromptPlan`] whose canonical JSON (and so `plan_hash`) depends on
//! nothing but those inputs.
//!
//! Sections follow the prompt assembly contract: governance and constitution, decision policy,
//! interaction/style policy, intent and procedural modules, tool/source policy, retrieved
//! evidence, user message. Files layer over the spec with precedence
//! SOUL > USER > IDENTITY > AGENTS > spec; a setting two layers disagree on is recorded as a
//! [`Conflict`]. Governance settings (autonomy) are locked to the spec: a file cannot loosen them.

use serde::Serialize;

use crate::canon::{self, Digest};
use crate::persona::spec::{InteractionContext, PersonaSpec, Visibility};
use crate::persona::workspace::{PersonaFile, WorkspaceFiles, TOTAL_BUDGET_CHARS};
use crate::Result;

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

/// A file's text after budgets, with its line count.
#[derive(Debug, Clone)]
struct FileText {
    file: PersonaFile,
    text: String,
    lines: u32,
}

fn apply_budgets(
    files: &WorkspaceFiles,
    context: InteractionContext,
    warnings: &mut Vec<Warning>,
) -> (Vec<FileText>, Budget) {
    let mut texts = Vec::new();
    let mut budgets = Vec::new();
    let mut remaining_total = TOTAL_BUDGET_CHARS;
    for file in PersonaFile::BY_PRECEDENCE {
        let Some(raw) = files.get(file) else { continue };
        let original = raw.chars().count();
        // USER.md describes the owner: it never goes to the public.
        if file == PersonaFile::User && context.is_public() {
            warnings.push(Warning {
                code: "excluded_private_file".to_owned(),
                message: format!(
                    "USER.md is about the owner and is left out of the {} context.",
                    context.as_str()
                ),
            });
            budgets.push(FileBudget {
                file,
                original_chars: original as u64,
                used_chars: 0,
                budget_chars: file.budget_chars() as u64,
                truncated: false,
                included: false,
            });
            continue;
        }
        // Higher-precedence files are budgeted first, so the total cut falls on lower layers.
        let limit = file.budget_chars().min(remaining_total);
        let (text, truncated) = truncate(raw, original, limit, file);
        if truncated {
            let reason = if limit < file.budget_chars() {
                format!("the {TOTAL_BUDGET_CHARS}-character total budget")
            } else {
                format!("its {}-character budget", file.budget_chars())
            };
            warnings.push(Warning {
                code: "truncated".to_owned(),
                message: format!(
                    "{} has {original} characters and was cut to {limit} by {reason}.",
                    file.file_name()
                ),
            });
        }
        let kept = original.min(limit);
        remaining_total -= kept;
        budgets.push(FileBudget {
            file,
            original_chars: original as u64,
            used_chars: kept as u64,
            budget_chars: file.budget_chars() as u64,
            truncated,
            included: true,
        });
        let lines = u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX);
        texts.push(FileText { file, text, lines });
    }
    let total_chars = budgets.iter().map(|b| b.used_chars).sum();
    (
        texts,
        Budget {
            files: budgets,
            total_chars,
            total_budget_chars: TOTAL_BUDGET_CHARS as u64,
        },
    )
}

fn truncate(raw: &str, original: usize, limit: usize, file: PersonaFile) -> (String, bool) {
    if original <= limit {
        return (raw.to_owned(), false);
    }
    let cut = raw.char_indices().nth(limit).map_or(raw.len(), |(i, _)| i);
    let mut text = raw[..cut].to_owned();
    text.push_str(&format!(
        "\n[… truncated: {} has {original} characters; only the first {limit} are included …]",
        file.file_name()
    ));
    (text, true)
}

/// Keys a file may set with a `Key: value` line, and whether the spec locks them.
const SETTING_KEYS: &[(&str, bool)] = &[
    ("name", false),
    ("emoji", false),
    ("vibe", false),
    ("tone", false),
    ("verbosity", false),
    ("output_format", false),
    ("language", false),
    ("autonomy", true),
];

fn spec_settings(spec: &PersonaSpec) -> Vec<(&'static str, String, &'static str)> {
    let mut out = vec![
        ("name", spec.identity.name.clone(), "/identity/name"),
        (
            "verbosity",
            enum_text(&spec.style.verbosity),
            "/style/verbosity",
        ),
        (
            "output_format",
            enum_text(&spec.style.output_format),
            "/style/output_format",
        ),
        (
            "autonomy",
            enum_text(&spec.decision_policy.autonomy),
            "/decision_policy/autonomy",
        ),
    ];
    if let Some(emoji) = &spec.identity.emoji {
        out.push(("emoji", emoji.clone(), "/identity/emoji"));
    }
    if let Some(vibe) = &spec.identity.vibe {
        out.push(("vibe", vibe.clone(), "/identity/vibe"));
    }
    if let Some(tone) = &spec.style.tone {
        out.push(("tone", tone.clone(), "/style/tone"));
    }
    if let Some(language) = &spec.style.language {
        out.push(("language", language.clone(), "/style/language"));
    }
    out
}

/// The serde name of a unit enum variant (`ask_first`, `markdown`, …).
fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `Name: Ada`, `- **Name:** Ada`, `* Vibe: calm` → (key, value, line).
fn directives(text: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim().trim_start_matches(['-', '*', '+']).trim_start();
        let Some((raw_key, raw_value)) = trimmed.split_once(':') else {
            continue;
        };
        let key = raw_key
            .trim()
            .trim_matches('*')
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_");
        if !SETTING_KEYS.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let value = raw_value.trim().trim_matches('*').trim();
        if value.is_empty() || value.starts_with('_') && value.ends_with('_') {
            // Empty or an `_(placeholder)_` template hint.
            continue;
        }
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        out.push((key, value.to_owned(), line_number));
    }
    out
}

fn same_value(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn resolve_settings(
    spec: &PersonaSpec,
    texts: &[FileText],
) -> (Vec<(String, SettingValue)>, Vec<Conflict>) {
    let from_spec = spec_settings(spec);
    let mut settings = Vec::new();
    let mut conflicts = Vec::new();
    for &(key, locked) in SETTING_KEYS {
        // Candidates in precedence order: files (highest first, first line wins within a file),
        // then the spec.
        let mut candidates: Vec<SettingValue> = Vec::new();
        for text in texts {
            if let Some((_, value, line)) = directives(&text.text)
                .into_iter()
                .find(|(k, _, _)| k == key)
            {
                candidates.push(SettingValue {
                    value,
                    layer: Layer::File {
                        file: text.file,
                        line,
                    },
                });
            }
        }
        let spec_value = from_spec
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, p)| SettingValue {
                value: v.clone(),
                layer: Layer::Spec {
                    pointer: (*p).to_owned(),
                },
            });
        if locked {
            if let Some(spec_value) = spec_value {
                let overridden: Vec<SettingValue> = candidates
                    .into_iter()
                    .filter(|c| !same_value(&c.value, &spec_value.value))
                    .collect();
                if !overridden.is_empty() {
                    conflicts.push(Conflict {
                        key: key.to_owned(),
                        winner: spec_value.clone(),
                        overridden,
                        locked_to_spec: true,
                    });
                }
                settings.push((key.to_owned(), spec_value));
            }
            continue;
        }
        candidates.extend(spec_value);
        let mut iter = candidates.into_iter();
        let Some(winner) = iter.next() else { continue };
        let overridden: Vec<SettingValue> = iter
            .filter(|c| !same_value(&c.value, &winner.value))
            .collect();
        if !overridden.is_empty() {
            conflicts.push(Conflict {
                key: key.to_owned(),
                winner: winner.clone(),
                overridden,
                locked_to_spec: false,
            });
        }
        settings.push((key.to_owned(), winner));
    }
    (settings, conflicts)
}

fn spec_part(text: String, pointer: impl Into<String>) -> Part {
    Part {
        text,
        source: Source::Spec {
            pointer: pointer.into(),
        },
    }
}

fn file_part(text: &FileText) -> Part {
    Part {
        text: text.text.clone(),
        source: Source::File {
            file: text.file,
            start_line: 1,
            end_line: text.lines,
        },
    }
}

fn file_of(texts: &[FileText], file: PersonaFile) -> Option<&FileText> {
    texts.iter().find(|t| t.file == file)
}

fn module_visible(visibility: Visibility, context: InteractionContext) -> bool {
    match visibility {
        Visibility::Public => true,
        Visibility::OwnerOnly => !context.is_public(),
        Visibility::TrainingOnly => context == InteractionContext::OwnerTraining,
    }
}

fn bullet_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("- {item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn section_parts(
    kind: SectionKind,
    spec: &PersonaSpec,
    texts: &[FileText],
    settings: &[(String, SettingValue)],
    context: InteractionContext,
) -> Vec<Part> {
    let mut parts = Vec::new();
    match kind {
        SectionKind::Governance => {
            for (i, rule) in spec.constitution.rules.iter().enumerate() {
                let severity = enum_text(&rule.severity).to_uppercase();
                parts.push(spec_part(
                    format!("[{severity}] {}", rule.text),
                    format!("/constitution/rules/{i}"),
                ));
            }
            parts.extend(file_of(texts, PersonaFile::Soul).map(file_part));
        }
        SectionKind::DecisionPolicy => {
            let policy = &spec.decision_policy;
            parts.push(spec_part(
                format!("Autonomy: {}", enum_text(&policy.autonomy)),
                "/decision_policy/autonomy",
            ));
            if !policy.escalate_when.is_empty() {
                parts.push(spec_part(
                    format!(
                        "Escalate to the owner when:\n{}",
                        bullet_list(&policy.escalate_when)
                    ),
                    "/decision_policy/escalate_when",
                ));
            }
            if !policy.confirm_before.is_empty() {
                parts.push(spec_part(
                    format!(
                        "Ask for confirmation before:\n{}",
                        bullet_list(&policy.confirm_before)
                    ),
                    "/decision_policy/confirm_before",
                ));
            }
        }
        SectionKind::Style => {
            parts.push(spec_part(
                format!("Purpose: {}", spec.identity.purpose),
                "/identity/purpose",
            ));
            for (key, setting) in settings {
                if key == "autonomy" {
                    continue;
                }
                let source = match &setting.layer {
                    Layer::Spec { pointer } => Source::Spec {
                        pointer: pointer.clone(),
                    },
                    Layer::File { file, line } => Source::File {
                        file: *file,
                        start_line: *line,
                        end_line: *line,
                    },
                };
                parts.push(Part {
                    text: format!("{}: {}", key.replace('_', " "), setting.value),
                    source,
                });
            }
            for file in [PersonaFile::User, PersonaFile::Identity] {
                parts.extend(file_of(texts, file).map(file_part));
            }
        }
        SectionKind::Intent => {
            for (i, module) in spec.intent_modules.iter().enumerate() {
                if !module.contexts.contains(&context)
                    || !module_visible(module.visibility, context)
                {
                    continue;
                }
                let steps = module
                    .procedure
                    .iter()
                    .enumerate()
                    .map(|(n, step)| format!("{}. {step}", n + 1))
                    .collect::<Vec<_>>()
                    .join("\n");
                parts.push(spec_part(
                    format!("## {}\nWhen: {}\n{steps}", module.id, module.when),
                    format!("/intent_modules/{i}"),
                ));
            }
            parts.extend(file_of(texts, PersonaFile::Agents).map(file_part));
        }
        SectionKind::ToolPolicy => {
            let policy = &spec.tool_policy;
            let tools = if policy.allowed_tools.is_empty() {
                "Allowed tools: none".to_owned()
            } else {
                format!("Allowed tools:\n{}", bullet_list(&policy.allowed_tools))
            };
            parts.push(spec_part(tools, "/tool_policy/allowed_tools"));
            if !policy.allowed_sources.is_empty() {
                parts.push(spec_part(
                    format!("Allowed sources:\n{}", bullet_list(&policy.allowed_sources)),
                    "/tool_policy/allowed_sources",
                ));
            }
            let citations = if policy.require_citations {
                "Cite a source for every factual claim."
            } else {
                "Citations are optional."
            };
            parts.push(spec_part(
                citations.to_owned(),
                "/tool_policy/require_citations",
            ));
            if let Some(days) = policy.max_evidence_age_days {
                parts.push(spec_part(
                    format!("Do not rely on evidence older than {days} days."),
                    "/tool_policy/max_evidence_age_days",
                ));
            }
        }
        SectionKind::Evidence => parts.push(Part {
            text: "{{retrieved_evidence}}".to_owned(),
            source: Source::Slot {
                name: "retrieved_evidence".to_owned(),
            },
        }),
        SectionKind::UserMessage => parts.push(Part {
            text: "{{user_message}}".to_owned(),
            source: Source::Slot {
                name: "user_message".to_owned(),
            },
        }),
    }
    parts
}
