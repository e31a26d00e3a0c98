//! `persona-studio preset …`: the catalog, versions and labels, folders for git, releases, and
//! applying a preset to an agent's workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use persona_studio::persona::preset::catalog::{self, Lifecycle, PresetFilter, PresetVersion};
use persona_studio::persona::preset::Trust;
use persona_studio::persona::preset::{editing, files};
use persona_studio::persona::spec::Mode;
use persona_studio::persona::versions::VersionState;
use persona_studio::provision::apply::{self, ApplyOptions, ApplyReport, FileAction};
use persona_studio::textdiff;

use crate::claw_cmd::{self, ExportFormat};
use crate::output::{Failure, Output};
use crate::{values, Env, Session};

#[derive(Debug, Subcommand)]
pub enum PresetCommand {
    /// List presets, with search and filters.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// Only presets for a team, or for one person.
        #[arg(long, value_parser = values::wire::<Mode>())]
        mode: Option<Mode>,
        /// Only presets vouched for this way.
        #[arg(long, value_parser = values::wire::<Trust>())]
        trust: Option<Trust>,
        /// Include deprecated presets.
        #[arg(long)]
        all: bool,
    },
    /// Show one version: ID (its production label, else the newest published version),
    /// ID@VERSION (2 or v2), ID@latest, ID@draft or ID:LABEL.
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
        /// A published version, 2 or v2.
        #[arg(value_parser = values::version)]
        version: u32,
    },
    /// Deprecate a preset (ids are never removed).
    Deprecate { id: String },
    /// What changed between two versions (either may be the draft), as unified diffs.
    Diff {
        id: String,
        /// A version, 2 or v2.
        #[arg(value_parser = values::version)]
        from: u32,
        /// A version, 2 or v2.
        #[arg(value_parser = values::version)]
        to: u32,
    },
    /// Write a folder: preset.json and the Markdown templates, or with --format claw an
    /// OpenClaw Claw package (package.json, CLAW.md, workspace/).
    Export {
        preset: String,
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: ExportFormat,
        /// The version to export, 2 or v2 (the same as ID@N).
        #[arg(long, value_name = "N", value_parser = values::version)]
        version: Option<u32>,
        /// Also write the Claw as a deterministic npm-style tarball (needs --format claw).
        #[arg(long, value_name = "FILE")]
        tgz: Option<PathBuf>,
    },
    /// Read a folder back as a draft, turn an agent workspace into one with --openclaw, or read
    /// an OpenClaw Claw package (folder or .tgz) with --claw.
    Import {
        dir: PathBuf,
        /// DIR is an agent workspace (SOUL.md, USER.md, …), not a preset folder.
        #[arg(long)]
        openclaw: bool,
        /// The preset id (required with --openclaw; otherwise from preset.json).
        #[arg(long)]
        id: Option<String>,
        /// DIR is an OpenClaw Claw package: a folder or an npm-style .tgz.
        #[arg(long, conflicts_with = "openclaw")]
        claw: bool,
    },
    /// Write a content-addressed release of ID@VERSION into DIR.
    Release { preset: String, dir: PathBuf },
    /// Check a release folder against its release.json (offline).
    Verify { dir: PathBuf },
    /// Render a preset into an agent's workspace (created when missing, also when it was
    /// removed since the last apply). A bare ID is its production label, else the newest
    /// published version.
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
    let mut text: String = report
        .warnings
        .iter()
        .map(|w| format!("warning: {w}\n"))
        .collect();
    text.push_str(&format!(
        "{} {} to {} in {}\n",
        if report.dry_run {
            "Would apply"
        } else {
            "Applied"
        },
        report.resolved,
        report.agent,
        report.workspace
    ));
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
        return verify(dir, out);
    }
    let (mut store, actor) = env.open_acting()?;
    let session = Session::new(&mut store, &actor, env);
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
                mode,
                trust,
                include_deprecated: all,
            };
            list(session, &filter, out)
        }
        PresetCommand::Show { preset } => show(session, &preset, out),
        PresetCommand::History { id } => history(session, &id, out),
        PresetCommand::Draft { id } => draft(session, &id, out),
        PresetCommand::Edit { id, dir } => edit(session, &id, &dir, out),
        PresetCommand::Publish { id } => publish(session, &id, out),
        PresetCommand::Label { id, label, version } => {
            move_label(session, &id, &label, version, out)
        }
        PresetCommand::Deprecate { id } => deprecate(session, &id, out),
        PresetCommand::Export {
            preset,
            dir,
            format: ExportFormat::Claw,
            version,
            tgz,
        } => claw_cmd::export(session, &preset, version, &dir, tgz.as_deref(), out),
        PresetCommand::Export {
            preset,
            dir,
            version,
            tgz,
            ..
        } => export(session, &preset, version, tgz.is_some(), &dir, out),
        PresetCommand::Import {
            dir,
            id,
            claw: true,
            ..
        } => claw_cmd::import(session, &dir, id.as_deref(), out),
        PresetCommand::Import {
            dir, openclaw, id, ..
        } => import(session, &dir, openclaw, id, out),
        PresetCommand::Release { preset, dir } => release(session, &preset, &dir, out),
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
            let options = ApplyOptions {
                dry_run,
                overwrite_agent_files,
                vars: parse_vars(&vars)?,
            };
            apply_to_workspace(session, &preset, &agent, &workspace, &options, out)
        }
        PresetCommand::Diff { id, from, to } => diff(session, &id, from, to, out),
        PresetCommand::Verify { .. } => Ok(()),
    }
}

/// `preset verify`: exit 1 with the problems when the release does not verify.
fn verify(dir: &Path, out: &Output) -> Result<(), Failure> {
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
    if check.ok {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

/// `preset list`.
fn list(s: Session, filter: &PresetFilter, out: &Output) -> Result<(), Failure> {
    let presets = catalog::list(s.store, &s.actor.tenant_id, filter)?;
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
                    "{:<28} {:<10} {:<10} latest {} {}{}{}",
                    p.id,
                    p.trust.as_str(),
                    p.mode.as_str(),
                    p.latest_published
                        .map_or("-".to_owned(), |v| format!("v{v}")),
                    labels.join(" "),
                    p.draft.map(|d| format!(" draft v{d}")).unwrap_or_default(),
                    match p.lifecycle {
                        Lifecycle::Deprecated => "  [deprecated]",
                        Lifecycle::Active => "",
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// One version by reference (`catalog::resolve`): ID, ID@VERSION, ID@latest, ID@draft or
/// ID:LABEL.
fn get(s: &Session, preset: &str) -> Result<PresetVersion, Failure> {
    resolve(s, preset).map(|r| r.version)
}

fn resolve(s: &Session, preset: &str) -> Result<catalog::Resolved, Failure> {
    let (id, reference) = catalog::parse_ref(preset)?;
    Ok(catalog::resolve(
        s.store,
        &s.actor.tenant_id,
        &id,
        &reference,
    )?)
}

/// `preset show`: the version, after how the reference was read.
fn show(s: Session, preset: &str, out: &Output) -> Result<(), Failure> {
    let resolved = resolve(&s, preset)?;
    let version = &resolved.version;
    out.value(version, || {
        let mut text = format!(
            "{}{}\n{}\n{}\n",
            resolved.shown,
            if resolved.deprecated {
                " (deprecated)"
            } else {
                ""
            },
            version_line(version),
            version.bundle.manifest.description
        );
        for name in version.bundle.files.keys() {
            text.push_str(&format!("  {name}\n"));
        }
        text
    });
    Ok(())
}

/// `preset history`.
fn history(s: Session, id: &str, out: &Output) -> Result<(), Failure> {
    let versions = catalog::history(s.store, &s.actor.tenant_id, id)?;
    out.value(&versions, || {
        versions
            .iter()
            .map(version_line)
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// `preset draft`.
fn draft(s: Session, id: &str, out: &Output) -> Result<(), Failure> {
    let draft = catalog::create_draft(s.store, s.actor, id, None, s.clock)?;
    out.value(&draft, || format!("Started {}", version_line(&draft)));
    Ok(())
}

/// `preset edit`.
fn edit(s: Session, id: &str, dir: &Path, out: &Output) -> Result<(), Failure> {
    let bundle = files::read_folder(dir)?;
    let draft = catalog::save_draft(s.store, s.actor, id, bundle, s.clock)?;
    out.value(&draft, || format!("Saved {}", version_line(&draft)));
    Ok(())
}

/// `preset publish`.
fn publish(s: Session, id: &str, out: &Output) -> Result<(), Failure> {
    let published = catalog::publish(s.store, s.actor, id, s.clock)?;
    out.value(&published, || {
        format!("Published {}", version_line(&published))
    });
    Ok(())
}

/// `preset label`.
fn move_label(
    s: Session,
    id: &str,
    label: &str,
    version: u32,
    out: &Output,
) -> Result<(), Failure> {
    let moved = catalog::move_label(s.store, s.actor, id, label, version, s.clock)?;
    out.value(&moved, || {
        format!("{id}:{} now points at v{}", moved.label, moved.version)
    });
    Ok(())
}

/// `preset deprecate`.
fn deprecate(s: Session, id: &str, out: &Output) -> Result<(), Failure> {
    catalog::deprecate(s.store, s.actor, id, s.clock)?;
    out.value(&serde_json::json!({"deprecated": id}), || {
        format!("Deprecated {id}")
    });
    Ok(())
}

/// `preset export`.
fn export(
    s: Session,
    preset: &str,
    version: Option<u32>,
    tgz: bool,
    dir: &Path,
    out: &Output,
) -> Result<(), Failure> {
    if tgz {
        return Err(Failure::usage(
            "invalid_input",
            "--tgz writes a Claw; add --format claw",
        ));
    }
    let (id, reference) = claw_cmd::reference(preset, version)?;
    let version = catalog::get(s.store, &s.actor.tenant_id, &id, &reference)?;
    files::write_folder(&version.bundle, dir)?;
    out.value(&version.content_hash, || {
        format!("Exported {} to {}", version_line(&version), dir.display())
    });
    Ok(())
}

/// `preset import`: a preset folder, or with `--openclaw` an agent workspace (then `id` names
/// the new preset).
fn import(
    s: Session,
    dir: &Path,
    openclaw: bool,
    id: Option<String>,
    out: &Output,
) -> Result<(), Failure> {
    let bundle = if openclaw {
        let id = id.ok_or_else(|| {
            Failure::usage(
                "invalid_input",
                "--openclaw needs --id ID for the new preset",
            )
        })?;
        files::from_workspace(dir, &id)?
    } else {
        files::read_folder(dir)?
    };
    let id = bundle.manifest.id.clone();
    let draft = catalog::create_draft(s.store, s.actor, &id, Some(bundle), s.clock)?;
    out.value(&draft, || {
        format!("Imported {} as {}", dir.display(), version_line(&draft))
    });
    Ok(())
}

/// `preset release`: only a published version.
fn release(s: Session, preset: &str, dir: &Path, out: &Output) -> Result<(), Failure> {
    let version = get(&s, preset)?;
    if version.state != VersionState::Published {
        return Err(Failure::usage(
            "invalid_input",
            format!("{preset} is a draft; release a published version"),
        ));
    }
    let manifest = files::write_release(&version, dir)?;
    out.value(&manifest, || {
        format!("Released {} to {}", version_line(&version), dir.display())
    });
    Ok(())
}

/// `preset apply`.
fn apply_to_workspace(
    s: Session,
    preset: &str,
    agent: &str,
    workspace: &Path,
    options: &ApplyOptions,
    out: &Output,
) -> Result<(), Failure> {
    let (id, reference) = catalog::parse_ref(preset)?;
    let report = apply::apply(
        s.store, s.actor, &id, &reference, agent, workspace, options, s.clock,
    )?;
    out.value(&report, || apply_text(&report));
    Ok(())
}

/// `preset diff`: unified diffs between two versions.
fn diff(s: Session, id: &str, from: u32, to: u32, out: &Output) -> Result<(), Failure> {
    let diffs = editing::diff_versions(s.store, &s.actor.tenant_id, id, from, to)?;
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
    Ok(())
}
