//! Reading an archive back: decrypt (age), decompress (zstd), then check every tar entry
//! against the manifest (`check.rs`: path rules, size, sha256, nothing missing, nothing extra),
//! extracting it where [`Extract`] says, with `integrity_check` on the database copy running on
//! its own thread while the remaining entries are checked. Everything an archive declares is
//! bounded before it costs memory or disk (`backup::limits`): the age header's length and its
//! scrypt work factor, the manifest's size, entry count, sizes and paths, and the unpacked
//! stream, which may never run ahead of what the manifest declares.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::check::Checker;
use super::Ctx;
use crate::backup::format::{Manifest, DATABASE_PATH, FILES_PREFIX, MANIFEST_PATH};
use crate::backup::limits::{
    self, safe_relative, HEADER_ALLOWANCE, MANIFEST_MAX, MAX_AGE_HEADER, MAX_WORK_FACTOR,
};
use crate::backup::Stage;
use crate::error::ArchiveOp;
use crate::{Error, Result};

use super::seal::WORK_FACTOR;

/// The tenant's folder itself, as a folder entry.
pub(super) const FILES_ROOT: &str = "files";

/// What to do with each checked entry.
pub enum Extract<'p> {
    /// Verify only; the database goes to this temp file for `integrity_check`.
    VerifyOnly { database_to: &'p Path },
    /// Restore: the database to `database_to`, files and folders under `files_to`.
    Into {
        database_to: &'p Path,
        files_to: &'p Path,
    },
}

impl Extract<'_> {
    /// Where an entry goes (`None`: checked, not kept). The manifest was checked to hold only
    /// the database copy and paths under `files/`.
    pub(super) fn destination(&self, path: &str) -> Result<Option<PathBuf>> {
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
                } else if path == FILES_ROOT {
                    Ok(Some(files_to.to_path_buf()))
                } else if let Some(rest) = path.strip_prefix(FILES_PREFIX) {
                    Ok(Some(files_to.join(safe_relative(rest)?)))
                } else {
                    Err(outside(path))
                }
            }
        }
    }

    pub(super) fn stage(&self) -> Stage {
        match self {
            Extract::VerifyOnly { .. } => Stage::Verify,
            Extract::Into { .. } => Stage::Restore,
        }
    }
}

fn outside(path: &str) -> Error {
    Error::BackupUnsafeEntry {
        path: limits::shorten(path),
        reason: "outside database/ and files/".to_owned(),
        op: ArchiveOp::Restore,
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
    let limit = Cell::new(HEADER_ALLOWANCE);
    let bounded = Bounded {
        inner: decoder,
        read: 0,
        limit: &limit,
        what,
        ctx,
    };
    let mut archive = tar::Archive::new(bounded);
    let mut entries = archive.entries().map_err(|e| {
        ctx.take_or(e, |e| {
            damaged(what, format!("cannot read the tar stream ({e})"))
        })
    })?;
    let manifest = read_manifest(&mut entries, what, &limit, ctx)?;
    let Some(extract) = extract else {
        // Preview: the manifest is all we need.
        return Ok(manifest);
    };
    let mut checker = Checker::new(&manifest, extract, what, &limit, ctx)?;
    checker.check_entries(entries)?;
    // Read to the very end so that age authenticates the final chunk (truncation).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| ctx.take_or(e, |e| damaged(what, format!("its end is damaged ({e})"))))?;
    checker.finish();
    Ok(manifest)
}

/// The archive `what` is damaged: `detail` says how.
pub(super) fn damaged(what: &str, detail: String) -> Error {
    Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    }
}

/// The unpacked stream, refused as soon as it runs past `limit` bytes: the end of the data the
/// manifest declares for the current entry plus [`HEADER_ALLOWANCE`] for the next headers
/// (which tar reads into memory, long names and pax records included).
struct Bounded<'a, 'c, R> {
    inner: R,
    read: u64,
    limit: &'a Cell<u64>,
    what: &'a str,
    ctx: &'c Ctx<'c>,
}

impl<R: Read> Read for Bounded<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.limit.get().saturating_sub(self.read);
        if room == 0 && !buf.is_empty() {
            // Past the limit only if there is more: the end of the stream is fine.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            return Err(self.ctx.fail(Error::BackupForeign {
                what: self.what.to_owned(),
                detail: "it unpacks to more than its manifest declares".to_owned(),
            }));
        }
        let max = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Lets the unpacked stream reach the end of the data of an entry whose data starts at
/// `position` and holds `size` bytes, plus the next headers.
pub(super) fn allow(limit: &Cell<u64>, position: u64, size: u64) {
    let padded = size.saturating_add(511) / 512 * 512;
    limit.set(
        position
            .saturating_add(padded)
            .saturating_add(HEADER_ALLOWANCE),
    );
}

/// Reads the first entry, which must be the manifest (a regular file of a sane size), and
/// checks what it declares ([`check_manifest`]).
fn read_manifest<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    what: &str,
    limit: &Cell<u64>,
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
            format!(
                "its first entry is \"{}\", not {MANIFEST_PATH}",
                limits::shorten(&first_path)
            ),
        ));
    }
    if first.size() > MANIFEST_MAX {
        return Err(Error::BackupForeign {
            what: what.to_owned(),
            detail: format!("its manifest is larger than {MANIFEST_MAX} bytes"),
        });
    }
    allow(limit, first.raw_file_position(), first.size());
    let mut manifest_bytes = Vec::new();
    first.read_to_end(&mut manifest_bytes).map_err(|e| {
        ctx.take_or(e, |e| {
            damaged(what, format!("cannot read the manifest ({e})"))
        })
    })?;
    let manifest: Manifest = crate::json::from_slice(&manifest_bytes, "manifest.json", "")
        .map_err(|e| damaged(what, format!("its manifest cannot be read ({e})")))?;
    check_manifest(&manifest, what)?;
    Ok(manifest)
}

/// What a manifest declares, checked before anything is unpacked: at most
/// [`limits::MAX_ENTRIES`] entries whose sizes add up, every path safe and within the limits,
/// only the database copy and paths under `files/`, folders only under `files`.
fn check_manifest(manifest: &Manifest, what: &str) -> Result<()> {
    limits::check_declared(
        what,
        manifest.entries.len() + manifest.dirs.len(),
        manifest.entries.iter().map(|e| e.size),
    )?;
    for path in manifest.entries.iter().map(|e| e.path.as_str()) {
        safe_relative(path)?;
        if path != DATABASE_PATH && !path.starts_with(FILES_PREFIX) {
            return Err(outside(path));
        }
    }
    for path in manifest.dirs.iter().map(|d| d.path.as_str()) {
        safe_relative(path)?;
        if path != FILES_ROOT && !path.starts_with(FILES_PREFIX) {
            return Err(outside(path));
        }
    }
    Ok(())
}

/// Sets the flag when dropped: a scope's workers stop when its body returns early.
pub struct StopOnDrop<'a>(pub &'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The entry's path as UTF-8 (a folder's without its trailing `/`).
pub(super) fn entry_path<R: Read>(entry: &tar::Entry<'_, R>) -> Result<String> {
    let raw = entry.path_bytes();
    let mut path = String::from_utf8(raw.into_owned()).map_err(|_| Error::BackupUnsafeEntry {
        path: limits::shorten(&String::from_utf8_lossy(&entry.path_bytes())),
        reason: "not UTF-8".to_owned(),
        op: ArchiveOp::Restore,
    })?;
    if entry.header().entry_type().is_dir() {
        while path.len() > 1 && path.ends_with('/') {
            path.pop();
        }
    }
    Ok(path)
}

/// Reads the age header, at most [`MAX_AGE_HEADER`] bytes up to its `---` line: the age crate
/// reads a header line by line without a bound. The lines are handed back to be read again.
fn read_age_header<R: BufRead>(input: &mut R, what: &str, ctx: &Ctx<'_>) -> Result<Vec<u8>> {
    const MAGIC: &[u8] = b"age-encryption.org/";
    let mut header = Vec::new();
    loop {
        let start = header.len();
        let budget = MAX_AGE_HEADER - start as u64;
        let n = input
            .by_ref()
            .take(budget)
            .read_until(b'\n', &mut header)
            .map_err(|e| {
                ctx.take_or(e, |e| {
                    damaged(what, format!("cannot read the age header ({e})"))
                })
            })?;
        let seen = header.len().min(MAGIC.len());
        if header[..seen] != MAGIC[..seen] {
            return Err(damaged(what, "it is not an age file".to_owned()));
        }
        if n == 0 || header[start..].starts_with(b"---") {
            return Ok(header);
        }
        if header.len() as u64 >= MAX_AGE_HEADER {
            return Err(Error::BackupForeign {
                what: what.to_owned(),
                detail: format!("its age header is longer than {MAX_AGE_HEADER} bytes"),
            });
        }
    }
}

fn open_decrypted<'r, R: BufRead + 'r>(
    mut input: R,
    identity: &dyn age::Identity,
    what: &str,
    ctx: &Ctx<'_>,
) -> Result<Box<dyn Read + 'r>> {
    let damaged = |detail: String| damaged(what, detail);
    let header = read_age_header(&mut input, what, ctx)?;
    let input = io::Cursor::new(header).chain(input);
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
            // Refused by the identity before scrypt runs (and before the header's MAC).
            age::DecryptError::ExcessiveWork { required, .. } => Error::BackupForeign {
                what: what.to_owned(),
                detail: format!(
                    "its scrypt work factor is {required}; this app writes {WORK_FACTOR} and opens at most {MAX_WORK_FACTOR}, so the key derivation would need {} of memory",
                    memory_text(required)
                ),
            },
            age::DecryptError::Io(io) => {
                ctx.take_or(io, |io| damaged(format!("cannot read the header ({io})")))
            }
            other => damaged(format!("its header is damaged ({other})")),
        })?;
    Ok(Box::new(reader))
}

/// scrypt's memory at work factor `log_n` (r = 8: 1 KiB × N), in words.
fn memory_text(log_n: u8) -> String {
    match log_n {
        0..=19 => format!("{} MiB", 1u64 << log_n.saturating_sub(10)),
        20..=52 => format!("{} GiB", 1u64 << (log_n - 20)),
        _ => "more memory than exists".to_owned(),
    }
}
