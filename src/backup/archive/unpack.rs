//! Reading an archive back: decrypt (age), decompress (zstd), then check every tar entry
//! against the manifest (path rules, size, sha256, nothing missing, nothing extra), extracting
//! it where [`Extract`] says, with `integrity_check` on the database copy running on its own
//! thread while the remaining entries are checked.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest as _, Sha256};

use super::{spawn, wait, Ctx, CHUNK, REPORT_EVERY};
use crate::backup::format::{
    safe_link_target, safe_relative, Manifest, ManifestEntry, DATABASE_PATH, FILES_PREFIX,
    MANIFEST_PATH,
};
use crate::backup::{snapshot, Stage};
use crate::canon::Digest;
use crate::{Error, Result};

/// The manifest is small; refuse anything absurd before parsing it.
const MANIFEST_MAX: u64 = 64 * 1024 * 1024;

/// What to do with each checked entry.
pub enum Extract<'p> {
    /// Verify only; the database goes to this temp file for `integrity_check`.
    VerifyOnly { database_to: &'p Path },
    /// Restore: the database to `database_to`, files under `files_to`.
    Into {
        database_to: &'p Path,
        files_to: &'p Path,
    },
}

impl Extract<'_> {
    /// Where an entry goes (`None`: checked, not kept).
    fn destination(&self, path: &str) -> Result<Option<PathBuf>> {
        match self {
            Extract::VerifyOnly { database_to } => {
                Ok((path == DATABASE_PATH).then(|| database_to.to_path_buf()))
            }
            Extract::Into {
                database_to,
                files_to,
            } => {
                if path == DATABASE_PATH {
                    Ok(Some(database_to.to_path_buf()))
                } else if let Some(rest) = path.strip_prefix(FILES_PREFIX) {
                    Ok(Some(files_to.join(safe_relative(rest)?)))
                } else {
                    Err(Error::BackupUnsafeEntry {
                        path: path.to_owned(),
                        reason: "outside database/ and files/".to_owned(),
                    })
                }
            }
        }
    }

    fn stage(&self) -> Stage {
        match self {
            Extract::VerifyOnly { .. } => Stage::Verify,
            Extract::Into { .. } => Stage::Restore,
        }
    }
}

/// Decrypts, decompresses and checks an archive against its manifest; with `extract`, checks
/// every entry and `integrity_check`s the database copy (on its own thread, while the files are
/// checked). `what` names the archive in errors. Progress: entry bytes checked.
pub fn unpack<'c, R: BufRead>(
    input: R,
    identity: &dyn age::Identity,
    what: &str,
    extract: Option<Extract<'_>>,
    ctx: &'c Ctx<'c>,
) -> Result<Manifest> {
    let reader = open_decrypted(input, identity, what, ctx)?;
    let decoder = zstd::stream::read::Decoder::new(reader)
        .map_err(|e| ctx.take_or(e, |e| damaged(what, format!("cannot decompress ({e})"))))?;
    let mut archive = tar::Archive::new(decoder);
    let mut entries = archive.entries().map_err(|e| {
        ctx.take_or(e, |e| {
            damaged(what, format!("cannot read the tar stream ({e})"))
        })
    })?;
    let manifest = read_manifest(&mut entries, what, ctx)?;
    let Some(extract) = extract else {
        // Preview: the manifest is all we need.
        return Ok(manifest);
    };
    let mut checker = Checker::new(&manifest, extract, what, ctx)?;
    checker.check_entries(entries)?;
    // Read to the very end so that age authenticates the final chunk (truncation).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| ctx.take_or(e, |e| damaged(what, format!("its end is damaged ({e})"))))?;
    ctx.report(checker.stage, checker.total, checker.total);
    Ok(manifest)
}

/// The archive `what` is damaged: `detail` says how.
fn damaged(what: &str, detail: String) -> Error {
    Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    }
}

/// Reads the first entry, which must be the manifest (a regular file of a sane size).
fn read_manifest<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    what: &str,
    ctx: &Ctx<'_>,
) -> Result<Manifest> {
    let mut first = entries
        .next()
        .ok_or_else(|| damaged(what, "it holds no entries".to_owned()))?
        .map_err(|e| {
            ctx.take_or(e, |e| {
                damaged(what, format!("cannot read the first entry ({e})"))
            })
        })?;
    let first_path = entry_path(&first)?;
    if first_path != MANIFEST_PATH || first.header().entry_type() != tar::EntryType::Regular {
        return Err(damaged(
            what,
            format!("its first entry is \"{first_path}\", not {MANIFEST_PATH}"),
        ));
    }
    if first.size() > MANIFEST_MAX {
        return Err(damaged(what, "its manifest is too large".to_owned()));
    }
    let mut manifest_bytes = Vec::new();
    first.read_to_end(&mut manifest_bytes).map_err(|e| {
        ctx.take_or(e, |e| {
            damaged(what, format!("cannot read the manifest ({e})"))
        })
    })?;
    serde_json::from_slice(&manifest_bytes)
        .map_err(|e| damaged(what, format!("its manifest cannot be read ({e})")))
}

/// Checks the entries after the manifest against it, one by one, and extracts them.
struct Checker<'m, 'p, 'c> {
    /// The manifest's entries not seen yet, by path.
    expected: BTreeMap<&'m str, &'m ManifestEntry>,
    extract: Extract<'p>,
    stage: Stage,
    /// Entry bytes in all, and checked so far.
    total: u64,
    done: u64,
    buf: Vec<u8>,
    what: &'m str,
    ctx: &'c Ctx<'c>,
}

impl<'m, 'p, 'c> Checker<'m, 'p, 'c> {
    /// Refuses a manifest that lists an unsafe path or one path twice.
    fn new(
        manifest: &'m Manifest,
        extract: Extract<'p>,
        what: &'m str,
        ctx: &'c Ctx<'c>,
    ) -> Result<Self> {
        let mut expected = BTreeMap::new();
        for entry in &manifest.entries {
            safe_relative(&entry.path)?;
            if expected.insert(entry.path.as_str(), entry).is_some() {
                return Err(damaged(
                    what,
                    format!("its manifest lists {} twice", entry.path),
                ));
            }
        }
        Ok(Checker {
            expected,
            stage: extract.stage(),
            extract,
            total: manifest.total_size(),
            done: 0,
            buf: vec![0u8; CHUNK],
            what,
            ctx,
        })
    }

    /// Checks and extracts every entry; the database copy is `integrity_check`ed on its own
    /// thread as soon as it is out, while the files are checked.
    fn check_entries<R: Read>(&mut self, entries: tar::Entries<'_, R>) -> Result<()> {
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
                let (path, meta) = self.admit(&entry)?;
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
            if let Some(missing) = self.expected.keys().next() {
                return Err(damaged(what, format!("\"{missing}\" is missing")));
            }
            let db_check =
                db_check.ok_or_else(|| damaged(what, "it holds no database".to_owned()))?;
            wait(db_check, "checking the database copy", &mut || {
                if ctx.check_cancel().is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            })
        })
    }

    /// The entry's path and what the manifest says of it. Refuses unsafe paths, links, anything
    /// but a regular file, an entry the manifest does not list (or lists once) and a wrong size.
    fn admit<R: Read>(&mut self, entry: &tar::Entry<'_, R>) -> Result<(String, &'m ManifestEntry)> {
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
                format!("it holds a link \"{path}\" that the manifest does not list"),
            ));
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(Error::BackupUnsafeEntry {
                path,
                reason: "not a regular file".to_owned(),
            });
        }
        let Some(meta) = self.expected.remove(path.as_str()) else {
            return Err(damaged(
                what,
                format!("it holds \"{path}\", which the manifest does not list (or lists once)"),
            ));
        };
        if entry.size() != meta.size {
            return Err(damaged(
                what,
                format!(
                    "\"{path}\" has {} bytes, the manifest says {}",
                    entry.size(),
                    meta.size
                ),
            ));
        }
        Ok((path, meta))
    }

    /// Copies the entry to where [`Extract`] puts it (or nowhere), hashing it on the way, and
    /// checks its sha256. Returns where it went.
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
            Some(dest) => {
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
                }
                Box::new(io::BufWriter::with_capacity(
                    CHUNK,
                    File::create(dest).map_err(|e| Error::io("create", dest, e))?,
                ))
            }
            None => Box::new(io::sink()),
        };
        let mut hasher = Sha256::new();
        loop {
            ctx.check_cancel()?;
            let n = entry.read(&mut self.buf).map_err(|e| {
                ctx.take_or(e, |e| {
                    damaged(what, format!("cannot read \"{path}\" ({e})"))
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
                format!("\"{path}\" does not match the manifest's sha256"),
            ));
        }
        Ok(destination)
    }
}

/// Sets the flag when dropped: a scope's workers stop when its body returns early.
pub struct StopOnDrop<'a>(pub &'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn entry_path<R: Read>(entry: &tar::Entry<'_, R>) -> Result<String> {
    let raw = entry.path_bytes();
    String::from_utf8(raw.into_owned()).map_err(|_| Error::BackupUnsafeEntry {
        path: String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        reason: "not UTF-8".to_owned(),
    })
}

fn open_decrypted<'r, R: BufRead + 'r>(
    input: R,
    identity: &dyn age::Identity,
    what: &str,
    ctx: &Ctx<'_>,
) -> Result<Box<dyn Read + 'r>> {
    let damaged = |detail: String| damaged(what, detail);
    let decryptor = age::Decryptor::new_buffered(input).map_err(|e| match e {
        age::DecryptError::Io(io) => ctx.take_or(io, |io| {
            damaged(format!("cannot read the age header ({io})"))
        }),
        other => damaged(format!("it is not a readable age file ({other})")),
    })?;
    if !decryptor.is_scrypt() {
        return Err(damaged(
            "it is not encrypted with a passphrase (age scrypt)".to_owned(),
        ));
    }
    let reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed => Error::WrongPassphrase {
                hint: String::new(),
            },
            age::DecryptError::Io(io) => {
                ctx.take_or(io, |io| damaged(format!("cannot read the header ({io})")))
            }
            other => damaged(format!("its header is damaged ({other})")),
        })?;
    Ok(Box::new(reader))
}
