//! npm-style tarballs of a Claw: gzip over ustar, every file under `package/`. Written the way
//! `openclaw claws build` writes them (openclaw 2026.9.6, `docs/cli/claws.md`: "a deterministic
//! npm-compatible `.tgz` with a `package/` root"): entries sorted by path, mode 0644, mtime 0,
//! uid and gid 0, no user or group names, no folder entries, and a gzip header with mtime 0 and
//! no file name, so the bytes depend only on the files.
//!
//! Read back with hard limits, because a tarball may be hostile: the compressed file, the bytes
//! unpacked (a gzip bomb stops at the limit), the number of entries and each file's size are
//! bounded before anything is kept, and only regular files under `package/` with safe paths are
//! accepted: links, devices and paths that leave the package are refused by name.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

use super::error::ClawError;
use super::manifest::check_path;
use super::source::too_large;
use super::{MAX_ARCHIVE_BYTES, MAX_ENTRIES, MAX_FILE_BYTES, MAX_UNPACKED_BYTES};
use crate::{Error, Result};

/// The root folder of every entry, as npm packs it.
pub const ROOT: &str = "package/";

/// The tarball of `files` (package-relative path → bytes).
pub fn pack(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>> {
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    let mut builder = tar::Builder::new(gzip);
    let failed = |e: io::Error| Error::io("pack", ROOT, e);
    for (path, bytes) in files {
        let mut header = Header::new_ustar();
        header.set_path(format!("{ROOT}{path}")).map_err(failed)?;
        header.set_entry_type(EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        builder.append(&header, bytes.as_slice()).map_err(failed)?;
    }
    builder
        .into_inner()
        .and_then(|gzip| gzip.finish())
        .map_err(failed)
}

/// Counts unpacked bytes and fails once more than the limit would be read.
struct Capped<R> {
    inner: R,
    left: u64,
    hit: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // At the limit: anything more means the archive is too large.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.hit.set(true);
            return Err(io::Error::other("the unpacked archive is over its limit"));
        }
        let room = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(buf.get_mut(..room).unwrap_or_default())?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Unpacks the tarball at `path`: its `package/` files by package-relative path.
pub fn unpack(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io("read", path, e))?
        .len();
    if size > MAX_ARCHIVE_BYTES {
        return Err(ClawError::TotalTooLarge {
            what: "compressed archive bytes",
            limit: MAX_ARCHIVE_BYTES,
        }
        .into());
    }
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let hit = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: GzDecoder::new(BufReader::new(file.take(MAX_ARCHIVE_BYTES))),
        left: MAX_UNPACKED_BYTES,
        hit: Rc::clone(&hit),
    };
    let broken = |e: io::Error| -> Error {
        if hit.get() {
            ClawError::TotalTooLarge {
                what: "files once unpacked",
                limit: MAX_UNPACKED_BYTES,
            }
            .into()
        } else {
            ClawError::NotAPackage {
                path: path.display().to_string(),
                detail: format!("it is not a readable gzip tarball ({e})"),
            }
            .into()
        }
    };
    let mut archive = tar::Archive::new(capped);
    let mut files = BTreeMap::new();
    for (n, entry) in archive.entries().map_err(broken)?.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(ClawError::TooManyEntries { limit: MAX_ENTRIES }.into());
        }
        let mut entry = entry.map_err(broken)?;
        let Some(name) = entry_name(&entry)? else {
            continue;
        };
        let size = entry.size();
        if size > MAX_FILE_BYTES {
            return Err(too_large(&name, MAX_FILE_BYTES));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
        (&mut entry)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(broken)?;
        if files.insert(name.clone(), bytes).is_some() {
            return Err(ClawError::Invalid {
                path: name,
                detail: "it appears twice in the archive".to_owned(),
            }
            .into());
        }
    }
    Ok(files)
}

/// The package-relative path of a regular file entry; `None` for folders and pax global
/// headers, which carry no file; an error for anything else.
fn entry_name<R: Read>(entry: &tar::Entry<'_, R>) -> Result<Option<String>> {
    let raw = entry.path_bytes();
    let written = String::from_utf8_lossy(&raw).into_owned();
    let unsafe_path = |reason| ClawError::UnsafePath {
        path: written.clone(),
        reason,
    };
    if std::str::from_utf8(&raw).is_err() {
        return Err(unsafe_path("is not UTF-8").into());
    }
    let kind = entry.header().entry_type();
    if kind == EntryType::XGlobalHeader {
        return Ok(None);
    }
    let Some(relative) = written.strip_prefix(ROOT) else {
        return Err(unsafe_path("is outside the archive's package/ folder").into());
    };
    let relative = if kind.is_dir() {
        relative.trim_end_matches('/')
    } else {
        relative
    };
    if kind.is_dir() && relative.is_empty() {
        return Ok(None);
    }
    check_path(relative)?;
    let refuse = |kind| ClawError::NotRegularFile {
        path: relative.to_owned(),
        kind,
    };
    match kind {
        EntryType::Regular | EntryType::Continuous => Ok(Some(relative.to_owned())),
        EntryType::Directory => Ok(None),
        EntryType::Symlink => Err(ClawError::Symlink {
            path: relative.to_owned(),
        }
        .into()),
        EntryType::Link => Err(refuse("a hard link").into()),
        EntryType::Char | EntryType::Block => Err(refuse("a device").into()),
        EntryType::Fifo => Err(refuse("a named pipe").into()),
        _ => Err(refuse("a special archive entry").into()),
    }
}
