//! `persona-studio integrity|attest|registry|audit …`: baselines and drift, attestation
//! statistics and enforcement, the append-only registry check, and the audit chain.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Subcommand;
use persona_studio::audit::{self, AuditFilter};
use persona_studio::clock::Timestamp;
use persona_studio::integrity::attest::{self, Enforcement};
use persona_studio::integrity::baseline::{self, ChangeKind, DriftReport};
use persona_studio::integrity::history;
use persona_studio::integrity::registry;
use persona_studio::tenant::{self, names};
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::selfedit_cmd;
use crate::{values, Env};

#[derive(Debug, Subcommand)]
pub enum IntegrityCommand {
    /// Record the first baseline of an agent's workspace.
    Baseline {
        dir: PathBuf,
        /// The agent (default: the folder's name).
        #[arg(long)]
        agent: Option<String>,
        /// Extra files to watch, relative to the workspace (repeatable).
        #[arg(long = "watch", value_name = "PATH")]
        watch: Vec<String>,
    },
    /// Compare a workspace with its baseline. Exit code: 1 added, 2 removed, 4 modified
    /// (or-ed together), 0 clean, 16 when the check could not run.
    Check {
        dir: PathBuf,
        #[arg(long)]
        agent: Option<String>,
    },
    /// Make the workspace's current state the new baseline (owner or admin; audited).
    Accept {
        dir: PathBuf,
        #[arg(long)]
        agent: Option<String>,
    },
    /// Scan the managed files of agents once, by their policies: accept agent-editable
    /// changes, open or update file reviews, report (or, under enforcement enforce, write back)
    /// locked changes. Any member; suits cron. Exit code 1 while a locked change remains or an
    /// agent could not be scanned (its workspace is gone); 2 for an agent with no baseline.
    Scan {
        /// The agents (default: every agent with a baseline).
        agents: Vec<String>,
        /// The OpenClaw state folder (holding openclaw.json), or the config file itself, to
        /// compare the agents' config entries too (default: found as OpenClaw finds it).
        #[arg(long = "openclaw", value_name = "DIR")]
        openclaw: Option<PathBuf>,
    },
    /// Put a kept version of a managed file back (owner or admin, unlocked; audited). Shows
    /// the diff and asks on a terminal; requires --yes otherwise.
    Revert {
        agent: String,
        /// The file, relative to the agent's workspace.
        file: String,
        /// The version's sha256 (as the file's history lists it).
        #[arg(long = "to", value_name = "SHA256")]
        to: String,
        /// Revert without asking.
        #[arg(long)]
        yes: bool,
    },
    /// List the recorded versions of an agent's files (or of one file), newest first.
    History {
        agent: String,
        /// One file, relative to the workspace.
        file: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttestCommand {
    /// Per agent: attestations, distinct persona hashes, drift events and the last of each.
    Stats {
        #[arg(long)]
        agent: Option<String>,
    },
    /// Show or set hash enforcement (observe by default).
    Enforcement {
        #[arg(value_parser = values::wire::<Enforcement>())]
        mode: Option<Enforcement>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Check a registry file; exit 100 when a rule is broken.
    Check {
        file: PathBuf,
        /// The previously published registry: a file, or git:REV:PATH.
        #[arg(long, value_name = "BASELINE")]
        against: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and check it against the keyring checkpoint.
    Verify,
    /// List entries, newest first.
    List {
        /// An exact kind, or a prefix ending in '.' (for example integrity.).
        #[arg(long)]
        kind: Option<String>,
        /// A member (id, unique id prefix or name), or system.
        #[arg(long)]
        actor: Option<String>,
        /// RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// Exit code of `integrity check` when it could not run.
const CHECK_ERROR: u8 = 16;
/// Exit code of `registry check` when a rule is broken.
const REGISTRY_VIOLATION: u8 = 100;

fn agent_name(dir: &Path, agent: Option<String>) -> Result<String, Failure> {
    if let Some(agent) = agent {
        return Ok(agent);
    }
    let name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_lowercase()))
        .unwrap_or_default();
    if persona_studio::persona::versions::check_agent_name(&name).is_ok() {
        Ok(name)
    } else {
        Err(Failure::usage(
            "invalid_input",
            format!(
                "Cannot name the agent after the folder {}; pass --agent NAME.",
                dir.display()
            ),
        ))
    }
}

pub fn integrity(command: IntegrityCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    match command {
        IntegrityCommand::Baseline { dir, agent, watch } => {
            let agent = agent_name(&dir, agent)?;
            let (mut store, actor) = env.open_acting()?;
            let recorded =
                baseline::record(&mut store, &actor, &agent, &dir, &watch, env.clock.as_ref())?;
            out.value(&recorded, || {
                format!(
                    "Recorded the baseline of {} ({} files) in {}",
                    recorded.agent,
                    recorded.files.len(),
                    recorded.workspace
                )
            });
            Ok(())
        }
        IntegrityCommand::Check { dir, agent } => {
            let report = check(&dir, agent, env).map_err(|f| f.with_exit(CHECK_ERROR))?;
            out.value(&report, || drift_text(&report));
            if report.exit_code == 0 {
                Ok(())
            } else {
                Err(Failure::silent(report.exit_code))
            }
        }
        IntegrityCommand::Accept { dir, agent } => {
            let (mut store, actor) = env.open_acting()?;
            let agent = match agent {
                Some(agent) => agent,
                None => baseline::agent_for_workspace(&store, &actor.tenant_id, &dir)?,
            };
            let accepted = baseline::accept(&mut store, &actor, &agent, env.clock.as_ref())?;
            out.value(&accepted, || {
                format!(
                    "The current state of {} is now its baseline ({} files).",
                    accepted.agent,
                    accepted.files.len()
                )
            });
            Ok(())
        }
        IntegrityCommand::Scan { agents, openclaw } => {
            selfedit_cmd::scan(&agents, openclaw.as_deref(), env, out)
        }
        IntegrityCommand::Revert {
            agent,
            file,
            to,
            yes,
        } => selfedit_cmd::revert((&agent, &file), &to, yes, env, out),
        IntegrityCommand::History { agent, file } => {
            let (store, actor) = env.open_acting()?;
            let versions = history::list(&store, &actor.tenant_id, &agent, file.as_deref())?;
            out.value(&versions, || history_text(&agent, &versions));
            Ok(())
        }
    }
}

fn history_text(agent: &str, versions: &[history::FileVersion]) -> String {
    if versions.is_empty() {
        return format!("{agent}: no versions recorded yet");
    }
    let mut text = format!(
        "{:<24} {:<10} {:<14} {:>9}  file",
        "time", "source", "sha256", "bytes"
    );
    for v in versions {
        let short: String = v
            .sha256
            .trim_start_matches("sha256:")
            .chars()
            .take(12)
            .collect();
        let kept = if v.kept { "" } else { " (hash only)" };
        text.push_str(&format!(
            "\n{:<24} {:<10} {:<14} {:>9}  {}{kept}",
            v.recorded_at.to_string(),
            v.source.as_str(),
            short,
            v.size,
            v.path
        ));
    }
    text
}

fn check(dir: &Path, agent: Option<String>, env: &Env) -> Result<DriftReport, Failure> {
    let (store, actor) = env.open_acting()?;
    let agent = match agent {
        Some(agent) => agent,
        None => baseline::agent_for_workspace(&store, &actor.tenant_id, dir)?,
    };
    Ok(baseline::check(&store, &actor.tenant_id, &agent)?)
}

fn drift_text(report: &DriftReport) -> String {
    if report.is_clean() {
        return format!(
            "{}: clean ({} files match the baseline)",
            report.agent, report.files_checked
        );
    }
    let mut text = format!(
        "{}: {} change(s) since {}",
        report.agent,
        report.changes.len(),
        report.baseline_recorded_at
    );
    for change in &report.changes {
        let hash = |h: &Option<persona_studio::canon::Digest>| {
            h.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
        };
        let what = match change.kind {
            ChangeKind::Added => "added".to_owned(),
            ChangeKind::Removed => "removed".to_owned(),
            ChangeKind::Modified => format!(
                "modified ({})",
                change
                    .changed
                    .iter()
                    .map(|a| format!("{a:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        text.push_str(&format!(
            "\n  {:<12} {}\n               old {}\n               new {}",
            what,
            change.path,
            hash(&change.old_sha256),
            hash(&change.new_sha256)
        ));
    }
    text
}

pub fn attest_cmd(command: AttestCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    match command {
        AttestCommand::Stats { agent } => {
            let (store, actor) = env.open_acting()?;
            let stats = attest::stats(&store, &actor.tenant_id, agent.as_deref())?;
            out.value(&stats, || {
                if stats.is_empty() {
                    return "No attestations yet. Record one with `spec compile FILE --attest --agent NAME`.".to_owned();
                }
                let mut text = format!("{:<24} {:>6} {:>9} {:>6}  last / last drift", "agent", "count", "personas", "drift");
                for s in &stats {
                    let t = |ts: Option<Timestamp>| ts.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
                    text.push_str(&format!(
                        "\n{:<24} {:>6} {:>9} {:>6}  {} / {}",
                        s.agent,
                        s.attestations,
                        s.distinct_persona_hashes,
                        s.drift_events,
                        t(s.last_attestation),
                        t(s.last_drift)
                    ));
                }
                text
            });
            Ok(())
        }
        AttestCommand::Enforcement { mode } => {
            let (mut store, actor) = env.open_acting()?;
            if let Some(mode) = mode {
                attest::set_enforcement(&mut store, &actor, mode, env.clock.as_ref())?;
            }
            let current = attest::enforcement(&store, &actor.tenant_id)?;
            out.value(&current, || {
                format!("hash enforcement: {}", current.as_str())
            });
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct RegistryReport<'a> {
    file: String,
    baseline: Option<&'a str>,
    ok: bool,
    violations: &'a [registry::Violation],
}

fn read_baseline(spec: &str) -> Result<String, Failure> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let Some((rev, path)) = rest.split_once(':') else {
            return Err(Failure::usage(
                "invalid_input",
                format!("\"{spec}\" must look like git:REV:PATH"),
            ));
        };
        let output = Command::new("git")
            .args(["show", &format!("{rev}:{path}")])
            .output()
            .map_err(|e| Failure::usage("invalid_input", format!("could not run git: {e}")))?;
        if !output.status.success() {
            return Err(Failure::usage(
                "invalid_input",
                format!(
                    "git could not read {path} at {rev}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            ));
        }
        return String::from_utf8(output.stdout)
            .map_err(|_| Failure::usage("invalid_input", format!("{spec} is not UTF-8 text")));
    }
    crate::read_text(spec)
}

pub fn registry_cmd(command: RegistryCommand, out: &Output) -> Result<(), Failure> {
    let RegistryCommand::Check { file, against } = command;
    let origin = file.display().to_string();
    let current = registry::parse(&crate::read_text(&origin)?, &origin)?;
    let baseline = against
        .as_deref()
        .map(|spec| read_baseline(spec).and_then(|text| Ok(registry::parse(&text, spec)?)))
        .transpose()?;
    let violations = registry::check(&current, baseline.as_ref())?;
    let report = RegistryReport {
        file: origin.clone(),
        baseline: against.as_deref(),
        ok: violations.is_empty(),
        violations: &violations,
    };
    out.value(&report, || {
        if violations.is_empty() {
            format!("{origin}: ok ({} entries)", current.entries.len())
        } else {
            violations
                .iter()
                .map(|v| format!("{origin}: {}: {}", v.rule, v.message))
                .collect::<Vec<_>>()
                .join("\n")
        }
    });
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Failure::silent(REGISTRY_VIOLATION))
    }
}

pub fn audit_cmd(command: AuditCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let (store, actor) = env.open_acting()?;
    match command {
        AuditCommand::Verify => {
            let report = tenant::verify_audit(&store)?;
            out.value(&report, || match (&report.broken_seq, &report.reason) {
                (Some(seq), Some(reason)) => format!("BROKEN at seq {seq}: {reason}"),
                _ => format!(
                    "OK: {} entries, head {}, keyring checkpoint at seq {}",
                    report.entries,
                    report.head.as_deref().unwrap_or("-"),
                    report
                        .checkpoint_seq
                        .map_or("-".to_owned(), |s| s.to_string())
                ),
            });
            if report.ok {
                Ok(())
            } else {
                Err(Failure::silent(1))
            }
        }
        AuditCommand::List {
            kind,
            actor: by,
            since,
            until,
            limit,
        } => {
            let time = |t: Option<String>| -> Result<Option<Timestamp>, Failure> {
                t.map(|t| {
                    Timestamp::parse(&t).map_err(|e| Failure::usage("invalid_input", e.to_string()))
                })
                .transpose()
            };
            // A member by name or short id, as everywhere; `system` is the clock's actor.
            let by = by
                .map(|by| match by.as_str() {
                    "system" => Ok(by),
                    _ => names::resolve(store.conn(), &actor.tenant_id, &by),
                })
                .transpose()?;
            let filter = AuditFilter {
                kind,
                actor: by,
                since: time(since)?,
                until: time(until)?,
                limit: Some(limit),
            };
            let records = audit::list(store.conn(), &actor.tenant_id, &filter)?;
            let names = names::display_names(store.conn(), &actor.tenant_id)?;
            out.value(&records, || {
                records
                    .iter()
                    .map(|r| {
                        let by = names.get(&r.entry.actor).map_or_else(
                            || r.entry.actor.clone(),
                            |name| format!("{name} ({})", r.entry.actor),
                        );
                        format!(
                            "{:>5} {} {:<28} {by} {}",
                            r.entry.seq, r.entry.ts, r.entry.kind, r.entry.data
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}
