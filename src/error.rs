//! The core's one error type, with a stable `code` for the UI and an exit-code class for the CLI.

use std::path::PathBuf;
use std::str::FromStr;

use strum::VariantNames;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. Messages say what was wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{home} has no Persona Studio data yet. Set up a tenant there first.", home = .home.display())]
    NotInitialized { home: PathBuf },

    #[error("{home} is already set up for tenant \"{tenant}\". Use another --home to start a new one.", home = .home.display())]
    AlreadyInitialized { home: PathBuf, tenant: String },

    #[error("The database {path} was written by a newer Persona Studio (schema version {found}; this build knows up to {supported}). It was not modified. Install the newer version of Persona Studio to open it.", path = .path.display())]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("Could not {action} {path}: {source}", path = .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Database error: {0}")]
    Database(#[from] rusqlite::Error),

    #[error("Database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("{0}")]
    Keyring(#[from] crate::secrets::KeyringError),

    #[error("{0}")]
    Canon(#[from] crate::canon::CanonError),

    /// A JSON document from outside the app is not one strict JSON text: a duplicate member name
    /// (with its JSON pointer), a byte order mark other than a leading one, a syntax error. The
    /// code is the reader's own (`duplicate_key`, `byte_order_mark`, `json_syntax`, …).
    #[error("{what} is not strict JSON: {source}")]
    Json {
        what: String,
        source: crate::canon::CanonError,
    },

    #[error("Invalid {field}: {message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },

    /// A file that must be read is a pipe, device, socket, folder or a link the link rule
    /// refuses (`fsutil::read`); `kind` says what it is, in words.
    #[error("{path} is {kind}; it was not read. Only a regular file is read there: replace it with one (or remove it) and try again.", path = .path.display())]
    NotRegularFile { path: PathBuf, kind: String },

    /// A file to be read is larger than the limit of what it is; nothing past the limit was read.
    #[error("{path} is larger than {limit} bytes; it was not read. Shorten it and try again.", path = .path.display())]
    FileTooLarge { path: PathBuf, limit: u64 },

    /// A write would replace a symbolic link with a file.
    #[error("{path} is a symbolic link to {target}; writing would replace the link with a file, so nothing was written. Write to {target} itself, or replace the link with a regular file, and try again.", path = .path.display(), target = .target.display())]
    LinkNotReplaced { path: PathBuf, target: PathBuf },

    #[error("The audit log is damaged: {0}")]
    AuditBroken(String),

    #[error("{what} was not found.{}", if hint.is_empty() { String::new() } else { format!(" {hint}") })]
    NotFound { what: String, hint: String },

    #[error("{0}")]
    Conflict(String),

    /// A short id or a name matched more than one thing; `matches` describes each one.
    #[error("\"{text}\" matches {} {what}: {}. Give more of the id.", .matches.len(), .matches.join("; "))]
    Ambiguous {
        what: String,
        text: String,
        matches: Vec<String>,
    },

    #[error("Only {allowed} can {action}; you are acting with the {role} role.")]
    Forbidden {
        action: &'static str,
        role: &'static str,
        /// Who may: "an owner or admin", or "the owner".
        allowed: &'static str,
    },

    #[error("Hash enforcement is on: agent {agent} would run persona {used}, but {}. Publish this version first, or set enforcement to observe.", .published.as_deref().map_or("it has no published version".to_owned(), |p| format!("the published persona is {p}")))]
    HashEnforced {
        agent: String,
        used: String,
        published: Option<String>,
    },

    #[error("{}", crate::problem::describe_problems(.0))]
    SpecInvalid(Vec<crate::problem::Problem>),

    /// `preset.json` has problems outside its spec (the per-file policies), each located by a
    /// JSON pointer into `preset.json` with a rule code.
    #[error("{}", crate::problem::describe_problems_of("preset.json", .0))]
    PresetInvalid(Vec<crate::problem::Problem>),

    /// An action that needs proof of identity by a member who is not unlocked.
    #[error("{0}")]
    Locked(String),

    /// An action that needs proof of identity by a member who has no passphrase yet.
    #[error("To {action} you must unlock with a passphrase, and you have none yet.")]
    NoPassphrase { action: &'static str },

    #[error("The passphrase is wrong. Nothing was unlocked; try again.")]
    WrongMemberPassphrase,

    /// A rule refused the action (for example approving your own request).
    #[error("{0}")]
    Denied(String),

    /// The action is not allowed from the current state; the message names the state.
    #[error("{0}")]
    InvalidTransition(String),

    /// A capability or storage quota of the tier would be exceeded; the message has the numbers.
    #[error("{0}")]
    QuotaExceeded(String),

    /// A file review decided against a file that changed again since the review last saw it;
    /// the message names the file and both hashes.
    #[error("{0}")]
    ReviewStale(String),

    /// What was approved is not what would be installed (version or content hash changed).
    #[error("{0}")]
    HashMismatch(String),
    #[error("Wrong passphrase: this backup cannot be opened with the passphrase given{hint}. Use the backup passphrase that was shown when backups were set up; an owner or admin can show it again on the machine that made the backup.")]
    WrongPassphrase { hint: String },

    #[error("The backup {what} is damaged: {detail}. It cannot be trusted; make a new backup, or restore an older one.")]
    BackupDamaged { what: String, detail: String },

    /// An archive entry that could write outside the folder it is restored into. `op` says
    /// which operation met it, so the message fits it.
    #[error("{}", .op.unsafe_entry(.path, .reason))]
    BackupUnsafeEntry {
        path: String,
        reason: String,
        op: ArchiveOp,
    },

    /// An archive that goes beyond what this app writes (a work factor, a size, a count, a
    /// path length): refused before it costs memory or disk.
    #[error("The backup {what} was not made with this app's settings: {detail}. It was refused before anything was unpacked; open only backups made by Persona Studio.")]
    BackupForeign { what: String, detail: String },

    #[error("Drive \"{label}\" is not connected (volume {uuid}). Connect the drive, wait until it is mounted, and try again.")]
    DriveNotConnected { label: String, uuid: String },

    #[error("Destination \"{label}\" is unavailable: {detail}. {hint}")]
    DestinationUnavailable {
        label: String,
        detail: String,
        hint: String,
    },

    #[error("Destination \"{label}\" rejected the credentials ({detail}). Check the access key, secret or password and add the destination again.")]
    DestinationCredentials { label: String, detail: String },

    #[error("Destination \"{label}\" is full ({detail}). Free some space there or choose another destination; nothing that existed before was changed.")]
    DestinationFull { label: String, detail: String },

    #[error("{into} is not a Persona Studio data folder: it holds {entries} other file(s) or folder(s). Nothing was restored. Restore into a new or empty folder, or confirm that its contents may be moved aside into a safety copy.", into = .into.display())]
    NotADataFolder { into: PathBuf, entries: u64 },

    #[error("The backup was cancelled. Nothing that looks like a complete backup was left at the destination.")]
    Cancelled,

    #[error("{0}")]
    SnapshotFailed(String),

    /// A worker thread could not start or panicked (a bug); its step did not complete.
    #[error("The backup's {what} step stopped unexpectedly. Nothing was left half-done; try again, and report this to Persona Studio if it happens again.")]
    ThreadFailed { what: &'static str },

    /// A file's history has no version with that hash.
    #[error("{path} of agent {agent} has no recorded version {sha256}. Pick one of the versions its history lists.")]
    HistoryVersionUnknown {
        agent: String,
        path: String,
        sha256: String,
    },

    /// Only the hash of that version was kept (over the size limit, unreadable or not a regular
    /// file when it was recorded).
    #[error("Only the hash of version {sha256} of {path} (agent {agent}) was kept, so its content cannot be read back: it was larger than the history keeps, unreadable or not a regular file when it was recorded. Pick a version whose content was kept.")]
    HistoryContentGone {
        agent: String,
        path: String,
        sha256: String,
    },

    /// Stored history content does not decode to its hash (the database was changed outside
    /// the product, or damaged).
    #[error("The stored history content {sha256} is damaged: {detail}. Restore the data folder from a backup to get it back; other versions are unaffected.")]
    HistoryDamaged { sha256: String, detail: String },

    /// The OpenClaw install could not be read. Built from `openclaw::OpenClawError` (a domain
    /// type, so it converts itself here: the base layer names no domain), keeping its code.
    #[error("{message}")]
    OpenClaw {
        code: &'static str,
        message: String,
        bad_input: bool,
    },
}

/// The backup operation that met an archive entry, for messages that fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveOp {
    /// An export reading back the archive it just wrote.
    Export,
    /// Verifying an archive.
    Verify,
    /// Restoring (or previewing a restore of) an archive.
    Restore,
}

impl ArchiveOp {
    fn unsafe_entry(self, path: &str, reason: &str) -> String {
        match self {
            ArchiveOp::Export => format!("The backup being written would hold the entry \"{path}\" ({reason}), which a restore refuses. Nothing was kept at the destination. This is a bug in Persona Studio; please report it with that file's name."),
            ArchiveOp::Verify => format!("The backup contains an unsafe entry \"{path}\" ({reason}): a restore would refuse it. Only restore backups made by Persona Studio."),
            ArchiveOp::Restore => format!("The backup contains an unsafe entry \"{path}\" ({reason}). Nothing was restored. Only restore backups made by Persona Studio."),
        }
    }
}

impl Error {
    /// The same error, told from the point of view of `op` (only an unsafe entry's message
    /// depends on it).
    pub fn during(self, op: ArchiveOp) -> Self {
        match self {
            Error::BackupUnsafeEntry { path, reason, .. } => {
                Error::BackupUnsafeEntry { path, reason, op }
            }
            other => other,
        }
    }

    /// A stable, snake_case code. The UI switches on this, never on the message.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotInitialized { .. } => "not_initialized",
            Error::AlreadyInitialized { .. } => "already_initialized",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Io { .. } => "io",
            Error::Database(_) => "database",
            Error::Migration(_) => "migration",
            Error::Keyring(_) => "keyring",
            Error::Canon(e) | Error::Json { source: e, .. } => e.code(),
            Error::InvalidInput { .. } => "invalid_input",
            Error::NotRegularFile { .. } => "not_regular_file",
            Error::FileTooLarge { .. } => "file_too_large",
            Error::LinkNotReplaced { .. } => "link_not_replaced",
            Error::AuditBroken(_) => "audit_broken",
            Error::NotFound { .. } => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Ambiguous { .. } => "ambiguous",
            Error::Forbidden { .. } => "forbidden",
            Error::SpecInvalid(_) => "spec_invalid",
            Error::PresetInvalid(_) => "preset_invalid",
            Error::HashEnforced { .. } => "hash_enforced",
            Error::Locked(_) | Error::NoPassphrase { .. } => "locked",
            Error::WrongMemberPassphrase => "wrong_passphrase",
            Error::Denied(_) => "denied",
            Error::InvalidTransition(_) => "invalid_transition",
            Error::QuotaExceeded(_) => "quota_exceeded",
            Error::HashMismatch(_) => "hash_mismatch",
            Error::ReviewStale(_) => "review_stale",
            Error::WrongPassphrase { .. } => "wrong_passphrase",
            Error::BackupDamaged { .. } => "backup_damaged",
            Error::BackupUnsafeEntry { .. } => "backup_unsafe_entry",
            Error::BackupForeign { .. } => "backup_foreign",
            Error::DriveNotConnected { .. } => "drive_not_connected",
            Error::DestinationUnavailable { .. } => "destination_unavailable",
            Error::DestinationCredentials { .. } => "destination_credentials_rejected",
            Error::DestinationFull { .. } => "destination_full",
            Error::NotADataFolder { .. } => "not_a_data_folder",
            Error::Cancelled => "cancelled",
            Error::SnapshotFailed(_) => "snapshot_failed",
            Error::ThreadFailed { .. } => "thread_failed",
            Error::HistoryVersionUnknown { .. } => "history_version_unknown",
            Error::HistoryContentGone { .. } => "history_content_gone",
            Error::HistoryDamaged { .. } => "history_damaged",
            Error::OpenClaw { code, .. } => code,
        }
    }

    /// True when the caller sent something wrong (CLI exit code 2): malformed input, or an id,
    /// name or label that names nothing (`not_found`). A refused or failed operation, a failed
    /// check or an environment problem is exit code 1.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::InvalidInput { .. }
                | Error::NotFound { .. }
                | Error::Ambiguous { .. }
                | Error::Canon(_)
                | Error::Json { .. }
                | Error::SpecInvalid(_)
                | Error::PresetInvalid(_)
                | Error::NotRegularFile { .. }
                | Error::FileTooLarge { .. }
                | Error::LinkNotReplaced { .. }
                | Error::HistoryVersionUnknown { .. }
                | Error::HistoryContentGone { .. }
        ) || matches!(
            self,
            Error::OpenClaw {
                bad_input: true,
                ..
            }
        )
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            message: message.into(),
        }
    }

    /// Parses one of `T`'s wire names (its strum `EnumString` spellings, which are also its
    /// serde and SQLite names), or refuses it as `invalid_input` on `field`, naming every valid
    /// one: `"x" is not a {noun}; use a, b or c` with a noun, `"x" is not one of: a, b, c`
    /// without.
    pub(crate) fn parse_name<T: FromStr + VariantNames>(
        field: &'static str,
        noun: Option<&str>,
        text: &str,
    ) -> Result<T> {
        text.parse().map_err(|_| {
            let names = T::VARIANTS;
            let message = match (noun, names.split_last()) {
                (Some(noun), Some((last, rest))) if !rest.is_empty() => {
                    format!(
                        "\"{text}\" is not a {noun}; use {} or {last}",
                        rest.join(", ")
                    )
                }
                _ => format!("\"{text}\" is not one of: {}", names.join(", ")),
            };
            Error::invalid(field, message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsafe_entry_is_told_from_the_operation_that_met_it() {
        let entry = || Error::BackupUnsafeEntry {
            path: "files/../x".to_owned(),
            reason: "contains ..".to_owned(),
            op: ArchiveOp::Restore,
        };
        let export = entry().during(ArchiveOp::Export).to_string();
        assert!(
            export.contains("Nothing was kept at the destination"),
            "{export}"
        );
        assert!(!export.contains("restored") && !export.contains("Only restore"));
        let verify = entry().during(ArchiveOp::Verify).to_string();
        assert!(verify.contains("a restore would refuse it"), "{verify}");
        assert!(!verify.contains("Nothing was restored"));
        assert!(entry().to_string().contains("Nothing was restored"));
        assert_eq!(
            entry().during(ArchiveOp::Export).code(),
            "backup_unsafe_entry"
        );
        // Other errors pass through unchanged.
        assert_eq!(
            Error::Cancelled.during(ArchiveOp::Export).code(),
            "cancelled"
        );
    }
}
