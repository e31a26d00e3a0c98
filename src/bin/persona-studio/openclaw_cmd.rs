//! `persona-studio openclaw …`: the OpenClaw install our agents run in (status, sync, import).
//! A thin mapping to `persona_studio::openclaw`; this is where the process environment is read,
//! `openclaw` is looked up on PATH, and a sync is confirmed on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use persona_studio::auth::Actor;
use persona_studio::canon::Digest;
use persona_studio::integrity::baseline::ChangeKind;
use persona_studio::openclaw::{
    self, AgentStatus, DriftItem, Environment, ImportAction, ImportReport, Status, SyncOptions,
    SyncOutcome, SyncPlan, SyncRequest, WriterKind,
};
use persona_studio::provision::apply::FileAction;
use persona_studio::store::Store;

use crate::output::{Failure, Output};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum OpenClawCommand {
    /// Every OpenClaw agent: its workspace, model, thinking level and skills, which of our
    /// agents it is, and whether it is in_sync, drifted, not_managed or missing_workspace.
    Status {
        /// The OpenClaw state folder (holding openclaw.json), or the config file itself
        /// (default: OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR, else ~/.openclaw).
        #[arg(long = "openclaw", value_name = "DIR")]
        openclaw: Option<PathBuf>,
        /// Only this agent.
        #[arg(long)]
        agent: Option<String>,
    },
    /// Bring an OpenClaw agent to our agent's active spec and applied preset: the workspace
    /// files and its config entry. --dry-run shows the plan (each file's diff, the config
    /// changes, the plan hash) and writes nothing; applying asks on a terminal, and otherwise
    /// needs --plan with the hash of the plan shown. Needs an unlocked owner or admin.
    Sync(SyncArgs),
    /// Bring existing OpenClaw agents under management: each workspace becomes a preset draft,
    /// and its files and config entry get baselines. Agents already managed are reported.
    Import {
        /// Only this agent.
        #[arg(long)]
        agent: Option<String>,
        /// Report what would be imported and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The OpenClaw state folder (holding openclaw.json), or the config file itself.
        #[arg(long = "openclaw", value_name = "DIR")]
        openclaw: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The agent id (ours and OpenClaw's).
    #[arg(long)]
    agent: String,
    /// Show the plan and write nothing.
    #[arg(long, conflicts_with = "plan")]
    dry_run: bool,
    /// Apply only if the plan is still this one (the plan hash a dry run printed).
    #[arg(long, value_name = "SHA256")]
    plan: Option<String>,
    /// The OpenClaw state folder (holding openclaw.json), or the config file itself.
    #[arg(long = "openclaw", value_name = "DIR")]
    openclaw: Option<PathBuf>,
    /// The OpenClaw CLI to write the config through (default: `openclaw` on PATH; without one
    /// Persona Studio writes the file itself).
    #[arg(long, value_name = "PATH")]
    openclaw_bin: Option<PathBuf>,
    /// The reasoning levels the agent's model lists, lowest first (for example
    /// off,low,medium,high); without them the shipped table is used, and an unknown model
    /// keeps its default.
    #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
    model_levels: Option<Vec<String>>,
    /// Also overwrite USER.md and MEMORY.md, which the agent edits itself.
    #[arg(long)]
    overwrite_agent_files: bool,
    /// Confirm --overwrite-agent-files without a prompt.
    #[arg(long)]
    yes: bool,
}

pub fn run(command: OpenClawCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let environment = process_environment()?;
    match command {
        OpenClawCommand::Status { openclaw, agent } => {
            let status = openclaw::status(
                &store,
                &actor.tenant_id,
                openclaw.as_deref(),
                &environment,
                agent.as_deref(),
            )?;
            out.value(&status, || status_text(&status));
        }
        OpenClawCommand::Sync(args) => sync(args, (&mut store, &actor), &environment, env, out)?,
        OpenClawCommand::Import {
            agent,
            dry_run,
            openclaw,
        } => {
            let install = (openclaw.as_deref(), &environment);
            let report = openclaw::import(
                &mut store,
                &actor,
                install,
                agent.as_deref(),
                dry_run,
                env.clock.as_ref(),
            )?;
            out.value(&report, || import_text(&report));
        }
    }
    Ok(())
}

/// `openclaw sync`: the plan, or applying it once agreed to.
fn sync(
    args: SyncArgs,
    (store, actor): (&mut Store, &Actor),
    environment: &Environment,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    let openclaw_bin = args.openclaw_bin.clone().or_else(|| {
        environment
            .var("PATH")
            .and_then(|path| openclaw::find_on_path(path, "openclaw"))
    });
    let options = SyncOptions {
        model_levels: args.model_levels,
        overwrite_agent_files: args.overwrite_agent_files,
        openclaw_bin,
    };
    let install = (args.openclaw.as_deref(), environment);
    let clock = env.clock.as_ref();
    if args.dry_run {
        let plan = openclaw::plan(store, actor, install, &args.agent, &options, clock)?;
        out.value(&plan, || plan_text(&plan));
        return Ok(());
    }
    if args.overwrite_agent_files && !args.yes {
        crate::preset_cmd::confirm_overwrite()?;
    }
    let plan_hash: Digest = match &args.plan {
        Some(text) => text.parse().map_err(|e| {
            Failure::usage("invalid_input", format!("--plan {text}: {e}"))
        })?,
        None if std::io::stdin().is_terminal() => {
            let plan = openclaw::plan(store, actor, install, &args.agent, &options, clock)?;
            eprintln!("{}", plan_text(&plan));
            crate::confirm("Apply this plan? Type yes to continue: ", "")?;
            plan.plan_hash
        }
        None => {
            return Err(Failure::usage(
                "invalid_input",
                "Applying a sync without a terminal needs --plan SHA256: run it with --dry-run first, review the plan, and pass the plan hash it prints.",
            ))
        }
    };
    let request = SyncRequest {
        agent: &args.agent,
        options: &options,
        plan_hash: &plan_hash,
    };
    let outcome = openclaw::sync(store, actor, install, &request, clock)?;
    out.value(&outcome, || outcome_text(&outcome));
    Ok(())
}

/// What OpenClaw would see if it ran here: this process's variables and current folder.
pub(crate) fn process_environment() -> Result<Environment, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::new("io", format!("could not read the current folder: {e}"), 1))?;
    Ok(Environment::new(std::env::vars(), cwd))
}

fn status_text(status: &Status) -> String {
    let mut text = format!(
        "OpenClaw config: {} (found by {})",
        status.config_path,
        status.found_by.describe()
    );
    for include in &status.includes {
        text.push_str(&format!("\n  includes {include}"));
    }
    text.push_str(&format!("\nAgents: {}", status.agents.len()));
    for agent in &status.agents {
        text.push_str(&agent_text(agent));
    }
    text
}

fn agent_text(status: &AgentStatus) -> String {
    let agent = &status.agent;
    let or_default =
        |value: &Option<String>| value.clone().unwrap_or_else(|| "(default)".to_owned());
    let skills = match &agent.skills {
        None => "all".to_owned(),
        Some(skills) if skills.is_empty() => "none".to_owned(),
        Some(skills) => skills.join(","),
    };
    let mut text = format!(
        "\n  {:<20} {}\n    workspace {}\n    model {}, thinking {}, skills {}",
        agent.id,
        status.state.as_str(),
        agent.workspace,
        or_default(&agent.model),
        or_default(&agent.thinking_default),
        skills
    );
    if let Some(ours) = &status.ours {
        let preset = ours
            .preset
            .as_ref()
            .map(|p| format!("preset {}@{}", p.id, p.version))
            .unwrap_or_else(|| "no preset applied".to_owned());
        let spec = ours
            .active_spec
            .map(|v| format!("spec v{v}"))
            .unwrap_or_else(|| "no published spec".to_owned());
        text.push_str(&format!("\n    ours: {}, {preset}, {spec}", ours.agent));
    }
    for item in &status.drift {
        text.push_str(&match item {
            DriftItem::WorkspaceMoved { baseline, openclaw } => {
                format!("\n    drift: OpenClaw uses {openclaw}, our baseline is {baseline}")
            }
            DriftItem::File {
                path,
                change,
                lines_added,
                lines_removed,
            } => {
                let change = match change {
                    ChangeKind::Added => "added",
                    ChangeKind::Removed => "removed",
                    ChangeKind::Modified => "modified",
                };
                format!("\n    drift: {path} {change} (+{lines_added} -{lines_removed})")
            }
            DriftItem::ConfigEntry {
                entry_path,
                changes,
            } => changes
                .iter()
                .map(|c| {
                    format!(
                        "\n    drift: config {entry_path}.{}: {} -> {}",
                        c.key,
                        show(&c.before),
                        show(&c.after)
                    )
                })
                .collect(),
        });
    }
    text
}

fn plan_text(plan: &SyncPlan) -> String {
    let body = &plan.body;
    let mut text = format!(
        "Sync plan for {} ({} in {})
  preset {}@{}, spec v{}, workspace {}",
        body.agent,
        body.entry_path,
        body.config_path,
        body.preset.id,
        body.preset.version,
        body.spec_version,
        body.workspace
    );
    for change in &body.files {
        let action = match change.action {
            FileAction::Create => "create",
            FileAction::Update => "update",
            FileAction::Unchanged => "unchanged",
            FileAction::KeptAgentFile => "kept (agent-editable)",
        };
        text.push_str(&format!("\n  {:<12} {action}", change.file));
        if !change.diff.is_empty() {
            text.push_str(&format!("\n{}", change.diff.trim_end()));
        }
    }
    if body.config.changes.is_empty() {
        text.push_str("\n  config entry: unchanged");
    }
    for change in &body.config.changes {
        text.push_str(&format!(
            "\n  config {}: {} -> {}",
            change.key,
            show(&change.before),
            show(&change.after)
        ));
    }
    let levels = &body.model_levels;
    text.push_str(&format!(
        "\n  reasoning: {} ({}; model {} levels [{}] from {})",
        body.reasoning.level.as_deref().unwrap_or("model default"),
        body.reasoning.source.as_str(),
        levels.model.as_deref().unwrap_or("(none)"),
        levels.levels.join(","),
        levels.source.as_str()
    ));
    text.push_str(&match (&body.writer.kind, &body.writer.openclaw_bin) {
        (WriterKind::OpenclawCli, Some(bin)) => {
            format!("\n  config written by the OpenClaw CLI {bin}")
        }
        _ => "\n  config written by Persona Studio (no OpenClaw CLI)".to_owned(),
    });
    for warning in &body.warnings {
        text.push_str(&format!("\n  warning: {warning}"));
    }
    text.push_str(&format!("\nPlan hash: {}", plan.plan_hash));
    text
}

fn show(value: &Option<serde_json::Value>) -> String {
    value
        .as_ref()
        .map_or("(absent)".to_owned(), |v| v.to_string())
}

fn outcome_text(outcome: &SyncOutcome) -> String {
    let body = &outcome.plan.body;
    let files = if outcome.files_written.is_empty() {
        "no workspace file changed".to_owned()
    } else {
        format!("wrote {}", outcome.files_written.join(", "))
    };
    let config = if outcome.config_written {
        format!("wrote {} in {}", body.entry_path, body.config_path)
    } else {
        "the config entry already matched".to_owned()
    };
    format!(
        "Synced {} (plan {}): {files}; {config}. Baselines updated.",
        body.agent, outcome.plan.plan_hash
    )
}

fn import_text(report: &ImportReport) -> String {
    let mut text = format!(
        "{} agents of {}",
        if report.dry_run {
            "Would import"
        } else {
            "Imported"
        },
        report.config_path
    );
    for agent in &report.agents {
        let what = match agent.action {
            ImportAction::Imported => format!(
                "imported as preset draft {}",
                agent.preset.as_deref().unwrap_or("")
            ),
            ImportAction::WouldImport => format!(
                "would become preset draft {}",
                agent.preset.as_deref().unwrap_or("")
            ),
            ImportAction::AlreadyManaged => "already managed".to_owned(),
            ImportAction::Skipped => format!("skipped: {}", agent.reason.as_deref().unwrap_or("")),
        };
        text.push_str(&format!("\n  {:<20} {what}", agent.agent));
        if !agent.files.is_empty() {
            text.push_str(&format!(" ({})", agent.files.join(", ")));
        }
    }
    text
}
