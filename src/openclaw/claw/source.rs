//! Where a Claw's files come from: a package folder, read file by file only where the manifest
//! points, or an npm-style tarball unpacked into memory with every entry checked. Either way a
//! file is returned only when it is a regular file reached without symlinks, inside the
//! package, and within its size limit; nothing is read past a limit (OpenClaw's reader does the
//! same with `symlinks: "reject"`, `hardlinks: "reject"` and `maxBytes`).

use std::collections::BTreeMap;
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::archive;
use super::error::ClawError;
use super::manifest::check_path;
use crate::{Error, Result};

/// A package being read.
pub(super) enum Source {
    /// A folder on disk.
    Folder(PathBuf),
    /// A tarball's `package/` entries by package-relative path.
    Archive(BTreeMap<String, Vec<u8>>),
}

impl Source {
    /// A folder as it is, or a file unpacked as a gzip tarball.
    pub(super) fn open(path: &Path) -> Result<Source> {
        let metadata = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        if metadata.is_dir() {
            Ok(Source::Folder(path.to_path_buf()))
        } else if metadata.is_file() {
            archive::unpack(path).map(Source::Archive)
        } else {
            Err(ClawError::NotAPackage {
                path: path.display().to_string(),
                detail: format!("it is {}", kind_of(&metadata)),
            }
            .into())
        }
    }

    /// The file at the package-relative `path`, at most `limit` bytes; `None` when there is
    /// nothing at that path.
    pub(super) fn read(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        check_path(path)?;
        match self {
            Source::Folder(root) => read_in_folder(root, path, limit),
            Source::Archive(files) => match files.get(path) {
                Some(bytes) if bytes.len() as u64 > limit => Err(too_large(path, limit)),
                Some(bytes) => Ok(Some(bytes.clone())),
                None if archive_has_folder(files, path) => Err(ClawError::NotRegularFile {
                    path: path.to_owned(),
                    kind: "a folder",
                }
                .into()),
                None => Ok(None),
            },
        }
    }

    /// True when anything (a file, a folder, a link) is at the package-relative `path`.
    pub(super) fn has(&self, path: &str) -> Result<bool> {
        match self {
            Source::Folder(root) => {
                let full = root.join(path);
                match std::fs::symlink_metadata(&full) {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(Error::io("read", full, e)),
                }
            }
            Source::Archive(files) => {
                Ok(files.contains_key(path) || archive_has_folder(files, path))
            }
        }
    }
}

fn archive_has_folder(files: &BTreeMap<String, Vec<u8>>, path: &str) -> bool {
    let prefix = format!("{path}/");
    files
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(name, _)| name.starts_with(&prefix))
}

pub(super) fn too_large(path: &str, limit: u64) -> Error {
    ClawError::TooLarge {
        path: path.to_owned(),
        limit,
    }
    .into()
}

/// Walks `path` from `root` one segment at a time without following links, then reads the
/// file through a handle that is checked to be the file that was inspected.
fn read_in_folder(root: &Path, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let segments = check_path(path)?;
    let mut full = root.to_path_buf();
    let mut metadata = None;
    for (n, segment) in segments.iter().enumerate() {
        full.push(segment);
        let shown = segments.get(..=n).unwrap_or_default().join("/");
        let found = match std::fs::symlink_metadata(&full) {
            Ok(found) => found,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("read", &full, e)),
        };
        if found.file_type().is_symlink() {
            return Err(ClawError::Symlink { path: shown }.into());
        }
        if n + 1 < segments.len() && !found.is_dir() {
            return Ok(None);
        }
        metadata = Some(found);
    }
    let Some(metadata) = metadata else {
        return Ok(None);
    };
    check_regular(path, &metadata)?;
    if metadata.len() > limit {
        return Err(too_large(path, limit));
    }
    // Without blocking and without following a link swapped in since the look.
    let crate::fsutil::Opened {
        file,
        metadata: opened,
    } = crate::fsutil::open_regular(&full, &full).map_err(|e| match e {
        Error::NotRegularFile { .. } => replaced(path),
        other => other,
    })?;
    if !same_file(&metadata, &opened) {
        return Err(replaced(path));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", &full, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, limit));
    }
    Ok(Some(bytes))
}

fn replaced(path: &str) -> Error {
    ClawError::NotRegularFile {
        path: path.to_owned(),
        kind: "a file that was replaced while it was read",
    }
    .into()
}

/// A regular file with one name: OpenClaw refuses hard links because a package could
/// otherwise hand it a file it does not own.
fn check_regular(path: &str, metadata: &Metadata) -> Result<()> {
    let kind = if !metadata.is_file() {
        kind_of(metadata)
    } else if link_count(metadata) > 1 {
        "a hard link"
    } else {
        return Ok(());
    };
    Err(ClawError::NotRegularFile {
        path: path.to_owned(),
        kind,
    }
    .into())
}

/// What a non-regular file is, in words.
pub(super) fn kind_of(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    if kind.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

#[cfg(unix)]
fn link_count(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(metadata)
}

#[cfg(not(unix))]
fn link_count(_metadata: &Metadata) -> u64 {
    1
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino() && b.is_file()
}

#[cfg(not(unix))]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    b.is_file() && a.len() == b.len()
}
