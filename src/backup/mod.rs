//! Customer-owned backups: the public API the CLI and the app call.
//!
//! - [`export`]: snapshot (database copy filtered to the tenant + the tenant's folder), pack
//!   (`tar | zstd | age`), write parts to a destination, read everything back and verify it,
//!   then commit the index, record metadata and apply retention. One call, a progress callback
//!   and a cancel flag.
//! - [`verify`], [`preview`], [`restore`]: on demand, from a destination or a file.
//! - [`destinations`], [`remind`], [`passphrase`]: configuration, reminders and the passphrase.
//!
//! Files: `export.rs` (the export's stages, its record and retention), `format.rs` (manifest,
//! index, names, path rules), `snapshot.rs` (database copy and tenant filter, hashing),
//! `archive.rs` (the pipeline's pieces both ways), `pipeline.rs` (the export's stages on their
//! own threads, with the read-back overlapping the writes), `target.rs` (local folders and the
//! `Target` trait), `cloud.rs` (OpenDAL: S3, WebDAV), `drives.rs` (external drives by UUID),
//! `records.rs` (metadata rows, retention), `remind.rs`, `passphrase.rs`, `destinations.rs`,
//! `limits.rs` (what an archive may hold, applied alike by export and by every reader),
//! `tree.rs` (the tenant's folder as a backup lists it: files, folders, modes, what is skipped).

pub mod archive;
pub mod cloud;
pub mod destinations;
pub mod drives;
mod export;
pub mod failpoints;
pub mod format;
pub mod limits;
pub mod passphrase;
pub mod pipeline;
pub mod records;
pub mod remind;
mod restore;
pub mod snapshot;
pub mod target;
pub mod tree;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::audit;
use crate::auth;
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::error::ArchiveOp;
use crate::ids::IdSource;
use crate::secrets::Sensitive;
use crate::store::{self, Store};
use crate::{Error, Result};

use archive::{Ctx, Extract, HashingReader};
pub use export::export;
use format::{Index, Manifest};
pub use passphrase::{Entropy, OsEntropy};
pub use records::BackupRecord;
pub use restore::{restore, restore_target, RestoreRequest, RestoreTarget};
use target::Target;

/// A step of a long operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Snapshot,
    Pack,
    Encrypt,
    Upload,
    Verify,
    Restore,
}

/// Progress of a long operation; `total` is 0 when unknown. Each stage's `done` only grows.
/// During an export, pack, encrypt, upload and verify run at the same time (their events
/// interleave); verify counts data bytes checked against the data size and ends last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Progress {
    pub stage: Stage,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Where an export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTo {
    /// A configured destination, by label.
    Destination(String),
    /// A manual export: one age file at this path.
    File(PathBuf),
}

/// How to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub to: ExportTo,
    /// Part size in bytes (default 64 MiB).
    pub part_size: Option<u64>,
    /// scrypt work factor (log2 N); `None` is [`archive::WORK_FACTOR`].
    pub work_factor: Option<u8>,
}

impl ExportRequest {
    pub fn to(to: ExportTo) -> Self {
        ExportRequest {
            to,
            part_size: None,
            work_factor: None,
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ExportOutcome {
    pub record: BackupRecord,
    /// Archive entries: the database snapshot and the tenant's files.
    #[ts(type = "number")]
    pub entries: u64,
    /// The tenant's files in the archive (as [`Preview::files`] counts them).
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub data_size: u64,
    /// Backups that retention removed from the destination.
    pub retention_deleted: Vec<String>,
    /// Unfinished backups (from a crash or kill) that were cleaned up first.
    pub cleaned_incomplete: Vec<String>,
    /// Files of the tenant's folder that were not backed up, and why (also in the manifest).
    pub skipped: Vec<limits::SkippedFile>,
    /// The passphrase was created by this export: show it to the user now.
    pub passphrase_created: bool,
}

/// Which archive to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveSource {
    /// A backup at a destination; `None` picks the newest complete one.
    Destination { label: String, name: Option<String> },
    /// A manual export file.
    File(PathBuf),
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(rename = "BackupVerifyReport")]
pub struct VerifyReport {
    pub location: String,
    pub preview: Preview,
    #[ts(type = "number")]
    pub archive_size: u64,
    pub archive_sha256: String,
    pub part_count: u32,
    pub database_integrity: String,
}

/// What a restore would bring back, from the manifest, before anything is written.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Preview {
    pub created_at: Timestamp,
    pub app_version: String,
    #[ts(type = "number")]
    pub schema_version: i64,
    pub format_version: u32,
    pub tenant_id: String,
    pub tenant_name: String,
    #[ts(type = "Record<string, number>")]
    pub counts: std::collections::BTreeMap<String, i64>,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub data_size: u64,
}

impl Preview {
    fn of(manifest: &Manifest) -> Preview {
        Preview {
            created_at: manifest.created_at,
            app_version: manifest.app_version.clone(),
            schema_version: manifest.schema_version,
            format_version: manifest.format_version,
            tenant_id: manifest.tenant.id.clone(),
            tenant_name: manifest.tenant.name.clone(),
            counts: manifest.counts.clone(),
            files: manifest.tenant_files(),
            data_size: manifest.total_size(),
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RestoreReport {
    pub into: String,
    /// Where the previous contents of `into` were moved, if there were any.
    pub safety_copy: Option<String>,
    pub preview: Preview,
}

/// A scratch folder inside the data folder (same disk as the database), removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(home: &Path, id: &str) -> Result<Scratch> {
        let base = home.join(".backup-tmp");
        // Leftovers of a killed run; an hour's grace so a concurrent run keeps its folder.
        if let Ok(entries) = fs::read_dir(&base) {
            for entry in entries.flatten() {
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 3600);
                if stale {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(id);
        fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Turns what a person typed into the passphrase: our generated format is forgiving about case,
/// spaces and dashes; anything else is used as typed (without surrounding whitespace).
pub fn normalize_passphrase(typed: &str) -> Sensitive<String> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let generated = compact.len() == 24
        && compact
            .bytes()
            .all(|b| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(&b));
    if generated {
        let mut out = String::new();
        for (i, c) in compact.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        Sensitive::new(out)
    } else {
        Sensitive::new(typed.trim().to_owned())
    }
}

fn resolve_passphrase(
    store: Option<&Store>,
    given: Option<Sensitive<String>>,
) -> Result<Sensitive<String>> {
    if let Some(given) = given {
        return Ok(given);
    }
    if let Some(store) = store {
        if let Some(found) = passphrase::current(store)? {
            return Ok(found);
        }
    }
    Err(Error::WrongPassphrase {
        hint: " (no passphrase was given and none is in this computer's keyring; pass it with --passphrase-stdin)".to_owned(),
    })
}

/// An archive opened for reading.
enum Opened {
    Parts {
        target: Box<dyn Target>,
        name: String,
        index: Index,
        destination_id: String,
    },
    File(PathBuf),
}

fn open_source(store: Option<&Store>, source: &ArchiveSource) -> Result<Opened> {
    match source {
        ArchiveSource::File(path) => {
            if !path.is_file() {
                return Err(Error::NotFound {
                    what: format!("The backup file {}", path.display()),
                    hint: "Check the path; a manual export is a single .age file.".to_owned(),
                });
            }
            Ok(Opened::File(path.clone()))
        }
        ArchiveSource::Destination { label, name } => {
            let store = store.ok_or_else(|| {
                Error::invalid(
                    "source",
                    "a destination needs an initialized data folder (--home)",
                )
            })?;
            let info = destinations::get(store, label)?;
            let target = destinations::open_target(&info, &destinations::keyring(store)?)?;
            let name = match name {
                Some(n) => n.clone(),
                None => target.list()?.pop().ok_or_else(|| Error::NotFound {
                    what: format!("A complete backup at \"{label}\""),
                    hint: "Export a backup there first.".to_owned(),
                })?,
            };
            let bytes = target.read_index(&name)?.ok_or_else(|| Error::NotFound {
                what: format!("The complete backup \"{name}\" at \"{label}\""),
                hint: "List the backups at that destination to see their names.".to_owned(),
            })?;
            let index = Index::parse(&bytes, &name)?;
            let sum: u64 = index.parts.iter().map(|p| p.size).sum();
            if sum != index.size {
                return Err(Error::BackupDamaged {
                    what: format!("\"{name}\""),
                    detail: "its index does not add up".to_owned(),
                });
            }
            Ok(Opened::Parts {
                target,
                name,
                index,
                destination_id: info.id,
            })
        }
    }
}

impl Opened {
    fn location(&self) -> String {
        match self {
            Opened::Parts { name, .. } => name.clone(),
            Opened::File(path) => path.display().to_string(),
        }
    }

    fn destination_id(&self) -> Option<&str> {
        match self {
            Opened::Parts { destination_id, .. } => Some(destination_id),
            Opened::File(_) => None,
        }
    }

    /// Runs `unpack` over the archive; returns the manifest, size, sha256 and part count.
    /// Parts are fetched one ahead on a helper thread, except for a preview, which reads only
    /// what the manifest needs.
    fn unpack<'c>(
        &self,
        passphrase: &Sensitive<String>,
        extract: Option<Extract<'_>>,
        ctx: &'c Ctx<'c>,
    ) -> Result<(Manifest, u64, Digest, u32)> {
        let what = format!("\"{}\"", self.location());
        let identity = archive::passphrase_identity(passphrase);
        let is_full = extract.is_some();
        match self {
            Opened::Parts {
                target,
                name,
                index,
                ..
            } => std::thread::scope(|scope| {
                let mut stream = archive::prefetch(
                    scope,
                    &what,
                    index.parts.iter().cloned(),
                    |part, buf| target.get_part(name, part.n, buf),
                    usize::from(is_full),
                    ctx,
                )?;
                let manifest = archive::unpack(&mut stream, &identity, &what, extract, ctx)?;
                if is_full {
                    stream.finish(&what)?;
                }
                Ok((manifest, index.size, index.sha256, index.parts.len() as u32))
            }),
            Opened::File(path) => {
                let file = fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
                let mut reader = HashingReader {
                    inner: file,
                    hasher: Sha256::new(),
                    size: 0,
                    ctx,
                };
                let manifest = archive::unpack(
                    std::io::BufReader::with_capacity(archive::CHUNK, &mut reader),
                    &identity,
                    &what,
                    extract,
                    ctx,
                )?;
                if is_full {
                    std::io::copy(&mut reader, &mut std::io::sink())
                        .map_err(|e| Error::io("read", path, e))?;
                }
                let size = reader.size;
                Ok((
                    manifest,
                    size,
                    Digest::from_bytes(reader.hasher.finalize().into()),
                    1,
                ))
            }
        }
    }
}

/// Reads only the manifest: what a restore would bring back. Nothing is written. From a data
/// folder it needs what a restore needs: an unlocked owner or admin.
pub fn preview(
    store: Option<&Store>,
    source: &ArchiveSource,
    passphrase: Option<Sensitive<String>>,
    now: Timestamp,
) -> Result<Preview> {
    if let Some(store) = store {
        let actor = auth::current_actor(store)?;
        auth::members::require_unlocked_privileged(store.conn(), &actor, now, "restore a backup")?;
    }
    // Which backup comes first: a source that names nothing is the clearer error.
    let opened = open_source(store, source)?;
    let passphrase = resolve_passphrase(store, passphrase)?;
    let cancel = AtomicBool::new(false);
    let mut ignore = |_: Progress| {};
    let ctx = Ctx::new(&mut ignore, &cancel);
    let (manifest, ..) = opened.unpack(&passphrase, None, &ctx)?;
    Ok(Preview::of(&manifest))
}

/// Verifies an archive end to end: every part's sha256, decryption, decompression, every entry
/// against the manifest, and `integrity_check` on the database copy in a temp folder. A recorded
/// backup gets its verified flag updated (and one audit entry). From a data folder it needs an
/// unlocked member.
pub fn verify(
    store: Option<&mut Store>,
    source: &ArchiveSource,
    passphrase: Option<Sensitive<String>>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<VerifyReport> {
    if let Some(store) = store.as_deref() {
        let actor = auth::current_actor(store)?;
        auth::members::require_unlocked(store.conn(), &actor, clock.now(), "verify a backup")?;
    }
    let opened = open_source(store.as_deref(), source)?;
    let passphrase = resolve_passphrase(store.as_deref(), passphrase)?;
    let ctx = Ctx::new(progress, cancel);
    let scratch_root = match store.as_deref() {
        Some(s) => s.home_dir(),
        None => std::env::temp_dir().join("persona-studio"),
    };
    let scratch = Scratch::new(&scratch_root, &ids.new_id())?;
    let db = scratch.0.join("verify.db");
    let result = opened
        .unpack(
            &passphrase,
            Some(Extract::VerifyOnly { database_to: &db }),
            &ctx,
        )
        // `unpack` ran integrity_check on the database copy.
        .map(|r| (r, "ok".to_owned()))
        .map_err(|e| e.during(ArchiveOp::Verify));
    if let Some(store) = store {
        let actor = auth::current_actor(store)?;
        let found = records::find(
            store.conn(),
            &actor.tenant_id,
            opened.destination_id(),
            &opened.location(),
        )?;
        let damaged = matches!(
            &result,
            Err(Error::BackupDamaged { .. }
                | Error::BackupUnsafeEntry { .. }
                | Error::BackupForeign { .. })
        );
        if let Some(record) = found.filter(|_| result.is_ok() || damaged) {
            let ok = result.is_ok();
            let now = clock.now();
            store.write(|tx| {
                records::set_verified(tx, &actor.tenant_id, &record.id, ok, now)?;
                audit::append(
                    tx,
                    &actor.tenant_id,
                    &actor.member_id,
                    "backup.verified",
                    json!({"id": record.id, "location": record.location, "ok": ok}),
                    now,
                )?;
                Ok(())
            })?;
        }
    }
    let ((manifest, size, sha, parts), integrity) = result?;
    Ok(VerifyReport {
        location: opened.location(),
        preview: Preview::of(&manifest),
        archive_size: size,
        archive_sha256: sha.to_string(),
        part_count: parts,
        database_integrity: integrity,
    })
}

pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))
}

/// The tenant's backup records, newest first. Needs an unlocked member; anyone sees the last
/// verified backup and whether one is due through [`remind::status`].
pub fn list(store: &Store, include_deleted: bool, now: Timestamp) -> Result<Vec<BackupRecord>> {
    let actor = auth::current_actor(store)?;
    auth::members::require_unlocked(store.conn(), &actor, now, "see the backup history")?;
    records::list(store.conn(), &actor.tenant_id, include_deleted)
}

/// Names of complete backups at a destination (what is really there), oldest first. Needs an
/// unlocked member.
pub fn list_remote(store: &Store, label: &str, now: Timestamp) -> Result<Vec<String>> {
    let actor = auth::current_actor(store)?;
    auth::members::require_unlocked(
        store.conn(),
        &actor,
        now,
        "see the backups at a destination",
    )?;
    let info = destinations::get(store, label)?;
    destinations::open_target(&info, &destinations::keyring(store)?)?.list()
}

/// The schema version this build writes (for previews).
pub fn schema_version() -> i64 {
    store::latest_version()
}
