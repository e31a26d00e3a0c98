//! Files on disk. Writing: a crash never leaves a half-written file (a temporary file in the
//! same folder, flushed to disk, then renamed over the target), a rewritten file keeps the
//! permission bits of the file it replaces and a new one gets the ordinary default (`0o666`
//! less the umask, as any program's new file), and nothing but a regular file is ever replaced:
//! a folder, device, pipe or socket is refused, and so is a symbolic link, which a rename would
//! silently turn into a file. Reading: [`read`], never blocking and never past a limit.

pub mod read;

use std::io::Write;
use std::path::Path;

pub use read::{open_in, open_regular, read_in, read_regular, resolve_in, FileKind, Opened};

use crate::{Error, Result};

/// What is at `path` now, when a write may replace it: `None` when nothing is there, the
/// metadata of a regular file, or an error for anything else ([`Error::LinkNotReplaced`] for
/// a link, `invalid_input` for a folder, device, pipe or socket).
pub fn check_replaceable(path: &Path) -> Result<Option<std::fs::Metadata>> {
    let existing = match std::fs::symlink_metadata(path) {
        Ok(existing) => existing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    match FileKind::of(&existing.file_type()) {
        FileKind::File => Ok(Some(existing)),
        FileKind::Symlink => Err(Error::LinkNotReplaced {
            path: path.to_path_buf(),
            target: std::fs::read_link(path).map_err(|e| Error::io("read", path, e))?,
        }),
        _ => Err(Error::invalid(
            "path",
            format!(
                "{} is a folder, device, pipe or socket, not a file; choose another path",
                path.display()
            ),
        )),
    }
}

/// Replaces `path` with `bytes` atomically, keeping the permission bits of the file replaced
/// (a new file gets `0o666` less the umask). Refuses anything but a regular file at `path`
/// (see [`check_replaceable`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let existing = check_replaceable(path)?;
    replace_with(path, bytes, existing.as_ref().map(kept_permissions))
}

/// Puts `bytes` back at `path` atomically over whatever entry is there now, as the self-edit
/// loop does with approved bytes: a regular file's permission bits are kept; a symbolic link,
/// pipe, socket or device is replaced by the rename itself (never followed or opened) and the
/// new file gets `mode` (permission bits) when given. A folder is refused (`invalid_input`,
/// it may hold data), as is a path whose folders cannot be created.
pub fn restore_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let permissions = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(Error::invalid(
                "path",
                format!(
                    "{} is a folder where a file belongs; move it out of the way, then try again",
                    path.display()
                ),
            ))
        }
        Ok(meta) if meta.is_file() => Some(kept_permissions(&meta)),
        Ok(_) => permissions_of(mode),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => permissions_of(mode),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    replace_with(path, bytes, permissions)
}

/// Writes `bytes` to a temporary file beside `path` with `permissions` (`None`: a new file's,
/// `0o666` less the umask), syncs it and renames it over `path`.
fn replace_with(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".persona-studio-").suffix(".tmp");
    // A new file: the kernel takes the umask off, as for any program's new file. (Off Unix a
    // new file is simply writable.)
    #[cfg(unix)]
    if permissions.is_none() {
        builder.permissions(new_file_permissions());
    }
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    let written = temp.write_all(bytes).and_then(|()| match permissions {
        Some(permissions) => temp.as_file().set_permissions(permissions),
        None => Ok(()),
    });
    written
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io("write", temp.path().to_path_buf(), e))?;
    temp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    // Make the rename itself durable.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The permission bits `mode` asks for (`None`: a new file's).
#[cfg(unix)]
fn permissions_of(mode: Option<u32>) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    mode.map(|mode| std::fs::Permissions::from_mode(mode & 0o1777))
}

#[cfg(not(unix))]
fn permissions_of(_mode: Option<u32>) -> Option<std::fs::Permissions> {
    None
}

#[cfg(unix)]
fn new_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}

/// The permission bits of `old` (read, write, execute for each class and the sticky bit; the
/// set-id bits are not carried onto new contents).
#[cfg(unix)]
fn kept_permissions(old: &std::fs::Metadata) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(old.permissions().mode() & 0o1777)
}

#[cfg(not(unix))]
fn kept_permissions(old: &std::fs::Metadata) -> std::fs::Permissions {
    old.permissions()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_replaces_what_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("SOUL.md");
        std::fs::create_dir(&folder).unwrap();
        let err = write_atomic(&folder, b"x").unwrap_err();
        assert!(err.to_string().contains("not a file"), "{err}");
        assert!(folder.is_dir());
        #[cfg(unix)]
        {
            let fifo = dir.path().join("pipe");
            assert!(std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success());
            assert!(write_atomic(&fifo, b"x").is_err());
            use std::os::unix::fs::FileTypeExt;
            assert!(std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo());
        }
    }

    #[test]
    fn replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SOUL.md");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["SOUL.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_file_keeps_its_mode_and_a_new_one_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        for bits in [0o644, 0o664, 0o755, 0o600] {
            let path = dir.path().join(format!("file-{bits:o}"));
            std::fs::write(&path, "old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bits)).unwrap();
            write_atomic(&path, b"new").unwrap();
            assert_eq!(mode(&path), bits, "{bits:o}");
            assert_eq!(std::fs::read(&path).unwrap(), b"new");
        }
        // What a plain create gives under this process's umask.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let fresh = dir.path().join("fresh");
        write_atomic(&fresh, b"new").unwrap();
        assert_eq!(mode(&fresh), mode(&plain));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_never_replaced_by_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.md");
        std::fs::write(&target, "kept").unwrap();
        let link = dir.path().join("SOUL.md");
        std::os::unix::fs::symlink("real.md", &link).unwrap();
        let err = write_atomic(&link, b"x").unwrap_err();
        assert_eq!(err.code(), "link_not_replaced");
        assert!(err.to_string().contains("real.md"), "{err}");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"kept");
    }
}
