//! `persona-studio capability|install|breakglass|quota|change|member …`: governance, each
//! subcommand one core call. Passphrases are read from stdin (never from arguments).

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use persona_studio::governance::breakglass::{self, BreakGlass, BreakGlassStatus};
use persona_studio::governance::catalog::{
    self, Capability, CapabilityKind, CapabilityManifest, CatalogFilter,
};
use persona_studio::governance::changes::{self, ChangeAction, ChangeRequest, NewChange};
use persona_studio::governance::installs::{
    self, ApprovalInput, InstallRequest, InstallState, RequestInput,
};
use persona_studio::governance::quota::{self, format_bytes, QuotaUsage};
use persona_studio::ids::RandomIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use persona_studio::tenant::members::{self, NewMember, UnlockStatus};
use persona_studio::tenant::{self, Actor, Role};
use persona_studio::Error;

use crate::output::{Failure, Output};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum CapabilityCommand {
    /// List the catalog.
    List {
        /// Only skill, library or device entries.
        #[arg(long)]
        kind: Option<String>,
        /// Text to find in the id, name, summary or traits.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one entry.
    Show { id: String },
    /// Add an entry from a manifest file (JSON, or - for stdin). Owner or admin, unlocked.
    Add { file: String },
    /// Replace an entry's manifest (JSON, or - for stdin). Owner or admin, unlocked.
    Edit { file: String },
}

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
        /// How long the request may wait, such as 7d or 12h (default 7d).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// Approve a pending request, then install it (owner or admin, unlocked, not the requester).
    Approve {
        request: String,
        /// Comma-separated subset of the requested scope.
        #[arg(long, value_delimiter = ',')]
        scope: Option<Vec<String>>,
        #[arg(long)]
        note: Option<String>,
        /// The approval lapses if not installed within this time, such as 1h.
        #[arg(long)]
        valid_for: Option<String>,
        /// Only approve; install later with `install apply`.
        #[arg(long)]
        no_install: bool,
    },
    /// Reject a pending request (owner or admin, unlocked).
    Reject {
        request: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Install an approved request (or, under break-glass, a pending one).
    Apply { request: String },
    /// List install requests.
    List {
        /// pending, approved, rejected, expired, installed or uninstalled.
        #[arg(long)]
        state: Option<String>,
    },
    /// Uninstall a capability (owner or admin, unlocked).
    Uninstall {
        #[arg(long)]
        capability: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BreakglassCommand {
    /// Open an emergency override: installs skip approval until it closes (owner or admin).
    Open {
        /// Why (at least 20 characters).
        #[arg(long)]
        reason: String,
        /// How long, such as 30m or 2h (default 1h, at most 24h).
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

#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Submit a change request.
    Submit {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        preset: Option<String>,
        #[arg(long)]
        agent: Option<String>,
    },
    /// submitted -> triage (owner or admin, unlocked).
    Triage {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// triage -> approved (owner or admin, unlocked).
    Approve {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// triage -> rejected (owner or admin, unlocked).
    Reject {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// approved -> applied (owner or admin, unlocked).
    Apply {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Comment on a change request (its requester, or an unlocked owner or admin).
    Comment {
        id: String,
        #[arg(long)]
        body: String,
    },
    /// List change requests (open ones unless --all).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one change request with its comments.
    Show { id: String },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (owner or admin, unlocked).
    Add {
        #[arg(long)]
        name: String,
        /// owner, admin or customer.
        #[arg(long)]
        role: String,
        /// Read the new member's passphrase from stdin.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Set your passphrase from stdin (first line the current one when one is set, then the new).
    /// With --member, an unlocked owner or admin sets the first passphrase of a member who has
    /// none (an owner's or admin's first passphrase can only be set this way, or at `member add`).
    SetPassphrase {
        /// The member whose first passphrase to set (they change it later themselves).
        #[arg(long, value_name = "MEMBER_ID")]
        member: Option<String>,
    },
    /// Unlock owner/admin actions with your passphrase (read from stdin).
    Unlock {
        /// How long, such as 15m (default) or 1h; at most 8h.
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
    Switch { member: String },
}

fn open(env: &Env) -> Result<(Store, Actor), Failure> {
    let store = env.open_store()?;
    let actor = tenant::current_actor(&store)?;
    Ok((store, actor))
}

fn ttl(text: Option<&str>) -> Result<Option<i64>, Failure> {
    Ok(text.map(breakglass::parse_ttl).transpose()?)
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

fn manifest_from(file: &str) -> Result<CapabilityManifest, Failure> {
    let text = crate::read_text(file)?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(
            "invalid_input",
            format!("{file}: not a capability manifest: {e}"),
        )
    })
}

fn capability_line(c: &Capability) -> String {
    let m = &c.manifest;
    format!(
        "{:<20} {:<9} {:<8} {:<9} {:<9} {} slot(s) {:>9}  {}",
        m.id,
        m.version,
        m.kind.as_str(),
        m.risk.as_str(),
        m.trust.as_str(),
        m.slots,
        format_bytes(i64::try_from(m.storage_bytes).unwrap_or(i64::MAX)),
        m.name
    )
}

fn capability_text(c: &Capability) -> String {
    let m = &c.manifest;
    format!(
        "{} {} ({})\n  {}\n  kind {}, risk {}, trust {}\n  scope: {}\n  slots: {}, storage: {}\n  traits: {}\n  content hash: {}",
        m.id,
        m.version,
        m.name,
        m.summary,
        m.kind.as_str(),
        m.risk.as_str(),
        m.trust.as_str(),
        m.scope.join(", "),
        m.slots,
        format_bytes(i64::try_from(m.storage_bytes).unwrap_or(i64::MAX)),
        m.traits.join(", "),
        c.content_hash
    )
}

fn request_line(r: &InstallRequest) -> String {
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
        r.requested_by,
        r.requested_at
    )
}

pub fn quota_text(q: &QuotaUsage) -> String {
    format!(
        "Tier {}: {} of {} ability slots used, {} of {} storage used ({} installed)",
        quota::tier_label(q.tier),
        q.slots_used,
        q.slots_limit,
        format_bytes(q.storage_used),
        format_bytes(q.storage_limit),
        q.installed
    )
}

fn breakglass_line(b: &BreakGlass) -> String {
    format!(
        "{} {} (opened by {} at {}, until {}): {}",
        b.id,
        b.state.as_str(),
        b.opened_by,
        b.opened_at,
        b.expires_at,
        b.reason
    )
}

pub fn breakglass_status_text(s: &BreakGlassStatus) -> String {
    match (&s.latest, s.open) {
        (Some(b), true) => format!(
            "Break-glass OPEN, {}s left: {}",
            s.remaining_secs.unwrap_or(0),
            breakglass_line(b)
        ),
        (Some(b), false) => format!("Break-glass closed. Latest: {}", breakglass_line(b)),
        (None, _) => "Break-glass closed. None was ever opened.".to_owned(),
    }
}

fn change_line(c: &ChangeRequest) -> String {
    format!(
        "{}  {:<9} {}  (by {}, {} comment(s))",
        c.id,
        c.state.as_str(),
        c.title,
        c.submitted_by,
        c.comments
    )
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

fn lines<T>(items: &[T], empty: &str, line: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else {
        items.iter().map(line).collect::<Vec<_>>().join("\n")
    }
}

pub fn run_capability(command: CapabilityCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    match command {
        CapabilityCommand::List { kind, search } => {
            let filter = CatalogFilter {
                kind: kind.as_deref().map(CapabilityKind::parse).transpose()?,
                query: search,
            };
            let (mut store, actor) = open(env)?;
            catalog::ensure_starter(&mut store, &actor, clock)?;
            let entries = catalog::list(&store, &actor.tenant_id, &filter)?;
            out.value(&entries, || {
                lines(&entries, "No catalog entries match.", capability_line)
            });
        }
        CapabilityCommand::Show { id } => {
            let (store, actor) = open(env)?;
            let entry = catalog::get(&store, &actor.tenant_id, &id)?;
            out.value(&entry, || capability_text(&entry));
        }
        CapabilityCommand::Add { file } => {
            let manifest = manifest_from(&file)?;
            let (mut store, actor) = open(env)?;
            let entry = catalog::create(&mut store, &actor, &manifest, clock)?;
            out.value(&entry, || format!("Added {}", capability_line(&entry)));
        }
        CapabilityCommand::Edit { file } => {
            let manifest = manifest_from(&file)?;
            let (mut store, actor) = open(env)?;
            let entry = catalog::edit(&mut store, &actor, &manifest, clock)?;
            out.value(&entry, || format!("Edited {}", capability_line(&entry)));
        }
    }
    Ok(())
}

pub fn run_install(command: InstallCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = open(env)?;
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
                ttl_secs: ttl(ttl_text.as_deref())?,
            };
            let request = installs::request(&mut store, &actor, &input, clock, &RandomIds)?;
            out.value(&request, || match request.state {
                InstallState::Installed => format!("Installed under break-glass: {}", request_line(&request)),
                _ => format!("Requested: {}\nAn owner or admin must approve it: `persona-studio install approve {}`", request_line(&request), request.id),
            });
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
                valid_for_secs: ttl(valid_for.as_deref())?,
            };
            let approved = installs::approve(&mut store, &actor, &request, &input, clock)?;
            if no_install {
                out.value(&approved, || {
                    format!("Approved: {}", request_line(&approved))
                });
            } else {
                let installed =
                    installs::install(&mut store, &actor, &request, clock).map_err(|e| {
                        let code = e.code();
                        let exit = if e.is_bad_input() { 2 } else { 1 };
                        Failure::new(
                            code,
                            format!("Request {request} was approved, but not installed: {e}"),
                            exit,
                        )
                    })?;
                out.value(&installed, || {
                    format!("Approved and installed: {}", request_line(&installed))
                });
            }
        }
        InstallCommand::Reject { request, note } => {
            let rejected = installs::reject(&mut store, &actor, &request, note.as_deref(), clock)?;
            out.value(&rejected, || {
                format!("Rejected: {}", request_line(&rejected))
            });
        }
        InstallCommand::Apply { request } => {
            let installed = installs::install(&mut store, &actor, &request, clock)?;
            out.value(&installed, || {
                format!("Installed: {}", request_line(&installed))
            });
        }
        InstallCommand::List { state } => {
            let state = state.as_deref().map(InstallState::parse).transpose()?;
            let list = installs::list(&store, &actor.tenant_id, state, clock.now())?;
            out.value(&list, || lines(&list, "No install requests.", request_line));
        }
        InstallCommand::Uninstall { capability } => {
            let done = installs::uninstall(&mut store, &actor, &capability, clock)?;
            out.value(&done, || format!("Uninstalled: {}", request_line(&done)));
        }
    }
    Ok(())
}

pub fn run_breakglass(command: BreakglassCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = open(env)?;
    match command {
        BreakglassCommand::Open {
            reason,
            ttl: ttl_text,
        } => {
            let opened = breakglass::open(
                &mut store,
                &actor,
                &reason,
                ttl(ttl_text.as_deref())?,
                clock,
                &RandomIds,
            )?;
            out.value(&opened, || {
                format!(
                    "Break-glass OPEN until {}: {}",
                    opened.expires_at,
                    breakglass_line(&opened)
                )
            });
        }
        BreakglassCommand::Close => {
            let closed = breakglass::close(&mut store, &actor, clock)?;
            out.value(&closed, || format!("Closed: {}", breakglass_line(&closed)));
        }
        BreakglassCommand::Status => {
            let status = breakglass::status(&store, &actor.tenant_id, clock.now())?;
            out.value(&status, || breakglass_status_text(&status));
        }
    }
    Ok(())
}

pub fn run_quota(command: QuotaCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    match command {
        QuotaCommand::Show => {
            let (store, actor) = open(env)?;
            let usage = quota::usage(&store, &actor.tenant_id)?;
            out.value(&usage, || quota_text(&usage));
        }
    }
    Ok(())
}

pub fn run_change(command: ChangeCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = open(env)?;
    let step = |store: &mut Store, id: &str, action: ChangeAction, note: Option<String>| {
        changes::transition(store, &actor, id, action, note.as_deref(), clock)
    };
    let changed = match command {
        ChangeCommand::Submit {
            title,
            description,
            preset,
            agent,
        } => {
            let new = NewChange {
                title,
                description,
                target_preset: preset,
                target_agent: agent,
            };
            changes::submit(&mut store, &actor, &new, clock, &RandomIds)?
        }
        ChangeCommand::Triage { id, note } => step(&mut store, &id, ChangeAction::Triage, note)?,
        ChangeCommand::Approve { id, note } => step(&mut store, &id, ChangeAction::Approve, note)?,
        ChangeCommand::Reject { id, note } => step(&mut store, &id, ChangeAction::Reject, note)?,
        ChangeCommand::Apply { id, note } => step(&mut store, &id, ChangeAction::Apply, note)?,
        ChangeCommand::Comment { id, body } => {
            let comment = changes::comment(&mut store, &actor, &id, &body, clock, &RandomIds)?;
            out.value(&comment, || {
                format!("Commented on {}: {}", comment.change_id, comment.id)
            });
            return Ok(());
        }
        ChangeCommand::List { all, search } => {
            let list = changes::list(&store, &actor.tenant_id, !all, search.as_deref())?;
            out.value(&list, || lines(&list, "No change requests.", change_line));
            return Ok(());
        }
        ChangeCommand::Show { id } => {
            let detail = changes::get(&store, &actor.tenant_id, &id)?;
            out.value(&detail, || {
                let mut text = format!(
                    "{}\n  {}",
                    change_line(&detail.request),
                    detail.request.description
                );
                for c in &detail.comments {
                    text.push_str(&format!(
                        "\n  - {} at {}: {}",
                        c.author, c.created_at, c.body
                    ));
                }
                text
            });
            return Ok(());
        }
    };
    out.value(&changed, || change_line(&changed));
    Ok(())
}

pub fn run_member(command: MemberCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = open(env)?;
    match command {
        MemberCommand::Add {
            name,
            role,
            passphrase_stdin,
        } => {
            let passphrase = if passphrase_stdin {
                Some(PassphraseReader::new().next("New member's passphrase")?)
            } else {
                None
            };
            let new = NewMember {
                display_name: name,
                role: Role::parse(&role)?,
                passphrase,
            };
            let member = members::add_member(&mut store, &actor, &new, clock, &RandomIds)?;
            out.value(&member, || {
                format!(
                    "Added {} ({}) as {}",
                    member.display_name,
                    member.id,
                    member.role.as_str()
                )
            });
        }
        MemberCommand::SetPassphrase {
            member: Some(member),
        } => {
            let new = PassphraseReader::new().next("The member's first passphrase")?;
            members::set_first_passphrase(&mut store, &actor, &member, &new, clock, &RandomIds)?;
            let info = members::get(&store, &actor.tenant_id, &member, clock.now())?;
            out.value(&info, || {
                format!(
                    "First passphrase set for {} ({}). Tell them; they unlock with it and can change it with `persona-studio member set-passphrase`.",
                    info.display_name, info.id
                )
            });
        }
        MemberCommand::SetPassphrase { member: None } => {
            let has = members::unlock_status(&store, &actor, clock.now())?.has_passphrase;
            let mut reader = PassphraseReader::new();
            let current = if has {
                Some(reader.next("Current passphrase")?)
            } else {
                None
            };
            let new = reader.next("New passphrase")?;
            members::set_passphrase(
                &mut store,
                &actor,
                current.as_ref(),
                &new,
                clock,
                &RandomIds,
            )?;
            let status = members::unlock_status(&store, &actor, clock.now())?;
            out.value(&status, || {
                "Passphrase set. Unlock with `persona-studio member unlock`.".to_owned()
            });
        }
        MemberCommand::Unlock { timeout } => {
            let secs = ttl(timeout.as_deref())?;
            let passphrase = PassphraseReader::new().next("Passphrase")?;
            let status = members::unlock(&mut store, &actor, &passphrase, secs, clock)?;
            out.value(&status, || unlock_text(&status));
        }
        MemberCommand::Lock => {
            let status = members::lock(&mut store, &actor, clock)?;
            out.value(&status, || unlock_text(&status));
        }
        MemberCommand::Status => {
            let status = members::unlock_status(&store, &actor, clock.now())?;
            out.value(&status, || unlock_text(&status));
        }
        MemberCommand::List => {
            let list = members::list(&store, &actor.tenant_id, clock.now())?;
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
        }
        MemberCommand::Switch { member } => {
            let now_acting = members::switch(&mut store, &actor, &member, clock)?;
            let info = members::get(&store, &actor.tenant_id, &now_acting.member_id, clock.now())?;
            out.value(&info, || {
                format!(
                    "Now acting as {} ({}, {})",
                    info.display_name,
                    info.id,
                    info.role.as_str()
                )
            });
        }
    }
    Ok(())
}

/// Sets the owner's passphrase right after `init --passphrase-stdin`.
pub fn set_initial_passphrase(env: &Env) -> Result<(), Failure> {
    let (mut store, actor) = open(env)?;
    let passphrase = PassphraseReader::new().next("Owner passphrase")?;
    members::set_passphrase(
        &mut store,
        &actor,
        None,
        &passphrase,
        env.clock.as_ref(),
        &RandomIds,
    )
    .map_err(|e: Error| Failure::from(e))
}
