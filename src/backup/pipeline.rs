//! The export pipeline on several threads, so that packing, encrypting, writing and reading back
//! overlap (the plain `tar | zstd | age` runs its programs concurrently too):
//!
//! ```text
//! producer: tar + zstd -3 (zstd's workers) ─chunks─▶ encryptor: age ─chunks─▶ this thread:
//! cuts parts, hashes and writes each ─part N─▶ fetcher: flushes part N to disk, reads it back
//! from the destination, checks its sha256 ─▶ verifier: decrypts, decompresses, checks every
//! entry against the manifest (and `integrity_check`s the database copy)
//! ```
//!
//! Channels are bounded: a few MiB of chunks (up to 64 MiB while the key derivation finishes)
//! plus at most three parts are in memory. Only this thread calls the progress callback, from
//! counters the workers update. Every worker checks the cancel flag; a failure anywhere is kept
//! (the first one wins, later ones are its echoes) and closes the channels, so the other stages
//! stop too.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, sync_channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Mutex;

use sha2::{Digest as _, Sha256};

use super::archive::{
    self, joined, spawn, ChannelWriter, Ctx, Extract, KnownKey, PackEntry, PendingSeal, Sealing,
    POLL, REPORT_EVERY,
};
use super::format::{Manifest, PartInfo};
use super::target::{io_error, write_in_slices, Target};
use super::{Progress, Stage};
use crate::canon::Digest;
use crate::error::ArchiveOp;
use crate::{Error, Result};

/// Chunks in flight between two stages.
const DEPTH: usize = 4;
/// Compressed chunks that may wait for the encryptor: packing starts before scrypt is done
/// (while it runs, a core is free), so its first output waits here. Bounded: 64 MiB.
const DEPTH_SEALING: usize = 64;
/// A manual export is read back in segments of this size.
const FILE_SEGMENT: usize = 16 * 1024 * 1024;

/// Where the encrypted stream goes.
pub enum Sink<'t> {
    /// Fixed-size parts at a target, under a backup name.
    Parts {
        target: &'t dyn Target,
        name: &'t str,
        part_size: usize,
    },
    /// One file (manual export), already created under a temporary name.
    File { file: File, path: &'t Path },
}

/// What was written.
pub struct Written {
    /// The parts (none for a manual export).
    pub parts: Vec<PartInfo>,
    pub size: u64,
    pub sha256: Digest,
}

impl<'t> Sink<'t> {
    fn segment_size(&self) -> usize {
        match self {
            Sink::Parts { part_size, .. } => *part_size,
            Sink::File { .. } => FILE_SEGMENT,
        }
    }

    fn put(&mut self, n: u32, data: &[u8]) -> Result<()> {
        match self {
            Sink::Parts { target, name, .. } => target.put_part(name, n, data),
            Sink::File { file, path } => write_in_slices(&*file, data)
                .map_err(|e| io_error("manual export", "write", path, e)),
        }
    }

    /// How the fetcher reads segments back: from the destination, not from memory.
    fn read_back(&self) -> Result<ReadBack<'t>> {
        match *self {
            Sink::Parts { target, name, .. } => Ok(ReadBack::Parts { target, name }),
            Sink::File { path, .. } => Ok(ReadBack::File {
                file: File::open(path).map_err(|e| Error::io("read back", path, e))?,
                path,
            }),
        }
    }
}

enum ReadBack<'t> {
    Parts {
        target: &'t dyn Target,
        name: &'t str,
    },
    File {
        file: File,
        path: &'t Path,
    },
}

impl ReadBack<'_> {
    /// Flushes segment `part` to disk, then reads it back into `buf`.
    fn fetch(&mut self, part: &PartInfo, buf: &mut Vec<u8>) -> Result<()> {
        fail::fail_point!(super::failpoints::PART_READ_BACK);
        match self {
            ReadBack::Parts { target, name } => {
                target.sync_part(name, part.n)?;
                target.get_part(name, part.n, buf)
            }
            ReadBack::File { file, path } => {
                let fail = |e| io_error("manual export", "read back", path, e);
                file.sync_data().map_err(fail)?;
                buf.resize(usize::try_from(part.size).unwrap_or(0), 0);
                file.read_exact(buf).map_err(fail)
            }
        }
    }
}

/// The first failure of any stage; later ones are consequences of it (closed channels).
struct FirstError(Mutex<Option<Error>>);

impl FirstError {
    fn keep<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(e) = result {
            let stand_in = Error::SnapshotFailed(e.to_string());
            if let Ok(mut slot) = self.0.lock() {
                if slot.is_none() {
                    *slot = Some(e);
                }
            }
            return Err(stand_in);
        }
        result
    }

    fn take(self) -> Option<Error> {
        self.0.into_inner().ok().flatten()
    }
}

/// How far each stage got, in bytes, and whether the first two finished their streams. The
/// workers update these; only the calling thread reads them for progress.
#[derive(Default)]
struct Counters {
    packed: AtomicU64,
    encrypted: AtomicU64,
    uploaded: AtomicU64,
    verified: AtomicU64,
    packed_all: AtomicBool,
    sealed_all: AtomicBool,
}

/// Progress of the concurrent stages, each from its own counter, reported by this thread.
struct Meter<'a, 'c> {
    ctx: &'c Ctx<'c>,
    stages: [(Stage, &'a AtomicU64, u64, u64); 4],
}

impl<'a, 'c> Meter<'a, 'c> {
    /// Pack and verify count data bytes against `total`; encrypt and upload have no total.
    fn new(ctx: &'c Ctx<'c>, counters: &'a Counters, total: u64) -> Self {
        Meter {
            ctx,
            stages: [
                (Stage::Pack, &counters.packed, total, 0),
                (Stage::Encrypt, &counters.encrypted, 0, 0),
                (Stage::Upload, &counters.uploaded, 0, 0),
                (Stage::Verify, &counters.verified, total, 0),
            ],
        }
    }

    /// Every stage starts at 0, so a progress bar knows them all from the start.
    fn start(&self) {
        for (stage, _, total, _) in &self.stages {
            self.ctx.report(*stage, 0, *total);
        }
    }

    /// Reports every stage that moved by a step since its last report.
    fn tick(&mut self) {
        for (stage, counter, total, shown) in &mut self.stages {
            let done = counter.load(Ordering::Relaxed);
            if done / REPORT_EVERY != *shown / REPORT_EVERY {
                self.ctx.report(*stage, done, *total);
                *shown = done;
            }
        }
    }

    /// Final figures; stages without a known total end at done = total.
    fn finish(&mut self) {
        for (stage, counter, total, _) in &self.stages {
            let done = counter.load(Ordering::Relaxed);
            self.ctx.report(*stage, done, (*total).max(done));
        }
    }
}

/// Packs, encrypts and writes the archive to `sink`, reading every part back from the
/// destination and checking it completely while the next parts are written. Returns only when
/// everything read back matches `manifest`.
#[allow(clippy::too_many_arguments)]
pub fn export<'c>(
    manifest: &Manifest,
    entries: &[PackEntry],
    sealing: PendingSeal,
    mut sink: Sink<'_>,
    verify_db: &Path,
    what: &str,
    ctx: &'c Ctx<'c>,
) -> Result<Written> {
    let cancel = ctx.cancel_flag();
    let first = FirstError(Mutex::new(None));
    let counters = Counters::default();
    let (to_seal, sealed_in) = sync_channel::<Vec<u8>>(DEPTH_SEALING);
    let (to_write, written_in) = sync_channel::<Vec<u8>>(DEPTH);
    let (to_verify, verify_in) = mpsc::channel::<PartInfo>();
    // The read-back key, once the key derivation is done.
    let (key_tx, key_rx) = sync_channel::<KnownKey>(1);
    let back = sink.read_back()?;
    let mut meter = Meter::new(ctx, &counters, manifest.total_size());
    meter.start();
    let result = std::thread::scope(|scope| -> Result<_> {
        let (first, c) = (&first, &counters);
        let producer = spawn(scope, "packing", move || {
            first.keep(archive::produce(
                manifest,
                entries,
                to_seal,
                &c.packed,
                &c.packed_all,
                cancel,
            ))
        })?;
        let sealer = spawn(scope, "encrypting", move || {
            let Sealing {
                encryptor,
                read_back,
            } = first.keep(sealing.wait(cancel))?;
            key_tx.send(read_back).map_err(|_| stopped())?;
            first.keep(seal_stream(encryptor, sealed_in, to_write, c, cancel))
        })?;
        let verifier = spawn(scope, "verifying the read-back", move || {
            let key = key_rx.recv().map_err(|_| stopped())?;
            first.keep(check_read_back(
                back,
                verify_in,
                &key,
                verify_db,
                what,
                &c.verified,
                cancel,
            ))
        })?;
        let written = first.keep(write_parts(&mut sink, written_in, to_verify, c, &mut meter));
        // The verifier finishes a part or so after the last write; keep reporting meanwhile.
        let checked = archive::wait(verifier, "verifying the read-back", &mut || meter.tick());
        let produced = joined(producer, "packing");
        let sealed = joined(sealer, "encrypting");
        produced?;
        sealed?;
        let written = written?;
        check_complete(manifest, &written, checked?, what)?;
        Ok(written)
    });
    if ctx.check_cancel().is_err() {
        return Err(Error::Cancelled);
    }
    if let Some(e) = first.take() {
        return Err(e);
    }
    let written = result?;
    meter.finish();
    Ok(Written {
        parts: match sink {
            Sink::Parts { .. } => written.parts,
            Sink::File { .. } => Vec::new(),
        },
        size: written.size,
        sha256: written.sha256,
    })
}

/// The read-back saw every segment that was written, every byte, and the manifest packed.
fn check_complete(
    manifest: &Manifest,
    written: &Segments,
    (read, parts, size): (Manifest, u32, u64),
    what: &str,
) -> Result<()> {
    let complete = parts as usize == written.segments && size == written.size;
    if !complete || read != *manifest {
        return Err(Error::BackupDamaged {
            what: what.to_owned(),
            detail: "it reads back differently than written".to_owned(),
        });
    }
    Ok(())
}

/// The encrypting stage: age over the compressed chunks, into the writer's channel. Counts
/// `encrypted`; sets `sealed_all` before its output closes.
fn seal_stream(
    encryptor: age::Encryptor,
    input: Receiver<Vec<u8>>,
    output: SyncSender<Vec<u8>>,
    counters: &Counters,
    cancel: &AtomicBool,
) -> Result<()> {
    let fail = |e: std::io::Error| {
        if cancel.load(Ordering::Relaxed) {
            Error::Cancelled
        } else {
            Error::SnapshotFailed(format!("Could not encrypt the backup: {e}"))
        }
    };
    let mut writer = encryptor
        .wrap_output(ChannelWriter::new(output))
        .map_err(fail)?;
    for chunk in input {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        writer.write_all(&chunk).map_err(fail)?;
        counters
            .encrypted
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
    // A producer that stopped early must not leave an age stream that looks finished.
    if !counters.packed_all.load(Ordering::SeqCst) {
        return Err(stopped());
    }
    let mut out = writer.finish().map_err(fail)?;
    out.flush().map_err(fail)?;
    counters.sealed_all.store(true, Ordering::SeqCst);
    Ok(())
}

/// What `write_parts` wrote, with the number of segments handed to the read-back.
struct Segments {
    parts: Vec<PartInfo>,
    segments: usize,
    size: u64,
    sha256: Digest,
}

/// This thread's stage: cuts the encrypted stream into segments, hashes and writes each, and
/// hands it to the read-back. Counts `uploaded`; reports progress while it waits for chunks.
fn write_parts(
    sink: &mut Sink<'_>,
    input: Receiver<Vec<u8>>,
    to_verify: Sender<PartInfo>,
    counters: &Counters,
    meter: &mut Meter<'_, '_>,
) -> Result<Segments> {
    let ctx = meter.ctx;
    let size = sink.segment_size();
    let mut segment = Vec::with_capacity(size);
    let mut parts = Vec::new();
    let mut part_hash = Sha256::new();
    let mut whole = Sha256::new();
    let mut flush = |segment: &mut Vec<u8>, part_hash: Sha256| -> Result<()> {
        let n = u32::try_from(parts.len() + 1).unwrap_or(u32::MAX);
        let info = PartInfo {
            n,
            size: segment.len() as u64,
            sha256: Digest::from_bytes(part_hash.finalize().into()),
        };
        fail::fail_point!(super::failpoints::PART_WRITE);
        sink.put(n, segment)?;
        counters.uploaded.fetch_add(info.size, Ordering::Relaxed);
        segment.clear();
        parts.push(info.clone());
        // A closed channel means the verifier failed; its error is kept.
        to_verify.send(info).map_err(|_| stopped())
    };
    loop {
        ctx.check_cancel()?;
        match input.recv_timeout(POLL * 10) {
            Ok(chunk) => {
                let mut rest = chunk.as_slice();
                while !rest.is_empty() {
                    let (piece, tail) = rest.split_at((size - segment.len()).min(rest.len()));
                    // Hashed now, while the piece is in the cache.
                    part_hash.update(piece);
                    whole.update(piece);
                    segment.extend_from_slice(piece);
                    rest = tail;
                    if segment.len() == size {
                        flush(&mut segment, std::mem::take(&mut part_hash))?;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        meter.tick();
    }
    if !counters.sealed_all.load(Ordering::SeqCst) {
        return Err(stopped());
    }
    if !segment.is_empty() {
        flush(&mut segment, part_hash)?;
    }
    let written: u64 = parts.iter().map(|p| p.size).sum();
    Ok(Segments {
        segments: parts.len(),
        parts,
        size: written,
        sha256: Digest::from_bytes(whole.finalize().into()),
    })
}

/// The read-back: fetches each written segment from the destination (one ahead, on a helper
/// thread) and checks the whole archive as `verify` does. Returns the manifest read back and
/// how many segments and bytes were read.
fn check_read_back(
    mut back: ReadBack<'_>,
    written: Receiver<PartInfo>,
    key: &KnownKey,
    verify_db: &Path,
    what: &str,
    verified: &AtomicU64,
    cancel: &AtomicBool,
) -> Result<(Manifest, u32, u64)> {
    let mut relay = |p: Progress| verified.store(p.done, Ordering::Relaxed);
    let ctx = Ctx::new(&mut relay, cancel);
    std::thread::scope(|scope| {
        let mut stream = archive::prefetch(
            scope,
            what,
            written,
            move |p, buf| back.fetch(p, buf),
            1,
            &ctx,
        )?;
        let manifest = archive::unpack(
            &mut stream,
            key,
            what,
            Some(Extract::VerifyOnly {
                database_to: verify_db,
            }),
            &ctx,
        )
        .map_err(|e| e.during(ArchiveOp::Export))?;
        let (parts, size) = stream.finish(what)?;
        Ok((manifest, parts, size))
    })
}

/// A stage stopped because another one failed (whose error is kept).
fn stopped() -> Error {
    Error::SnapshotFailed("Another stage of the backup stopped.".to_owned())
}
