//! Reading an archive in: parts fetched ahead on a helper thread and checked (size, sha256)
//! before a byte of them is decrypted, as one byte stream; and a reader that hashes a
//! single-file archive as it passes.

use std::io::{self, BufRead, Read};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{Scope, ScopedJoinHandle};

use sha2::{Digest as _, Sha256};

use super::{joined, spawn, Ctx};
use crate::backup::format::PartInfo;
use crate::canon::Digest;
use crate::{Error, Result};

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
