//! `persona-studio destination …`: where backups go. Secrets come from stdin, never from
//! arguments.

use clap::{Subcommand, ValueEnum};
use persona_studio::backup::destinations::{self, DestinationConfig, DestinationSpec};
use persona_studio::backup::drives;
use persona_studio::ids::RandomIds;
use persona_studio::secrets::Sensitive;

use super::read_stdin_secret;
use crate::output::{Failure, Output};
use crate::Env;

// Parsed once per process; the size of the `add` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// Add a destination: local, drive, s3 or webdav. Secrets are read from stdin.
    Add(AddArgs),
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

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[arg(long)]
    label: String,
    /// Where the backups go.
    #[arg(long)]
    kind: DestinationKind,
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
}

/// The kinds of destination `--kind` names.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum DestinationKind {
    Local,
    Drive,
    S3,
    Webdav,
}

pub fn run_destination(
    command: DestinationCommand,
    env: &Env,
    out: &Output,
) -> Result<(), Failure> {
    match command {
        DestinationCommand::Add(args) => add(args, env, out),
        DestinationCommand::List => list(env, out),
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
            drives(all, out);
            Ok(())
        }
    }
}

/// `destination add`.
fn add(args: AddArgs, env: &Env, out: &Output) -> Result<(), Failure> {
    let label = args.label.clone();
    let keep = args.keep;
    let spec = spec(args)?;
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

/// The destination `destination add` describes, its secret read from stdin.
fn spec(args: AddArgs) -> Result<DestinationSpec, Failure> {
    let kind = args
        .kind
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    let need = |value: Option<String>, flag: &str| {
        value
            .ok_or_else(|| Failure::usage("invalid_input", format!("--kind {kind} needs --{flag}")))
    };
    let secret = || -> Result<Sensitive<String>, Failure> {
        if args.secret_stdin {
            read_stdin_secret("secret")
        } else {
            Err(Failure::usage(
                "invalid_input",
                "pass the secret on stdin with --secret-stdin (never on the command line)",
            ))
        }
    };
    Ok(match args.kind {
        DestinationKind::Local => DestinationSpec::Local {
            path: need(args.path, "path")?,
        },
        DestinationKind::Drive => DestinationSpec::Drive {
            uuid: need(args.uuid, "uuid")?,
            path: args.path.unwrap_or_default(),
        },
        DestinationKind::S3 => DestinationSpec::S3 {
            endpoint: need(args.endpoint, "endpoint")?,
            bucket: need(args.bucket, "bucket")?,
            region: args.region,
            root: args.root,
            access_key_id: Sensitive::new(need(args.access_key_id, "access-key-id")?),
            secret_access_key: secret()?,
        },
        DestinationKind::Webdav => {
            let username = args.username.unwrap_or_default();
            let password = if username.is_empty() {
                Sensitive::new(String::new())
            } else {
                secret()?
            };
            DestinationSpec::Webdav {
                endpoint: need(args.endpoint, "endpoint")?,
                root: args.root,
                username,
                password,
            }
        }
    })
}

/// `destination list`.
fn list(env: &Env, out: &Output) -> Result<(), Failure> {
    let store = env.open_store()?;
    let list = destinations::list(&store, env.clock.now())?;
    out.value(&list, || {
        if list.is_empty() {
            return "No destinations yet. Add one with `persona-studio destination add --label LABEL --kind KIND`."
                .to_owned();
        }
        list.iter()
            .map(|d| {
                format!(
                    "{:<16} {:<7} keep {:<3} {}",
                    d.label,
                    d.config.kind(),
                    d.keep_last,
                    config_text(&d.config)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// Where a destination is, in a few words (no secrets: the config holds none).
fn config_text(config: &DestinationConfig) -> String {
    match config {
        DestinationConfig::Local { path } => path.clone(),
        DestinationConfig::Drive { uuid, path } => format!("drive {uuid} /{path}"),
        DestinationConfig::S3 {
            endpoint,
            bucket,
            root,
            ..
        } => format!("{endpoint} bucket {bucket} {root}"),
        DestinationConfig::Webdav { endpoint, root, .. } => format!("{endpoint} {root}"),
    }
}

/// `destination drives`.
fn drives(all: bool, out: &Output) {
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
}
