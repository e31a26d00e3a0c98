//! Exporting a backup, stage by stage: open the destination (a missing drive or bad credentials
//! fail before any work), take the snapshot and its manifest, run the pipeline (pack, encrypt,
//! write, read back) into parts or one file, commit the index, record the backup with one audit
//! entry, then apply the destination's retention.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::archive::{export_work_factor, Ctx, PackEntry, PendingSeal};
use super::destinations::{self, DestinationInfo};
use super::format::{
    self, Index, Manifest, ManifestDir, ManifestEntry, ManifestTenant, FILES_PREFIX,
};
use super::limits::{self, SkippedFile};
use super::passphrase::{self, Entropy};
use super::pipeline::{self, Sink, Written};
use super::records::{self, BackupRecord};
use super::target::{self, Target};
use super::{snapshot, ExportOutcome, ExportRequest, ExportTo, Progress, Scratch};
use crate::audit;
use crate::auth::{self, Actor};
use crate::clock::{Clock, Timestamp};
use crate::home::{Home, DATABASE_FILE};
use crate::ids::IdSource;
use crate::secrets::Keyring;
use crate::store::Store;
use crate::{Error, Result};

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
    export_work_factor(request.work_factor)?;
    let tenant_name = auth::tenant_info(store.conn(), &actor.tenant_id)?.name;
    let keyring = destinations::keyring(store)?;
    let (passphrase, passphrase_created) = passphrase::ensure(&keyring, entropy)?;
    let home = Home::new(store.home_dir());
    let ctx = Ctx::new(progress, cancel);
    let id = ids.new_id();
    let created_at = clock.now();
    let name = format::backup_name(created_at, &id);

    // Destination first: a missing drive or bad credentials fail before any work.
    let place = Place::open(store, &request.to, &keyring)?;
    // The key derivation runs while the snapshot is taken (and packing starts).
    let sealing = PendingSeal::start(passphrase.clone(), request.work_factor)?;
    let scratch = Scratch::new(home.root(), &id)?;
    let tenant = ManifestTenant {
        id: actor.tenant_id.clone(),
        name: tenant_name,
    };
    let snap = take_snapshot(store, tenant, created_at, &home, &scratch, &ctx)?;

    // Pack, encrypt, write and read back at once; nothing looks complete before it verified.
    let job = Job {
        id: &id,
        name: &name,
        created_at,
        manifest: &snap.manifest,
        entries: &snap.entries,
        verify_db: &scratch.0.join("verify.db"),
        ctx: &ctx,
    };
    let stored = place.write(&job, sealing, request)?;
    let record = record_export(store, &actor, &place, &job, stored, clock.now())?;
    let retention_deleted = place.apply_retention(store, clock)?;
    Ok(ExportOutcome {
        record,
        entries: snap.manifest.entries.len() as u64,
        files: snap.manifest.tenant_files(),
        data_size: snap.manifest.total_size(),
        retention_deleted,
        cleaned_incomplete: place.cleaned_incomplete(),
        skipped: snap.skipped,
        passphrase_created,
    })
}

/// Where an export goes, opened before any work.
enum Place {
    /// A configured destination, with the unfinished backups cleaned up on opening it.
    Destination {
        info: DestinationInfo,
        target: Box<dyn Target>,
        cleaned_incomplete: Vec<String>,
    },
    /// A manual export file.
    File(PathBuf),
}

/// The archive being exported: its name, what goes in it and where the read-back is checked.
struct Job<'a, 'c> {
    id: &'a str,
    name: &'a str,
    created_at: Timestamp,
    manifest: &'a Manifest,
    entries: &'a [PackEntry],
    verify_db: &'a Path,
    ctx: &'c Ctx<'c>,
}

/// The snapshot described by its manifest, with the files to pack.
struct Snap {
    manifest: Manifest,
    entries: Vec<PackEntry>,
    skipped: Vec<SkippedFile>,
}

/// Takes the snapshot (the database copy on a worker, the files hashed meanwhile) and builds
/// the manifest that describes it.
fn take_snapshot(
    store: &Store,
    tenant: ManifestTenant,
    created_at: Timestamp,
    home: &Home,
    scratch: &Scratch,
    ctx: &Ctx<'_>,
) -> Result<Snap> {
    let db_copy = scratch.0.join(DATABASE_FILE);
    let tenant_dir = home.tenant_dir(&tenant.id);
    let snap = snapshot::take(store, &tenant.id, &db_copy, &tenant_dir, ctx)?;
    fail::fail_point!(super::failpoints::SNAPSHOT);
    ctx.check_cancel()?;
    let manifest = Manifest {
        format: format::MANIFEST_FORMAT.to_owned(),
        format_version: format::FORMAT_VERSION,
        app_version: crate::VERSION.to_owned(),
        schema_version: store.schema_version()?,
        tenant,
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
                mode: e.mode,
            })
            .collect(),
        dirs: snap
            .dirs
            .iter()
            .map(|d| ManifestDir {
                path: format!("{FILES_PREFIX}{}", d.relative)
                    .trim_end_matches('/')
                    .to_owned(),
                mode: d.mode,
            })
            .collect(),
        skipped: snap.skipped.clone(),
    };
    within_limits(&manifest)?;
    Ok(Snap {
        manifest,
        entries: snap.entries,
        skipped: snap.skipped,
    })
}

/// Refuses, before anything is written, a backup that a restore would refuse for its size:
/// more entries than [`limits::MAX_ENTRIES`] or a manifest over [`limits::MANIFEST_MAX`].
fn within_limits(manifest: &Manifest) -> Result<()> {
    let count = manifest.entries.len() + manifest.dirs.len();
    let bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::SnapshotFailed(format!("Could not write the manifest: {e}")))?
        .len() as u64;
    if count > limits::MAX_ENTRIES || bytes > limits::MANIFEST_MAX {
        return Err(Error::SnapshotFailed(format!(
            "The tenant's folder holds {count} files and folders ({bytes} bytes of manifest); a backup holds at most {} ({} bytes), so a restore could not read it. Move some files out of the tenant's folder and try again.",
            limits::MAX_ENTRIES,
            limits::MANIFEST_MAX
        )));
    }
    Ok(())
}

impl Place {
    fn open(store: &Store, to: &ExportTo, keyring: &Keyring) -> Result<Place> {
        match to {
            ExportTo::Destination(label) => {
                let info = destinations::get(store, label)?;
                let target = destinations::open_target(&info, keyring)?;
                let cleaned_incomplete = target.clean_incomplete()?;
                Ok(Place::Destination {
                    info,
                    target,
                    cleaned_incomplete,
                })
            }
            ExportTo::File(path) => {
                refuse_existing(path)?;
                Ok(Place::File(path.clone()))
            }
        }
    }

    /// Runs the pipeline into this place; returns what was written once it verified.
    fn write(
        &self,
        job: &Job<'_, '_>,
        sealing: PendingSeal,
        request: &ExportRequest,
    ) -> Result<Written> {
        match self {
            Place::Destination { target, .. } => {
                let part_size = request
                    .part_size
                    .unwrap_or(format::DEFAULT_PART_SIZE)
                    .clamp(4096, limits::MAX_PART_SIZE);
                let result = write_parts(target.as_ref(), job, sealing, part_size);
                if result.is_err() {
                    let _ = target.discard(job.name);
                }
                result
            }
            Place::File(path) => export_file(path, job, sealing),
        }
    }

    /// The record's destination kind, label and location.
    fn describe(&self, name: &str) -> (&'static str, String, String) {
        match self {
            Place::Destination { info, .. } => {
                (info.config.kind(), info.label.clone(), name.to_owned())
            }
            Place::File(path) => (
                "file",
                "manual export".to_owned(),
                path.display().to_string(),
            ),
        }
    }

    fn destination_id(&self) -> Option<String> {
        match self {
            Place::Destination { info, .. } => Some(info.id.clone()),
            Place::File(_) => None,
        }
    }

    fn cleaned_incomplete(self) -> Vec<String> {
        match self {
            Place::Destination {
                cleaned_incomplete, ..
            } => cleaned_incomplete,
            Place::File(_) => Vec::new(),
        }
    }

    fn apply_retention(&self, store: &mut Store, clock: &dyn Clock) -> Result<Vec<String>> {
        match self {
            Place::Destination { info, target, .. } => {
                apply_retention(store, info, target.as_ref(), clock)
            }
            Place::File(_) => Ok(Vec::new()),
        }
    }
}

/// Writes the archive as parts at a destination, then commits its index (written last, and
/// read back to check it).
fn write_parts(
    target: &dyn Target,
    job: &Job<'_, '_>,
    sealing: PendingSeal,
    part_size: u64,
) -> Result<Written> {
    let what = format!("\"{}\"", job.name);
    let sink = Sink::Parts {
        target,
        name: job.name,
        part_size: usize::try_from(part_size).unwrap_or(usize::MAX),
    };
    let written = pipeline::export(
        job.manifest,
        job.entries,
        sealing,
        sink,
        job.verify_db,
        &what,
        job.ctx,
    )?;
    job.ctx.check_cancel()?;
    let index = Index {
        format: format::INDEX_FORMAT.to_owned(),
        format_version: format::FORMAT_VERSION,
        name: job.name.to_owned(),
        tenant: job.manifest.tenant.id.clone(),
        created_at: job.created_at,
        part_size,
        size: written.size,
        sha256: written.sha256,
        parts: written.parts.clone(),
    };
    let index_bytes = serde_json::to_vec_pretty(&index)
        .map_err(|e| Error::SnapshotFailed(format!("Could not write the index: {e}")))?;
    fail::fail_point!(super::failpoints::INDEX_WRITE);
    target.commit(job.name, &index_bytes)?;
    if target.read_index(job.name)?.as_deref() != Some(index_bytes.as_slice()) {
        return Err(Error::BackupDamaged {
            what,
            detail: "its index reads back differently than written".to_owned(),
        });
    }
    Ok(written)
}

/// A manual export: one age file, written under a temporary name next to `path`, read back
/// and verified, then renamed into place.
/// A manual export never replaces a file (an older backup, or anything else at that path).
fn refuse_existing(path: &Path) -> Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(Error::Conflict(format!(
            "{} already exists, and a manual export never replaces a file. Choose a new file name, or move the old file away first.",
            path.display()
        )));
    }
    Ok(())
}

fn export_file(path: &Path, job: &Job<'_, '_>, sealing: PendingSeal) -> Result<Written> {
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
    let tmp = parent.join(format!(".{file_name}.{}.partial", job.name));
    let result = (|| {
        let file = fs::File::create(&tmp)
            .map_err(|e| target::io_error("manual export", "create", &tmp, e))?;
        let written = pipeline::export(
            job.manifest,
            job.entries,
            sealing,
            Sink::File { file, path: &tmp },
            job.verify_db,
            &format!("\"{}\"", path.display()),
            job.ctx,
        )?;
        job.ctx.check_cancel()?;
        // Checked again: the file may have appeared while the export ran.
        refuse_existing(path)?;
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

/// Records the verified backup (its metadata row and one `backup.exported` audit entry).
fn record_export(
    store: &mut Store,
    actor: &Actor,
    place: &Place,
    job: &Job<'_, '_>,
    written: Written,
    now: Timestamp,
) -> Result<BackupRecord> {
    let (kind, label, location) = place.describe(job.name);
    let record = BackupRecord {
        id: job.id.to_owned(),
        destination_id: place.destination_id(),
        dest_kind: kind.to_owned(),
        dest_label: label,
        location,
        created_at: job.created_at,
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
    Ok(record)
}

/// Keeps the newest `keep_last` recorded backups at a destination; deletes the rest there and
/// marks their records deleted (one audit entry listing them).
fn apply_retention(
    store: &mut Store,
    destination: &DestinationInfo,
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
