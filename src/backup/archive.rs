//! The archive pipeline in both directions. Export: manifest first, then the database copy
//! and the tenant's files, through `tar | zstd -3 | age (scrypt)` into a [`PartSink`] that
//! cuts fixed-size parts and hashes them. Import: parts are read back one at a time, each
//! checked against the index's sha256 before a byte is decrypted; then every tar entry is
//! checked against the manifest (path rules, size, sha256, nothing missing, nothing extra).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};

use age::secrecy::SecretString;
use sha2::{Digest as _, Sha256};

use super::format::{safe_link_target, safe_relative, Index, Manifest, PartInfo, MANIFEST_PATH};
use super::target::Target;
use super::{Progress, Stage};
use crate::canon::Digest;
use crate::secrets::Sensitive;
use crate::{Error, Result};

/// The manifest is small; refuse anything absurd before parsing it.
const MANIFEST_MAX: u64 = 64 * 1024 * 1024;
const REPORT_EVERY: u64 = 4 * 1024 * 1024;

/// Shared by the pieces of one pipeline: the progress callback, the cancel flag, and the first
/// typed error (an `io::Error` crossing tar/zstd/age loses its type; this keeps it).
pub struct Ctx<'a> {
    progress: RefCell<&'a mut dyn FnMut(Progress)>,
    cancel: &'a AtomicBool,
    error: RefCell<Option<Error>>,
}

impl<'a> Ctx<'a> {
    pub fn new(progress: &'a mut dyn FnMut(Progress), cancel: &'a AtomicBool) -> Self {
        Ctx {
            progress: RefCell::new(progress),
            cancel,
            error: RefCell::new(None),
        }
    }

    pub fn report(&self, stage: Stage, done: u64, total: u64) {
        if let Ok(mut cb) = self.progress.try_borrow_mut() {
            (*cb)(Progress { stage, done, total });
        }
    }

    pub fn check_cancel(&self) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Keeps `error` and returns an `io::Error` that stands for it.
    fn fail(&self, error: Error) -> io::Error {
        let text = error.to_string();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
        io::Error::other(text)
    }

    /// The kept typed error, or `fallback` applied to the `io::Error`.
    pub fn take_or(&self, e: io::Error, fallback: impl FnOnce(io::Error) -> Error) -> Error {
        if self.cancel.load(Ordering::Relaxed) {
            return Error::Cancelled;
        }
        self.error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| fallback(e))
    }
}

/// Where the encrypted stream goes.
pub enum SinkKind<'t> {
    /// Fixed-size parts at a target, under a backup name.
    Parts {
        target: &'t dyn Target,
        name: String,
        part_size: usize,
    },
    /// One file (manual export), already opened under a temporary name.
    File(File, PathBuf),
}

/// Cuts the encrypted stream into parts, hashing each and the whole.
pub struct PartSink<'t, 'c> {
    kind: SinkKind<'t>,
    ctx: &'c Ctx<'c>,
    buf: Vec<u8>,
    parts: Vec<PartInfo>,
    whole: Sha256,
    size: u64,
}

/// What the sink wrote.
pub struct Written {
    pub parts: Vec<PartInfo>,
    pub size: u64,
    pub sha256: Digest,
}

impl<'t, 'c> PartSink<'t, 'c> {
    pub fn new(kind: SinkKind<'t>, ctx: &'c Ctx<'c>) -> Self {
        let cap = match &kind {
            SinkKind::Parts { part_size, .. } => *part_size,
            SinkKind::File(..) => 1024 * 1024,
        };
        PartSink {
            kind,
            ctx,
            buf: Vec::with_capacity(cap),
            parts: Vec::new(),
            whole: Sha256::new(),
            size: 0,
        }
    }

    fn flush_part(&mut self) -> Result<()> {
        self.ctx.check_cancel()?;
        if self.buf.is_empty() {
            return Ok(());
        }
        match &mut self.kind {
            SinkKind::Parts { target, name, .. } => {
                let n = u32::try_from(self.parts.len() + 1).unwrap_or(u32::MAX);
                let sha256 = Digest::from_bytes(Sha256::digest(&self.buf).into());
                target.put_part(name, n, &self.buf)?;
                self.parts.push(PartInfo {
                    n,
                    size: self.buf.len() as u64,
                    sha256,
                });
                self.ctx.report(Stage::Upload, self.size, 0);
            }
            SinkKind::File(file, path) => {
                file.write_all(&self.buf)
                    .map_err(|e| super::target::io_error("manual export", "write", path, e))?;
            }
        }
        self.buf.clear();
        Ok(())
    }

    /// Writes what is left and returns the parts.
    pub fn finish(mut self) -> Result<Written> {
        self.flush_part()?;
        if let SinkKind::File(file, path) = &mut self.kind {
            file.sync_all()
                .map_err(|e| super::target::io_error("manual export", "write", path, e))?;
        }
        Ok(Written {
            parts: self.parts,
            size: self.size,
            sha256: Digest::from_bytes(self.whole.finalize().into()),
        })
    }
}

impl Write for PartSink<'_, '_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let limit = match &self.kind {
            SinkKind::Parts { part_size, .. } => *part_size,
            SinkKind::File(..) => 1024 * 1024,
        };
        let room = limit - self.buf.len();
        let take = room.min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        self.whole.update(&data[..take]);
        self.size += take as u64;
        if self.buf.len() >= limit {
            self.flush_part().map_err(|e| self.ctx.fail(e))?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One file to pack, with its size and sha256 known in advance (the manifest comes first).
pub struct PackEntry {
    pub archive_path: String,
    pub source: PathBuf,
    pub size: u64,
}

/// Reads exactly `size` bytes (or fails), counting them and honouring cancel. Send, so the
/// tar + zstd half of the pipeline runs on its own thread.
struct ExactReader<'a, R> {
    inner: R,
    remaining: u64,
    done: &'a AtomicU64,
    cancel: &'a AtomicBool,
}

impl<R: Read> Read for ExactReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::other("cancelled"));
        }
        let max = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file became shorter while it was being backed up",
            ));
        }
        self.remaining -= n as u64;
        self.done.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Hands compressed bytes to the encrypting thread in 1 MiB chunks.
struct ChannelWriter {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 1024 * 1024;

impl ChannelWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .send(chunk)
            .map_err(|_| io::Error::other("the backup writer stopped"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The producing half: tar + zstd (multithreaded) into the channel.
fn produce(
    manifest_bytes: &[u8],
    entries: &[PackEntry],
    mtime: u64,
    tx: SyncSender<Vec<u8>>,
    done: &AtomicU64,
    cancel: &AtomicBool,
) -> Result<()> {
    let io_fail = |e: io::Error| {
        if cancel.load(Ordering::Relaxed) {
            Error::Cancelled
        } else {
            Error::SnapshotFailed(format!("Could not write the backup: {e}"))
        }
    };
    let out = ChannelWriter {
        tx,
        buf: Vec::with_capacity(CHUNK),
    };
    let mut zstd = zstd::stream::write::Encoder::new(out, 3).map_err(io_fail)?;
    let workers = std::thread::available_parallelism()
        .map(|n| n.get().min(4))
        .unwrap_or(1);
    if workers > 1 {
        zstd.multithread(u32::try_from(workers).unwrap_or(1))
            .map_err(io_fail)?;
    }
    let mut tar = tar::Builder::new(zstd);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut header = tar_header(manifest_bytes.len() as u64, mtime);
    tar.append_data(&mut header, MANIFEST_PATH, manifest_bytes)
        .map_err(io_fail)?;
    for entry in entries {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let file = File::open(&entry.source)
            .map_err(|e| Error::io("read for the backup", &entry.source, e))?;
        let mut header = tar_header(entry.size, mtime);
        let reader = ExactReader {
            inner: file,
            remaining: entry.size,
            done,
            cancel,
        };
        tar.append_data(&mut header, &entry.archive_path, reader)
            .map_err(|e| {
                if cancel.load(Ordering::Relaxed) {
                    Error::Cancelled
                } else {
                    Error::SnapshotFailed(format!(
                        "Could not back up {} ({e}). If it is being changed right now, try again.",
                        entry.source.display()
                    ))
                }
            })?;
    }
    let zstd = tar.into_inner().map_err(io_fail)?;
    let mut out = zstd.finish().map_err(io_fail)?;
    out.send_buf().map_err(io_fail)
}

fn tar_header(size: u64, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// The age encryptor for a passphrase (scrypt recipient).
fn encryptor(passphrase: &Sensitive<String>, work_factor: Option<u8>) -> Result<age::Encryptor> {
    let mut recipient =
        age::scrypt::Recipient::new(SecretString::from(passphrase.expose().clone()));
    if let Some(log_n) = work_factor.filter(|n| (1..64).contains(n)) {
        recipient.set_work_factor(log_n);
    }
    age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| Error::invalid("passphrase", e.to_string()))
}

/// Writes the whole archive (manifest, then `entries`) into `sink`.
pub fn pack<'c>(
    manifest: &Manifest,
    entries: &[PackEntry],
    passphrase: &Sensitive<String>,
    work_factor: Option<u8>,
    sink: PartSink<'_, 'c>,
    ctx: &'c Ctx<'c>,
) -> Result<Written> {
    let total: u64 = entries.iter().map(|e| e.size).sum();
    let mtime = u64::try_from(manifest.created_at.unix_millis() / 1000).unwrap_or(0);
    let manifest_bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::SnapshotFailed(format!("Could not write the manifest: {e}")))?;
    let io_fail = |e: io::Error| Error::SnapshotFailed(format!("Could not write the backup: {e}"));

    let writer = encryptor(passphrase, work_factor)?
        .wrap_output(sink)
        .map_err(|e| ctx.take_or(e, io_fail))?;
    ctx.report(Stage::Pack, 0, total);
    // Two halves on two threads: tar + zstd produce, age + parts consume (this thread, which
    // owns the progress callback and the destination).
    let (tx, rx) = sync_channel::<Vec<u8>>(8);
    let done = AtomicU64::new(0);
    let cancel = ctx.cancel;
    let done = &done;
    let manifest_bytes = manifest_bytes.as_slice();
    let (consumed, produced) = std::thread::scope(|scope| {
        let producer =
            scope.spawn(move || produce(manifest_bytes, entries, mtime, tx, done, cancel));
        let consumed = (move || -> Result<_> {
            let mut writer = writer;
            let mut reported = 0u64;
            for chunk in rx {
                writer
                    .write_all(&chunk)
                    .map_err(|e| ctx.take_or(e, io_fail))?;
                let now = done.load(Ordering::Relaxed);
                if now / REPORT_EVERY != reported / REPORT_EVERY {
                    ctx.report(Stage::Pack, now, total);
                    reported = now;
                }
            }
            Ok(writer)
        })();
        let produced = producer.join().unwrap_or_else(|_| {
            Err(Error::SnapshotFailed(
                "The packing thread failed.".to_owned(),
            ))
        });
        (consumed, produced)
    });
    let writer = consumed?;
    produced?;
    ctx.check_cancel()?;
    ctx.report(Stage::Encrypt, total, total);
    let sink = writer.finish().map_err(|e| ctx.take_or(e, io_fail))?;
    sink.finish()
}

/// Reads the parts of an indexed archive in order, checking each part's size and sha256 before
/// handing out any of its bytes.
pub struct PartsReader<'t, 'c> {
    target: &'t dyn Target,
    name: String,
    index: &'t Index,
    next: usize,
    current: Vec<u8>,
    pos: usize,
    done: u64,
    ctx: &'c Ctx<'c>,
}

impl<'t, 'c> PartsReader<'t, 'c> {
    pub fn new(target: &'t dyn Target, name: &str, index: &'t Index, ctx: &'c Ctx<'c>) -> Self {
        PartsReader {
            target,
            name: name.to_owned(),
            index,
            next: 0,
            current: Vec::new(),
            pos: 0,
            done: 0,
            ctx,
        }
    }

    fn load_next(&mut self) -> Result<bool> {
        self.ctx.check_cancel()?;
        let Some(part) = self.index.parts.get(self.next) else {
            return Ok(false);
        };
        let bytes = self.target.get_part(&self.name, part.n)?;
        let damaged = |detail: String| Error::BackupDamaged {
            what: format!("\"{}\"", self.name),
            detail,
        };
        if bytes.len() as u64 != part.size {
            return Err(damaged(format!(
                "part {} has {} bytes, the index says {}",
                part.n,
                bytes.len(),
                part.size
            )));
        }
        let actual = Digest::from_bytes(Sha256::digest(&bytes).into());
        if actual != part.sha256 {
            return Err(damaged(format!(
                "part {} does not match its sha256 (expected {}, found {actual})",
                part.n, part.sha256
            )));
        }
        self.done += part.size;
        self.ctx.report(Stage::Verify, self.done, self.index.size);
        self.current = bytes;
        self.pos = 0;
        self.next += 1;
        Ok(true)
    }
}

impl Read for PartsReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            match self.load_next() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => return Err(self.ctx.fail(e)),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Hashes what passes through, for single-file archives.
pub struct HashingReader<'c, R> {
    pub inner: R,
    pub hasher: Sha256,
    pub size: u64,
    pub total: u64,
    pub ctx: &'c Ctx<'c>,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ctx.cancel.load(Ordering::Relaxed) {
            return Err(self.ctx.fail(Error::Cancelled));
        }
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        let before = self.size;
        self.size += n as u64;
        if self.size / REPORT_EVERY != before / REPORT_EVERY {
            self.ctx.report(Stage::Verify, self.size, self.total);
        }
        Ok(n)
    }
}

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

/// Decrypts, decompresses and checks an archive against its manifest. `what` names it in errors.
pub fn unpack<'c, R: Read>(
    input: R,
    passphrase: &Sensitive<String>,
    what: &str,
    extract: Option<Extract<'_>>,
    ctx: &'c Ctx<'c>,
) -> Result<Manifest> {
    let damaged = |detail: String| Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    };
    let reader = open_decrypted(input, passphrase, what, ctx)?;
    let decoder = zstd::stream::read::Decoder::new(reader)
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("cannot decompress ({e})"))))?;
    let mut archive = tar::Archive::new(decoder);
    let mut entries = archive
        .entries()
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("cannot read the tar stream ({e})"))))?;

    // The first entry must be the manifest.
    let first = entries
        .next()
        .ok_or_else(|| damaged("it holds no entries".to_owned()))?
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("cannot read the first entry ({e})"))))?;
    let first_path = entry_path(&first)?;
    if first_path != MANIFEST_PATH || first.header().entry_type() != tar::EntryType::Regular {
        return Err(damaged(format!(
            "its first entry is \"{first_path}\", not {MANIFEST_PATH}"
        )));
    }
    if first.size() > MANIFEST_MAX {
        return Err(damaged("its manifest is too large".to_owned()));
    }
    let mut manifest_bytes = Vec::new();
    let mut first = first;
    first
        .read_to_end(&mut manifest_bytes)
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("cannot read the manifest ({e})"))))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| damaged(format!("its manifest cannot be read ({e})")))?;
    let Some(extract) = extract else {
        // Preview: the manifest is all we need.
        return Ok(manifest);
    };
    let mut expected: BTreeMap<&str, &super::format::ManifestEntry> = BTreeMap::new();
    for entry in &manifest.entries {
        safe_relative(&entry.path)?;
        if expected.insert(entry.path.as_str(), entry).is_some() {
            return Err(damaged(format!("its manifest lists {} twice", entry.path)));
        }
    }
    let total = manifest.total_size();
    let mut done = 0u64;
    for entry in entries {
        ctx.check_cancel()?;
        let mut entry = entry
            .map_err(|e| ctx.take_or(e, |e| damaged(format!("cannot read an entry ({e})"))))?;
        let path = entry_path(&entry)?;
        let relative = safe_relative(&path)?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| damaged(format!("cannot read a link ({e})")))?
                .unwrap_or_default();
            safe_link_target(&relative, &target, &path)?;
            return Err(damaged(format!(
                "it holds a link \"{path}\" that the manifest does not list"
            )));
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(Error::BackupUnsafeEntry {
                path,
                reason: "not a regular file".to_owned(),
            });
        }
        let Some(meta) = expected.remove(path.as_str()) else {
            return Err(damaged(format!(
                "it holds \"{path}\", which the manifest does not list (or lists once)"
            )));
        };
        if entry.size() != meta.size {
            return Err(damaged(format!(
                "\"{path}\" has {} bytes, the manifest says {}",
                entry.size(),
                meta.size
            )));
        }
        let destination = match &extract {
            Extract::VerifyOnly { database_to } => {
                (path == super::format::DATABASE_PATH).then(|| database_to.to_path_buf())
            }
            Extract::Into {
                database_to,
                files_to,
            } => {
                if path == super::format::DATABASE_PATH {
                    Some(database_to.to_path_buf())
                } else if let Some(rest) = path.strip_prefix(super::format::FILES_PREFIX) {
                    Some(files_to.join(safe_relative(rest)?))
                } else {
                    return Err(Error::BackupUnsafeEntry {
                        path,
                        reason: "outside database/ and files/".to_owned(),
                    });
                }
            }
        };
        let mut out: Box<dyn Write> = match &destination {
            Some(dest) => {
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
                }
                Box::new(io::BufWriter::new(
                    File::create(dest).map_err(|e| Error::io("create", dest, e))?,
                ))
            }
            None => Box::new(io::sink()),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(|e| {
                ctx.take_or(e, |e| damaged(format!("cannot read \"{path}\" ({e})")))
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| Error::io("write", destination.clone().unwrap_or_default(), e))?;
            done += n as u64;
            ctx.report(Stage::Verify, done, total);
        }
        out.flush()
            .map_err(|e| Error::io("write", destination.clone().unwrap_or_default(), e))?;
        let actual = Digest::from_bytes(hasher.finalize().into());
        if actual != meta.sha256 {
            return Err(damaged(format!(
                "\"{path}\" does not match the manifest's sha256"
            )));
        }
    }
    if let Some(missing) = expected.keys().next() {
        return Err(damaged(format!("\"{missing}\" is missing")));
    }
    // Read to the very end so that age authenticates the final chunk (truncation).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("its end is damaged ({e})"))))?;
    Ok(manifest)
}

fn entry_path<R: Read>(entry: &tar::Entry<'_, R>) -> Result<String> {
    let raw = entry.path_bytes();
    String::from_utf8(raw.into_owned()).map_err(|_| Error::BackupUnsafeEntry {
        path: String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        reason: "not UTF-8".to_owned(),
    })
}

fn open_decrypted<'r, R: Read + 'r>(
    input: R,
    passphrase: &Sensitive<String>,
    what: &str,
    ctx: &Ctx<'_>,
) -> Result<Box<dyn Read + 'r>> {
    let damaged = |detail: String| Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    };
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(1024 * 1024, input))
        .map_err(|e| match e {
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
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.expose().clone()));
    identity.set_max_work_factor(24);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
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
