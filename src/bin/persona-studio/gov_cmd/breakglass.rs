//! `persona-studio breakglass …` and `persona-studio quota show`: the emergency override and
//! the tier's quota.

use clap::Subcommand;
use persona_studio::governance::breakglass::{self, BreakGlass, BreakGlassStatus};
use persona_studio::governance::quota::{self, QuotaUsage};
use persona_studio::ids::RandomIds;

use std::collections::BTreeMap;

use super::{duration_secs, member_names, who};
use crate::output::{Failure, Output};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum BreakglassCommand {
    /// Open an emergency override: installs skip approval until it closes (owner or admin).
    Open {
        /// Why (at least 20 characters).
        #[arg(long)]
        reason: String,
        /// How long, with a unit: 30m or 2h (default 1h, at most 24h).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// Close the open override now.
    Close,
    /// Show whether an override is open.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Show ability slots and storage used and allowed by the tier.
    Show,
}

pub fn run_breakglass(command: BreakglassCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = env.open_acting()?;
    let names = member_names(&store, &actor.tenant_id)?;
    match command {
        BreakglassCommand::Open {
            reason,
            ttl: ttl_text,
        } => {
            let ttl_secs = duration_secs("--ttl", ttl_text.as_deref())?;
            let opened =
                breakglass::open(&mut store, &actor, &reason, ttl_secs, clock, &RandomIds)?;
            out.value(&opened, || {
                format!(
                    "Break-glass OPEN until {}: {}",
                    opened.expires_at,
                    breakglass_line(&opened, &names)
                )
            });
        }
        BreakglassCommand::Close => {
            let closed = breakglass::close(&mut store, &actor, clock)?;
            out.value(&closed, || {
                format!("Closed: {}", breakglass_line(&closed, &names))
            });
        }
        BreakglassCommand::Status => {
            let status = breakglass::status(&store, &actor.tenant_id, clock.now())?;
            out.value(&status, || status_text(&status, &names));
        }
    }
    Ok(())
}

pub fn run_quota(command: QuotaCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    match command {
        QuotaCommand::Show => {
            let (store, actor) = env.open_acting()?;
            let usage = quota::usage(&store, &actor.tenant_id)?;
            out.value(&usage, || quota_text(&usage));
        }
    }
    Ok(())
}

pub fn quota_text(q: &QuotaUsage) -> String {
    let mut text = format!(
        "{}. {}. {} installed.",
        q.slots_text,
        q.storage_text,
        quota::words::count(q.installed, "capability", "capabilities")
    );
    if let Some(waiting) = &q.waiting_text {
        text.push_str(&format!("\n{waiting}"));
    }
    if let Some(warning) = &q.overcommitted {
        text.push_str(&format!("\nwarning: {warning}"));
    }
    text
}

fn breakglass_line(b: &BreakGlass, names: &BTreeMap<String, String>) -> String {
    format!(
        "{} {} (opened by {} at {}, until {}): {}",
        b.id,
        b.state.as_str(),
        who(names, &b.opened_by),
        b.opened_at,
        b.expires_at,
        b.reason
    )
}

pub fn breakglass_status_text(s: &BreakGlassStatus) -> String {
    status_text(s, &BTreeMap::new())
}

/// The status, with the member who opened it named when `names` has them.
fn status_text(s: &BreakGlassStatus, names: &BTreeMap<String, String>) -> String {
    match (&s.latest, s.open) {
        (Some(b), true) => format!(
            "Break-glass OPEN, {}s left: {}",
            s.remaining_secs.unwrap_or(0),
            breakglass_line(b, names)
        ),
        (Some(b), false) => format!("Break-glass closed. Latest: {}", breakglass_line(b, names)),
        (None, _) => "Break-glass closed. None was ever opened.".to_owned(),
    }
}
