//! The packing stage of an export: the manifest, the database copy and the tenant's files
//! through `tar | zstd -3` (zstd's worker threads), handed on in [`CHUNK`]s over a channel.

use std::io::{self, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;

use super::{PackEntry, CHUNK};
use crate::backup::format::{Manifest, MANIFEST_PATH};
use crate::backup::tree::open_regular;
use crate::{Error, Result};

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
    let mut header = tar_header(manifest_bytes.len() as u64, mtime, None);
    tar.append_data(&mut header, MANIFEST_PATH, manifest_bytes.as_slice())
        .map_err(io_fail)?;
    for dir in &manifest.dirs {
        // Folders, parents first, so `tar -x` makes empty ones too, with their modes.
        let mut header = tar_header(0, mtime, Some(dir.mode.unwrap_or(0o755)));
        header.set_entry_type(tar::EntryType::Directory);
        tar.append_data(&mut header, format!("{}/", dir.path), io::empty())
            .map_err(io_fail)?;
    }
    for entry in entries {
        fail::fail_point!(super::super::failpoints::PACK_ENTRY);
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let file = open_regular(&entry.source)?;
        let mut header = tar_header(entry.size, mtime, entry.mode);
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

fn tar_header(size: u64, mtime: u64, mode: Option<u32>) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(mode.map_or(0o644, |m| m & 0o777));
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    header
}
