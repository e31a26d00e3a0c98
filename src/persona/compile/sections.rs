//! The sections' parts, in the order of the prompt assembly contract: each is a spec field
//! (tagged with its JSON pointer), a whole workspace file (with its lines) or a run-time slot.

use super::budget::FileText;
use super::settings::enum_text;
use super::{Layer, Part, SectionKind, SettingValue, Source};
use crate::persona::spec::{InteractionContext, PersonaSpec, Visibility};
use crate::persona::workspace::PersonaFile;

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

/// The parts of section `kind`, in order, each tagged with where it came from.
pub(super) fn section_parts(
    kind: SectionKind,
    spec: &PersonaSpec,
    texts: &[FileText],
    settings: &[(String, SettingValue)],
    context: InteractionContext,
) -> Vec<Part> {
    match kind {
        SectionKind::Governance => governance(spec, texts),
        SectionKind::DecisionPolicy => decision_policy(spec),
        SectionKind::Style => style(spec, texts, settings),
        SectionKind::Intent => intents(spec, texts, context),
        SectionKind::ToolPolicy => tool_policy(spec),
        SectionKind::Evidence => vec![slot("retrieved_evidence")],
        SectionKind::UserMessage => vec![slot("user_message")],
    }
}

/// The constitution's rules with their severity, then SOUL.md.
fn governance(spec: &PersonaSpec, texts: &[FileText]) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, rule) in spec.constitution.rules.iter().enumerate() {
        let severity = enum_text(&rule.severity).to_uppercase();
        parts.push(spec_part(
            format!("[{severity}] {}", rule.text),
            format!("/constitution/rules/{i}"),
        ));
    }
    parts.extend(file_of(texts, PersonaFile::Soul).map(file_part));
    parts
}

/// Autonomy, then when to escalate and what to confirm first.
fn decision_policy(spec: &PersonaSpec) -> Vec<Part> {
    let policy = &spec.decision_policy;
    let mut parts = vec![spec_part(
        format!("Autonomy: {}", enum_text(&policy.autonomy)),
        "/decision_policy/autonomy",
    )];
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
    parts
}

/// The purpose, every resolved setting but autonomy (from the layer that won it), then USER.md
/// and IDENTITY.md.
fn style(spec: &PersonaSpec, texts: &[FileText], settings: &[(String, SettingValue)]) -> Vec<Part> {
    let mut parts = vec![spec_part(
        format!("Purpose: {}", spec.identity.purpose),
        "/identity/purpose",
    )];
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
    parts
}

/// The intent modules of this context that it may see, each with its numbered procedure, then
/// AGENTS.md.
fn intents(spec: &PersonaSpec, texts: &[FileText], context: InteractionContext) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, module) in spec.intent_modules.iter().enumerate() {
        if !module.contexts.contains(&context) || !module_visible(module.visibility, context) {
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
    parts
}

/// Allowed tools and sources, the citation rule and the evidence age limit.
fn tool_policy(spec: &PersonaSpec) -> Vec<Part> {
    let policy = &spec.tool_policy;
    let tools = if policy.allowed_tools.is_empty() {
        "Allowed tools: none".to_owned()
    } else {
        format!("Allowed tools:\n{}", bullet_list(&policy.allowed_tools))
    };
    let mut parts = vec![spec_part(tools, "/tool_policy/allowed_tools")];
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
    parts
}

/// A placeholder `{{name}}` filled at run time.
fn slot(name: &str) -> Part {
    Part {
        text: format!("{{{{{name}}}}}"),
        source: Source::Slot {
            name: name.to_owned(),
        },
    }
}
