//! Cached file digests for drift checks, keyed by a file's stat data, so a refresh re-hashes
//! only what changed. The rule is git's index ("racy git", `Documentation/technical/racy-git.txt`):
//! a digest is reused only while device, inode, size, mtime, ctime and mode are all unchanged,
//! and a file whose last change is less than [`RACY_WINDOW_MS`] older than the hashing is never
//! cached, because a second write inside the same timestamp tick would keep its stat data.
//! ctime cannot be set by an unprivileged process, so restoring an old mtime after an edit still
//! misses the cache. The cache lives in memory only (an app process keeps one): nothing on disk
//! can be edited to hide drift. Off Unix there is no ctime or inode, so nothing is cached there.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::canon::Digest;
use crate::clock::Timestamp;

/// A file changed this recently (milliseconds before the hashing) is hashed again next time.
pub const RACY_WINDOW_MS: i64 = 2_000;
/// At most this many files are remembered; the cache starts over when it is full.
pub const MAX_ENTRIES: usize = 100_000;

/// The stat data a cached digest is valid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatKey {
    device: u64,
    inode: u64,
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    mode: u32,
}

impl StatKey {
    #[cfg(unix)]
    fn of(metadata: &Metadata) -> Option<StatKey> {
        use std::os::unix::fs::MetadataExt;
        let ns = |secs: i64, nanos: i64| secs.checked_mul(1_000_000_000)?.checked_add(nanos);
        Some(StatKey {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            mtime_ns: ns(metadata.mtime(), metadata.mtime_nsec())?,
            ctime_ns: ns(metadata.ctime(), metadata.ctime_nsec())?,
            mode: metadata.mode(),
        })
    }

    #[cfg(not(unix))]
    fn of(_metadata: &Metadata) -> Option<StatKey> {
        None
    }

    /// Changed at least [`RACY_WINDOW_MS`] before `hashed_at`.
    fn settled_at(&self, hashed_at: Timestamp) -> bool {
        let last_change_ms = self.mtime_ns.max(self.ctime_ns).div_euclid(1_000_000);
        last_change_ms.saturating_add(RACY_WINDOW_MS) <= hashed_at.unix_millis()
    }
}

/// Digests of files by path, valid while their stat data is unchanged. Shared between threads.
#[derive(Debug, Default)]
pub struct DigestCache {
    entries: Mutex<HashMap<PathBuf, (StatKey, Digest)>>,
}

impl DigestCache {
    pub fn new() -> Self {
        DigestCache::default()
    }

    /// How many digests are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The digest of `path`, whose `metadata` was just read, from the cache when its stat data
    /// is unchanged, else from `hash` (which reads the file), remembered when the file has
    /// settled by `now`. The bool says whether `hash` ran.
    pub(crate) fn digest<E>(
        &self,
        path: &Path,
        metadata: &Metadata,
        now: Timestamp,
        hash: impl FnOnce() -> Result<Digest, E>,
    ) -> Result<(Digest, bool), E> {
        let key = StatKey::of(metadata);
        if let Some(key) = key {
            if let Some((cached_key, digest)) = self.lock().get(path) {
                if *cached_key == key {
                    return Ok((*digest, false));
                }
            }
        }
        let digest = hash()?;
        let mut entries = self.lock();
        match key {
            Some(key) if key.settled_at(now) => {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(path.to_owned(), (key, digest));
            }
            _ => {
                entries.remove(path);
            }
        }
        Ok((digest, true))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<PathBuf, (StatKey, Digest)>> {
        // The map holds no invariant a panic could break halfway.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn now_plus(ms: i64) -> Timestamp {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        Timestamp::from_unix_millis(now + ms)
    }

    fn digest_of(cache: &DigestCache, path: &Path, at: Timestamp) -> (Digest, bool) {
        let metadata = std::fs::metadata(path).unwrap();
        cache
            .digest(path, &metadata, at, || {
                Ok::<_, std::io::Error>(Digest::of_bytes(&std::fs::read(path)?))
            })
            .unwrap()
    }

    #[test]
    fn a_settled_file_is_hashed_once_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SOUL.md");
        std::fs::write(&path, "one").unwrap();
        let cache = DigestCache::new();
        let later = now_plus(RACY_WINDOW_MS + 1_000);
        let (first, hashed) = digest_of(&cache, &path, later);
        assert!(hashed);
        assert_eq!(digest_of(&cache, &path, later), (first, false));
        // Same size, and the old mtime put back: ctime still moves, so it is hashed again.
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, "two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let (second, hashed) = digest_of(&cache, &path, now_plus(RACY_WINDOW_MS + 2_000));
        assert!(hashed);
        assert_ne!(first, second);
        assert_eq!(second, Digest::of_bytes(b"two"));
    }

    #[test]
    fn a_file_changed_within_the_racy_window_is_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SOUL.md");
        std::fs::write(&path, "fresh").unwrap();
        let cache = DigestCache::new();
        let (_, hashed) = digest_of(&cache, &path, now_plus(0));
        assert!(hashed);
        assert!(cache.is_empty());
        let (_, hashed) = digest_of(&cache, &path, now_plus(0));
        assert!(hashed, "a racily clean file is hashed again");
    }
}
