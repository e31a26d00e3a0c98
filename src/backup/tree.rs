//! The tenant's folder as a backup sees it: every regular file and folder, with its permission
//! bits, in an order that puts parents first, and every other thing skipped with the reason
//! (links, pipes, sockets, devices, and names a restore would refuse: see `limits`). Nothing is
//! followed or opened while listing, and a file is later opened only as the regular file it
//! was listed as ([`open_regular`]): a pipe swapped in meanwhile never makes a backup wait.

use std::fs::{File, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use super::format::FILES_PREFIX;
use super::limits::{check_path, PathRefusal, SkipReason, SkippedFile};
use crate::fsutil;
use crate::{Error, Result};

/// A regular file of the tenant's folder.
#[derive(Debug, Clone)]
pub struct TenantFile {
    /// Relative to the tenant's folder, `/`-separated.
    pub relative: String,
    pub path: PathBuf,
    pub size: u64,
    /// `mode & 0o777`, where the file system has modes.
    pub mode: Option<u32>,
}

/// A folder of the tenant's folder (`relative` is empty for the tenant's folder itself).
#[derive(Debug, Clone)]
pub struct TenantDir {
    pub relative: String,
    pub mode: Option<u32>,
}

/// What a backup takes from the tenant's folder, each list sorted by path.
#[derive(Debug, Default)]
pub struct Tree {
    pub files: Vec<TenantFile>,
    pub dirs: Vec<TenantDir>,
    pub skipped: Vec<SkippedFile>,
}

/// Lists the tenant's folder `dir` without following links (an empty tree when it does not
/// exist). A skipped folder is listed once, without what it holds.
pub fn walk(dir: &Path) -> Result<Tree> {
    let mut tree = Tree::default();
    let root = match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => meta,
        Ok(_) => return Ok(tree),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(tree),
        Err(e) => return Err(Error::io("read the tenant folder", dir, e)),
    };
    tree.dirs.push(TenantDir {
        relative: String::new(),
        mode: mode_of(&root),
    });
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| Error::io("read the tenant folder", &current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read the tenant folder", &current, e))?;
            let path = entry.path();
            let meta = entry
                .metadata()
                .map_err(|e| Error::io("inspect", &path, e))?;
            let shown = relative_text(dir, &path);
            let relative = match admitted(&shown, meta.file_type()) {
                Ok(relative) => relative,
                Err(reason) => {
                    tree.skipped.push(SkippedFile {
                        path: shown.text,
                        reason,
                    });
                    continue;
                }
            };
            if meta.is_dir() {
                tree.dirs.push(TenantDir {
                    relative,
                    mode: mode_of(&meta),
                });
                stack.push(path);
            } else {
                tree.files.push(TenantFile {
                    relative,
                    size: meta.len(),
                    mode: mode_of(&meta),
                    path,
                });
            }
        }
    }
    tree.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    tree.dirs.sort_by(|a, b| a.relative.cmp(&b.relative));
    tree.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(tree)
}

/// A path relative to the tenant's folder, `/`-separated: its text, with `\xNN` for bytes
/// that are not UTF-8, and whether it was UTF-8.
struct Shown {
    text: String,
    utf8: bool,
}

fn relative_text(dir: &Path, path: &Path) -> Shown {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<(String, bool)> = relative
        .components()
        .map(|c| escape(c.as_os_str()))
        .collect();
    Shown {
        utf8: parts.iter().all(|(_, ok)| *ok),
        text: parts
            .into_iter()
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
            .join("/"),
    }
}

/// A name as text, `\xNN` for each byte that is not UTF-8; `true` when it was all UTF-8.
fn escape(name: &std::ffi::OsStr) -> (String, bool) {
    if let Some(text) = name.to_str() {
        return (text.to_owned(), true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                out.push_str(&format!("\\x{byte:02X}"));
            }
        }
        (out, false)
    }
    #[cfg(not(unix))]
    (name.to_string_lossy().into_owned(), false)
}

/// The relative path of an entry a backup takes, or why it skips it: not a regular file or
/// folder, or a name a restore would refuse (the same rules, `limits::check_path`).
fn admitted(shown: &Shown, kind: FileType) -> std::result::Result<String, SkipReason> {
    if kind.is_symlink() {
        return Err(SkipReason::Symlink);
    }
    if !kind.is_dir() && !kind.is_file() {
        return Err(special_kind(kind));
    }
    if !shown.utf8 {
        return Err(SkipReason::NameNotUtf8);
    }
    match check_path(&format!("{FILES_PREFIX}{}", shown.text)) {
        Ok(_) => Ok(shown.text.clone()),
        Err(PathRefusal::Limit(reason)) => Err(reason),
        Err(PathRefusal::Unsafe(_)) => Err(SkipReason::NameRefused),
    }
}

#[cfg(unix)]
fn special_kind(kind: FileType) -> SkipReason {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        SkipReason::Fifo
    } else if kind.is_socket() {
        SkipReason::Socket
    } else {
        SkipReason::Device
    }
}

#[cfg(not(unix))]
fn special_kind(_: FileType) -> SkipReason {
    SkipReason::Device
}

fn mode_of(meta: &Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Opens a file listed as regular for reading, through `fsutil`'s one non-blocking,
/// link-refusing open; a file that is no longer regular (a pipe or link swapped in since the
/// listing) changed during the backup, which is worth trying again, not a fault.
pub fn open_regular(path: &Path) -> Result<File> {
    match fsutil::open_regular(path, path) {
        Ok(opened) => Ok(opened.file),
        Err(Error::NotRegularFile { .. }) => Err(changed(path)),
        Err(Error::Io { source, .. }) => Err(Error::io("read for the backup", path, source)),
        Err(other) => Err(other),
    }
}

fn changed(path: &Path) -> Error {
    Error::SnapshotFailed(format!(
        "{} is no longer a regular file: it changed while it was being backed up; try again.",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn pipes_links_and_odd_names_are_skipped_with_the_reason() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("notes/empty")).unwrap();
        std::fs::write(root.join("notes\\2026-01-01.md"), "odd").unwrap();
        std::fs::write(root.join("notes/a.md"), "a").unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
        let fifo = root.join("pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
        std::fs::write(root.join(odd), "latin-1").unwrap();
        let tree = walk(root).unwrap();
        let files: Vec<&str> = tree.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(files, ["notes/a.md", "notes\\2026-01-01.md"]);
        let dirs: Vec<&str> = tree.dirs.iter().map(|d| d.relative.as_str()).collect();
        assert_eq!(dirs, ["", "notes", "notes/empty"]);
        let skipped: Vec<(&str, SkipReason)> = tree
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                ("caf\\xE9.txt", SkipReason::NameNotUtf8),
                ("pipe", SkipReason::Fifo),
                ("zero", SkipReason::Symlink),
            ]
        );
        // Opening what was listed never waits on a pipe or follows a link.
        assert!(open_regular(&fifo).is_err());
        assert!(open_regular(&root.join("zero")).is_err());
        assert!(open_regular(&root.join("notes/a.md")).is_ok());
    }
}
