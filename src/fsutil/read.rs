//! Reading files that someone else may have put in place: never blocking and never past a
//! limit. A workspace's `SOUL.md` may be a named pipe (an open for reading would wait for a
//! writer forever), a device (`/dev/zero` reports length 0 and never ends), a socket, a folder or
//! a link; every read of a workspace file goes through here so each of them is refused the same
//! way, with [`Error::NotRegularFile`] naming the file and what it is.
//!
//! The link rule (the one OpenClaw follows, `docs/concepts/agent-workspace.md`, and its own
//! readers' `isPathInside` checks): a file inside a folder is read through a symbolic link only
//! when the link, after every link on the way is resolved, stays inside that folder and ends at
//! a regular file. A link out of the folder, a broken link, or a link to anything but a regular
//! file is refused. A path read on its own (not inside a folder) is never read through a link.

use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What is at a path, as `lstat` says (a link is a link, not what it points at). The names are
/// AIDE's `ftype` values, snake_case; baselines store them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    /// Anything the OS reports that is none of the above.
    Unknown,
}

impl FileKind {
    /// The kind of `file_type` (from `symlink_metadata`, or a handle's `metadata`).
    pub fn of(file_type: &FileType) -> FileKind {
        if file_type.is_file() {
            return FileKind::File;
        }
        if file_type.is_dir() {
            return FileKind::Directory;
        }
        if file_type.is_symlink() {
            return FileKind::Symlink;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return FileKind::Fifo;
            }
            if file_type.is_socket() {
                return FileKind::Socket;
            }
            if file_type.is_block_device() {
                return FileKind::BlockDevice;
            }
            if file_type.is_char_device() {
                return FileKind::CharDevice;
            }
        }
        FileKind::Unknown
    }

    /// The wire name (SQLite, JSON).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Result<FileKind> {
        Error::parse_name("file type", Some("file type"), text)
    }

    /// The kind in words, with an article: "a named pipe".
    pub fn words(self) -> &'static str {
        match self {
            FileKind::File => "a regular file",
            FileKind::Directory => "a folder",
            FileKind::Symlink => "a symbolic link",
            FileKind::Fifo => "a named pipe",
            FileKind::Socket => "a socket",
            FileKind::BlockDevice => "a block device",
            FileKind::CharDevice => "a character device",
            FileKind::Unknown => "not a regular file",
        }
    }
}

/// A regular file opened for reading, and what its handle's `fstat` said.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub metadata: Metadata,
}

/// Opens `path` for reading without blocking and without following a link at its last
/// component, and refuses anything the handle shows is not a regular file. `shown` is the path
/// errors name. Errors: [`Error::NotRegularFile`], or `Error::Io`.
pub fn open_regular(path: &Path, shown: &Path) -> Result<Opened> {
    // Classify first: opening a socket fails with an error that does not say what it is.
    let found = std::fs::symlink_metadata(path).map_err(|e| Error::io("read", shown, e))?;
    let kind = FileKind::of(&found.file_type());
    if kind != FileKind::File {
        return Err(not_regular(shown, kind.words()));
    }
    let file = open_options()
        .open(path)
        .map_err(|e| opened_error(shown, e))?;
    let metadata = file.metadata().map_err(|e| Error::io("read", shown, e))?;
    let kind = FileKind::of(&metadata.file_type());
    if kind != FileKind::File {
        // Swapped between the look and the open.
        return Err(not_regular(shown, kind.words()));
    }
    Ok(Opened { file, metadata })
}

/// Reads `opened` to its end, refusing it with [`Error::FileTooLarge`] when it has more than
/// `limit` bytes; never reads more than `limit + 1`.
pub fn read_opened(opened: Opened, shown: &Path, limit: u64) -> Result<Vec<u8>> {
    let too_large = || Error::FileTooLarge {
        path: shown.to_path_buf(),
        limit,
    };
    if opened.metadata.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    opened
        .file
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", shown, e))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads the regular file at `path` (a link there is refused), at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_opened(open_regular(path, path)?, path, limit)
}

/// Where the file at `relative` inside `root` really is, by the link rule of this module:
/// `None` when nothing is there, else a path without links that stays inside `root`. A link
/// out of `root` or a broken link is [`Error::NotRegularFile`].
pub fn resolve_in(root: &Path, relative: &Path) -> Result<Option<PathBuf>> {
    let full = root.join(relative);
    let found = match std::fs::symlink_metadata(&full) {
        Ok(found) => found,
        Err(e) if missing(&e) => return Ok(None),
        Err(e) => return Err(Error::io("read", &full, e)),
    };
    let root = std::fs::canonicalize(root).map_err(|e| Error::io("resolve", root, e))?;
    let target = match std::fs::canonicalize(&full) {
        Ok(target) => target,
        Err(e) if missing(&e) && found.file_type().is_symlink() => {
            let to = std::fs::read_link(&full).unwrap_or_default();
            let kind = format!("a symbolic link to {}, which does not exist", to.display());
            return Err(not_regular(&full, &kind));
        }
        Err(e) => return Err(Error::io("resolve", &full, e)),
    };
    if !target.starts_with(&root) {
        let kind = format!(
            "a link to {}, outside the workspace (OpenClaw ignores such links)",
            target.display()
        );
        return Err(not_regular(&full, &kind));
    }
    Ok(Some(target))
}

/// Opens the file at `relative` inside `root` by the link rule of this module: `None` when
/// nothing is there.
pub fn open_in(root: &Path, relative: &Path) -> Result<Option<Opened>> {
    let full = root.join(relative);
    let Some(target) = resolve_in(root, relative)? else {
        return Ok(None);
    };
    match open_regular(&target, &full) {
        Err(Error::NotRegularFile { kind, .. }) if target != full => {
            let kind = format!("a symbolic link to {} ({kind})", target.display());
            Err(not_regular(&full, &kind))
        }
        other => other.map(Some),
    }
}

/// Reads the file at `relative` inside `root` by the link rule of this module, at most `limit`
/// bytes: `None` when nothing is there.
pub fn read_in(root: &Path, relative: &Path, limit: u64) -> Result<Option<Vec<u8>>> {
    let full = root.join(relative);
    open_in(root, relative)?
        .map(|opened| read_opened(opened, &full, limit))
        .transpose()
}

fn not_regular(path: &Path, kind: &str) -> Error {
    Error::NotRegularFile {
        path: path.to_path_buf(),
        kind: kind.to_owned(),
    }
}

/// Nothing at the path, or a folder on the way is a file.
fn missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

#[cfg(unix)]
fn open_options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (and a read
    // of a regular file ignores it); O_NOFOLLOW: a link put in place after the look fails.
    options
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    options
}

#[cfg(not(unix))]
fn open_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    options
}

/// An open that failed: a link swapped in (ELOOP) is named as one.
fn opened_error(shown: &Path, e: std::io::Error) -> Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return not_regular(shown, FileKind::Symlink.words());
    }
    Error::io("read", shown, e)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        assert!(std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap()
            .success());
    }

    #[test]
    fn a_fifo_a_device_a_folder_and_outside_links_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        mkfifo(&root.join("pipe.md"));
        std::fs::create_dir(root.join("folder.md")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.md")).unwrap();
        std::os::unix::fs::symlink("missing.md", root.join("broken.md")).unwrap();
        std::os::unix::fs::symlink("pipe.md", root.join("to-pipe.md")).unwrap();
        for (name, words) in [
            ("pipe.md", "a named pipe"),
            ("folder.md", "a folder"),
            ("zero.md", "outside the workspace"),
            ("broken.md", "does not exist"),
            ("to-pipe.md", "a named pipe"),
        ] {
            let err = read_in(root, Path::new(name), 10).unwrap_err();
            assert_eq!(err.code(), "not_regular_file", "{name}: {err}");
            let message = err.to_string();
            assert!(message.contains(name), "{message}");
            assert!(message.contains(words), "{message}");
        }
        // Read on its own, /dev/zero is a device, not an endless file.
        let err = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");
        let err = read_regular(&root.join("zero.md"), 10).unwrap_err();
        assert!(err.to_string().contains("a symbolic link"), "{err}");
    }

    #[test]
    fn links_inside_are_read_and_limits_hold() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/soul.md"), "kind").unwrap();
        std::os::unix::fs::symlink("src/soul.md", root.join("SOUL.md")).unwrap();
        assert_eq!(
            read_in(root, Path::new("SOUL.md"), 4).unwrap().unwrap(),
            b"kind"
        );
        assert_eq!(read_in(root, Path::new("NONE.md"), 4).unwrap(), None);
        assert_eq!(read_in(root, Path::new("SOUL.md/x"), 4).unwrap(), None);
        let err = read_in(root, Path::new("SOUL.md"), 3).unwrap_err();
        assert_eq!(err.code(), "file_too_large");
        assert_eq!(FileKind::parse("fifo").unwrap(), FileKind::Fifo);
    }
}
