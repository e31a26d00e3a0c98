//! `persona-studio spec …`: validate, compile, and the stored versions of an agent's spec.

use std::path::PathBuf;

use clap::Subcommand;
use persona_studio::integrity::attest;
use persona_studio::persona::compile::{self, Layer, PromptPlan};
use persona_studio::persona::legacy::{self, LegacySettings};
use persona_studio::persona::spec::{self, InteractionContext};
use persona_studio::persona::versions::{self, StoredVersion, VersionSummary};
use persona_studio::persona::workspace::WorkspaceFiles;
use persona_studio::provision::spec_draft::{self, DraftSource};
use persona_studio::Error;
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::{values, Env};

#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Validate a spec file and report every problem with its JSON pointer.
    Validate {
        /// The spec (JSON), or - for stdin.
        file: String,
    },
    /// Compile a spec and workspace files into a prompt plan.
    Compile {
        /// The spec (JSON), or - for stdin.
        file: String,
        /// Folder with SOUL.md, USER.md, IDENTITY.md and AGENTS.md (any may be missing).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
        /// Where the conversation happens.
        #[arg(long, default_value = "owner_chat", value_parser = values::wire::<InteractionContext>())]
        context: InteractionContext,
        /// Record an attestation that this compile is used by --agent.
        #[arg(long, requires = "agent")]
        attest: bool,
        /// The agent the compile is for (with --attest).
        #[arg(long)]
        agent: Option<String>,
    },
    /// Start the next version of an agent's spec as a draft: from the active version, else
    /// from the spec of the preset last applied to the agent, else from a placeholder sample.
    New {
        #[arg(long)]
        agent: String,
        /// Start from this spec file instead.
        #[arg(long, value_name = "FILE")]
        from: Option<String>,
    },
    /// Replace the text of an agent's open draft. An invalid draft is saved, with every
    /// problem listed as `spec validate` lists them; it is published only once it has none.
    Edit {
        #[arg(long)]
        agent: String,
        /// The new spec text (JSON), or - for stdin.
        file: String,
    },
    /// Create a draft from legacy settings (autonomy_level, verbosity, output_format, …).
    Generate {
        #[arg(long)]
        agent: String,
        /// JSON file with the legacy settings, or - for stdin.
        #[arg(long, value_name = "FILE")]
        legacy: String,
    },
    /// List an agent's versions, or the agents when no agent is given.
    List {
        #[arg(long)]
        agent: Option<String>,
    },
    /// Show one version (default: the active one).
    Show {
        #[arg(long)]
        agent: String,
        /// 2 or v2.
        #[arg(long, value_parser = values::version)]
        version: Option<u32>,
    },
    /// Publish an agent's draft: it becomes immutable and active.
    Publish {
        #[arg(long)]
        agent: String,
    },
    /// Show the active version of an agent.
    Active {
        #[arg(long)]
        agent: String,
    },
}

#[derive(Serialize)]
struct ValidationOutput<'a> {
    valid: bool,
    persona_hash: Option<String>,
    problems: &'a [spec::Problem],
}

pub fn run(command: SpecCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    match command {
        SpecCommand::Validate { file } => validate(&file, out),
        SpecCommand::Compile {
            file,
            workspace,
            context,
            attest,
            agent,
        } => {
            let agent = agent.filter(|_| attest);
            compile_spec(&file, workspace, context, agent.as_deref(), env, out)
        }
        SpecCommand::New { agent, from } => new_draft(&agent, from.as_deref(), env, out),
        SpecCommand::Edit { agent, file } => edit(&agent, &file, env, out),
        SpecCommand::Generate {
            agent,
            legacy: file,
        } => generate(&agent, &file, env, out),
        SpecCommand::List { agent: None } => list_agents(env, out),
        SpecCommand::List { agent: Some(agent) } => list(&agent, env, out),
        SpecCommand::Show { agent, version } => show(&agent, version, env, out),
        SpecCommand::Publish { agent } => publish(&agent, env, out),
        SpecCommand::Active { agent } => active(&agent, env, out),
    }
}

/// `spec validate`: exit 2 with every problem when the spec is not valid.
fn validate(file: &str, out: &Output) -> Result<(), Failure> {
    let text = crate::read_text(file)?;
    match spec::validate_json(&text) {
        Ok(parsed) => {
            let hash = compile::persona_hash(&parsed)?.to_string();
            out.value(
                &ValidationOutput {
                    valid: true,
                    persona_hash: Some(hash.clone()),
                    problems: &[],
                },
                || format!("valid: {} v{} {hash}", parsed.id, parsed.version),
            );
            Ok(())
        }
        Err(problems) => {
            out.value(
                &ValidationOutput {
                    valid: false,
                    persona_hash: None,
                    problems: &problems,
                },
                || spec::describe_problems(&problems),
            );
            Err(Failure::silent(2))
        }
    }
}

/// `spec compile`; with `--attest --agent NAME`, also records that the agent uses this compile.
fn compile_spec(
    file: &str,
    workspace: Option<PathBuf>,
    context: InteractionContext,
    attest_for: Option<&str>,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    let text = crate::read_text(file)?;
    let parsed = spec::validate_json(&text).map_err(Error::SpecInvalid)?;
    let files = match workspace {
        Some(dir) => WorkspaceFiles::read_dir(&dir)?,
        None => WorkspaceFiles::new(),
    };
    let plan = compile::compile(&parsed, &files, context)?;
    if let Some(agent) = attest_for {
        let (mut store, actor) = env.open_acting()?;
        let attestation = attest::attest(&mut store, &actor, agent, &plan, env.clock.as_ref())?;
        if let Some(warning) = &attestation.warning {
            eprintln!("warning: {warning}");
        }
    }
    // The prompt alone on stdout, so that it can be piped; notes go to stderr.
    out.value(&plan, || plan.render());
    out.notes(|| plan_notes(&plan));
    Ok(())
}

/// `spec new`: the next version as a draft, saying what it started from.
fn new_draft(agent: &str, from: Option<&str>, env: &Env, out: &Output) -> Result<(), Failure> {
    let text = from.map(crate::read_text).transpose()?;
    let (mut store, actor) = env.open_acting()?;
    let draft = spec_draft::new_draft(
        &mut store,
        &actor,
        agent,
        text.as_deref(),
        env.clock.as_ref(),
    )?;
    out.value(&draft, || {
        let source = match &draft.source {
            DraftSource::Given => format!("from {}", from.unwrap_or("-")),
            DraftSource::Active { version } => format!("from active version v{version}"),
            DraftSource::Preset { preset, version } => {
                format!("from preset {preset} v{version}, the one applied to {agent}")
            }
            DraftSource::Placeholder => format!(
                "from a PLACEHOLDER sample ({agent} has no active version and no applied preset): replace it with `spec edit --agent {agent} FILE`"
            ),
        };
        format!(
            "Created draft {} {source}{}",
            summary_line(&draft.summary),
            problems_text(&draft.summary)
        )
    });
    Ok(())
}

/// `spec edit`: saved even when invalid, listing why.
fn edit(agent: &str, file: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let text = crate::read_text(file)?;
    let (mut store, actor) = env.open_acting()?;
    let summary = versions::save_draft(&mut store, &actor, agent, &text, env.clock.as_ref())?;
    out.value(&summary, || {
        format!(
            "Saved draft {}{}",
            summary_line(&summary),
            problems_text(&summary)
        )
    });
    Ok(())
}

/// A saved draft's problems, as `spec validate` lists them, after a blank line; empty when
/// it has none.
fn problems_text(summary: &VersionSummary) -> String {
    if summary.problems.is_empty() {
        String::new()
    } else {
        format!(
            "\n{}\nThe draft was saved; it can be published once these are fixed.",
            spec::describe_problems(&summary.problems)
        )
    }
}

/// `spec generate`: a draft from legacy settings.
fn generate(agent: &str, file: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let bytes = crate::read_bytes(file)?;
    let body = persona_studio::json::strict(&bytes, "legacy settings", crate::source_name(file))?;
    let settings: LegacySettings = serde_json::from_slice(body).map_err(|e| {
        Failure::usage(
            "invalid_input",
            format!("{file}: legacy settings are not valid: {e}"),
        )
    })?;
    versions::check_agent_name(agent)?;
    let generated = legacy::generate(agent, &settings)?;
    let pretty = serde_json::to_string_pretty(&generated)
        .map_err(|e| Failure::usage("invalid_input", e.to_string()))?;
    let (mut store, actor) = env.open_acting()?;
    let summary =
        versions::create_draft(&mut store, &actor, agent, Some(&pretty), env.clock.as_ref())?;
    out.value(&summary, || {
        format!(
            "Generated draft {}{}",
            summary_line(&summary),
            problems_text(&summary)
        )
    });
    Ok(())
}

/// `spec list` without an agent: the agents.
fn list_agents(env: &Env, out: &Output) -> Result<(), Failure> {
    let (store, actor) = env.open_acting()?;
    let agents = versions::agents(&store, &actor.tenant_id)?;
    out.value(&agents, || {
        if agents.is_empty() {
            "No agents yet. Start one with `spec new --agent NAME`.".to_owned()
        } else {
            agents.join("\n")
        }
    });
    Ok(())
}

/// `spec list --agent NAME`: the agent's versions.
fn list(agent: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let (store, actor) = env.open_acting()?;
    let list = versions::list(&store, &actor.tenant_id, agent)?;
    out.value(&list, || {
        if list.is_empty() {
            format!("Agent {agent} has no versions. Start one with `spec new --agent {agent}`.")
        } else {
            list.iter().map(summary_line).collect::<Vec<_>>().join("\n")
        }
    });
    Ok(())
}

/// `spec show`.
fn show(agent: &str, version: Option<u32>, env: &Env, out: &Output) -> Result<(), Failure> {
    let (store, actor) = env.open_acting()?;
    let stored = versions::get(&store, &actor.tenant_id, agent, version)?;
    out.value(&stored, || stored_text(&stored));
    Ok(())
}

/// `spec publish`.
fn publish(agent: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let summary = versions::publish(&mut store, &actor, agent, env.clock.as_ref())?;
    out.value(&summary, || format!("Published {}", summary_line(&summary)));
    Ok(())
}

/// `spec active`.
fn active(agent: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let (store, actor) = env.open_acting()?;
    let active =
        versions::active(&store, &actor.tenant_id, agent)?.ok_or_else(|| Error::NotFound {
            what: format!("An active version of agent {agent}"),
            hint: format!("Publish a draft with `spec publish --agent {agent}`."),
        })?;
    out.value(&active, || stored_text(&active));
    Ok(())
}

fn summary_line(summary: &VersionSummary) -> String {
    let state = match summary.state {
        versions::VersionState::Draft => "draft",
        versions::VersionState::Published => "published",
    };
    let hash = summary
        .persona_hash
        .map(|h| h.to_string())
        .unwrap_or_else(|| "(invalid draft: no hash)".to_owned());
    format!(
        "{} v{} {state}{} {hash}",
        summary.agent,
        summary.version,
        if summary.active { " active" } else { "" }
    )
}

fn stored_text(stored: &StoredVersion) -> String {
    let pretty = serde_json::from_str::<serde_json::Value>(&stored.spec_json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| stored.spec_json.clone());
    format!("{}\n{pretty}", summary_line(&stored.summary))
}

/// What `spec compile` says beside the prompt: each conflict with the layer that won and the
/// ones it overrode, the warnings, and the plan hash.
fn plan_notes(plan: &PromptPlan) -> String {
    let mut lines = Vec::new();
    for conflict in &plan.conflicts {
        lines.push(format!(
            "conflict: {} = \"{}\" from {} wins over {}",
            conflict.key,
            conflict.winner.value,
            layer_text(&conflict.winner.layer),
            conflict
                .overridden
                .iter()
                .map(|o| format!("\"{}\" from {}", o.value, layer_text(&o.layer)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for warning in &plan.warnings {
        lines.push(format!("warning: {}", warning.message));
    }
    if let Some(hash) = plan.plan_hash() {
        lines.push(format!("plan_hash: {hash}"));
    }
    lines.join("\n")
}

/// Where a setting came from: `SOUL.md line 4`, or `the spec at /tone`.
fn layer_text(layer: &Layer) -> String {
    match layer {
        Layer::File { file, line } => format!("{} line {line}", file.file_name()),
        Layer::Spec { pointer } => format!("the spec at {pointer}"),
    }
}
