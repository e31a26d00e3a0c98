//! `persona-studio integrity scan|revert`: the self-edit loop (`persona_studio::selfedit`) from
//! a terminal or cron.

use std::path::Path;

use persona_studio::ids::RandomIds;
use persona_studio::integrity::baseline::ChangeKind;
use persona_studio::selfedit::revert;
use persona_studio::selfedit::scan::{self, ScanReport, ScanRequest};
use persona_studio::textdiff;

use crate::output::{Failure, Output};
use crate::Env;

/// `integrity scan`: one pass; exit 1 while a locked change remains or an agent could not be
/// scanned (its workspace is gone), so that cron mails it.
pub fn scan(
    agents: &[String],
    openclaw: Option<&Path>,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let environment = crate::openclaw_cmd::process_environment()?;
    let request = ScanRequest {
        agents,
        openclaw: Some((openclaw, &environment)),
    };
    let report = scan::scan(&mut store, &actor, &request, env.clock.as_ref(), &RandomIds)?;
    out.value(&report, || scan_text(&report));
    if report.violations.is_empty() && report.agents.iter().all(|a| a.error.is_none()) {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

fn scan_text(report: &ScanReport) -> String {
    let mut lines = Vec::new();
    for agent in &report.agents {
        if let Some(warning) = &agent.warning {
            lines.push(format!("{}: warning: {warning}", agent.agent));
        }
        if let Some(error) = &agent.error {
            lines.push(format!("{}: not scanned: {error}", agent.agent));
            continue;
        }
        if agent.files.is_empty() {
            lines.push(format!("{}: no changes", agent.agent));
        }
        for file in &agent.files {
            let review = file
                .change_id
                .as_deref()
                .map_or(String::new(), |id| format!(" (review {id})"));
            lines.push(format!(
                "{}: {} {} [{}]: {}{review}",
                agent.agent,
                file.path,
                change_word(file.kind),
                <&str>::from(file.policy),
                file.outcome.as_str().replace('_', " "),
            ));
            if let Some(detail) = &file.detail {
                lines.push(format!("    {detail}"));
            }
        }
        for id in &agent.reviews_closed {
            lines.push(format!(
                "{}: review {id} closed: the file is back at its approved bytes",
                agent.agent
            ));
        }
    }
    if let Some(error) = &report.openclaw_error {
        lines.push(format!("OpenClaw config not compared: {error}"));
    }
    lines.push(format!(
        "{} locked change(s) in place, {} file review(s) open",
        report.violations.len(),
        report.reviews_pending
    ));
    lines.join("\n")
}

fn change_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
    }
}

/// `integrity revert`: the diff and a question on a terminal (or `--yes`), then the revert.
pub fn revert(
    target: (&str, &str),
    to: &str,
    yes: bool,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    if !yes {
        let diff = revert::preview(&store, &actor.tenant_id, target, to)?;
        let patch = textdiff::unified(
            diff.baseline.as_deref().unwrap_or(""),
            diff.current.as_deref().unwrap_or(""),
            &diff.path,
        );
        // Bytes already on disk may still differ from the approved state: ask all the same.
        if patch.is_empty() {
            eprintln!("{} already has these bytes on disk.", diff.path);
        } else {
            eprintln!("{patch}");
        }
        crate::confirm(
            &format!(
                "Put this version of {} back? Type yes to continue: ",
                diff.path
            ),
            "Not on a terminal: pass --yes to revert without asking.",
        )?;
    }
    let reverted = revert::revert(&mut store, &actor, target, to, env.clock.as_ref())?;
    out.value(&reverted, || {
        if reverted.changed {
            format!(
                "{} of {} is back at {} (mode {:o})",
                reverted.path, reverted.agent, reverted.sha256, reverted.mode
            )
        } else {
            format!(
                "{} of {} already is {}; nothing to do",
                reverted.path, reverted.agent, reverted.sha256
            )
        }
    });
    Ok(())
}
