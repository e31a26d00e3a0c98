//! `persona-studio preset …`: the catalog, versions and labels, folders for git, releases, and
//! applying a preset to an agent's workspace.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Subcommand;
use persona_studio::persona::preset::catalog::{self, PresetFilter, PresetVersion};
use persona_studio::persona::preset::Trust;
use persona_studio::persona::preset::{editing, files};
use persona_studio::persona::spec::Mode;
use persona_studio::provision::apply::{self, ApplyOptions, ApplyReport, FileAction};
use persona_studio::tenant;
use persona_studio::textdiff;

use crate::output::{Failure, Output};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum PresetCommand {
    /// List presets, with search and filters.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// team or individual.
        #[arg(long)]
        mode: Option<String>,
        /// official, community or local.
        #[arg(long)]
        trust: Option<String>,
        /// Include deprecated presets.
        #[arg(long)]
        all: bool,
    },
    /// Show one version: ID, ID@VERSION, ID@draft or ID:LABEL.
    Show { preset: String },
    /// Every version of a preset, newest first.
    History { id: String },
    /// Start a draft from the latest published version.
    Draft { id: String },
    /// Replace the draft with the contents of a folder.
    Edit { id: String, dir: PathBuf },
    /// Publish the draft as the next immutable version.
    Publish { id: String },
    /// Point a label (such as production) at a published version; this is how you roll back.
    Label {
        id: String,
        label: String,
        version: u32,
    },
    /// Deprecate a preset (ids are never removed).
    Deprecate { id: String },
    /// What changed between two versions (either may be the draft), as unified diffs.
    Diff { id: String, from: u32, to: u32 },
    /// Write a folder: preset.json and the Markdown templates.
    Export { preset: String, dir: PathBuf },
    /// Read a folder back as a draft, or turn an agent workspace into one with --openclaw.
    Import {
        dir: PathBuf,
        /// DIR is an agent workspace (SOUL.md, USER.md, …), not a preset folder.
        #[arg(long)]
        openclaw: bool,
        /// The preset id (required with --openclaw; otherwise from preset.json).
        #[arg(long)]
        id: Option<String>,
    },
    /// Write a content-addressed release of ID@VERSION into DIR.
    Release { preset: String, dir: PathBuf },
    /// Check a release folder against its release.json (offline).
    Verify { dir: PathBuf },
    /// Render a preset into an agent's workspace.
    Apply {
        preset: String,
        #[arg(long)]
        agent: String,
        #[arg(long, value_name = "DIR")]
        workspace: PathBuf,
        /// Show a unified diff of what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// A template variable, NAME=VALUE (repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Also overwrite USER.md and MEMORY.md, which the agent edits itself.
        #[arg(long)]
        overwrite_agent_files: bool,
        /// Confirm --overwrite-agent-files without a prompt.
        #[arg(long)]
        yes: bool,
    },
}

fn parse_mode(text: &str) -> Result<Mode, Failure> {
    text.parse().map_err(|_| {
        Failure::usage(
            "invalid_input",
            format!("\"{text}\" is not a mode; use team or individual"),
        )
    })
}

fn parse_trust(text: &str) -> Result<Trust, Failure> {
    match text {
        "official" => Ok(Trust::Official),
        "community" => Ok(Trust::Community),
        "local" => Ok(Trust::Local),
        other => Err(Failure::usage(
            "invalid_input",
            format!("\"{other}\" is not a trust tier; use official, community or local"),
        )),
    }
}

fn version_line(v: &PresetVersion) -> String {
    format!(
        "{} v{} {:?} {}{}",
        v.id,
        v.version,
        v.state,
        v.content_hash,
        v.parent_hash
            .map(|p| format!(" (parent {p})"))
            .unwrap_or_default()
    )
    .replace("Published", "published")
    .replace("Draft", "draft")
}

fn parse_vars(pairs: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    Failure::usage(
                        "invalid_input",
                        format!("--var {pair}: write it as NAME=VALUE"),
                    )
                })
        })
        .collect()
}

/// Asks before USER.md and MEMORY.md are replaced; without a terminal, `--yes` is the answer.
pub fn confirm_overwrite() -> Result<(), Failure> {
    crate::confirm(
        "This replaces USER.md and MEMORY.md, which the agent edits itself. Type yes to continue: ",
        "--overwrite-agent-files replaces USER.md and MEMORY.md, which the agent edits; add --yes to confirm",
    )
}

fn apply_text(report: &ApplyReport) -> String {
    let mut text = format!(
        "{} {} v{} to {} in {}\n",
        if report.dry_run {
            "Would apply"
        } else {
            "Applied"
        },
        report.preset,
        report.version,
        report.agent,
        report.workspace
    );
    for change in &report.changes {
        let what = match change.action {
            FileAction::Create => "create",
            FileAction::Update => "update",
            FileAction::Unchanged => "unchanged",
            FileAction::KeptAgentFile => {
                "kept (the agent edits it; --overwrite-agent-files to replace)"
            }
        };
        text.push_str(&format!("  {:<12} {what}\n", change.file));
    }
    for change in &report.changes {
        text.push_str(&change.diff);
    }
    text
}

pub fn run(command: PresetCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    if let PresetCommand::Verify { dir } = &command {
        let check = files::verify_release(dir)?;
        out.value(&check, || {
            if check.ok {
                format!(
                    "{}: ok ({} v{})",
                    dir.display(),
                    check.preset.clone().unwrap_or_default(),
                    check.version.unwrap_or(0)
                )
            } else {
                check
                    .problems
                    .iter()
                    .map(|p| format!("{}: {p}", dir.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        });
        return if check.ok {
            Ok(())
        } else {
            Err(Failure::silent(1))
        };
    }
    let mut store = env.open_store()?;
    let actor = tenant::current_actor(&store)?;
    let clock = env.clock.as_ref();
    match command {
        PresetCommand::List {
            query,
            tag,
            mode,
            trust,
            all,
        } => {
            let filter = PresetFilter {
                query,
                tag,
                mode: mode.as_deref().map(parse_mode).transpose()?,
                trust: trust.as_deref().map(parse_trust).transpose()?,
                include_deprecated: all,
            };
            let presets = catalog::list(&store, &actor.tenant_id, &filter)?;
            out.value(&presets, || {
                presets
                    .iter()
                    .map(|p| {
                        let labels: Vec<String> = p
                            .labels
                            .iter()
                            .map(|l| format!("{}→v{}", l.label, l.version))
                            .collect();
                        format!(
                            "{:<28} {:<10} {:<10} latest {} {}{}",
                            p.id,
                            p.trust.as_str(),
                            p.mode.as_str(),
                            p.latest_published
                                .map_or("-".to_owned(), |v| format!("v{v}")),
                            labels.join(" "),
                            p.draft.map(|d| format!(" draft v{d}")).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PresetCommand::Show { preset } => {
            let (id, reference) = catalog::parse_ref(&preset)?;
            let version = catalog::get(&store, &actor.tenant_id, &id, &reference)?;
            out.value(&version, || {
                let mut text = format!(
                    "{}\n{}\n",
                    version_line(&version),
                    version.bundle.manifest.description
                );
                for name in version.bundle.files.keys() {
                    text.push_str(&format!("  {name}\n"));
                }
                text
            });
        }
        PresetCommand::History { id } => {
            let versions = catalog::history(&store, &actor.tenant_id, &id)?;
            out.value(&versions, || {
                versions
                    .iter()
                    .map(version_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PresetCommand::Draft { id } => {
            let draft = catalog::create_draft(&mut store, &actor, &id, None, clock)?;
            out.value(&draft, || format!("Started {}", version_line(&draft)));
        }
        PresetCommand::Edit { id, dir } => {
            let bundle = files::read_folder(&dir)?;
            let draft = catalog::save_draft(&mut store, &actor, &id, bundle, clock)?;
            out.value(&draft, || format!("Saved {}", version_line(&draft)));
        }
        PresetCommand::Publish { id } => {
            let published = catalog::publish(&mut store, &actor, &id, clock)?;
            out.value(&published, || {
                format!("Published {}", version_line(&published))
            });
        }
        PresetCommand::Label { id, label, version } => {
            let moved = catalog::move_label(&mut store, &actor, &id, &label, version, clock)?;
            out.value(&moved, || {
                format!("{id}:{} now points at v{}", moved.label, moved.version)
            });
        }
        PresetCommand::Deprecate { id } => {
            catalog::deprecate(&mut store, &actor, &id, clock)?;
            out.value(&serde_json::json!({"deprecated": id}), || {
                format!("Deprecated {id}")
            });
        }
        PresetCommand::Export { preset, dir } => {
            let (id, reference) = catalog::parse_ref(&preset)?;
            let version = catalog::get(&store, &actor.tenant_id, &id, &reference)?;
            files::write_folder(&version.bundle, &dir)?;
            out.value(&version.content_hash, || {
                format!("Exported {} to {}", version_line(&version), dir.display())
            });
        }
        PresetCommand::Import { dir, openclaw, id } => {
            let bundle = if openclaw {
                let id = id.ok_or_else(|| {
                    Failure::usage(
                        "invalid_input",
                        "--openclaw needs --id ID for the new preset",
                    )
                })?;
                files::from_workspace(&dir, &id)?
            } else {
                files::read_folder(&dir)?
            };
            let id = bundle.manifest.id.clone();
            let draft = catalog::create_draft(&mut store, &actor, &id, Some(bundle), clock)?;
            out.value(&draft, || {
                format!("Imported {} as {}", dir.display(), version_line(&draft))
            });
        }
        PresetCommand::Release { preset, dir } => {
            let (id, reference) = catalog::parse_ref(&preset)?;
            let version = catalog::get(&store, &actor.tenant_id, &id, &reference)?;
            if version.state != persona_studio::persona::versions::VersionState::Published {
                return Err(Failure::usage(
                    "invalid_input",
                    format!("{preset} is a draft; release a published version"),
                ));
            }
            let manifest = files::write_release(&version, &dir)?;
            out.value(&manifest, || {
                format!("Released {} to {}", version_line(&version), dir.display())
            });
        }
        PresetCommand::Apply {
            preset,
            agent,
            workspace,
            dry_run,
            vars,
            overwrite_agent_files,
            yes,
        } => {
            if overwrite_agent_files && !yes && !dry_run {
                confirm_overwrite()?;
            }
            let (id, reference) = catalog::parse_ref(&preset)?;
            let options = ApplyOptions {
                dry_run,
                overwrite_agent_files,
                vars: parse_vars(&vars)?,
            };
            let report = apply::apply(
                &mut store, &actor, &id, &reference, &agent, &workspace, &options, clock,
            )?;
            out.value(&report, || apply_text(&report));
        }
        PresetCommand::Diff { id, from, to } => {
            let diffs = editing::diff_versions(&store, &actor.tenant_id, &id, from, to)?;
            out.value(&diffs, || {
                diffs
                    .iter()
                    .map(|d| {
                        textdiff::unified(
                            d.baseline.as_deref().unwrap_or_default(),
                            d.current.as_deref().unwrap_or_default(),
                            &d.path,
                        )
                    })
                    .collect::<String>()
            });
        }
        PresetCommand::Verify { .. } => {}
    }
    Ok(())
}
