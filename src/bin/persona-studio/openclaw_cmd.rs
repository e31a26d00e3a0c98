//! `persona-studio openclaw …`: the OpenClaw install our agents run in. A thin mapping to
//! `persona_studio::openclaw`; this is where the process environment is read.

use std::path::PathBuf;

use clap::Subcommand;
use persona_studio::integrity::baseline::ChangeKind;
use persona_studio::openclaw::{
    self, AgentStatus, DriftItem, Environment, Status, SyncOptions, SyncPlan,
};
use persona_studio::provision::apply::FileAction;

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
    /// The plan that would bring an OpenClaw agent to our agent's active spec and applied
    /// preset: each workspace file's diff, the config entry's changes, and the plan hash.
    Sync {
        /// The agent id (ours and OpenClaw's).
        #[arg(long)]
        agent: String,
        /// Show the plan and write nothing (required: applying a plan is not available yet).
        #[arg(long, required = true)]
        dry_run: bool,
        /// The OpenClaw state folder (holding openclaw.json), or the config file itself.
        #[arg(long = "openclaw", value_name = "DIR")]
        openclaw: Option<PathBuf>,
        /// The reasoning levels the agent's model lists, lowest first (for example
        /// off,low,medium,high); without them the model is unknown and keeps its default.
        #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
        model_levels: Option<Vec<String>>,
    },
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
        OpenClawCommand::Sync {
            agent,
            dry_run: _,
            openclaw,
            model_levels,
        } => {
            let options = SyncOptions { model_levels };
            let install = (openclaw.as_deref(), &environment);
            let plan = openclaw::plan(
                &mut store,
                &actor,
                install,
                &agent,
                &options,
                env.clock.as_ref(),
            )?;
            out.value(&plan, || plan_text(&plan));
        }
    }
    Ok(())
}

/// What OpenClaw would see if it ran here: this process's variables and current folder.
fn process_environment() -> Result<Environment, Failure> {
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
    let show = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map_or("(absent)".to_owned(), |v| v.to_string())
    };
    for change in &body.config.changes {
        text.push_str(&format!(
            "\n  config {}: {} -> {}",
            change.key,
            show(&change.before),
            show(&change.after)
        ));
    }
    for warning in &body.warnings {
        text.push_str(&format!("\n  warning: {warning}"));
    }
    text.push_str(&format!("\nPlan hash: {}", plan.plan_hash));
    text
}
