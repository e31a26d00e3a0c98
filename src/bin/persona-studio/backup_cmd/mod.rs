//! `persona-studio backup …` and `persona-studio destination …`: thin calls into
//! `persona_studio::backup`, with progress bars on a TTY.

mod destinations;
mod progress;
mod restore;

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use persona_studio::backup::{
    self, passphrase, remind, ArchiveSource, ExportRequest, ExportTo, OsEntropy,
};
use persona_studio::ids::RandomIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::Env;
use progress::Bar;

pub use destinations::{run_destination, DestinationCommand};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Export an encrypted, verified backup of this tenant.
    Export(ExportArgs),
    /// Verify a backup end to end (default: the newest at DEST).
    Verify {
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Restore a backup into a data folder (staged, verified, then swapped in).
    Restore(RestoreArgs),
    /// List recorded backups (or, with --remote, what is at a destination).
    List {
        /// List what is really at this destination.
        #[arg(long, value_name = "DEST")]
        remote: Option<String>,
        /// Include backups removed by retention.
        #[arg(long)]
        all: bool,
    },
    /// Is a backup due? `--check` exits 1 when one is (for cron).
    Remind {
        #[arg(long)]
        check: bool,
        /// Snooze the reminder for this many hours.
        #[arg(long, value_name = "HOURS")]
        snooze: Option<u32>,
    },
    /// The backup passphrase: show it (owner or admin, unlocked; each showing is audited) or
    /// confirm you know it.
    Passphrase {
        #[command(subcommand)]
        command: PassphraseCommand,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A configured destination (see `destination list`).
    #[arg(
        long,
        value_name = "DEST",
        conflicts_with = "out",
        required_unless_present = "out"
    )]
    to: Option<String>,
    /// A manual export: write one age file here instead.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Part size in bytes (default 64 MiB).
    #[arg(long, hide = true)]
    part_size: Option<u64>,
    /// scrypt work factor (log2 N), for tests.
    #[arg(long, hide = true)]
    work_factor: Option<u8>,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The data folder to restore into; its current contents are kept as a safety copy.
    #[arg(long, value_name = "DIR")]
    into: PathBuf,
    /// Only show what the backup holds and what would happen to the folder; write nothing.
    #[arg(long)]
    preview: bool,
    /// Restore into a folder that is not a Persona Studio data folder, moving its files
    /// aside into a safety copy (see --preview).
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Show the passphrase (creating it if needed) with a recovery warning, as often as asked;
    /// each showing is audited. Text only.
    Show,
    /// Type the passphrase on stdin to confirm you still know it; exit 1 when it does not match.
    Confirm,
}

#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// A configured destination.
    #[arg(long, value_name = "DEST", conflicts_with = "file")]
    from: Option<String>,
    /// A backup name at DEST (default: the newest).
    #[arg(long, value_name = "NAME", requires = "from")]
    name: Option<String>,
    /// A manual export file.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Read the passphrase from stdin instead of the OS keyring.
    #[arg(long)]
    passphrase_stdin: bool,
}

pub fn run(command: BackupCommand, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    match command {
        BackupCommand::Export(args) => export(args, env, out, json),
        BackupCommand::Verify { source: args } => verify(&args, env, out, json),
        BackupCommand::Restore(args) => restore::restore(args, env, out, json),
        BackupCommand::List {
            remote: Some(label),
            ..
        } => list_remote(&label, env, out),
        BackupCommand::List { remote: None, all } => list(all, env, out),
        BackupCommand::Remind { check, snooze } => remind(check, snooze, env, out),
        BackupCommand::Passphrase {
            command: PassphraseCommand::Show,
        } => show_passphrase(env, out, json),
        BackupCommand::Passphrase {
            command: PassphraseCommand::Confirm,
        } => confirm_passphrase(env, out),
    }
}

/// `backup export`: to a destination or a file, with a progress bar on a terminal.
fn export(args: ExportArgs, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let cancel = AtomicBool::new(false);
    let ExportArgs {
        to,
        out: file,
        part_size,
        work_factor,
    } = args;
    let mut store = env.open_store()?;
    let target = match (to, file) {
        (Some(label), None) => ExportTo::Destination(label),
        (None, Some(path)) => ExportTo::File(path),
        _ => {
            return Err(Failure::usage(
                "invalid_input",
                "give --to DEST or --out FILE",
            ))
        }
    };
    let request = ExportRequest {
        to: target,
        part_size,
        work_factor,
    };
    let bar = Bar::new(json);
    let outcome = backup::export(
        &mut store,
        &request,
        env.clock.as_ref(),
        &RandomIds,
        &OsEntropy,
        &mut |p| bar.update(p),
        &cancel,
    )?;
    drop(bar);
    out.value(&outcome, || {
        let r = &outcome.record;
        let mut text = format!(
            "Exported and verified {} to \"{}\" ({}): the database and {}, {} archive {}, {}",
            r.location,
            r.dest_label,
            r.dest_kind,
            count_text(outcome.files, "file"),
            size_text(r.size),
            parts_text(r.part_count),
            r.sha256
        );
        for name in &outcome.retention_deleted {
            text.push_str(&format!("\nRetention deleted {name}"));
        }
        for name in &outcome.cleaned_incomplete {
            text.push_str(&format!("\nRemoved the unfinished backup {name}"));
        }
        for skipped in &outcome.skipped {
            text.push_str(&format!(
                "\nSkipped {}: {}",
                skipped.path,
                skipped.reason.describe()
            ));
        }
        if outcome.passphrase_created {
            text.push_str("\nA backup passphrase was created. An unlocked owner or admin must run `persona-studio backup passphrase show` now and write it down: without it nobody can open your backups.");
        }
        text
    });
    Ok(())
}

/// `backup verify`.
fn verify(args: &SourceArgs, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let cancel = AtomicBool::new(false);
    let src = source(args)?;
    let given = given_passphrase(args)?;
    let mut store = open_optional(env)?;
    let bar = Bar::new(json);
    let report = backup::verify(
        store.as_mut(),
        &src,
        given,
        env.clock.as_ref(),
        &RandomIds,
        &mut |p| bar.update(p),
        &cancel,
    )?;
    drop(bar);
    out.value(&report, || {
        format!(
            "Verified {}: {}, {}, database integrity {}\n{}",
            report.location,
            // A manual export is read as one part; say it as the export said it.
            parts_text(if args.file.is_some() {
                0
            } else {
                report.part_count
            }),
            size_text(report.archive_size),
            report.database_integrity,
            preview_text(&report.preview)
        )
    });
    Ok(())
}

/// `backup list --remote DEST`: the complete backups really at a destination.
fn list_remote(label: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let store = env.open_store()?;
    let names = backup::list_remote(&store, label, env.clock.now())?;
    out.value(&names, || {
        if names.is_empty() {
            format!("No complete backups at \"{label}\".")
        } else {
            names.join("\n")
        }
    });
    Ok(())
}

/// `backup list`: the recorded backups.
fn list(all: bool, env: &Env, out: &Output) -> Result<(), Failure> {
    let store = env.open_store()?;
    let records = backup::list(&store, all, env.clock.now())?;
    out.value(&records, || {
        if records.is_empty() {
            return "No backups yet. Export one with `persona-studio backup export --to DEST`."
                .to_owned();
        }
        records
            .iter()
            .map(|r| {
                format!(
                    "{}  {:<8} {:<16} {}  {}  {}  {}{}{}",
                    r.created_at,
                    r.dest_kind,
                    r.dest_label,
                    r.location,
                    size_text(r.size),
                    parts_text(r.part_count),
                    if r.verified {
                        "verified"
                    } else {
                        "NOT verified"
                    },
                    r.restore_tested_at
                        .map(|t| format!(", restore tested {t}"))
                        .unwrap_or_default(),
                    r.deleted_at
                        .map(|t| format!(", deleted {t}"))
                        .unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

#[derive(Serialize)]
struct CheckOutput<'a> {
    #[serde(flatten)]
    status: &'a remind::ReminderStatus,
}

/// `backup remind`: `--check` exits 1 when a backup is due.
fn remind(check: bool, snooze: Option<u32>, env: &Env, out: &Output) -> Result<(), Failure> {
    let mut store = env.open_store()?;
    let status = match snooze {
        Some(hours) => remind::snooze(&mut store, hours, env.clock.as_ref())?,
        None => remind::status(&store, env.clock.as_ref())?,
    };
    out.value(&CheckOutput { status: &status }, || {
        let mut text = status.summary.clone();
        if status.due {
            text.push_str("\nA backup is due: run `persona-studio backup export --to DEST`.");
        } else if let Some(until) = status.snoozed_until {
            text.push_str(&format!("\nReminder snoozed until {until}."));
        } else {
            text.push_str("\nNo backup is due.");
        }
        if status.passphrase_check_due {
            text.push_str("\nPlease confirm you still know your backup passphrase: `persona-studio backup passphrase confirm`.");
        }
        text
    });
    if check && status.due {
        return Err(Failure::silent(1));
    }
    Ok(())
}

/// `backup passphrase show`: text only, never JSON.
fn show_passphrase(env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let mut store = env.open_store()?;
    if json {
        return Err(Failure::usage(
            "invalid_input",
            "the passphrase is never printed as JSON; run without --json",
        ));
    }
    let secret = passphrase::reveal(&mut store, &OsEntropy, env.clock.as_ref())?;
    out.value(&(), || {
        format!(
            "Backup passphrase: {}\n\n{}",
            secret.expose(),
            passphrase::RECOVERY_WARNING
        )
    });
    Ok(())
}

/// `backup passphrase confirm`: exit 1 when the typed passphrase is not the backup passphrase.
fn confirm_passphrase(env: &Env, out: &Output) -> Result<(), Failure> {
    let mut store = env.open_store()?;
    let typed = read_stdin_secret("passphrase")?;
    let ok = passphrase::confirm(&mut store, &typed, env.clock.as_ref())?;
    out.value(&serde_json::json!({"confirmed": ok}), || {
        if ok {
            "Confirmed: you know your backup passphrase.".to_owned()
        } else {
            "That is not your backup passphrase. Run `persona-studio backup passphrase show` and write it down again.".to_owned()
        }
    });
    if ok {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

fn read_stdin_secret(what: &str) -> Result<Sensitive<String>, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage("io", format!("could not read the {what} from stdin: {e}")))?;
    let line = text.lines().next().unwrap_or("").to_owned();
    if line.is_empty() {
        return Err(Failure::usage(
            "invalid_input",
            format!("the {what} on stdin is empty"),
        ));
    }
    Ok(Sensitive::new(line))
}

fn source(args: &SourceArgs) -> Result<ArchiveSource, Failure> {
    match (&args.from, &args.file) {
        (Some(label), None) => Ok(ArchiveSource::Destination {
            label: label.clone(),
            name: args.name.clone(),
        }),
        (None, Some(file)) => Ok(ArchiveSource::File(file.clone())),
        _ => Err(Failure::usage(
            "invalid_input",
            "say which backup: --from DEST [--name NAME] or --file FILE",
        )),
    }
}

fn given_passphrase(args: &SourceArgs) -> Result<Option<Sensitive<String>>, Failure> {
    if args.passphrase_stdin {
        let typed = read_stdin_secret("passphrase")?;
        Ok(Some(backup::normalize_passphrase(typed.expose())))
    } else {
        Ok(None)
    }
}

fn open_optional(env: &Env) -> Result<Option<Store>, Failure> {
    if env.home.database_path().is_file() {
        Ok(Some(persona_studio::tenant::open(&env.home)?))
    } else {
        Ok(None)
    }
}

/// `1 file`, `3 files`.
fn count_text(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// How the archive is stored: `in 4 parts`, or `in one file` for a manual export (0 parts).
fn parts_text(part_count: u32) -> String {
    match part_count {
        0 => "in one file".to_owned(),
        n => format!("in {}", count_text(u64::from(n), "part")),
    }
}

fn size_text(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

fn preview_text(p: &backup::Preview) -> String {
    let mut text = format!(
        "Backup of tenant \"{}\" ({}) made {}\n  app {}, schema {}, format {}\n  the database and {}, {} of data\n  rows:",
        p.tenant_name,
        p.tenant_id,
        p.created_at,
        p.app_version,
        p.schema_version,
        p.format_version,
        count_text(p.files, "file"),
        size_text(p.data_size)
    );
    for (table, n) in &p.counts {
        text.push_str(&format!(" {table}={n}"));
    }
    text
}
