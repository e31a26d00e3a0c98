//! `persona-studio install …`: install requests, from the request to the uninstall.

use clap::Subcommand;
use persona_studio::governance::installs::{
    self, ApprovalInput, InstallRequest, InstallState, RequestInput,
};
use persona_studio::governance::quota;
use persona_studio::ids::RandomIds;

use std::collections::BTreeMap;

use super::{duration_secs, lines, member_names, who};
use crate::output::{Failure, Output};
use crate::{values, Env, Session};

#[derive(Debug, Subcommand)]
pub enum InstallCommand {
    /// Ask to install a capability (it waits for an owner's or admin's approval).
    Request {
        #[arg(long)]
        capability: String,
        /// Comma-separated subset of the capability's scope (default: all of it).
        #[arg(long, value_delimiter = ',')]
        scope: Option<Vec<String>>,
        #[arg(long)]
        reason: Option<String>,
        /// How long the request may wait, with a unit: 7d or 12h (default 7d).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// Approve a pending request, then install it (owner or admin, unlocked, not the requester).
    Approve {
        /// The request: its id or a unique prefix (at least 4 characters).
        request: String,
        /// Comma-separated subset of the requested scope.
        #[arg(long, value_delimiter = ',')]
        scope: Option<Vec<String>>,
        #[arg(long)]
        note: Option<String>,
        /// The approval lapses if not installed within this time, with a unit: 1h or 7d.
        #[arg(long)]
        valid_for: Option<String>,
        /// Only approve; install later with `install apply`.
        #[arg(long)]
        no_install: bool,
    },
    /// Reject a pending request (owner or admin, unlocked).
    Reject {
        /// The request: its id or a unique prefix (at least 4 characters).
        request: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Install an approved request (or, under break-glass, a pending one).
    Apply {
        /// The request: its id or a unique prefix (at least 4 characters).
        request: String,
    },
    /// List install requests.
    List {
        /// Only requests in this state.
        #[arg(long, value_parser = values::wire::<InstallState>())]
        state: Option<InstallState>,
    },
    /// Uninstall a capability (owner or admin, unlocked).
    Uninstall {
        #[arg(long)]
        capability: String,
    },
}

pub fn run_install(command: InstallCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let s = Session::new(&mut store, &actor, env);
    match command {
        InstallCommand::Request {
            capability,
            scope,
            reason,
            ttl: ttl_text,
        } => {
            let input = RequestInput {
                capability_id: capability,
                scope,
                reason,
                ttl_secs: duration_secs("--ttl", ttl_text.as_deref())?,
            };
            request(s, &input, out)
        }
        InstallCommand::Approve {
            request,
            scope,
            note,
            valid_for,
            no_install,
        } => {
            let input = ApprovalInput {
                scope,
                note,
                valid_for_secs: duration_secs("--valid-for", valid_for.as_deref())?,
            };
            approve(s, &request, &input, !no_install, out)
        }
        InstallCommand::Reject { request, note } => {
            let rejected = installs::reject(s.store, s.actor, &request, note.as_deref(), s.clock)?;
            out.value(&rejected, || {
                format!("Rejected: {}", request_line(&rejected))
            });
            Ok(())
        }
        InstallCommand::Apply { request } => {
            let installed = installs::install(s.store, s.actor, &request, s.clock)?;
            out.value(&installed, || {
                format!("Installed: {}", request_line(&installed))
            });
            Ok(())
        }
        InstallCommand::List { state } => {
            let list = installs::list(s.store, &s.actor.tenant_id, state, s.clock.now())?;
            let names = member_names(s.store, &s.actor.tenant_id)?;
            out.value(&list, || {
                lines(&list, "No install requests.", |r| named_line(r, &names))
            });
            Ok(())
        }
        InstallCommand::Uninstall { capability } => {
            let done = installs::uninstall(s.store, s.actor, &capability, s.clock)?;
            out.value(&done, || format!("Uninstalled: {}", request_line(&done)));
            Ok(())
        }
    }
}

/// `install request`: pending, or installed at once under break-glass.
fn request(s: Session, input: &RequestInput, out: &Output) -> Result<(), Failure> {
    let request = installs::request(s.store, s.actor, input, s.clock, &RandomIds)?;
    // Each request fits alone; say when, with the others waiting, they cannot all be installed.
    let usage = quota::usage(s.store, &s.actor.tenant_id)?;
    if let Some(warning) = &usage.overcommitted {
        out.notes(|| format!("warning: {warning}"));
    }
    out.value(&request, || match request.state {
        InstallState::Installed => {
            format!("Installed under break-glass: {}", request_line(&request))
        }
        _ => format!(
            "Requested: {}\nAn owner or admin must approve it: `persona-studio install approve {}`",
            request_line(&request),
            request.id
        ),
    });
    Ok(())
}

/// `install approve`, then (unless `--no-install`) the install, whose failure says the approval
/// stands.
fn approve(
    s: Session,
    request: &str,
    input: &ApprovalInput,
    install: bool,
    out: &Output,
) -> Result<(), Failure> {
    let approved = installs::approve(s.store, s.actor, request, input, s.clock)?;
    if !install {
        out.value(&approved, || {
            format!("Approved: {}", request_line(&approved))
        });
        return Ok(());
    }
    let id = approved.id.as_str();
    let installed = installs::install(s.store, s.actor, id, s.clock).map_err(|e| {
        Failure::from(e).around(
            &format!("Request {id} was approved, but not installed:"),
            &format!(
                "The approval stands: install it later with `persona-studio install apply {id}`."
            ),
        )
    })?;
    out.value(&installed, || {
        format!("Approved and installed: {}", request_line(&installed))
    });
    Ok(())
}

fn request_line(r: &InstallRequest) -> String {
    named_line(r, &BTreeMap::new())
}

/// One request, its requester named when `names` has them.
fn named_line(r: &InstallRequest, names: &BTreeMap<String, String>) -> String {
    let mark = if r.break_glass_id.is_some() {
        " [break-glass]"
    } else {
        ""
    };
    format!(
        "{}  {:<11} {} {}  requested by {} at {}{mark}",
        r.id,
        r.state.as_str(),
        r.capability_id,
        r.capability_version,
        who(names, &r.requested_by),
        r.requested_at
    )
}
