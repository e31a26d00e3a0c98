//! Where archive parts are stored: the [`Target`] trait and the local-folder target (also used
//! for external drives). Writes are atomic: parts go into a hidden `.NAME.partial` folder, the
//! index is written last (after every part is flushed to disk), and the folder is renamed to
//! `NAME` only after verification, so a crash at any moment never leaves anything that looks
//! like a complete backup.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::format::{is_backup_name, part_name, INDEX_NAME, PART_PREFIX};
use super::limits::{MAX_INDEX_BYTES, MAX_PART_SIZE};
use crate::{Error, Result};

/// A place that holds backups. Object-store targets (S3, WebDAV) implement it in `cloud.rs`.
/// `Sync`: an export reads part N back on another thread while it writes part N+1.
pub trait Target: Send + Sync {
    /// The destination's label, for messages.
    fn label(&self) -> &str;
    /// Stores part `n` of the unfinished backup `name`.
    fn put_part(&self, name: &str, n: u32, data: &[u8]) -> Result<()>;
    /// Makes part `n` durable. Separate from `put_part` so the flush overlaps writing the next
    /// part; `commit` makes sure of it anyway. Object stores are durable once a put returns.
    fn sync_part(&self, _name: &str, _n: u32) -> Result<()> {
        Ok(())
    }
    /// Reads part `n` of backup `name` (finished or not) into `buf`, replacing its contents
    /// (the caller reuses one buffer: fresh pages for every part cost more than the copy).
    fn get_part(&self, name: &str, n: u32, buf: &mut Vec<u8>) -> Result<()>;
    /// Writes the index last (after every part is durable), making the backup complete.
    fn commit(&self, name: &str, index: &[u8]) -> Result<()>;
    /// The index of a complete backup, or `None` when there is no complete backup by that name.
    fn read_index(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Names of complete backups, oldest first.
    fn list(&self) -> Result<Vec<String>>;
    /// Removes unfinished backups (left by a crash or kill); returns their names.
    fn clean_incomplete(&self) -> Result<Vec<String>>;
    /// Removes an unfinished backup.
    fn discard(&self, name: &str) -> Result<()>;
    /// Removes a complete backup (retention): the index first, so it stops looking complete.
    fn remove(&self, name: &str) -> Result<()>;
}

/// Writes `data` in 1 MiB slices: on Linux one write of tens of MiB into the page cache
/// measured several times slower than the same bytes in 1 MiB writes.
pub fn write_in_slices(mut file: impl Write, data: &[u8]) -> io::Result<()> {
    data.chunks(1024 * 1024)
        .try_for_each(|slice| file.write_all(slice))
}

/// Maps an I/O error at a destination to an actionable error.
pub fn io_error(label: &str, action: &str, path: &Path, e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Error::DestinationFull {
            label: label.to_owned(),
            detail: format!("could not {action} {}: {e}", path.display()),
        },
        io::ErrorKind::NotFound => Error::DestinationUnavailable {
            label: label.to_owned(),
            detail: format!("{} does not exist ({e})", path.display()),
            hint: "Check that the folder or drive is still there, or add the destination again."
                .to_owned(),
        },
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            Error::DestinationUnavailable {
                label: label.to_owned(),
                detail: format!("could not {action} {}: {e}", path.display()),
                hint: "Check that you may write to the folder and that the drive is not read-only."
                    .to_owned(),
            }
        }
        _ => Error::DestinationUnavailable {
            label: label.to_owned(),
            detail: format!("could not {action} {}: {e}", path.display()),
            hint: "Check the folder or drive and try again.".to_owned(),
        },
    }
}

/// Where removable drives get mounted: udisks2 (`/media/$USER`, `/run/media/$USER`), by hand
/// (`/mnt`), macOS (`/Volumes`). A folder under one of these that sits on the system disk is an
/// unplugged drive's empty mount point, never a backup destination.
const REMOVABLE_ROOTS: [&str; 4] = ["/run/media", "/media", "/mnt", "/Volumes"];

fn unavailable(label: &str, detail: String) -> Error {
    Error::DestinationUnavailable {
        label: label.to_owned(),
        detail,
        hint: "If it is on an external drive, connect the drive and wait until it is mounted; a destination of the drive kind, kept by the drive's filesystem UUID, finds it wherever it is mounted.".to_owned(),
    }
}

/// `dir` itself or its nearest ancestor that exists.
fn nearest_existing(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|p| p.symlink_metadata().is_ok())
}

/// Refuses a folder under a removable-media root whose nearest existing part is on the same
/// filesystem as `/`: nothing is mounted there, so writing would fill the system disk.
fn refuse_system_disk(label: &str, dir: &Path) -> Result<()> {
    if !REMOVABLE_ROOTS.iter().any(|root| dir.starts_with(root)) {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let existing = nearest_existing(dir).unwrap_or(Path::new("/"));
        let device = |p: &Path| fs::metadata(p).map(|m| m.dev()).ok();
        if device(existing).is_none() || device(existing) == device(Path::new("/")) {
            return Err(unavailable(
                label,
                format!(
                    "{} is not on a mounted drive: {} is on the system disk",
                    dir.display(),
                    existing.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that a local destination's folder is where it claims to be before anything is read
/// or written: it exists (it is never created at export time), and if it lies under a
/// removable-media root, a drive is mounted there.
///
/// Errors: `destination_unavailable`, with a hint pointing to the drive kind.
pub fn check_local_folder(label: &str, dir: &Path) -> Result<()> {
    refuse_system_disk(label, dir)?;
    if !dir.is_dir() {
        return Err(unavailable(
            label,
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    Ok(())
}

/// Creates a new local destination's folder when it is on a real volume: never on the system
/// disk under a removable-media root (see [`check_local_folder`]).
pub fn prepare_local_folder(label: &str, dir: &Path) -> Result<()> {
    refuse_system_disk(label, dir)?;
    fs::create_dir_all(dir).map_err(|e| io_error(label, "create", dir, e))?;
    check_local_folder(label, dir)
}

/// A folder on a local or removable disk.
#[derive(Debug, Clone)]
pub struct LocalTarget {
    label: String,
    root: PathBuf,
}

impl LocalTarget {
    /// A target in `root`, which must exist.
    pub fn open(label: &str, root: &Path) -> Result<LocalTarget> {
        if !root.is_dir() {
            return Err(Error::DestinationUnavailable {
                label: label.to_owned(),
                detail: format!("the folder {} does not exist", root.display()),
                hint: "Create the folder (or reconnect the disk that holds it) and try again."
                    .to_owned(),
            });
        }
        Ok(LocalTarget {
            label: label.to_owned(),
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn partial_dir(&self, name: &str) -> PathBuf {
        self.root.join(format!(".{name}.partial"))
    }

    fn final_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn err(&self, action: &str, path: &Path, e: io::Error) -> Error {
        io_error(&self.label, action, path, e)
    }

    /// fsync of a part file or a folder.
    fn sync(&self, path: &Path) -> Result<()> {
        File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(|e| self.err("sync", path, e))
    }
}

impl Target for LocalTarget {
    fn label(&self) -> &str {
        &self.label
    }

    fn put_part(&self, name: &str, n: u32, data: &[u8]) -> Result<()> {
        let dir = self.partial_dir(name);
        fs::create_dir_all(&dir).map_err(|e| self.err("create", &dir, e))?;
        let path = dir.join(part_name(n));
        let file = File::create(&path).map_err(|e| self.err("create", &path, e))?;
        fail::fail_point!(super::failpoints::LOCAL_WRITE, |arg: Option<String>| {
            // Test builds only: the disk fills up half-way through the part.
            let _ = (&file).write_all(data.get(..data.len() / 2).unwrap_or_default());
            let e = match arg.as_deref() {
                Some("enospc") => io::Error::from(io::ErrorKind::StorageFull),
                _ => io::Error::other("failed at a failpoint"),
            };
            Err(self.err("write", &path, e))
        });
        write_in_slices(file, data).map_err(|e| self.err("write", &path, e))
    }

    fn sync_part(&self, name: &str, n: u32) -> Result<()> {
        self.sync(&self.partial_dir(name).join(part_name(n)))
    }

    fn get_part(&self, name: &str, n: u32, buf: &mut Vec<u8>) -> Result<()> {
        let finished = self.final_dir(name).join(part_name(n));
        let path = if finished.exists() {
            finished
        } else {
            self.partial_dir(name).join(part_name(n))
        };
        buf.clear();
        // Never more than a part can hold: the size check then refuses it.
        File::open(&path)
            .and_then(|f| f.take(MAX_PART_SIZE + 1).read_to_end(buf))
            .map(|_| ())
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => Error::BackupDamaged {
                    what: format!("\"{name}\""),
                    detail: format!("part {n} is missing ({})", path.display()),
                },
                _ => self.err("read", &path, e),
            })
    }

    fn commit(&self, name: &str, index: &[u8]) -> Result<()> {
        let dir = self.partial_dir(name);
        fs::create_dir_all(&dir).map_err(|e| self.err("create", &dir, e))?;
        // Every part on disk before the index: cheap here, the read-back already synced them.
        let entries = fs::read_dir(&dir).map_err(|e| self.err("list", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.err("list", &dir, e))?;
            if entry.file_name().to_string_lossy().starts_with(PART_PREFIX) {
                self.sync(&entry.path())?;
            }
        }
        self.sync(&dir)?;
        let tmp = dir.join(format!("{INDEX_NAME}.tmp"));
        let mut file = File::create(&tmp).map_err(|e| self.err("create", &tmp, e))?;
        file.write_all(index)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.err("write", &tmp, e))?;
        let index_path = dir.join(INDEX_NAME);
        fs::rename(&tmp, &index_path).map_err(|e| self.err("rename", &tmp, e))?;
        self.sync(&dir)?;
        fail::fail_point!(super::failpoints::INDEX_COMMIT);
        let done = self.final_dir(name);
        fs::rename(&dir, &done).map_err(|e| self.err("rename", &dir, e))?;
        self.sync(&self.root)
    }

    fn read_index(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.final_dir(name).join(INDEX_NAME);
        let mut bytes = Vec::new();
        // Never more than an index may hold: `Index::parse` then refuses it.
        let read =
            File::open(&path).and_then(|f| f.take(MAX_INDEX_BYTES + 1).read_to_end(&mut bytes));
        match read {
            Ok(_) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("read", &path, e)),
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let entries = fs::read_dir(&self.root).map_err(|e| self.err("list", &self.root, e))?;
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if is_backup_name(&name) && entry.path().join(INDEX_NAME).is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn clean_incomplete(&self) -> Result<Vec<String>> {
        let mut cleaned = Vec::new();
        let entries = fs::read_dir(&self.root).map_err(|e| self.err("list", &self.root, e))?;
        for entry in entries.flatten() {
            let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let partial = file_name
                .strip_prefix('.')
                .and_then(|rest| rest.strip_suffix(".partial"));
            if let Some(name) = partial.filter(|n| is_backup_name(n)) {
                fs::remove_dir_all(entry.path())
                    .map_err(|e| self.err("remove", &entry.path(), e))?;
                cleaned.push(name.to_owned());
            }
        }
        cleaned.sort();
        Ok(cleaned)
    }

    fn discard(&self, name: &str) -> Result<()> {
        let dir = self.partial_dir(name);
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.err("remove", &dir, e)),
        }
    }

    fn remove(&self, name: &str) -> Result<()> {
        let dir = self.final_dir(name);
        let index = dir.join(INDEX_NAME);
        match fs::remove_file(&index) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.err("remove", &index, e)),
        }
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.err("remove", &dir, e)),
        }
    }
}
