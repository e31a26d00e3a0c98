//! The `persona-studio` CLI: a thin layer that parses arguments, calls one core function and
//! prints the result as text or `--json`. Exit codes: 0 success, 1 failed check or operation,
//! 2 bad usage or bad input.

mod backup_cmd;
mod claw_cmd;
mod failpoints;
mod gov_cmd;
mod integrity_cmd;
mod onboard_cmd;
mod openclaw_cmd;
mod output;
mod preset_cmd;
mod reasoning_cmd;
mod selfedit_cmd;
mod spec_cmd;
mod values;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use persona_studio::clock::{Clock, FixedClock, SystemClock, Timestamp};
use persona_studio::home::Home;
use persona_studio::ids::RandomIds;
use persona_studio::store::Store;
use persona_studio::tenant::{self, Actor, InitRequest, Tier};
use persona_studio::{canon, doctor, Error};

use crate::output::{Failure, Output};

#[derive(Debug, Parser)]
#[command(
    name = "persona-studio",
    version = persona_studio::VERSION,
    about = "Govern AI-agent personas, offline."
)]
struct Cli {
    /// Data folder [default: $PERSONA_STUDIO_HOME when set and not empty, else the OS
    /// app-data folder].
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the data folder, the database and the first tenant with its owner.
    Init(InitArgs),
    /// Check the data folder, the database, its schema version and the OS keyring.
    Doctor,
    /// Tenant commands.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Write the RFC 8785 canonical form of a JSON document to stdout (no trailing newline).
    Canon {
        /// The JSON file, or - for stdin.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print the sha256 digest of a JSON document's canonical form.
    Hash {
        /// The JSON file, or - for stdin.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Where the user guide is: its start page, or with CODE the page that explains that
    /// error code (the `code` of a `--json` error). Looks only in $PS_GUIDE_DIR when it is
    /// set, else beside the program, then (in development builds) the repository's
    /// artifacts/docs.
    Guide {
        /// An error code, such as not_found or locked.
        code: Option<String>,
    },
    /// Persona specs: validate, compile, and stored versions per agent.
    Spec {
        #[command(subcommand)]
        command: spec_cmd::SpecCommand,
    },
    /// The onboarding wizard: answer questions, get a recommended preset and capability
    /// bundle that fits the tier, customize and accept it.
    Onboard(onboard_cmd::OnboardArgs),
    /// The OpenClaw install our agents run in: its agents, whether they match ours, and the
    /// plan that would sync one.
    Openclaw {
        #[command(subcommand)]
        command: openclaw_cmd::OpenClawCommand,
    },
    /// The reasoning policy: which level to ask a model for.
    Reasoning {
        #[command(subcommand)]
        command: reasoning_cmd::ReasoningCommand,
    },
    /// Persona presets: catalog, versions, labels, folders, releases and apply.
    Preset {
        #[command(subcommand)]
        command: preset_cmd::PresetCommand,
    },
    /// Workspace baselines and drift.
    Integrity {
        #[command(subcommand)]
        command: integrity_cmd::IntegrityCommand,
    },
    /// Attestation statistics and hash enforcement.
    Attest {
        #[command(subcommand)]
        command: integrity_cmd::AttestCommand,
    },
    /// The append-only registry of roles and presets.
    Registry {
        #[command(subcommand)]
        command: integrity_cmd::RegistryCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: integrity_cmd::AuditCommand,
    },
    /// The capability catalog: list, show, add, edit.
    Capability {
        #[command(subcommand)]
        command: gov_cmd::CapabilityCommand,
    },
    /// Install requests: request, approve, reject, apply, list, uninstall.
    Install {
        #[command(subcommand)]
        command: gov_cmd::InstallCommand,
    },
    /// Break-glass override: open, close, status.
    Breakglass {
        #[command(subcommand)]
        command: gov_cmd::BreakglassCommand,
    },
    /// Tier quotas.
    Quota {
        #[command(subcommand)]
        command: gov_cmd::QuotaCommand,
    },
    /// Change requests: submit, triage, approve, reject, apply, comment, list, show.
    Change {
        #[command(subcommand)]
        command: gov_cmd::ChangeCommand,
    },
    /// Members: add, set-passphrase, unlock, lock, status, list, switch.
    Member {
        #[command(subcommand)]
        command: gov_cmd::MemberCommand,
    },
    /// Customer-owned backups: export, verify, restore, list, reminders, passphrase.
    Backup {
        #[command(subcommand)]
        command: backup_cmd::BackupCommand,
    },
    /// Where backups go: local folders, external drives, S3-compatible and WebDAV storage.
    Destination {
        #[command(subcommand)]
        command: backup_cmd::DestinationCommand,
    },
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The tenant's display name.
    #[arg(long, default_value = "My workspace")]
    tenant: String,
    /// The owner's display name.
    #[arg(long, default_value = "Owner")]
    owner: String,
    /// The tenant's plan, which sets its quotas.
    #[arg(long, default_value = "free", value_parser = values::wire::<Tier>())]
    tier: Tier,
    /// Read the owner's passphrase from stdin (owner/admin actions need it to unlock).
    #[arg(long)]
    passphrase_stdin: bool,
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Show the acting tenant's self-access context.
    #[command(name = "self")]
    Self_,
    /// Move the tenant to another tier, which sets its quotas (the owner, unlocked; audited).
    /// A smaller tier must still hold what is installed.
    Tier {
        /// free, pro or business.
        #[arg(value_parser = values::wire::<Tier>())]
        tier: Tier,
    },
}

/// What every command may need: the data folder and the clock.
pub struct Env {
    pub home: Home,
    pub clock: Box<dyn Clock>,
}

impl Env {
    /// Opens the database of a home that `init` has set up, without creating one by accident.
    pub fn open_store(&self) -> Result<Store, Failure> {
        if !self.home.database_path().is_file() {
            return Err(Error::NotInitialized {
                home: self.home.root().to_path_buf(),
            }
            .into());
        }
        Ok(tenant::open(&self.home)?)
    }

    /// The store and the member acting on this computer (the local profile).
    pub fn open_acting(&self) -> Result<(Store, Actor), Failure> {
        let store = self.open_store()?;
        let actor = tenant::current_actor(&store)?;
        Ok((store, actor))
    }
}

/// What most commands work with: the store, the acting member and the clock.
pub struct Session<'a> {
    pub store: &'a mut Store,
    pub actor: &'a Actor,
    pub clock: &'a dyn Clock,
}

impl<'a> Session<'a> {
    pub fn new(store: &'a mut Store, actor: &'a Actor, env: &'a Env) -> Self {
        Session {
            store,
            actor,
            clock: env.clock.as_ref(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Whether to answer in JSON, before the command line is known to be valid.
            let json = std::env::args_os().any(|arg| arg == "--json");
            return output::parse_error(error, json);
        }
    };
    let out = Output::new(cli.json);
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => out.failure(&failure),
    }
}

/// The clock for this process: `PERSONA_STUDIO_NOW` pins it (for scripts and tests).
fn clock() -> Result<Box<dyn Clock>, Failure> {
    match std::env::var("PERSONA_STUDIO_NOW") {
        Ok(text) if !text.is_empty() => Timestamp::parse(&text)
            .map(|ts| Box::new(FixedClock(ts)) as Box<dyn Clock>)
            .map_err(|e| Failure::usage("invalid_input", format!("PERSONA_STUDIO_NOW: {e}"))),
        _ => Ok(Box::new(SystemClock)),
    }
}

fn resolve_home(explicit: Option<PathBuf>) -> Result<Home, Failure> {
    Home::resolve(explicit).ok_or_else(|| {
        Failure::usage(
            "no_home",
            "Could not find an app-data folder for this user. Pass --home DIR or set PERSONA_STUDIO_HOME.",
        )
    })
}

/// Asks `question` on the terminal and goes on only when the answer is `yes`. Without a
/// terminal nothing is asked: it fails with `without_terminal` (say how to confirm instead).
pub fn confirm(question: &str, without_terminal: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage("invalid_input", without_terminal));
    }
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::usage("io", e.to_string()))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Failure::usage("cancelled", "Nothing was written."))
    }
}

/// Reads a file argument, `-` meaning stdin.
/// A file argument as messages name it: `stdin` for `-`.
pub fn source_name(file: &str) -> &str {
    if file == "-" {
        "stdin"
    } else {
        file
    }
}

pub fn read_bytes(file: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::usage("io", format!("could not read stdin: {e}")))?;
    } else {
        bytes = std::fs::read(file)
            .map_err(|e| Failure::usage("io", format!("could not read {file}: {e}")))?;
    }
    Ok(bytes)
}

/// Reads a UTF-8 text file argument, `-` meaning stdin.
pub fn read_text(file: &str) -> Result<String, Failure> {
    String::from_utf8(read_bytes(file)?).map_err(|e| {
        Failure::usage(
            "invalid_input",
            format!(
                "{file} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn run(cli: Cli, out: &Output) -> Result<(), Failure> {
    failpoints::arm()?;
    let json = cli.json;
    let env = Env {
        home: resolve_home(cli.home)?,
        clock: clock()?,
    };
    match cli.command {
        Command::Init(args) => init(args, &env, out),
        Command::Doctor => doctor(&env, out),
        Command::Tenant {
            command: TenantCommand::Self_,
        } => tenant_self(&env, out),
        Command::Tenant {
            command: TenantCommand::Tier { tier },
        } => set_tier(tier, &env, out),
        Command::Canon { file } => canonicalize(&file),
        Command::Hash { file } => hash(&file, out),
        Command::Guide { code } => guide(code.as_deref(), out),
        Command::Spec { command } => spec_cmd::run(command, &env, out),
        Command::Onboard(args) => onboard_cmd::run(args, &env, out, json),
        Command::Openclaw { command } => openclaw_cmd::run(command, &env, out),
        Command::Reasoning { command } => reasoning_cmd::run(command, out),
        Command::Preset { command } => preset_cmd::run(command, &env, out),
        Command::Integrity { command } => integrity_cmd::integrity(command, &env, out),
        Command::Attest { command } => integrity_cmd::attest_cmd(command, &env, out),
        Command::Registry { command } => integrity_cmd::registry_cmd(command, out),
        Command::Audit { command } => integrity_cmd::audit_cmd(command, &env, out),
        Command::Capability { command } => gov_cmd::run_capability(command, &env, out),
        Command::Install { command } => gov_cmd::run_install(command, &env, out),
        Command::Breakglass { command } => gov_cmd::run_breakglass(command, &env, out),
        Command::Quota { command } => gov_cmd::run_quota(command, &env, out),
        Command::Change { command } => gov_cmd::run_change(command, &env, out),
        Command::Member { command } => gov_cmd::run_member(command, &env, out),
        Command::Backup { command } => backup_cmd::run(command, &env, out, json),
        Command::Destination { command } => backup_cmd::run_destination(command, &env, out),
    }
}

/// `init`: the data folder, the database, the tenant and its owner; with `--passphrase-stdin`
/// the owner's passphrase too.
fn init(args: InitArgs, env: &Env, out: &Output) -> Result<(), Failure> {
    let request = InitRequest {
        tenant_name: args.tenant,
        owner_name: args.owner,
        tier: args.tier,
    };
    let mut store = tenant::open(&env.home)?;
    let mut context = tenant::init(&mut store, &request, env.clock.as_ref(), &RandomIds)?;
    let with_passphrase = args.passphrase_stdin;
    if with_passphrase {
        drop(store);
        gov_cmd::set_initial_passphrase(env)?;
        context = tenant::self_access(&env.open_store()?, env.clock.as_ref())?;
    }
    out.value(&context, || {
        let created = format!(
            "Created tenant \"{}\" ({}) with owner \"{}\" in {}",
            context.tenant.name,
            context.tenant.tier.as_str(),
            context.member.display_name,
            env.home.root().display()
        );
        if with_passphrase {
            created
        } else {
            // Owner actions (backups, approvals) need an unlocked owner, so say how.
            format!(
                "{created}\nThe owner has no passphrase yet; set one (read from stdin) with `persona-studio member set-passphrase`, then `persona-studio member unlock`."
            )
        }
    });
    Ok(())
}

/// `doctor`: exit 1 when a check failed.
fn doctor(env: &Env, out: &Output) -> Result<(), Failure> {
    let report = doctor::run(&env.home, &RandomIds);
    out.value(&report, || output::doctor_text(&report));
    if report.ok {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

/// `tenant self`.
fn tenant_self(env: &Env, out: &Output) -> Result<(), Failure> {
    let store = env.open_store()?;
    let context = tenant::self_access(&store, env.clock.as_ref())?;
    out.value(&context, || output::self_access_text(&context));
    Ok(())
}

/// `tenant tier`: the usage under the new tier.
fn set_tier(tier: Tier, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let usage = tenant::set_tier(&mut store, &actor, tier, env.clock.as_ref())?;
    out.value(&usage, || gov_cmd::quota_text(&usage));
    Ok(())
}

/// `canon`: the canonical bytes, as they are (no newline, no JSON wrapping).
fn canonicalize(file: &str) -> Result<(), Failure> {
    let canonical =
        canon::canonicalize(&read_bytes(file)?).map_err(|e| Failure::from(Error::from(e)))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&canonical)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::usage("io", format!("could not write stdout: {e}")))
}

/// `guide`: the path of the guide's start page, or of the entry for `code`.
fn guide(code: Option<&str>, out: &Output) -> Result<(), Failure> {
    let exe = std::env::current_exe().ok();
    let env_dir = std::env::var_os(persona_studio::guide::GUIDE_DIR_VARIABLE)
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from);
    let guide = persona_studio::guide::Guide::require(&persona_studio::guide::candidates(
        env_dir,
        exe.as_deref(),
        &[],
    ))?;
    let page = match code {
        Some(code) => guide.troubleshooting(code)?,
        None => guide.root().join("index.html").display().to_string(),
    };
    out.value(&serde_json::json!({ "page": page }), || page.clone());
    Ok(())
}

/// `hash`.
fn hash(file: &str, out: &Output) -> Result<(), Failure> {
    let digest =
        canon::digest_json(&read_bytes(file)?).map_err(|e| Failure::from(Error::from(e)))?;
    out.value(&digest, || digest.to_string());
    Ok(())
}

#[cfg(test)]
mod reference {
    //! The CLI reference chapter of the user guide, generated from these clap definitions.
    //! `cargo xtask docs` runs this test with `PS_CLI_REFERENCE_OUT` set to the file to write.

    use clap::CommandFactory;

    use super::Cli;

    fn markdown() -> String {
        let options = clap_markdown::MarkdownOptions::new()
            .title("CLI reference".to_owned())
            .show_footer(false)
            .show_table_of_contents(true);
        clap_markdown::help_markdown_custom::<Cli>(&options)
    }

    #[test]
    fn cli_reference_lists_every_command() {
        let text = markdown();
        let mut missing = Vec::new();
        let mut stack = vec![(String::from("persona-studio"), Cli::command())];
        while let Some((path, command)) = stack.pop() {
            if !text.contains(&format!("## `{path}`")) {
                missing.push(path.clone());
            }
            for sub in command.get_subcommands() {
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert_eq!(missing, Vec::<String>::new(), "commands without a section");
        if let Some(out) = std::env::var_os("PS_CLI_REFERENCE_OUT") {
            std::fs::write(&out, &text).unwrap();
        }
    }
}
