//! `persona-studio spec …`: validate, compile, and the stored versions of an agent's spec.

use std::path::PathBuf;

use clap::Subcommand;
use persona_studio::integrity::attest;
use persona_studio::persona::compile::{self, PromptPlan};
use persona_studio::persona::legacy::{self, LegacySettings};
use persona_studio::persona::spec::{self, InteractionContext};
use persona_studio::persona::versions::{self, StoredVersion, VersionSummary};
use persona_studio::persona::workspace::WorkspaceFiles;
use persona_studio::tenant;
use persona_studio::Error;
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::Env;

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
        /// owner_training, owner_chat, public_share or public_widget.
        #[arg(long, default_value = "owner_chat")]
        context: String,
        /// Record an attestation that this compile is used by --agent.
        #[arg(long, requires = "agent")]
        attest: bool,
        /// The agent the compile is for (with --attest).
        #[arg(long)]
        agent: Option<String>,
    },
    /// Start the next version of an agent's spec as a draft.
    New {
        #[arg(long)]
        agent: String,
        /// Start from this spec file instead of the active version.
        #[arg(long, value_name = "FILE")]
        from: Option<String>,
    },
    /// Replace the text of an agent's open draft.
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
        #[arg(long)]
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
        SpecCommand::Validate { file } => {
            let text = crate::read_text(&file)?;
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
        SpecCommand::Compile {
            file,
            workspace,
            context,
            attest,
            agent,
        } => {
            let context: InteractionContext =
                context.parse().map_err(|e: spec::ParseEnumError| {
                    Failure::usage("invalid_input", e.to_string())
                })?;
            let text = crate::read_text(&file)?;
            let parsed = spec::validate_json(&text).map_err(Error::SpecInvalid)?;
            let files = match workspace {
                Some(dir) => WorkspaceFiles::read_dir(&dir)?,
                None => WorkspaceFiles::new(),
            };
            let plan = compile::compile(&parsed, &files, context)?;
            if let (true, Some(agent)) = (attest, agent) {
                let mut store = env.open_store()?;
                let actor = tenant::current_actor(&store)?;
                let attestation =
                    attest::attest(&mut store, &actor, &agent, &plan, env.clock.as_ref())?;
                if let Some(warning) = &attestation.warning {
                    eprintln!("warning: {warning}");
                }
            }
            out.value(&plan, || plan_text(&plan));
            Ok(())
        }
        SpecCommand::New { agent, from } => {
            let text = from.map(|f| crate::read_text(&f)).transpose()?;
            let mut store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let summary = versions::create_draft(
                &mut store,
                &actor,
                &agent,
                text.as_deref(),
                env.clock.as_ref(),
            )?;
            out.value(&summary, || {
                format!("Created draft {}", summary_line(&summary))
            });
            Ok(())
        }
        SpecCommand::Edit { agent, file } => {
            let text = crate::read_text(&file)?;
            let mut store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let summary =
                versions::save_draft(&mut store, &actor, &agent, &text, env.clock.as_ref())?;
            out.value(&summary, || {
                format!("Saved draft {}", summary_line(&summary))
            });
            Ok(())
        }
        SpecCommand::Generate {
            agent,
            legacy: file,
        } => {
            let text = crate::read_text(&file)?;
            let settings: LegacySettings = serde_json::from_str(&text).map_err(|e| {
                Failure::usage(
                    "invalid_input",
                    format!("{file}: legacy settings are not valid: {e}"),
                )
            })?;
            versions::check_agent_name(&agent)?;
            let generated = legacy::generate(&agent, &settings)?;
            let pretty = serde_json::to_string_pretty(&generated)
                .map_err(|e| Failure::usage("invalid_input", e.to_string()))?;
            let mut store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let summary = versions::create_draft(
                &mut store,
                &actor,
                &agent,
                Some(&pretty),
                env.clock.as_ref(),
            )?;
            out.value(&summary, || {
                format!("Generated draft {}", summary_line(&summary))
            });
            Ok(())
        }
        SpecCommand::List { agent: None } => {
            let store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
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
        SpecCommand::List { agent: Some(agent) } => {
            let store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let list = versions::list(&store, &actor.tenant_id, &agent)?;
            out.value(&list, || {
                if list.is_empty() {
                    format!(
                        "Agent {agent} has no versions. Start one with `spec new --agent {agent}`."
                    )
                } else {
                    list.iter().map(summary_line).collect::<Vec<_>>().join("\n")
                }
            });
            Ok(())
        }
        SpecCommand::Show { agent, version } => {
            let store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let stored = versions::get(&store, &actor.tenant_id, &agent, version)?;
            out.value(&stored, || stored_text(&stored));
            Ok(())
        }
        SpecCommand::Publish { agent } => {
            let mut store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let summary = versions::publish(&mut store, &actor, &agent, env.clock.as_ref())?;
            out.value(&summary, || format!("Published {}", summary_line(&summary)));
            Ok(())
        }
        SpecCommand::Active { agent } => {
            let store = env.open_store()?;
            let actor = tenant::current_actor(&store)?;
            let active = versions::active(&store, &actor.tenant_id, &agent)?.ok_or_else(|| {
                Error::NotFound {
                    what: format!("An active version of agent {agent}"),
                    hint: format!("Publish a draft with `spec publish --agent {agent}`."),
                }
            })?;
            out.value(&active, || stored_text(&active));
            Ok(())
        }
    }
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

fn plan_text(plan: &PromptPlan) -> String {
    let mut text = plan.render();
    for conflict in &plan.conflicts {
        text.push_str(&format!(
            "\n\nconflict: {} = \"{}\" wins over {}",
            conflict.key,
            conflict.winner.value,
            conflict
                .overridden
                .iter()
                .map(|o| format!("\"{}\"", o.value))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for warning in &plan.warnings {
        text.push_str(&format!("\nwarning: {}", warning.message));
    }
    if let Some(hash) = plan.plan_hash() {
        text.push_str(&format!("\n\nplan_hash: {hash}"));
    }
    text
}
