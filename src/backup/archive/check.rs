//! The entries after the manifest, checked one by one against it and extracted where
//! [`Extract`] says: files (size, sha256, then their recorded mode), folders (created, their
//! modes applied last, deepest first, so a read-only folder can still be filled), and nothing
//! the manifest does not list. Modes never widen: `mode & 0o777`, no setuid, setgid or sticky
//! bit; a file is written at 0600 until its mode is set. An archive without modes (older
//! builds) restores files and folders with the default mode, as those builds did.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest as _, Sha256};

use super::unpack::{allow, damaged, entry_path, Extract, StopOnDrop};
use super::{spawn, wait, Ctx, CHUNK, REPORT_EVERY};
use crate::backup::format::{
    safe_link_target, Manifest, ManifestDir, ManifestEntry, DATABASE_PATH,
};
use crate::backup::limits::{self, safe_relative};
use crate::backup::{snapshot, Stage};
use crate::canon::Digest;
use crate::{Error, Result};

/// Checks the entries after the manifest against it, one by one, and extracts them.
pub(super) struct Checker<'m, 'p, 'c> {
    /// The manifest's files not seen yet, by path.
    expected: BTreeMap<&'m str, &'m ManifestEntry>,
    /// The manifest's folders not seen yet, by path.
    expected_dirs: BTreeMap<&'m str, &'m ManifestDir>,
    /// Folders created, with the mode to give them once everything is in.
    made_dirs: Vec<(PathBuf, u32)>,
    extract: Extract<'p>,
    stage: Stage,
    /// Entry bytes in all, and checked so far.
    total: u64,
    done: u64,
    buf: Vec<u8>,
    limit: &'m Cell<u64>,
    what: &'m str,
    ctx: &'c Ctx<'c>,
}

impl<'m, 'p, 'c> Checker<'m, 'p, 'c> {
    /// Refuses a manifest that lists one path twice (its paths were checked on reading it).
    pub(super) fn new(
        manifest: &'m Manifest,
        extract: Extract<'p>,
        what: &'m str,
        limit: &'m Cell<u64>,
        ctx: &'c Ctx<'c>,
    ) -> Result<Self> {
        let twice = |path: &str| {
            damaged(
                what,
                format!("its manifest lists {} twice", limits::shorten(path)),
            )
        };
        let mut expected = BTreeMap::new();
        for entry in &manifest.entries {
            if expected.insert(entry.path.as_str(), entry).is_some() {
                return Err(twice(&entry.path));
            }
        }
        let mut expected_dirs = BTreeMap::new();
        for dir in &manifest.dirs {
            if expected.contains_key(dir.path.as_str())
                || expected_dirs.insert(dir.path.as_str(), dir).is_some()
            {
                return Err(twice(&dir.path));
            }
        }
        let needed = match &extract {
            Extract::VerifyOnly { database_to } => (
                *database_to,
                expected.get(DATABASE_PATH).map_or(0, |e| e.size),
            ),
            Extract::Into { database_to, .. } => (*database_to, manifest.total_size()),
        };
        ensure_room(needed.0, needed.1)?;
        Ok(Checker {
            expected,
            expected_dirs,
            made_dirs: Vec::new(),
            stage: extract.stage(),
            extract,
            total: manifest.total_size(),
            done: 0,
            buf: vec![0u8; CHUNK],
            limit,
            what,
            ctx,
        })
    }

    /// Checks and extracts every entry; the database copy is `integrity_check`ed on its own
    /// thread as soon as it is out, while the files are checked.
    pub(super) fn check_entries<R: Read>(&mut self, entries: tar::Entries<'_, R>) -> Result<()> {
        let (what, ctx) = (self.what, self.ctx);
        // Set when this function returns, so the database check stops early after a failure.
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| -> Result<()> {
            let _stop = StopOnDrop(&stop);
            let mut db_check = None;
            for entry in entries {
                ctx.check_cancel()?;
                let mut entry = entry.map_err(|e| {
                    ctx.take_or(e, |e| damaged(what, format!("cannot read an entry ({e})")))
                })?;
                let Some((path, meta)) = self.admit(&entry)? else {
                    continue;
                };
                let destination = self.copy(&mut entry, &path, meta)?;
                if path == DATABASE_PATH {
                    if let Some(db) = destination {
                        let stop = &stop;
                        db_check = Some(spawn(scope, "checking the database copy", move || {
                            snapshot::check_file(&db, stop)
                        })?);
                    }
                }
            }
            if let Some(missing) = self.expected.keys().chain(self.expected_dirs.keys()).next() {
                return Err(damaged(
                    what,
                    format!("\"{}\" is missing", limits::shorten(missing)),
                ));
            }
            let db_check =
                db_check.ok_or_else(|| damaged(what, "it holds no database".to_owned()))?;
            wait(db_check, "checking the database copy", &mut || {
                if ctx.check_cancel().is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            })
        })?;
        self.apply_dir_modes()
    }

    /// Reports the end of the stage.
    pub(super) fn finish(&self) {
        self.ctx.report(self.stage, self.total, self.total);
    }

    /// The entry's path and what the manifest says of it; a folder is handled here (`None`).
    /// Refuses unsafe paths, links, anything but a regular file or a listed folder, an entry
    /// the manifest does not list (or lists once) and a wrong size.
    fn admit<R: Read>(
        &mut self,
        entry: &tar::Entry<'_, R>,
    ) -> Result<Option<(String, &'m ManifestEntry)>> {
        let what = self.what;
        let path = entry_path(entry)?;
        let relative = safe_relative(&path)?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| damaged(what, format!("cannot read a link ({e})")))?
                .unwrap_or_default();
            safe_link_target(&relative, &target, &path)?;
            return Err(damaged(
                what,
                format!(
                    "it holds a link \"{}\" that the manifest does not list",
                    limits::shorten(&path)
                ),
            ));
        }
        if kind.is_dir() {
            allow(self.limit, entry.raw_file_position(), 0);
            self.admit_dir(&path)?;
            return Ok(None);
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(Error::BackupUnsafeEntry {
                path: limits::shorten(&path),
                reason: "not a regular file".to_owned(),
                op: crate::error::ArchiveOp::Restore,
            });
        }
        let Some(meta) = self.expected.remove(path.as_str()) else {
            return Err(unlisted(what, &path));
        };
        if entry.size() != meta.size {
            return Err(damaged(
                what,
                format!(
                    "\"{}\" has {} bytes, the manifest says {}",
                    limits::shorten(&path),
                    entry.size(),
                    meta.size
                ),
            ));
        }
        allow(self.limit, entry.raw_file_position(), meta.size);
        Ok(Some((path, meta)))
    }

    /// A folder the manifest lists: created (restore), its mode applied at the end.
    fn admit_dir(&mut self, path: &str) -> Result<()> {
        let Some(meta) = self.expected_dirs.remove(path) else {
            return Err(unlisted(self.what, path));
        };
        if let Some(dest) = self.extract.destination(path)? {
            fs::create_dir_all(&dest).map_err(|e| Error::io("create", &dest, e))?;
            if let Some(mode) = meta.mode {
                self.made_dirs.push((dest, mode));
            }
        }
        Ok(())
    }

    /// Gives the folders their recorded modes, deepest first.
    fn apply_dir_modes(&mut self) -> Result<()> {
        self.made_dirs
            .sort_by_key(|(path, _)| std::cmp::Reverse(path.components().count()));
        for (path, mode) in &self.made_dirs {
            set_mode(path, *mode)?;
        }
        Ok(())
    }

    /// Copies the entry to where [`Extract`] puts it (or nowhere), hashing it on the way, and
    /// checks its sha256, then gives the file its recorded mode. Returns where it went.
    fn copy<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        path: &str,
        meta: &ManifestEntry,
    ) -> Result<Option<PathBuf>> {
        let (what, ctx) = (self.what, self.ctx);
        let destination = self.extract.destination(path)?;
        let write_fail = |e| Error::io("write", destination.clone().unwrap_or_default(), e);
        let mut out: Box<dyn Write> = match &destination {
            Some(dest) => Box::new(io::BufWriter::with_capacity(
                CHUNK,
                create_file(dest, meta.mode)?,
            )),
            None => Box::new(io::sink()),
        };
        let mut hasher = Sha256::new();
        loop {
            ctx.check_cancel()?;
            let n = entry.read(&mut self.buf).map_err(|e| {
                ctx.take_or(e, |e| {
                    damaged(
                        what,
                        format!("cannot read \"{}\" ({e})", limits::shorten(path)),
                    )
                })
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&self.buf[..n]);
            out.write_all(&self.buf[..n]).map_err(write_fail)?;
            let before = self.done;
            self.done += n as u64;
            if self.done / REPORT_EVERY != before / REPORT_EVERY {
                ctx.report(self.stage, self.done, self.total);
            }
        }
        out.flush().map_err(write_fail)?;
        drop(out);
        let actual = Digest::from_bytes(hasher.finalize().into());
        if actual != meta.sha256 {
            return Err(damaged(
                what,
                format!(
                    "\"{}\" does not match the manifest's sha256",
                    limits::shorten(path)
                ),
            ));
        }
        if let (Some(dest), Some(mode)) = (&destination, meta.mode) {
            set_mode(dest, mode)?;
        }
        Ok(destination)
    }
}

/// Refuses to unpack `bytes` next to `path` when its file system has less room: a restore
/// would otherwise fill the disk before it fails.
fn ensure_room(path: &Path, bytes: u64) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = path.parent().unwrap_or(path);
        let Ok(stat) = rustix::fs::statvfs(dir) else {
            // Unknown: the writes themselves will say.
            return Ok(());
        };
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        if bytes > free {
            return Err(Error::io(
                "unpack the backup into",
                dir,
                io::Error::new(
                    io::ErrorKind::StorageFull,
                    format!("it holds {bytes} bytes and only {free} are free there"),
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, bytes);
    Ok(())
}

fn unlisted(what: &str, path: &str) -> Error {
    damaged(
        what,
        format!(
            "it holds \"{}\", which the manifest does not list (or lists once)",
            limits::shorten(path)
        ),
    )
}

/// Creates (or truncates) the file an entry is restored to, with its folders; a file with a
/// recorded mode is created at 0600, so it is never readable by others before its mode is set.
fn create_file(dest: &Path, mode: Option<u32>) -> Result<File> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if mode.is_some() {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(dest).map_err(|e| Error::io("create", dest, e))
}

/// Gives a restored file or folder its recorded permission bits, never setuid, setgid or
/// sticky. Nothing to do where the file system has no modes.
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o777))
            .map_err(|e| Error::io("set the permissions of", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
