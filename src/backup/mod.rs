//! Customer-owned backups: the public API the CLI and the app call.
//!
//! - [`export`]: snapshot (database copy filtered to the tenant + the tenant's folder), pack
//!   (`tar | zstd | age`), write parts to a destination, read everything back and verify it,
//!   then commit the index, record metadata and apply retention. One call, a progress callback
//!   and a cancel flag.
//! - [`verify`], [`preview`], [`restore`]: on demand, from a destination or a file.
//! - [`destinations`], [`remind`], [`passphrase`]: configuration, reminders and the passphrase.
//!
//! Files: `format.rs` (manifest, index, names, path rules), `snapshot.rs` (database copy and
//! tenant filter, hashing), `archive.rs` (the pipeline's pieces both ways), `pipeline.rs` (the
//! export's stages on their own threads, with the read-back overlapping the writes),
//! `target.rs` (local folders and the `Target` trait), `cloud.rs` (OpenDAL: S3, WebDAV),
//! `drives.rs` (external drives by UUID), `records.rs` (metadata rows, retention),
//! `remind.rs`, `passphrase.rs`, `destinations.rs`.

pub mod archive;
pub mod cloud;
pub mod destinations;
pub mod drives;
pub mod format;
pub mod passphrase;
pub mod pipeline;
pub mod records;
pub mod remind;
pub mod snapshot;
pub mod target;

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
use crate::home::{Home, DATABASE_FILE};
use crate::ids::IdSource;
use crate::secrets::Sensitive;
use crate::store::{self, Store};
use crate::{Error, Result};

use archive::{Ctx, Extract, HashingReader, PackEntry, PendingSeal};
use format::{Index, Manifest, ManifestEntry, ManifestTenant};
pub use passphrase::{Entropy, OsEntropy};
use pipeline::{Sink, Written};
pub use records::BackupRecord;
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
    #[ts(type = "number")]
    pub entries: u64,
    #[ts(type = "number")]
    pub data_size: u64,
    /// Backups that retention removed from the destination.
    pub retention_deleted: Vec<String>,
    /// Unfinished backups (from a crash or kill) that were cleaned up first.
    pub cleaned_incomplete: Vec<String>,
    /// Files that were not backed up (symbolic links, non-UTF-8 names).
    pub skipped: Vec<String>,
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
            files: manifest
                .entries
                .iter()
                .filter(|e| e.path.starts_with(format::FILES_PREFIX))
                .count() as u64,
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

/// Exports a complete, encrypted, verified backup of the acting tenant. Any unlocked member may
/// (threat model, ARCHITECTURE.md: the tenant's data is theirs); opening it needs the backup
/// passphrase, which only owners and admins can read in the app.
///
/// Errors: `locked`, destination errors, `cancelled`, `backup_damaged` (read-back failed).
pub fn export(
    store: &mut Store,
    request: &ExportRequest,
    clock: &dyn Clock,
    ids: &dyn IdSource,
    entropy: &dyn Entropy,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ExportOutcome> {
    let actor = auth::current_actor(store)?;
    auth::members::require_unlocked(store.conn(), &actor, clock.now(), "export a backup")?;
    let tenant_name = auth::tenant_info(store.conn(), &actor.tenant_id)?.name;
    let keyring = destinations::keyring(store)?;
    let (passphrase, passphrase_created) = passphrase::ensure(&keyring, entropy)?;
    let home = Home::new(store.home_dir());
    let ctx = Ctx::new(progress, cancel);
    let id = ids.new_id();
    let created_at = clock.now();
    let name = format::backup_name(created_at, &id);

    // Destination first: a missing drive or bad credentials fail before any work.
    let destination = match &request.to {
        ExportTo::Destination(label) => Some(destinations::get(store, label)?),
        ExportTo::File(_) => None,
    };
    let target: Option<Box<dyn Target>> = destination
        .as_ref()
        .map(|d| destinations::open_target(d, &keyring))
        .transpose()?;
    let cleaned_incomplete = match &target {
        Some(t) => t.clean_incomplete()?,
        None => Vec::new(),
    };

    // The key derivation runs while the snapshot is taken (and packing starts).
    let sealing = PendingSeal::start(passphrase.clone(), request.work_factor)?;

    // Snapshot: the database copy on a worker, the files hashed meanwhile.
    let scratch = Scratch::new(home.root(), &id)?;
    let db_copy = scratch.0.join(DATABASE_FILE);
    let snap = snapshot::take(
        store,
        &actor.tenant_id,
        &db_copy,
        &home.tenant_dir(&actor.tenant_id),
        &ctx,
    )?;
    ctx.check_cancel()?;
    let manifest = Manifest {
        format: format::MANIFEST_FORMAT.to_owned(),
        format_version: format::FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: store.schema_version()?,
        tenant: ManifestTenant {
            id: actor.tenant_id.clone(),
            name: tenant_name,
        },
        created_at,
        counts: snap.counts,
        entries: snap
            .entries
            .iter()
            .zip(&snap.digests)
            .map(|(e, d)| ManifestEntry {
                path: e.archive_path.clone(),
                size: e.size,
                sha256: *d,
            })
            .collect(),
    };
    let data_size = manifest.total_size();
    let skipped = snap.skipped;
    let entries = snap.entries;

    // Pack, encrypt, write and read back at once; nothing looks complete before it verified.
    let part_size = request
        .part_size
        .unwrap_or(format::DEFAULT_PART_SIZE)
        .clamp(4096, 1 << 30);
    let verify_db = scratch.0.join("verify.db");
    let (record_kind, label, location, written) = match (&target, &request.to) {
        (Some(target), _) => {
            let what = format!("\"{name}\"");
            let result = pipeline::export(
                &manifest,
                &entries,
                sealing,
                Sink::Parts {
                    target: target.as_ref(),
                    name: &name,
                    part_size: usize::try_from(part_size).unwrap_or(usize::MAX),
                },
                &verify_db,
                &what,
                &ctx,
            )
            .and_then(|written| {
                ctx.check_cancel()?;
                let index = Index {
                    format: format::INDEX_FORMAT.to_owned(),
                    format_version: format::FORMAT_VERSION,
                    name: name.clone(),
                    tenant: actor.tenant_id.clone(),
                    created_at,
                    part_size,
                    size: written.size,
                    sha256: written.sha256,
                    parts: written.parts.clone(),
                };
                let index_bytes = serde_json::to_vec_pretty(&index).map_err(|e| {
                    Error::SnapshotFailed(format!("Could not write the index: {e}"))
                })?;
                target.commit(&name, &index_bytes)?;
                if target.read_index(&name)?.as_deref() != Some(index_bytes.as_slice()) {
                    return Err(Error::BackupDamaged {
                        what,
                        detail: "its index reads back differently than written".to_owned(),
                    });
                }
                Ok(written)
            });
            let written = match result {
                Ok(w) => w,
                Err(e) => {
                    let _ = target.discard(&name);
                    return Err(e);
                }
            };
            let d = destination.as_ref();
            (
                d.map(|d| d.config.kind()).unwrap_or("local"),
                d.map(|d| d.label.clone()).unwrap_or_default(),
                name.clone(),
                written,
            )
        }
        (None, ExportTo::File(path)) => {
            let written = export_file(path, &name, &manifest, &entries, sealing, &verify_db, &ctx)?;
            (
                "file",
                "manual export".to_owned(),
                path.display().to_string(),
                written,
            )
        }
        (None, ExportTo::Destination(_)) => {
            return Err(Error::invalid("destination", "no target"));
        }
    };

    let now = clock.now();
    let record = BackupRecord {
        id: id.clone(),
        destination_id: destination.as_ref().map(|d| d.id.clone()),
        dest_kind: record_kind.to_owned(),
        dest_label: label,
        location,
        created_at,
        size: written.size,
        sha256: written.sha256.to_string(),
        part_count: u32::try_from(written.parts.len()).unwrap_or(u32::MAX),
        verified: true,
        verified_at: Some(now),
        restore_tested_at: None,
        deleted_at: None,
    };
    store.write(|tx| {
        records::insert(tx, &actor.tenant_id, &record)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.exported",
            json!({
                "id": record.id, "destination": record.dest_label, "kind": record.dest_kind,
                "location": record.location, "size": record.size, "sha256": record.sha256,
                "parts": record.part_count, "verified": true,
            }),
            now,
        )?;
        Ok(())
    })?;
    let retention_deleted = match (&destination, &target) {
        (Some(d), Some(t)) => apply_retention(store, d, t.as_ref(), clock)?,
        _ => Vec::new(),
    };
    Ok(ExportOutcome {
        record,
        entries: manifest.entries.len() as u64,
        data_size,
        retention_deleted,
        cleaned_incomplete,
        skipped,
        passphrase_created,
    })
}

/// A manual export: one age file, written under a temporary name next to `path`, read back
/// and verified, then renamed into place.
fn export_file<'c>(
    path: &Path,
    name: &str,
    manifest: &Manifest,
    entries: &[PackEntry],
    sealing: PendingSeal,
    verify_db: &Path,
    ctx: &'c Ctx<'c>,
) -> Result<Written> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::DestinationUnavailable {
            label: "manual export".to_owned(),
            detail: format!("the folder {} does not exist", parent.display()),
            hint: "Create the folder first, or choose another file.".to_owned(),
        });
    }
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::invalid("out", "give a file name"))?;
    let tmp = parent.join(format!(".{file_name}.{name}.partial"));
    let result = (|| {
        let file = fs::File::create(&tmp)
            .map_err(|e| target::io_error("manual export", "create", &tmp, e))?;
        let written = pipeline::export(
            manifest,
            entries,
            sealing,
            Sink::File { file, path: &tmp },
            verify_db,
            &format!("\"{}\"", path.display()),
            ctx,
        )?;
        ctx.check_cancel()?;
        fs::rename(&tmp, path).map_err(|e| target::io_error("manual export", "rename", &tmp, e))?;
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Keeps the newest `keep_last` recorded backups at a destination; deletes the rest there and
/// marks their records deleted (one audit entry listing them).
fn apply_retention(
    store: &mut Store,
    destination: &destinations::DestinationInfo,
    target: &dyn Target,
    clock: &dyn Clock,
) -> Result<Vec<String>> {
    let actor = auth::current_actor(store)?;
    let live: Vec<BackupRecord> = records::list(store.conn(), &actor.tenant_id, false)?
        .into_iter()
        .filter(|r| r.destination_id.as_deref() == Some(destination.id.as_str()))
        .collect();
    let keep = usize::try_from(destination.keep_last).unwrap_or(usize::MAX);
    let old: Vec<BackupRecord> = live.into_iter().skip(keep).collect();
    if old.is_empty() {
        return Ok(Vec::new());
    }
    let mut deleted = Vec::new();
    for record in &old {
        target.remove(&record.location)?;
        deleted.push(record.clone());
    }
    let now = clock.now();
    store.write(|tx| {
        for record in &deleted {
            records::mark_deleted(tx, &actor.tenant_id, &record.id, now)?;
        }
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.retention_deleted",
            json!({
                "destination": destination.label,
                "keep_last": destination.keep_last,
                "deleted": deleted.iter().map(|r| r.location.clone()).collect::<Vec<_>>(),
            }),
            now,
        )?;
        Ok(())
    })?;
    Ok(deleted.into_iter().map(|r| r.location).collect())
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
    let passphrase = resolve_passphrase(store, passphrase)?;
    let opened = open_source(store, source)?;
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
    let passphrase = resolve_passphrase(store.as_deref(), passphrase)?;
    let opened = open_source(store.as_deref(), source)?;
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
        .map(|r| (r, "ok".to_owned()));
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
            Err(Error::BackupDamaged { .. } | Error::BackupUnsafeEntry { .. })
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

/// What restoring into a folder would do to what is there now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RestoreTarget {
    /// Nothing there yet, or an empty folder: the restored data folder is created.
    New { into: String },
    /// A Persona Studio data folder: its contents move aside to `safety_copy`.
    DataFolder { into: String, safety_copy: String },
    /// A folder of other files (`entries` at its top level). Refused unless the user confirms;
    /// then they move aside to `safety_copy`.
    OtherFiles {
        into: String,
        safety_copy: String,
        #[ts(type = "number")]
        entries: u64,
    },
}

impl RestoreTarget {
    fn safety_copy(&self) -> Option<&str> {
        match self {
            RestoreTarget::New { .. } => None,
            RestoreTarget::DataFolder { safety_copy, .. }
            | RestoreTarget::OtherFiles { safety_copy, .. } => Some(safety_copy),
        }
    }
}

/// How to restore.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    pub source: ArchiveSource,
    /// The data folder to restore into.
    pub into: PathBuf,
    /// The backup passphrase; `None` reads it from the OS keyring.
    pub passphrase: Option<Sensitive<String>>,
    /// The user confirmed that a folder which is not a Persona Studio data folder may be moved
    /// aside ([`RestoreTarget::OtherFiles`]).
    pub force: bool,
}

fn split_into(into: &Path) -> Result<(PathBuf, String)> {
    let parent = into
        .parent()
        .ok_or_else(|| Error::invalid("into", "give a folder, not the file system root"))?;
    let leaf = into
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::invalid("into", "give a folder with a plain name"))?;
    Ok((parent.to_path_buf(), leaf.to_owned()))
}

/// Looks at `into` without changing anything: what a restore at `now` would do there. The
/// safety copy's name depends only on `into` and `now`.
///
/// Errors: `invalid_input` when `into` is a file or has no usable name; `io`.
pub fn restore_target(into: &Path, now: Timestamp) -> Result<RestoreTarget> {
    let into = absolute(into)?;
    let (parent, leaf) = split_into(&into)?;
    let shown = into.display().to_string();
    let metadata = match fs::symlink_metadata(&into) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RestoreTarget::New { into: shown })
        }
        Err(e) => return Err(Error::io("inspect", &into, e)),
    };
    if !metadata.is_dir() {
        return Err(Error::invalid(
            "into",
            format!("{shown} is not a folder; give a new or empty folder, or a data folder"),
        ));
    }
    let entries = fs::read_dir(&into)
        .map_err(|e| Error::io("read", &into, e))?
        .count() as u64;
    if entries == 0 {
        return Ok(RestoreTarget::New { into: shown });
    }
    let stamp: String = now
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    let safety_copy = parent
        .join(format!("{leaf}.before-restore-{stamp}"))
        .display()
        .to_string();
    if into.join(DATABASE_FILE).is_file() {
        Ok(RestoreTarget::DataFolder {
            into: shown,
            safety_copy,
        })
    } else {
        Ok(RestoreTarget::OtherFiles {
            into: shown,
            safety_copy,
            entries,
        })
    }
}

/// Restoring replaces governance state (approvals, the audit chain), so it needs an unlocked
/// owner or admin of the acting data folder, and, when it replaces a data folder of another
/// tenant (or there is no acting one), an unlocked owner or admin there too. With no data folder
/// on either side (a new machine), holding the archive and its passphrase is the proof: it is
/// all `age -d` needs to read the archive anyway.
fn authorize_restore(store: Option<&Store>, target: &RestoreTarget, now: Timestamp) -> Result<()> {
    const ACTION: &str = "restore a backup";
    let proven = match store {
        Some(store) => {
            let actor = auth::current_actor(store)?;
            auth::members::require_unlocked_privileged(store.conn(), &actor, now, ACTION)?;
            Some(actor.tenant_id)
        }
        None => None,
    };
    if let RestoreTarget::DataFolder { into, .. } = target {
        let replaced = Store::open_path(&Path::new(into).join(DATABASE_FILE))?;
        let actor = match auth::current_actor(&replaced) {
            // A database that was never set up holds no governance state to protect.
            Err(Error::NotInitialized { .. }) => return Ok(()),
            other => other?,
        };
        if proven.as_deref() != Some(actor.tenant_id.as_str()) {
            auth::members::require_unlocked_privileged(replaced.conn(), &actor, now, ACTION)?;
        }
    }
    Ok(())
}

/// The head of the chain in the data folder a restore replaces, if it replaces one.
fn replaced_head(target: &RestoreTarget) -> Result<Option<audit::Checkpoint>> {
    let RestoreTarget::DataFolder { into, .. } = target else {
        return Ok(None);
    };
    let replaced = Store::open_path(&Path::new(into).join(DATABASE_FILE))?;
    match auth::current_actor(&replaced) {
        Err(Error::NotInitialized { .. }) => Ok(None),
        actor => audit::head(replaced.conn(), &actor?.tenant_id),
    }
}

/// Restores an archive into the data folder `into`: everything goes to a staging folder next to
/// it and is verified there (entries against the manifest, `integrity_check`, migrations, the
/// audit chain from its first entry). The restore is then recorded in the restored chain
/// (`backup.restored`: the backup, its sha256, the restored head and the head it replaces),
/// unlock sessions are ended, the backup joins the restored history, and the restored folder
/// gets an install id of its own, whose keyring checkpoint starts at the new head. Only then is
/// `into` swapped in, its previous contents kept as a safety copy.
///
/// Errors: `forbidden`/`locked` (see [`authorize_restore`]), `not_a_data_folder` (a folder of
/// other files without `force`), `backup_damaged` (including a chain that does not verify),
/// `wrong_passphrase`, `cancelled`, `io`.
pub fn restore(
    store: Option<&mut Store>,
    request: &RestoreRequest,
    clock: &dyn Clock,
    ids: &dyn IdSource,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<RestoreReport> {
    let now = clock.now();
    let into = absolute(&request.into)?;
    let target = restore_target(&into, now)?;
    authorize_restore(store.as_deref(), &target, now)?;
    if let RestoreTarget::OtherFiles { entries, .. } = &target {
        if !request.force {
            return Err(Error::NotADataFolder {
                into: into.clone(),
                entries: *entries,
            });
        }
    }
    let passphrase = resolve_passphrase(store.as_deref(), request.passphrase.clone())?;
    let opened = open_source(store.as_deref(), &request.source)?;
    let ctx = Ctx::new(progress, cancel);
    let (parent, leaf) = split_into(&into)?;
    fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    let staging = parent.join(format!(".{leaf}.restore-{}", ids.new_id()));
    let _cleanup = Scratch(staging.clone());
    fs::create_dir_all(&staging).map_err(|e| Error::io("create", &staging, e))?;
    ctx.report(Stage::Restore, 0, 0);
    let staged_db = staging.join(DATABASE_FILE);
    let staged_files = staging.join(".files");
    let (manifest, size, sha256, parts) = opened.unpack(
        &passphrase,
        Some(Extract::Into {
            database_to: &staged_db,
            files_to: &staged_files,
        }),
        &ctx,
    )?;
    place_files(&opened, &manifest, &staging)?;
    ctx.check_cancel()?;
    let archive = RestoredArchive {
        opened: &opened,
        manifest: &manifest,
        size,
        sha256,
        parts,
    };
    let known = match store.as_deref() {
        Some(s) => archive.record_in(s)?,
        None => None,
    };
    let previous = replaced_head(&target)?;
    seal_restored(&staged_db, &archive, known, previous, &passphrase, now, ids)?;
    ctx.check_cancel()?;
    let safety_copy = swap_in(&staging, &into, &target)?;
    if let Some(store) = store {
        record_restore_test(store, &archive, &into, now)?;
    }
    Ok(RestoreReport {
        into: into.display().to_string(),
        safety_copy,
        preview: Preview::of(&manifest),
    })
}

/// An archive that was just unpacked for a restore, and what is known of it.
struct RestoredArchive<'a> {
    opened: &'a Opened,
    manifest: &'a Manifest,
    size: u64,
    sha256: Digest,
    parts: u32,
}

impl RestoredArchive<'_> {
    /// The acting folder's record of this backup, when it made it.
    fn record_in(&self, store: &Store) -> Result<Option<BackupRecord>> {
        let actor = auth::current_actor(store)?;
        records::find(
            store.conn(),
            &actor.tenant_id,
            self.opened.destination_id(),
            &self.opened.location(),
        )
    }

    /// The record the restored folder keeps of the backup it came from: verified (it was just
    /// read in full) and restore-tested, so reminders count from it.
    fn record(
        &self,
        known: Option<BackupRecord>,
        dest: Option<(String, String)>,
        now: Timestamp,
        ids: &dyn IdSource,
    ) -> BackupRecord {
        let (dest_kind, dest_label) = dest.unwrap_or_else(|| match known.as_ref() {
            Some(r) => (r.dest_kind.clone(), r.dest_label.clone()),
            None => ("file".to_owned(), "manual export".to_owned()),
        });
        BackupRecord {
            id: known.map_or_else(|| ids.new_id(), |r| r.id),
            destination_id: self.opened.destination_id().map(str::to_owned),
            dest_kind,
            dest_label,
            location: self.opened.location(),
            created_at: self.manifest.created_at,
            size: self.size,
            sha256: self.sha256.to_string(),
            part_count: self.parts,
            verified: true,
            verified_at: Some(now),
            restore_tested_at: Some(now),
            deleted_at: None,
        }
    }
}

/// Moves the unpacked tenant files to `tenants/<id>/` inside the staging folder.
fn place_files(opened: &Opened, manifest: &Manifest, staging: &Path) -> Result<()> {
    if !staging.join(DATABASE_FILE).is_file() {
        return Err(Error::BackupDamaged {
            what: format!("\"{}\"", opened.location()),
            detail: "it holds no database".to_owned(),
        });
    }
    format::safe_relative(&manifest.tenant.id)?;
    let staged_files = staging.join(".files");
    if staged_files.exists() {
        let tenant_dir = Home::new(staging).tenant_dir(&manifest.tenant.id);
        if let Some(p) = tenant_dir.parent() {
            fs::create_dir_all(p).map_err(|e| Error::io("create", p, e))?;
        }
        fs::rename(&staged_files, &tenant_dir).map_err(|e| Error::io("move", &staged_files, e))?;
    }
    Ok(())
}

/// Records the restore in the staged database and moves trust to it: see [`restore`].
fn seal_restored(
    staged_db: &Path,
    archive: &RestoredArchive<'_>,
    known: Option<BackupRecord>,
    previous: Option<audit::Checkpoint>,
    passphrase: &Sensitive<String>,
    now: Timestamp,
    ids: &dyn IdSource,
) -> Result<()> {
    let what = format!("\"{}\"", archive.opened.location());
    // Opening migrates an older schema and refuses a newer one.
    let mut restored = Store::open_path(staged_db)?;
    let actor = auth::current_actor(&restored)?;
    if actor.tenant_id != archive.manifest.tenant.id {
        return Err(Error::BackupDamaged {
            what,
            detail: "its database belongs to another tenant than its manifest".to_owned(),
        });
    }
    let chain = audit::verify(restored.conn(), &actor.tenant_id, None)?;
    if !chain.ok {
        return Err(Error::BackupDamaged {
            what,
            detail: format!(
                "its audit log does not verify ({})",
                chain.reason.unwrap_or_default()
            ),
        });
    }
    let restored_head = audit::head(restored.conn(), &actor.tenant_id)?;
    let old_install = auth::install_id(&restored)?.unwrap_or_default();
    let new_install = ids.new_id();
    let dest = archive
        .opened
        .destination_id()
        .map(|id| destinations::kind_and_label(&restored, id))
        .transpose()?
        .flatten();
    let record = archive.record(known, dest, now, ids);
    let data = json!({
        "backup": {"id": record.id, "location": record.location, "sha256": record.sha256,
                   "size": record.size, "created_at": record.created_at.to_string()},
        "restored_head": restored_head, "previous_head": previous,
        "previous_install_id": old_install, "install_id": new_install,
    });
    restored.write(|tx| {
        tx.execute(
            "UPDATE local_profile SET install_id = ?1 WHERE singleton = 1",
            rusqlite::params![new_install],
        )?;
        // An unlock proves who sat at the old folder; it does not carry over.
        tx.execute("DELETE FROM member_unlocks", [])?;
        records::insert(tx, &actor.tenant_id, &record)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.restored",
            data,
            now,
        )?;
        Ok(())
    })?;
    let keyring = crate::secrets::Keyring::new(new_install.clone());
    passphrase::store(&keyring, passphrase)?;
    destinations::copy_secrets(
        &restored,
        &crate::secrets::Keyring::new(old_install),
        &keyring,
    )?;
    audit::checkpoint_restored(restored.conn(), &actor.tenant_id, &keyring)?;
    restored
        .conn()
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .ok();
    Ok(())
}

/// Swaps the staged folder in; the previous contents (if any) become the safety copy.
fn swap_in(staging: &Path, into: &Path, target: &RestoreTarget) -> Result<Option<String>> {
    let safety_copy = target.safety_copy().map(PathBuf::from);
    match &safety_copy {
        Some(safety) => {
            fs::rename(into, safety).map_err(|e| Error::io("move aside", into, e))?;
        }
        None if into.exists() => {
            fs::remove_dir(into).map_err(|e| Error::io("replace", into, e))?;
        }
        None => {}
    }
    if let Err(e) = fs::rename(staging, into) {
        if let Some(safety) = &safety_copy {
            let _ = fs::rename(safety, into);
        }
        return Err(Error::io("move the restored data to", into, e));
    }
    Ok(safety_copy.map(|p| p.display().to_string()))
}

/// Records the restore test in the acting data folder (unless the restore just replaced it).
fn record_restore_test(
    store: &mut Store,
    archive: &RestoredArchive<'_>,
    into: &Path,
    now: Timestamp,
) -> Result<()> {
    if absolute(&store.home_dir()).ok().as_deref() == Some(into) {
        return Ok(());
    }
    let actor = auth::current_actor(store)?;
    let Some(record) = archive.record_in(store)? else {
        return Ok(());
    };
    store.write(|tx| {
        records::set_restore_tested(tx, &actor.tenant_id, &record.id, now)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "backup.restore_tested",
            json!({"id": record.id, "into": into.display().to_string()}),
            now,
        )?;
        Ok(())
    })
}

fn absolute(path: &Path) -> Result<PathBuf> {
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
