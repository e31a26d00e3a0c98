//! Writing files so that a crash never leaves a half-written one: write a temporary file in the
//! same folder, flush it to disk, then rename it over the target.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Replaces `path` with `bytes` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    // A rename replaces whatever is there; only a file (or a link to one) may be replaced.
    if let Ok(existing) = std::fs::symlink_metadata(path) {
        let kind = existing.file_type();
        if !kind.is_file() && !kind.is_symlink() {
            return Err(Error::invalid(
                "path",
                format!(
                    "{} is a folder, device, pipe or socket, not a file; choose another path",
                    path.display()
                ),
            ));
        }
    }
    let mut temp = tempfile::Builder::new()
        .prefix(".persona-studio-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    temp.write_all(bytes)
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
}
