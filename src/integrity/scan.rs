//! Reading a workspace for a baseline or a drift check: which files are covered, and what each
//! one is now. A file is looked at with `lstat`, as AIDE does, so each covered path records its
//! type (AIDE's `ftype`) and, for a symbolic link, its target (`lname`), besides size, mtime,
//! mode and the sha256 of its content. Content is read only from a regular file, through
//! `fsutil::open_regular` (never blocking), or through a link that stays inside the workspace and
//! ends at a regular file (`fsutil`'s link rule; the content OpenClaw would read). A pipe,
//! device, socket, folder, or a link out of the workspace is recorded without content (size 0
//! and the sha256 of no bytes), so its type and target are what drift compares.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

use serde::Serialize;

use crate::canon::{Digest, DigestWriter};
use crate::fsutil::{self, FileKind};
use crate::persona::workspace::RUNTIME_FILES;
use crate::{Error, Result};

/// Files up to this size keep their baseline content, so drift can be shown as a diff.
pub const MAX_BLOB_BYTES: u64 = 512 * 1024;
const READ_CHUNK: usize = 256 * 1024;

/// One file as it was (or is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileState {
    pub path: String,
    /// What is at the path (`lstat`): a link is a link.
    pub file_type: FileKind,
    /// For a symbolic link, where it points, as written in the link.
    pub link_target: Option<String>,
    /// Bytes of content read (0 when none is read).
    #[ts(type = "number")]
    pub size: u64,
    #[ts(type = "number")]
    pub mtime_ns: i64,
    pub mode: u32,
    /// The sha256 of the content read (of no bytes when none is read).
    pub sha256: Digest,
}

/// Contents of small files, by their hash.
pub(super) type Blobs = BTreeMap<Digest, Vec<u8>>;

/// Hashes one regular file (a link, pipe, device or folder at `path` is refused without
/// blocking), reading it exactly once, and keeps its bytes when `keep_up_to` allows.
pub fn hash_file(path: &Path, keep_up_to: u64) -> Result<(Digest, u64, Option<Vec<u8>>)> {
    let opened = fsutil::open_regular(path, path)?;
    hash_reader(opened.file, keep_up_to).map_err(|e| Error::io("read", path, e))
}

fn hash_reader(
    mut reader: impl Read,
    keep_up_to: u64,
) -> std::io::Result<(Digest, u64, Option<Vec<u8>>)> {
    let mut hasher = DigestWriter::new();
    let mut kept = Vec::new();
    let mut keep = true;
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buffer.get(..n).unwrap_or_default();
        hasher.update(chunk);
        total += n as u64;
        if keep {
            if total <= keep_up_to {
                kept.extend_from_slice(chunk);
            } else {
                keep = false;
                kept = Vec::new();
            }
        }
    }
    Ok((hasher.finish(), total, keep.then_some(kept)))
}

/// A watch-list entry must be a relative path inside the workspace.
pub(super) fn check_relative(path: &str) -> Result<String> {
    let candidate = Path::new(path);
    let inside = !path.is_empty()
        && candidate
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(Error::invalid(
            "watch path",
            format!("\"{path}\" must be a relative path inside the workspace, without '..'"),
        ));
    }
    Ok(candidate
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/"))
}

/// The paths a baseline covers, present or not: every file the runtime reads
/// ([`RUNTIME_FILES`]), then the watch list.
pub(super) fn watched_paths(watch_list: &[String]) -> Vec<String> {
    let mut paths: Vec<String> = RUNTIME_FILES.iter().map(|f| (*f).to_owned()).collect();
    for extra in watch_list {
        if !paths.contains(extra) {
            paths.push(extra.clone());
        }
    }
    paths
}

#[cfg(unix)]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode()
}

#[cfg(not(unix))]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    u32::from(metadata.permissions().readonly())
}

fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

/// What is on disk now: the state of each covered path that exists, and the kept contents.
pub(super) fn scan(workspace: &Path, paths: &[String]) -> Result<(Vec<FileState>, Blobs)> {
    let mut blobs = BTreeMap::new();
    let states = scan_with(workspace, paths, |path, _| {
        let (sha256, size, kept) = hash_file(path, MAX_BLOB_BYTES)?;
        if let Some(bytes) = kept {
            blobs.insert(sha256, bytes);
        }
        Ok((sha256, size))
    })?;
    Ok((states, blobs))
}

/// What is on disk now; the content of each regular file read (by path and `lstat` metadata)
/// is hashed by `digest`, which gives its digest and size.
pub(super) fn scan_with(
    workspace: &Path,
    paths: &[String],
    mut digest: impl FnMut(&Path, &std::fs::Metadata) -> Result<(Digest, u64)>,
) -> Result<Vec<FileState>> {
    let mut states = Vec::new();
    for relative in paths {
        let path = workspace.join(relative);
        let found = match std::fs::symlink_metadata(&path) {
            Ok(found) => found,
            Err(e) if absent(&e) => continue,
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let file_type = FileKind::of(&found.file_type());
        let mut link_target = None;
        let content = match file_type {
            FileKind::File => Some(digest(&path, &found)?),
            FileKind::Symlink => {
                let target = std::fs::read_link(&path).map_err(|e| Error::io("read", &path, e))?;
                link_target = Some(target.to_string_lossy().into_owned());
                linked_content(workspace, relative, &mut digest)?
            }
            _ => None,
        };
        let (sha256, size) = content.unwrap_or_else(|| (Digest::of_bytes(b""), 0));
        states.push(FileState {
            path: relative.clone(),
            file_type,
            link_target,
            size,
            mtime_ns: mtime_ns(&found),
            mode: mode_of(&found),
            sha256,
        });
    }
    Ok(states)
}

/// The content behind the link at `relative`, when the link rule lets the runtime read it.
fn linked_content(
    workspace: &Path,
    relative: &str,
    digest: &mut impl FnMut(&Path, &std::fs::Metadata) -> Result<(Digest, u64)>,
) -> Result<Option<(Digest, u64)>> {
    let target = match fsutil::resolve_in(workspace, Path::new(relative)) {
        Ok(Some(target)) => target,
        Ok(None) | Err(Error::NotRegularFile { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match std::fs::symlink_metadata(&target) {
        Ok(found) if found.is_file() => digest(&target, &found).map(Some),
        Ok(_) => Ok(None),
        Err(e) if absent(&e) => Ok(None),
        Err(e) => Err(Error::io("read", &target, e)),
    }
}

/// Nothing at the path, or a folder on the way is a file.
fn absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}
