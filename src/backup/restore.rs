//! Restoring a backup into a data folder: what it would do to the folder first
//! ([`restore_target`]), who may ([`authorize_restore`], the threat model in ARCHITECTURE.md),
//! and the restore itself: staged, verified, recorded in the restored chain with a new install
//! id and keyring checkpoint, then swapped in with a safety copy.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::json;

use super::archive::{Ctx, Extract};
use super::format::Manifest;
use super::limits;
use super::{
    absolute, destinations, open_source, passphrase, records, resolve_passphrase, ArchiveSource,
    BackupRecord, Opened, Preview, Progress, RestoreReport, Scratch, Stage,
};
use crate::audit;
use crate::auth;
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::home::{Home, DATABASE_FILE};
use crate::ids::IdSource;
use crate::secrets::Sensitive;
use crate::store::Store;
use crate::{Error, Result};

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
/// safety copy is named after `into` and `now` to the millisecond, with `-2`, `-3`, … when
/// that name is taken.
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
    // To the millisecond, and never a name already taken (two restores in one moment).
    let stamp: String = now
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .take(17)
        .collect();
    let base = format!("{leaf}.before-restore-{stamp}");
    let safety_copy = std::iter::once(base.clone())
        .chain((2..1000).map(|n| format!("{base}-{n}")))
        .map(|name| parent.join(name))
        .find(|path| fs::symlink_metadata(path).is_err())
        .ok_or_else(|| {
            Error::invalid(
                "into",
                format!("too many safety copies named {base} beside it"),
            )
        })?
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
    let opened = open_source(store.as_deref(), &request.source)?;
    let passphrase = resolve_passphrase(store.as_deref(), request.passphrase.clone())?;
    let ctx = Ctx::new(progress, cancel);
    let (parent, leaf) = split_into(&into)?;
    fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    let staging = parent.join(format!(".{leaf}.restore-{}", ids.new_id()));
    let _cleanup = Scratch(staging.clone());
    create_private_dir(&staging)?;
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

/// Creates the staging folder readable by its owner only (0700 where there are modes): files
/// are restored inside it before their own modes are set, and it becomes the data folder.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| Error::io("create", dir, e))
}

/// Moves the unpacked tenant files to `tenants/<id>/` inside the staging folder.
fn place_files(opened: &Opened, manifest: &Manifest, staging: &Path) -> Result<()> {
    if !staging.join(DATABASE_FILE).is_file() {
        return Err(Error::BackupDamaged {
            what: format!("\"{}\"", opened.location()),
            detail: "it holds no database".to_owned(),
        });
    }
    limits::safe_relative(&manifest.tenant.id)?;
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
