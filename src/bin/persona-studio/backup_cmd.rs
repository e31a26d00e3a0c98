//! `persona-studio backup …` and `persona-studio destination …`: thin calls into
//! `persona_studio::backup`, with progress bars on a TTY.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use persona_studio::backup::{
    self, destinations, drives, passphrase, remind, ArchiveSource, ExportRequest, ExportTo,
    OsEntropy, Progress, Stage,
};
use persona_studio::ids::RandomIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::Env;

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
    /// The backup passphrase: show it (once, with a recovery warning) or confirm you know it.
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
    /// Show the passphrase (creating it if needed) with a recovery warning. Text only.
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

// Parsed once per process; the size of the `add` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// Add a destination: local, drive, s3 or webdav. Secrets are read from stdin.
    Add {
        #[arg(long)]
        label: String,
        /// local, drive, s3 or webdav.
        #[arg(long)]
        kind: String,
        /// Folder (local), or the folder on the drive (drive).
        #[arg(long)]
        path: Option<String>,
        /// Filesystem UUID of the drive (see `destination drives`).
        #[arg(long)]
        uuid: Option<String>,
        /// S3 or WebDAV endpoint URL.
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long)]
        bucket: Option<String>,
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Folder inside the bucket or WebDAV share.
        #[arg(long, default_value = "/")]
        root: String,
        #[arg(long)]
        access_key_id: Option<String>,
        #[arg(long)]
        username: Option<String>,
        /// Read the S3 secret key or WebDAV password from stdin.
        #[arg(long)]
        secret_stdin: bool,
        /// Backups to keep at this destination (default 7).
        #[arg(long)]
        keep: Option<u32>,
    },
    List,
    Remove {
        label: String,
    },
    /// Mounted drives with a filesystem UUID.
    Drives {
        /// Also list volumes that are not removable.
        #[arg(long)]
        all: bool,
    },
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

/// A progress bar on an interactive stderr, nothing otherwise. An export runs its stages at
/// once; the bar follows the furthest one that has started (verify, once it has begun).
struct Bar(Option<ProgressBar>, std::cell::Cell<usize>);

impl Bar {
    fn new(json: bool) -> Bar {
        if json || !std::io::stderr().is_terminal() {
            return Bar(None, Default::default());
        }
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(Some(bar), Default::default())
    }

    fn update(&self, p: Progress) {
        if let Some(bar) = &self.0 {
            let (rank, stage) = match p.stage {
                Stage::Snapshot => (0, "snapshot"),
                Stage::Pack => (1, "pack"),
                Stage::Encrypt => (2, "encrypt"),
                Stage::Upload => (3, "upload"),
                Stage::Verify => (4, "verify"),
                Stage::Restore => (5, "restore"),
            };
            if rank < self.1.get() {
                return;
            }
            self.1.set(rank);
            bar.set_message(stage);
            bar.set_length(p.total.max(p.done));
            bar.set_position(p.done);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
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
        Ok(Some(Store::open(&env.home)?))
    } else {
        Ok(None)
    }
}

fn size_text(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

fn restore_target_text(target: &backup::RestoreTarget) -> String {
    match target {
        backup::RestoreTarget::New { into } => format!("{into} will be created with the restored data."),
        backup::RestoreTarget::DataFolder { into, safety_copy } => format!(
            "{into} is a Persona Studio data folder: its contents would be moved aside to {safety_copy}."
        ),
        backup::RestoreTarget::OtherFiles {
            into,
            safety_copy,
            entries,
        } => format!(
            "{into} is NOT a Persona Studio data folder: its {entries} file(s) or folder(s) would be moved aside to {safety_copy}, and only with --force."
        ),
    }
}

fn preview_text(p: &backup::Preview) -> String {
    let mut text = format!(
        "Backup of tenant \"{}\" ({}) made {}\n  app {}, schema {}, format {}\n  {} files, {} of data\n  rows:",
        p.tenant_name,
        p.tenant_id,
        p.created_at,
        p.app_version,
        p.schema_version,
        p.format_version,
        p.files,
        size_text(p.data_size)
    );
    for (table, n) in &p.counts {
        text.push_str(&format!(" {table}={n}"));
    }
    text
}

#[derive(Serialize)]
struct CheckOutput<'a> {
    #[serde(flatten)]
    status: &'a remind::ReminderStatus,
}

pub fn run(command: BackupCommand, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let cancel = AtomicBool::new(false);
    match command {
        BackupCommand::Export(args) => export(args, env, out, json),
        BackupCommand::Verify { source: args } => {
            let src = source(&args)?;
            let given = given_passphrase(&args)?;
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
                    "Verified {}: {} part(s), {}, database integrity {}\n{}",
                    report.location,
                    report.part_count,
                    size_text(report.archive_size),
                    report.database_integrity,
                    preview_text(&report.preview)
                )
            });
            Ok(())
        }
        BackupCommand::Restore(args) => restore(args, env, out, json),
        BackupCommand::List { remote, all } => {
            let store = env.open_store()?;
            if let Some(label) = remote {
                let names = backup::list_remote(&store, &label, env.clock.now())?;
                out.value(&names, || {
                    if names.is_empty() {
                        format!("No complete backups at \"{label}\".")
                    } else {
                        names.join("\n")
                    }
                });
                return Ok(());
            }
            let records = backup::list(&store, all, env.clock.now())?;
            out.value(&records, || {
                if records.is_empty() {
                    return "No backups yet. Export one with `persona-studio backup export --to DEST`.".to_owned();
                }
                records
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {:<8} {:<16} {}  {}  {} part(s)  {}{}{}",
                            r.created_at,
                            r.dest_kind,
                            r.dest_label,
                            r.location,
                            size_text(r.size),
                            r.part_count,
                            if r.verified { "verified" } else { "NOT verified" },
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
        BackupCommand::Remind { check, snooze } => {
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
        BackupCommand::Passphrase { command } => {
            let mut store = env.open_store()?;
            match command {
                PassphraseCommand::Show => {
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
                PassphraseCommand::Confirm => {
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
            }
        }
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
            "Exported and verified {} to \"{}\" ({}): {} files, {} archive in {} part(s), {}",
            r.location,
            r.dest_label,
            r.dest_kind,
            outcome.entries,
            size_text(r.size),
            r.part_count,
            r.sha256
        );
        for name in &outcome.retention_deleted {
            text.push_str(&format!("\nRetention deleted {name}"));
        }
        for name in &outcome.cleaned_incomplete {
            text.push_str(&format!("\nRemoved the unfinished backup {name}"));
        }
        for name in &outcome.skipped {
            text.push_str(&format!("\nSkipped {name} (not a regular file)"));
        }
        if outcome.passphrase_created {
            text.push_str("\nA backup passphrase was created. An unlocked owner or admin must run `persona-studio backup passphrase show` now and write it down: without it nobody can open your backups.");
        }
        text
    });
    Ok(())
}

/// `backup restore`: `--preview` says what the backup holds and what would happen to the
/// folder; otherwise restore, with `--force` for a folder that is not ours.
fn restore(args: RestoreArgs, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    let cancel = AtomicBool::new(false);
    let RestoreArgs {
        source: args,
        into,
        preview,
        force,
    } = args;
    let src = source(&args)?;
    let given = given_passphrase(&args)?;
    let mut store = open_optional(env)?;
    let now = env.clock.now();
    if preview {
        let p = backup::preview(store.as_ref(), &src, given, now)?;
        let target = backup::restore_target(&into, now)?;
        let mut plan = serde_json::to_value(&p).unwrap_or_default();
        plan["into"] = serde_json::to_value(&target).unwrap_or_default();
        out.value(&plan, || {
            format!(
                "{}\n{}\nNothing was written.",
                preview_text(&p),
                restore_target_text(&target)
            )
        });
        return Ok(());
    }
    let bar = Bar::new(json);
    let request = backup::RestoreRequest {
        source: src,
        into,
        passphrase: given,
        force,
    };
    let report = backup::restore(
        store.as_mut(),
        &request,
        env.clock.as_ref(),
        &RandomIds,
        &mut |p| bar.update(p),
        &cancel,
    )
    .map_err(|e| match e {
        e @ persona_studio::Error::NotADataFolder { .. } => Failure::from(e).with_hint(
            "See what would be moved with --preview; pass --force to restore there anyway.",
        ),
        e => Failure::from(e),
    })?;
    drop(bar);
    out.value(&report, || {
        let mut text = format!(
            "Restored into {}\n{}",
            report.into,
            preview_text(&report.preview)
        );
        if let Some(safety) = &report.safety_copy {
            text.push_str(&format!("\nThe previous contents were kept in {safety}"));
        }
        text
    });
    Ok(())
}

pub fn run_destination(
    command: DestinationCommand,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    match command {
        DestinationCommand::Add {
            label,
            kind,
            path,
            uuid,
            endpoint,
            bucket,
            region,
            root,
            access_key_id,
            username,
            secret_stdin,
            keep,
        } => {
            let need = |value: Option<String>, flag: &str| {
                value.ok_or_else(|| {
                    Failure::usage("invalid_input", format!("--kind {kind} needs --{flag}"))
                })
            };
            let secret = || -> Result<Sensitive<String>, Failure> {
                if secret_stdin {
                    read_stdin_secret("secret")
                } else {
                    Err(Failure::usage(
                        "invalid_input",
                        "pass the secret on stdin with --secret-stdin (never on the command line)",
                    ))
                }
            };
            let spec = match kind.as_str() {
                "local" => destinations::DestinationSpec::Local {
                    path: need(path, "path")?,
                },
                "drive" => destinations::DestinationSpec::Drive {
                    uuid: need(uuid, "uuid")?,
                    path: path.unwrap_or_default(),
                },
                "s3" => destinations::DestinationSpec::S3 {
                    endpoint: need(endpoint, "endpoint")?,
                    bucket: need(bucket, "bucket")?,
                    region,
                    root,
                    access_key_id: Sensitive::new(need(access_key_id, "access-key-id")?),
                    secret_access_key: secret()?,
                },
                "webdav" => {
                    let username = username.unwrap_or_default();
                    let password = if username.is_empty() {
                        Sensitive::new(String::new())
                    } else {
                        secret()?
                    };
                    destinations::DestinationSpec::Webdav {
                        endpoint: need(endpoint, "endpoint")?,
                        root,
                        username,
                        password,
                    }
                }
                other => {
                    return Err(Failure::usage(
                        "invalid_input",
                        format!(
                            "\"{other}\" is not a destination kind; use local, drive, s3 or webdav"
                        ),
                    ))
                }
            };
            let mut store = env.open_store()?;
            let info = destinations::add(
                &mut store,
                &label,
                spec,
                keep,
                env.clock.as_ref(),
                &RandomIds,
            )?;
            out.value(&info, || {
                format!(
                    "Added destination \"{}\" ({}), keeping the last {} backups",
                    info.label,
                    info.config.kind(),
                    info.keep_last
                )
            });
            Ok(())
        }
        DestinationCommand::List => {
            let store = env.open_store()?;
            let list = destinations::list(&store, env.clock.now())?;
            out.value(&list, || {
                if list.is_empty() {
                    return "No destinations yet. Add one with `persona-studio destination add`."
                        .to_owned();
                }
                list.iter()
                    .map(|d| {
                        let detail = match &d.config {
                            destinations::DestinationConfig::Local { path } => path.clone(),
                            destinations::DestinationConfig::Drive { uuid, path } => {
                                format!("drive {uuid} /{path}")
                            }
                            destinations::DestinationConfig::S3 {
                                endpoint,
                                bucket,
                                root,
                                ..
                            } => format!("{endpoint} bucket {bucket} {root}"),
                            destinations::DestinationConfig::Webdav { endpoint, root, .. } => {
                                format!("{endpoint} {root}")
                            }
                        };
                        format!(
                            "{:<16} {:<7} keep {:<3} {}",
                            d.label,
                            d.config.kind(),
                            d.keep_last,
                            detail
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        DestinationCommand::Remove { label } => {
            let mut store = env.open_store()?;
            let info = destinations::remove(&mut store, &label, env.clock.as_ref())?;
            out.value(&info, || {
                format!(
                    "Removed destination \"{}\". Backups already there were left in place.",
                    info.label
                )
            });
            Ok(())
        }
        DestinationCommand::Drives { all } => {
            let volumes = drives::mounted_volumes(!all);
            out.value(&volumes, || {
                if volumes.is_empty() {
                    return if all {
                        "No mounted volume with a filesystem UUID was found.".to_owned()
                    } else {
                        "No removable drives are mounted. Connect one, or pass --all.".to_owned()
                    };
                }
                volumes
                    .iter()
                    .map(|v| {
                        format!(
                            "{}  {}  {}{}",
                            v.uuid,
                            v.mount_point,
                            v.device,
                            v.label
                                .as_ref()
                                .map(|l| format!("  \"{l}\""))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
    }
}
