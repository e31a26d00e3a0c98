//! `persona-studio member …`: members, passphrases, unlocking and switching. Passphrases are
//! read from stdin or a no-echo prompt, never from arguments.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use persona_studio::ids::RandomIds;
use persona_studio::secrets::Sensitive;
use persona_studio::tenant::members::{self, NewMember, UnlockStatus};
use persona_studio::tenant::Role;

use super::{duration_secs, lines};
use crate::output::{Failure, Output};
use crate::{values, Env, Session};

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (owner or admin, unlocked).
    Add {
        #[arg(long)]
        name: String,
        /// What the member may do.
        #[arg(long, value_parser = values::wire::<Role>())]
        role: Role,
        /// Read the new member's passphrase from stdin.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Set your passphrase from stdin (first line the current one when one is set, then the new).
    /// With --member, an unlocked owner or admin sets the first passphrase of a member who has
    /// none (an owner's or admin's first passphrase can only be set this way, or at `member add`).
    SetPassphrase {
        /// The member whose first passphrase to set (they change it later themselves): an id,
        /// a unique id prefix, or a name.
        #[arg(long, value_name = "MEMBER")]
        member: Option<String>,
    },
    /// Unlock owner/admin actions with your passphrase (read from stdin).
    Unlock {
        /// How long, with a unit: 15m (default) or 1h; at most 8h.
        #[arg(long)]
        timeout: Option<String>,
    },
    /// Lock now.
    Lock,
    /// Whether you are unlocked.
    Status,
    /// List the members.
    List,
    /// Run as another member of this tenant (unlocking still needs their passphrase).
    Switch {
        /// An id, a unique id prefix (at least 4 characters), or a name.
        member: String,
    },
}

/// Reads passphrases: one per line from stdin, or prompted without echo on a terminal.
pub struct PassphraseReader {
    lines: std::io::Lines<std::io::StdinLock<'static>>,
    terminal: bool,
}

impl PassphraseReader {
    pub fn new() -> Self {
        let stdin = std::io::stdin();
        PassphraseReader {
            terminal: stdin.is_terminal(),
            lines: stdin.lock().lines(),
        }
    }

    pub fn next(&mut self, prompt: &str) -> Result<Sensitive<String>, Failure> {
        if self.terminal {
            // rpassword turns echo off on the terminal itself, on every platform.
            return rpassword::prompt_password(format!("{prompt}: "))
                .map(Sensitive::new)
                .map_err(|e| Failure::usage("io", format!("could not read the passphrase: {e}")));
        }
        match self.lines.next() {
            Some(Ok(text)) => Ok(Sensitive::new(text.trim_end_matches('\r').to_owned())),
            Some(Err(e)) => Err(Failure::usage("io", format!("could not read stdin: {e}"))),
            None => Err(Failure::usage(
                "invalid_input",
                format!("{prompt}: expected a passphrase on stdin"),
            )),
        }
    }
}

pub fn run_member(command: MemberCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let s = Session::new(&mut store, &actor, env);
    let status = match command {
        MemberCommand::Add {
            name,
            role,
            passphrase_stdin,
        } => return add(s, name, role, passphrase_stdin, out),
        MemberCommand::SetPassphrase {
            member: Some(member),
        } => return set_first_passphrase(s, &member, out),
        MemberCommand::SetPassphrase { member: None } => return set_passphrase(s, out),
        MemberCommand::Unlock { timeout } => {
            let secs = duration_secs("--timeout", timeout.as_deref())?;
            let passphrase = PassphraseReader::new().next("Passphrase")?;
            members::unlock(s.store, s.actor, &passphrase, secs, s.clock)?
        }
        MemberCommand::Lock => members::lock(s.store, s.actor, s.clock)?,
        MemberCommand::Status => members::unlock_status(s.store, s.actor, s.clock.now())?,
        MemberCommand::List => return list(s, out),
        MemberCommand::Switch { member } => return switch(s, &member, out),
    };
    out.value(&status, || unlock_text(&status));
    Ok(())
}

/// `member add`.
fn add(
    s: Session,
    name: String,
    role: Role,
    passphrase_stdin: bool,
    out: &Output,
) -> Result<(), Failure> {
    let passphrase = if passphrase_stdin {
        Some(PassphraseReader::new().next("New member's passphrase")?)
    } else {
        None
    };
    let new = NewMember {
        display_name: name,
        role,
        passphrase,
    };
    let member = members::add_member(s.store, s.actor, &new, s.clock, &RandomIds)?;
    out.value(&member, || {
        format!(
            "Added {} ({}) as {}",
            member.display_name,
            member.id,
            member.role.as_str()
        )
    });
    Ok(())
}

/// `member set-passphrase --member ID`: an owner or admin sets another member's first one.
fn set_first_passphrase(s: Session, member: &str, out: &Output) -> Result<(), Failure> {
    let new = PassphraseReader::new().next("The member's first passphrase")?;
    members::set_first_passphrase(s.store, s.actor, member, &new, s.clock, &RandomIds)?;
    let info = members::get(s.store, &s.actor.tenant_id, member, s.clock.now())?;
    out.value(&info, || {
        format!(
            "First passphrase set for {} ({}). Tell them; they unlock with it and can change it with `persona-studio member set-passphrase`.",
            info.display_name, info.id
        )
    });
    Ok(())
}

/// `member set-passphrase`: the current passphrase first when one is set, then the new one.
fn set_passphrase(s: Session, out: &Output) -> Result<(), Failure> {
    let has = members::unlock_status(s.store, s.actor, s.clock.now())?.has_passphrase;
    let mut reader = PassphraseReader::new();
    let current = if has {
        Some(reader.next("Current passphrase")?)
    } else {
        None
    };
    let new = reader.next("New passphrase")?;
    members::set_passphrase(
        s.store,
        s.actor,
        current.as_ref(),
        &new,
        s.clock,
        &RandomIds,
    )?;
    let status = members::unlock_status(s.store, s.actor, s.clock.now())?;
    out.value(&status, || {
        "Passphrase set. Unlock with `persona-studio member unlock`.".to_owned()
    });
    Ok(())
}

/// `member list`: the acting member marked with `*`.
fn list(s: Session, out: &Output) -> Result<(), Failure> {
    let list = members::list(s.store, &s.actor.tenant_id, s.clock.now())?;
    out.value(&list, || {
        lines(&list, "No members.", |m| {
            format!(
                "{}{}  {:<8} {}{}",
                if m.acting { "* " } else { "  " },
                m.id,
                m.role.as_str(),
                m.display_name,
                match (m.has_passphrase, m.unlocked_until) {
                    (_, Some(until)) => format!("  (unlocked until {until})"),
                    (false, None) => "  (no passphrase)".to_owned(),
                    _ => String::new(),
                }
            )
        })
    });
    Ok(())
}

/// `member switch`.
fn switch(s: Session, member: &str, out: &Output) -> Result<(), Failure> {
    let now_acting = members::switch(s.store, s.actor, member, s.clock)?;
    let info = members::get(
        s.store,
        &s.actor.tenant_id,
        &now_acting.member_id,
        s.clock.now(),
    )?;
    out.value(&info, || {
        format!(
            "Now acting as {} ({}, {})",
            info.display_name,
            info.id,
            info.role.as_str()
        )
    });
    Ok(())
}

fn unlock_text(s: &UnlockStatus) -> String {
    match (s.unlocked, s.unlocked_until, s.has_passphrase) {
        (true, Some(until), _) => format!(
            "{} ({}) is unlocked until {until}",
            s.member_id,
            s.role.as_str()
        ),
        (_, _, false) => format!(
            "{} ({}) is locked and has no passphrase yet; set one with `member set-passphrase`",
            s.member_id,
            s.role.as_str()
        ),
        _ => format!("{} ({}) is locked", s.member_id, s.role.as_str()),
    }
}

/// Sets the owner's passphrase right after `init --passphrase-stdin`.
pub fn set_initial_passphrase(env: &Env) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let passphrase = PassphraseReader::new().next("Owner passphrase")?;
    members::set_passphrase(
        &mut store,
        &actor,
        None,
        &passphrase,
        env.clock.as_ref(),
        &RandomIds,
    )?;
    Ok(())
}
