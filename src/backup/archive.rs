//! The archive pipeline's pieces, both directions. Export: [`produce`] writes the manifest, the
//! database copy and the tenant's files through `tar | zstd -3` (zstd's own worker threads) into
//! a channel, and [`seal`] prepares the age (scrypt) encryptor; `pipeline.rs` wires them to the
//! destination and the read-back. Import: [`prefetch`] reads parts on a helper thread, checking
//! each part's size and sha256 before a byte of it is decrypted; [`unpack`] decrypts,
//! decompresses and checks every tar entry against the manifest (path rules, size, sha256,
//! nothing missing, nothing extra) and runs `integrity_check` on the database copy while the
//! remaining entries are checked.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

use age::secrecy::{ExposeSecret, SecretBox, SecretString};
use age_core::format::{FileKey, Stanza};
use sha2::{Digest as _, Sha256};

use super::format::{
    safe_link_target, safe_relative, Manifest, PartInfo, DATABASE_PATH, FILES_PREFIX, MANIFEST_PATH,
};
use super::{snapshot, Progress, Stage};
use crate::canon::Digest;
use crate::secrets::Sensitive;
use crate::{Error, Result};

/// The manifest is small; refuse anything absurd before parsing it.
const MANIFEST_MAX: u64 = 64 * 1024 * 1024;
/// Progress is reported in steps of this many bytes.
pub const REPORT_EVERY: u64 = 4 * 1024 * 1024;
/// Chunks handed between threads.
pub const CHUNK: usize = 1024 * 1024;
/// How often a waiting thread looks at the cancel flag (and reports progress).
pub const POLL: Duration = Duration::from_millis(10);

/// Shared by the pieces of one pipeline on one thread: the progress callback, the cancel flag,
/// and the first typed error (an `io::Error` crossing tar/zstd/age loses its type; this keeps
/// it). Worker threads make their own, relaying progress through counters.
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

    /// The cancel flag, for worker threads.
    pub fn cancel_flag(&self) -> &'a AtomicBool {
        self.cancel
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

/// Starts a named scoped thread; failing to start one is a typed error, not a panic.
pub fn spawn<'scope, 'env, T: Send + 'scope>(
    scope: &'scope Scope<'scope, 'env>,
    what: &'static str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<ScopedJoinHandle<'scope, T>> {
    std::thread::Builder::new()
        .name(format!("backup: {what}"))
        .spawn_scoped(scope, f)
        .map_err(|_| Error::ThreadFailed { what })
}

/// The result of a scoped thread; a panic becomes [`Error::ThreadFailed`].
pub fn joined<T>(handle: ScopedJoinHandle<'_, Result<T>>, what: &'static str) -> Result<T> {
    handle.join().unwrap_or(Err(Error::ThreadFailed { what }))
}

/// Waits for a scoped thread, calling `tick` (progress, cancel) meanwhile.
pub fn wait<T>(
    handle: ScopedJoinHandle<'_, Result<T>>,
    what: &'static str,
    tick: &mut dyn FnMut(),
) -> Result<T> {
    while !handle.is_finished() {
        std::thread::sleep(POLL);
        tick();
    }
    joined(handle, what)
}

/// One file to pack, with its size and sha256 known in advance (the manifest comes first).
pub struct PackEntry {
    pub archive_path: String,
    pub source: PathBuf,
    pub size: u64,
}

/// Reads exactly `size` bytes (or fails), counting them and honouring cancel.
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

/// Hands bytes to the next thread in [`CHUNK`]s; `flush` sends what is left.
pub struct ChannelWriter {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    pub fn new(tx: SyncSender<Vec<u8>>) -> Self {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .send(chunk)
            .map_err(|_| io::Error::other("the next stage of the backup stopped"))
    }
}

/// The packing stage: the manifest, then `entries`, through tar and zstd -3 (on zstd's worker
/// threads) into `out`. Counts the entries' bytes in `packed`; sets `complete` before `out`
/// closes, so the next stage can tell the end from a failure.
pub fn produce(
    manifest: &Manifest,
    entries: &[PackEntry],
    out: SyncSender<Vec<u8>>,
    packed: &AtomicU64,
    complete: &AtomicBool,
    cancel: &AtomicBool,
) -> Result<()> {
    let mtime = u64::try_from(manifest.created_at.unix_millis() / 1000).unwrap_or(0);
    let manifest_bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::SnapshotFailed(format!("Could not write the manifest: {e}")))?;
    let io_fail = |e: io::Error| {
        if cancel.load(Ordering::Relaxed) {
            Error::Cancelled
        } else {
            Error::SnapshotFailed(format!("Could not write the backup: {e}"))
        }
    };
    let mut zstd =
        zstd::stream::write::Encoder::new(ChannelWriter::new(out), 3).map_err(io_fail)?;
    let workers = std::thread::available_parallelism()
        .map(|n| n.get().min(4))
        .unwrap_or(1);
    if workers > 1 {
        // Still one standard frame: `tar --zstd` and `zstd -d` read it as usual.
        zstd.multithread(u32::try_from(workers).unwrap_or(1))
            .map_err(io_fail)?;
    }
    let mut tar = tar::Builder::new(zstd);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut header = tar_header(manifest_bytes.len() as u64, mtime);
    tar.append_data(&mut header, MANIFEST_PATH, manifest_bytes.as_slice())
        .map_err(io_fail)?;
    for entry in entries {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let file = File::open(&entry.source)
            .map_err(|e| Error::io("read for the backup", &entry.source, e))?;
        let mut header = tar_header(entry.size, mtime);
        // Large reads: tar copies through an 8 KiB buffer otherwise, a syscall and a zstd
        // call for every 8 KiB.
        let reader = BufReader::with_capacity(
            CHUNK,
            ExactReader {
                inner: file,
                remaining: entry.size,
                done: packed,
                cancel,
            },
        );
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
    out.flush().map_err(io_fail)?;
    complete.store(true, Ordering::SeqCst);
    Ok(())
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

/// An age encryptor for the passphrase (scrypt recipient), and the key to read back exactly
/// the archive it writes.
pub struct Sealing {
    pub encryptor: age::Encryptor,
    pub read_back: KnownKey,
}

/// Opens the one archive an export just sealed, with the file key that export wrapped, so the
/// read-back costs no second scrypt (a second or more of work). The stanza read back must equal,
/// byte for byte, the one the passphrase produced; then the header MAC and every payload chunk
/// are checked with the key as usual. `verify` and `restore` always use the passphrase.
pub struct KnownKey {
    file_key: SecretBox<[u8; 16]>,
    args: Vec<String>,
    body: Vec<u8>,
}

impl age::Identity for KnownKey {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        if stanza.tag != "scrypt" {
            return None;
        }
        if stanza.args != self.args || stanza.body != self.body {
            return Some(Err(age::DecryptError::InvalidHeader));
        }
        Some(Ok(FileKey::new(Box::new(*self.file_key.expose_secret()))))
    }
}

/// The scrypt recipient, remembering the file key and stanza it wraps.
struct Capture {
    inner: age::scrypt::Recipient,
    seen: Mutex<Option<KnownKey>>,
}

impl age::Recipient for Capture {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> std::result::Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let (stanzas, labels) = self.inner.wrap_file_key(file_key)?;
        if let ([stanza], Ok(mut seen)) = (stanzas.as_slice(), self.seen.lock()) {
            *seen = Some(KnownKey {
                file_key: SecretBox::new(Box::new(*file_key.expose_secret())),
                args: stanza.args.clone(),
                body: stanza.body.clone(),
            });
        }
        Ok((stanzas, labels))
    }
}

/// A [`Sealing`] being prepared on its own thread: scrypt takes a second or more of one core,
/// so it runs while the snapshot is taken and packing starts.
pub struct PendingSeal(std::thread::JoinHandle<Result<Sealing>>);

impl PendingSeal {
    /// Starts deriving the key. The thread is detached: a cancelled export does not wait for
    /// it, and its result is dropped.
    pub fn start(passphrase: Sensitive<String>, work_factor: Option<u8>) -> Result<PendingSeal> {
        std::thread::Builder::new()
            .name("backup: key derivation".to_owned())
            .spawn(move || seal(&passphrase, work_factor))
            .map(PendingSeal)
            .map_err(|_| Error::ThreadFailed {
                what: "key derivation",
            })
    }

    /// Waits for the key, giving up when `cancel` is set.
    pub fn wait(self, cancel: &AtomicBool) -> Result<Sealing> {
        while !self.0.is_finished() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            std::thread::sleep(POLL);
        }
        self.0.join().unwrap_or(Err(Error::ThreadFailed {
            what: "key derivation",
        }))
    }
}

/// The scrypt work factor (log2 N) of an export: the age CLI's default, 256 MiB and about a
/// second of one core. Fixed rather than age's calibration, which extrapolates from a run that
/// fits in the cache and picked 19 to 20 on a 2-core test machine (2 to 4 s, 512 MiB to 1 GiB,
/// paid again by every verify and restore, and varying with the machine's load). The
/// passphrase is generated with 120 bits of entropy, which the work factor does not protect.
pub const WORK_FACTOR: u8 = 18;

/// Derives the key from the passphrase (scrypt) and prepares the encryptor. `work_factor` is
/// log2 N; `None` is [`WORK_FACTOR`].
pub fn seal(passphrase: &Sensitive<String>, work_factor: Option<u8>) -> Result<Sealing> {
    let mut inner = age::scrypt::Recipient::new(SecretString::from(passphrase.expose().clone()));
    let log_n = work_factor
        .filter(|n| (1..64).contains(n))
        .unwrap_or(WORK_FACTOR);
    inner.set_work_factor(log_n);
    let capture = Capture {
        inner,
        seen: Mutex::new(None),
    };
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&capture as &dyn age::Recipient))
            .map_err(|e| Error::invalid("passphrase", e.to_string()))?;
    let read_back = capture.seen.into_inner().ok().flatten().ok_or_else(|| {
        Error::SnapshotFailed("The encryption could not be prepared; try again.".to_owned())
    })?;
    Ok(Sealing {
        encryptor,
        read_back,
    })
}

/// The identity that opens an archive with the passphrase.
pub fn passphrase_identity(passphrase: &Sensitive<String>) -> age::scrypt::Identity {
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.expose().clone()));
    identity.set_max_work_factor(24);
    identity
}

/// Parts fetched ahead on a helper thread (see [`prefetch`]), as one byte stream.
pub struct PartStream<'scope, 'c> {
    /// One token per part wanted.
    want: SyncSender<()>,
    rx: Receiver<Result<Vec<u8>>>,
    /// Buffers handed back for the next parts.
    spare: SyncSender<Vec<u8>>,
    fetcher: ScopedJoinHandle<'scope, Result<()>>,
    current: Vec<u8>,
    pos: usize,
    parts: u32,
    size: u64,
    ctx: &'c Ctx<'c>,
}

/// Fetches `parts` in order on a helper thread, `ahead` parts before they are needed (0 for a
/// preview that may stop early, 1 to overlap fetching with decrypting). `fetch` fills the
/// buffer it is given; each part's size and sha256 are checked before any of its bytes are
/// handed out. Memory: `ahead + 1` parts, in buffers that are reused.
pub fn prefetch<'scope, 'env, 'c: 'scope, I, F>(
    scope: &'scope Scope<'scope, 'env>,
    what: &str,
    parts: I,
    mut fetch: F,
    ahead: usize,
    ctx: &'c Ctx<'c>,
) -> Result<PartStream<'scope, 'c>>
where
    I: IntoIterator<Item = PartInfo>,
    I::IntoIter: Send + 'scope,
    F: FnMut(&PartInfo, &mut Vec<u8>) -> Result<()> + Send + 'scope,
{
    let (want, wanted) = sync_channel::<()>(ahead + 1);
    let (tx, rx) = sync_channel::<Result<Vec<u8>>>(ahead);
    let (spare, spares) = sync_channel::<Vec<u8>>(ahead + 1);
    let cancel = ctx.cancel_flag();
    let what = what.to_owned();
    let parts = parts.into_iter();
    let fetcher = spawn(scope, "reading the backup back", move || {
        for part in parts {
            if wanted.recv().is_err() {
                return Ok(());
            }
            let mut buf = spares.try_recv().unwrap_or_default();
            let checked = if cancel.load(Ordering::Relaxed) {
                Err(Error::Cancelled)
            } else {
                fetch(&part, &mut buf).and_then(|()| check_part(&what, &part, &buf))
            };
            let failed = checked.is_err();
            if tx.send(checked.map(|()| buf)).is_err() || failed {
                return Ok(());
            }
        }
        Ok(())
    })?;
    for _ in 0..ahead {
        let _ = want.send(());
    }
    Ok(PartStream {
        want,
        rx,
        spare,
        fetcher,
        current: Vec::new(),
        pos: 0,
        parts: 0,
        size: 0,
        ctx,
    })
}

fn check_part(what: &str, part: &PartInfo, bytes: &[u8]) -> Result<()> {
    let damaged = |detail: String| Error::BackupDamaged {
        what: what.to_owned(),
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
    let actual = Digest::from_bytes(Sha256::digest(bytes).into());
    if actual != part.sha256 {
        return Err(damaged(format!(
            "part {} does not match its sha256 (expected {}, found {actual})",
            part.n, part.sha256
        )));
    }
    Ok(())
}

impl PartStream<'_, '_> {
    /// Reads what is left (every part is fetched and checked); returns the parts and bytes.
    pub fn finish(mut self, what: &str) -> Result<(u32, u64)> {
        io::copy(&mut self, &mut io::sink()).map_err(|e| {
            self.ctx.take_or(e, |e| Error::BackupDamaged {
                what: what.to_owned(),
                detail: format!("it cannot be read to the end ({e})"),
            })
        })?;
        drop(self.want);
        joined(self.fetcher, "reading the backup back")?;
        Ok((self.parts, self.size))
    }
}

impl BufRead for PartStream<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.current.len() {
            // Ask for one more part: the fetcher stays `ahead` parts in front.
            let _ = self.want.try_send(());
            match self.rx.recv() {
                Ok(Ok(bytes)) => {
                    self.parts += 1;
                    self.size += bytes.len() as u64;
                    let used = std::mem::replace(&mut self.current, bytes);
                    let _ = self.spare.try_send(used);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(self.ctx.fail(e)),
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.current.len());
    }
}

impl Read for PartStream<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Hashes what passes through, for single-file archives.
pub struct HashingReader<'c, R> {
    pub inner: R,
    pub hasher: Sha256,
    pub size: u64,
    pub ctx: &'c Ctx<'c>,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ctx.cancel.load(Ordering::Relaxed) {
            return Err(self.ctx.fail(Error::Cancelled));
        }
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
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
    let damaged = |detail: String| Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    };
    let reader = open_decrypted(input, identity, what, ctx)?;
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
    let stage = extract.stage();
    let total = manifest.total_size();
    let mut done = 0u64;
    let mut buf = vec![0u8; CHUNK];
    // Set when this function returns, so the database check stops early after a failure.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<()> {
        let _stop = StopOnDrop(&stop);
        let mut checker = None;
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
            let destination = extract.destination(&path)?;
            let write_fail = |e| Error::io("write", destination.clone().unwrap_or_default(), e);
            let mut out: Box<dyn Write> = match &destination {
                Some(dest) => {
                    if let Some(parent) = dest.parent() {
                        std::fs::create_dir_all(parent)
                            .map_err(|e| Error::io("create", parent, e))?;
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
                let n = entry.read(&mut buf).map_err(|e| {
                    ctx.take_or(e, |e| damaged(format!("cannot read \"{path}\" ({e})")))
                })?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(write_fail)?;
                let before = done;
                done += n as u64;
                if done / REPORT_EVERY != before / REPORT_EVERY {
                    ctx.report(stage, done, total);
                }
            }
            out.flush().map_err(write_fail)?;
            drop(out);
            let actual = Digest::from_bytes(hasher.finalize().into());
            if actual != meta.sha256 {
                return Err(damaged(format!(
                    "\"{path}\" does not match the manifest's sha256"
                )));
            }
            if path == DATABASE_PATH {
                if let Some(db) = destination {
                    let stop = &stop;
                    checker = Some(spawn(scope, "checking the database copy", move || {
                        snapshot::check_file(&db, stop)
                    })?);
                }
            }
        }
        if let Some(missing) = expected.keys().next() {
            return Err(damaged(format!("\"{missing}\" is missing")));
        }
        let checker = checker.ok_or_else(|| damaged("it holds no database".to_owned()))?;
        wait(checker, "checking the database copy", &mut || {
            if ctx.check_cancel().is_err() {
                stop.store(true, Ordering::Relaxed);
            }
        })
    })?;
    // Read to the very end so that age authenticates the final chunk (truncation).
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| ctx.take_or(e, |e| damaged(format!("its end is damaged ({e})"))))?;
    ctx.report(stage, total, total);
    Ok(manifest)
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
    let damaged = |detail: String| Error::BackupDamaged {
        what: what.to_owned(),
        detail,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct horse battery";

    fn sealed(data: &[u8]) -> (Vec<u8>, KnownKey) {
        let sealing = seal(&Sensitive::new(PASS.to_owned()), Some(4)).unwrap();
        let mut out = Vec::new();
        let mut writer = sealing.encryptor.wrap_output(&mut out).unwrap();
        writer.write_all(data).unwrap();
        writer.finish().unwrap();
        (out, sealing.read_back)
    }

    fn open(bytes: &[u8], identity: &dyn age::Identity) -> Option<Vec<u8>> {
        let decryptor = age::Decryptor::new(bytes).ok()?;
        let mut reader = decryptor.decrypt(std::iter::once(identity)).ok()?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out).ok()?;
        Some(out)
    }

    #[test]
    fn the_known_key_opens_only_the_archive_it_sealed() {
        let (bytes, key) = sealed(b"tenant data");
        assert_eq!(open(&bytes, &key).unwrap(), b"tenant data");
        // A plain passphrase archive: the passphrase opens it as well.
        let by_passphrase = passphrase_identity(&Sensitive::new(PASS.to_owned()));
        assert_eq!(open(&bytes, &by_passphrase).unwrap(), b"tenant data");
        // Another archive (its own salt and file key) is refused.
        let (other, _) = sealed(b"tenant data");
        assert!(open(&other, &key).is_none());
        // So is a changed stanza: line 3 of the header is the wrapped key.
        let body = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .map(|(i, _)| i + 1)
            .unwrap();
        let mut changed = bytes.clone();
        changed[body] = if changed[body] == b'A' { b'B' } else { b'A' };
        assert!(open(&changed, &key).is_none());
    }
}
