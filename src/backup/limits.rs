//! What an archive may hold, applied the same way in both directions: an export skips (and
//! lists, with the reason) any tenant file a restore would refuse, and `verify`, `preview` and
//! `restore` refuse, before allocating or writing, any archive that goes beyond what this app
//! writes. An archive may come from someone else, so every size it declares is bounded.
//!
//! The limits and why:
//! - scrypt work factor ≤ [`MAX_WORK_FACTOR`] (20): this app writes 18 (256 MiB, a second);
//!   two steps of margin cover archives of builds that let age calibrate it (19 to 20 on the
//!   machines measured). 20 costs 1 GiB and a few seconds; age's own default would accept
//!   24 (16 GiB), which aborts the process on most machines.
//! - the age header ≤ [`MAX_AGE_HEADER`] bytes (ours is about 200): the age crate reads it line
//!   by line without a bound.
//! - ≤ [`MAX_ENTRIES`] files and folders, a manifest ≤ [`MANIFEST_MAX`] bytes: the manifest is
//!   read into memory.
//! - a path ≤ [`MAX_PATH_BYTES`] bytes (Linux's `PATH_MAX`), a name ≤ [`MAX_NAME_BYTES`]
//!   (`NAME_MAX` of ext4, APFS and NTFS), ≤ [`MAX_DEPTH`] folders deep.
//! - the unpacked stream ≤ what the manifest declares plus [`HEADER_ALLOWANCE`] per entry: tar
//!   reads long names and pax headers into memory without a bound, and zstd can expand a few
//!   bytes into terabytes.
//! - an index ≤ [`MAX_INDEX_BYTES`], parts ≤ [`MAX_PART_SIZE`] (the largest an export writes),
//!   and a part is read no further than the size its index declares.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The largest scrypt work factor (log2 N) `verify` and `restore` accept: see the module doc.
pub const MAX_WORK_FACTOR: u8 = 20;
/// The largest age header accepted, in bytes.
pub const MAX_AGE_HEADER: u64 = 64 * 1024;
/// The most files and folders one archive may hold (the database copy included).
pub const MAX_ENTRIES: usize = 200_000;
/// The largest manifest accepted, in bytes.
pub const MANIFEST_MAX: u64 = 64 * 1024 * 1024;
/// The longest entry path, in bytes (`files/…` included).
pub const MAX_PATH_BYTES: usize = 4096;
/// The longest file or folder name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// The deepest entry path, in components (`files` included).
pub const MAX_DEPTH: usize = 256;
/// Bytes of tar headers allowed around each entry's data: its header, a GNU long name of
/// [`MAX_PATH_BYTES`], padding, and the two end-of-archive blocks with tar's usual blocking.
pub const HEADER_ALLOWANCE: u64 = 16 * 1024;
/// The largest index accepted, in bytes.
pub const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;
/// The largest part accepted, in bytes (an export's part size is at most this).
pub const MAX_PART_SIZE: u64 = 1 << 30;

/// Why a file of the tenant's folder was not backed up (its wire name is the reason's code).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SkipReason {
    /// A symbolic link: a backup never follows one out of the tenant's folder.
    Symlink,
    /// A named pipe: reading one could wait forever.
    Fifo,
    /// A socket.
    Socket,
    /// A block or character device.
    Device,
    /// A name that is not UTF-8 text.
    NameNotUtf8,
    /// A name longer than [`MAX_NAME_BYTES`].
    NameTooLong,
    /// A path longer than [`MAX_PATH_BYTES`].
    PathTooLong,
    /// Deeper than [`MAX_DEPTH`] folders.
    TooDeep,
    /// A name a restore would refuse on this system.
    NameRefused,
}

impl SkipReason {
    /// The reason in words, for a person.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Symlink => "a symbolic link; backups never follow links",
            SkipReason::Fifo => "a named pipe, not a regular file",
            SkipReason::Socket => "a socket, not a regular file",
            SkipReason::Device => "a device, not a regular file",
            SkipReason::NameNotUtf8 => "its name is not UTF-8 text",
            SkipReason::NameTooLong => "its name is longer than 255 bytes",
            SkipReason::PathTooLong => "its path is longer than 4096 bytes",
            SkipReason::TooDeep => "it is more than 256 folders deep",
            SkipReason::NameRefused => "its name cannot be restored on this system",
        }
    }
}

/// A file of the tenant's folder that an export left out, and why. Listed in the export's
/// result and in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SkippedFile {
    /// The path relative to the tenant's folder (a name that is not UTF-8 shown with `\xNN`
    /// escapes).
    pub path: String,
    pub reason: SkipReason,
}

/// Checks an archive entry path against the rules both directions share and returns it as a
/// relative path with only normal components: not empty, no NUL, not absolute, no `..`, within
/// the length and depth limits. A backslash is an ordinary name byte where the file system says
/// so (Unix); on Windows it separates folders and is checked as such.
pub fn check_path(path: &str) -> std::result::Result<PathBuf, PathRefusal> {
    if path.is_empty() || path.contains('\0') {
        return Err(PathRefusal::Unsafe("empty or contains a NUL"));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(PathRefusal::Limit(SkipReason::PathTooLong));
    }
    let candidate = Path::new(path);
    if candidate.is_absolute() || path.starts_with('/') {
        return Err(PathRefusal::Unsafe("absolute path"));
    }
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for component in candidate.components() {
        match component {
            Component::Normal(part) => {
                if part.len() > MAX_NAME_BYTES {
                    return Err(PathRefusal::Limit(SkipReason::NameTooLong));
                }
                depth += 1;
                out.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(PathRefusal::Unsafe("contains ..")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathRefusal::Unsafe("absolute path"))
            }
        }
    }
    if depth > MAX_DEPTH {
        return Err(PathRefusal::Limit(SkipReason::TooDeep));
    }
    if out.as_os_str().is_empty() {
        return Err(PathRefusal::Unsafe("empty path"));
    }
    Ok(out)
}

/// Why [`check_path`] refused a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRefusal {
    /// It could write outside the folder it is restored into.
    Unsafe(&'static str),
    /// It goes beyond a limit (an export skips such a file for this reason).
    Limit(SkipReason),
}

impl PathRefusal {
    /// The refusal as the error a reader of an archive gets.
    pub fn into_error(self, path: &str) -> Error {
        match self {
            PathRefusal::Unsafe(reason) => Error::BackupUnsafeEntry {
                path: shorten(path),
                reason: reason.to_owned(),
                op: crate::error::ArchiveOp::Restore,
            },
            PathRefusal::Limit(reason) => Error::BackupForeign {
                what: format!("\"{}\"", shorten(path)),
                detail: format!("an entry's path goes beyond this app's limits: {}", {
                    reason.describe().trim_start_matches("its ")
                }),
            },
        }
    }
}

/// [`check_path`] for a reader: a refusal is an error.
pub fn safe_relative(path: &str) -> Result<PathBuf> {
    check_path(path).map_err(|refusal| refusal.into_error(path))
}

/// A path shown in a message: at most 200 characters.
pub fn shorten(path: &str) -> String {
    match path.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &path[..at]),
        None => path.to_owned(),
    }
}

/// Refuses an archive whose manifest lists more entries than [`MAX_ENTRIES`], or whose sizes do
/// not add up in 64 bits. Returns the total of the declared sizes.
pub fn check_declared(what: &str, entries: usize, sizes: impl Iterator<Item = u64>) -> Result<u64> {
    if entries > MAX_ENTRIES {
        return Err(Error::BackupForeign {
            what: what.to_owned(),
            detail: format!(
                "its manifest lists {entries} entries; at most {MAX_ENTRIES} are accepted"
            ),
        });
    }
    let mut total = 0u64;
    for size in sizes {
        total = total
            .checked_add(size)
            .ok_or_else(|| Error::BackupForeign {
                what: what.to_owned(),
                detail: "its manifest declares more bytes than a disk can hold".to_owned(),
            })?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_within_the_limits_pass_and_others_say_which_limit() {
        assert_eq!(
            check_path("files/./a/b.md").unwrap(),
            PathBuf::from("files/a/b.md")
        );
        let long_name = format!("files/{}", "n".repeat(256));
        assert_eq!(
            check_path(&long_name),
            Err(PathRefusal::Limit(SkipReason::NameTooLong))
        );
        let deep = format!("files{}", "/d".repeat(MAX_DEPTH));
        assert_eq!(
            check_path(&deep),
            Err(PathRefusal::Limit(SkipReason::TooDeep))
        );
        let long_path = format!("files{}", "/dddddddd".repeat(500));
        assert_eq!(
            check_path(&long_path),
            Err(PathRefusal::Limit(SkipReason::PathTooLong))
        );
        for bad in ["/etc/passwd", "../x", "files/../../x", "", "a/\0b"] {
            assert!(
                matches!(check_path(bad), Err(PathRefusal::Unsafe(_))),
                "{bad:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_backslash_is_a_name_byte_on_unix() {
        assert_eq!(
            check_path("files/notes\\2026-01-01.md").unwrap(),
            PathBuf::from("files/notes\\2026-01-01.md")
        );
        // Still one name: nothing climbs out through it.
        assert_eq!(
            check_path("files\\..\\..\\x").unwrap().components().count(),
            1
        );
    }

    #[test]
    fn declared_sizes_must_add_up() {
        assert_eq!(check_declared("a", 2, [1, 2].into_iter()).unwrap(), 3);
        assert!(check_declared("a", 2, [u64::MAX, 1].into_iter()).is_err());
        assert!(check_declared("a", MAX_ENTRIES + 1, std::iter::empty()).is_err());
    }
}
