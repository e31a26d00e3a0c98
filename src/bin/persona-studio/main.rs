//! The `persona-studio` CLI: a thin layer that parses arguments, calls one core function and
//! prints the result as text or `--json`. Exit codes: 0 success, 1 failed check or operation,
//! 2 bad usage or bad input.

mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use persona_studio::clock::{Clock, FixedClock, SystemClock, Timestamp};
use persona_studio::home::Home;
use persona_studio::ids::RandomIds;
use persona_studio::store::Store;
use persona_studio::tenant::{self, InitRequest, Tier};
use persona_studio::{doctor, Error};

use crate::output::{Failure, Output};

#[derive(Debug, Parser)]
#[command(
    name = "persona-studio",
    version,
    about = "Govern AI-agent personas, offline."
)]
struct Cli {
    /// Data folder (default: the OS app-data folder).
    #[arg(long, global = true, env = "PERSONA_STUDIO_HOME", value_name = "DIR")]
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
    Init {
        /// The tenant's display name.
        #[arg(long, default_value = "My workspace")]
        tenant: String,
        /// The owner's display name.
        #[arg(long, default_value = "Owner")]
        owner: String,
        /// The tenant's plan: free, pro or business.
        #[arg(long, default_value = "free", value_parser = ["free", "pro", "business"])]
        tier: String,
    },
    /// Check the data folder, the database, its schema version and the OS keyring.
    Doctor,
    /// Tenant commands.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Show the acting tenant's self-access context.
    #[command(name = "self")]
    Self_,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    match run(cli, &out) {
        Ok(code) => code,
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

fn run(cli: Cli, out: &Output) -> Result<ExitCode, Failure> {
    let home = resolve_home(cli.home)?;
    match cli.command {
        Command::Init {
            tenant,
            owner,
            tier,
        } => {
            let request = InitRequest {
                tenant_name: tenant,
                owner_name: owner,
                tier: Tier::parse(&tier)?,
            };
            let mut store = Store::open(&home)?;
            let context = tenant::init(&mut store, &request, clock()?.as_ref(), &RandomIds)?;
            out.value(&context, || {
                format!(
                    "Created tenant \"{}\" ({}) with owner \"{}\" in {}",
                    context.tenant.name,
                    context.tenant.tier.as_str(),
                    context.member.display_name,
                    home.root().display()
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => {
            let report = doctor::run(&home, &RandomIds);
            out.value(&report, || output::doctor_text(&report));
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Tenant {
            command: TenantCommand::Self_,
        } => {
            let store = open_existing(&home)?;
            let context = tenant::self_access(&store)?;
            out.value(&context, || output::self_access_text(&context));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens the database of a home that `init` has set up, without creating one by accident.
fn open_existing(home: &Home) -> Result<Store, Failure> {
    if !home.database_path().is_file() {
        return Err(Error::NotInitialized {
            home: home.root().to_path_buf(),
        }
        .into());
    }
    Ok(Store::open(home)?)
}
