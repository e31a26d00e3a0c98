//! The archive pipeline's pieces, both directions. Export: [`produce`] writes the manifest, the
//! database copy and the tenant's files through `tar | zstd -3` (zstd's own worker threads) into
//! a channel, and [`seal`] prepares the age (scrypt) encryptor; `pipeline.rs` wires them to the
//! destination and the read-back. Import: [`prefetch`] reads parts on a helper thread, checking
//! each part's size and sha256 before a byte of it is decrypted; [`unpack`] decrypts,
//! decompresses and checks every tar entry against the manifest (path rules, size, sha256,
//! nothing missing, nothing extra) and runs `integrity_check` on the database copy while the
//! remaining entries are checked.
//!
//! This file holds what both directions share: the per-pipeline [`Ctx`] (progress, cancel, the
//! first typed error), scoped worker threads, and the sizes they hand around. Files:
//! `pack.rs` ([`produce`]), `seal.rs` (the age encryptor and the read-back key), `fetch.rs`
//! (parts fetched ahead, hashing a single file), `unpack.rs` ([`unpack`]).

mod check;
mod fetch;
mod pack;
mod seal;
mod unpack;

use std::cell::RefCell;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

use super::{Progress, Stage};
use crate::{Error, Result};

pub use fetch::{prefetch, HashingReader, PartStream};
pub use pack::{produce, ChannelWriter};
pub use seal::{
    export_work_factor, passphrase_identity, seal, KnownKey, PendingSeal, Sealing, WORK_FACTOR,
};
pub use unpack::{unpack, Extract, StopOnDrop};

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
    /// Permission bits for the tar header (0644 when `None`).
    pub mode: Option<u32>,
}
