//! The archive format: the manifest (the tar stream's first entry), the part index written
//! next to the parts, the entry path rules, and the names used at a destination.
//!
//! An archive is `tar | zstd | age (scrypt passphrase)`. At a destination it is split into
//! fixed-size parts `NAME/part-000001 …` whose concatenation is a standard age file; the index
//! `NAME/index.json` is written last and is what makes a backup look complete.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::{Error, Result};

/// The format written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's `format` field.
pub const MANIFEST_FORMAT: &str = "persona-studio-backup";
/// The index's `format` field.
pub const INDEX_FORMAT: &str = "persona-studio-backup-index";
/// The manifest's path inside the tar stream; always the first entry.
pub const MANIFEST_PATH: &str = "manifest.json";
/// The database copy's path inside the tar stream.
pub const DATABASE_PATH: &str = "database/persona-studio.db";
/// The prefix of the tenant's files inside the tar stream.
pub const FILES_PREFIX: &str = "files/";
/// The index's name inside a backup's folder.
pub const INDEX_NAME: &str = "index.json";
/// Part files and objects are named `part-000001 …`.
pub const PART_PREFIX: &str = "part-";
/// Default part size: 64 MiB.
pub const DEFAULT_PART_SIZE: u64 = 64 * 1024 * 1024;
/// Backup names start with this, so a listing ignores anything else in the folder or bucket.
pub const NAME_PREFIX: &str = "persona-backup-";

/// One file in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ManifestEntry {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: Digest,
}

/// The tenant a backup belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ManifestTenant {
    pub id: String,
    pub name: String,
}

/// `manifest.json`: what the archive holds and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    #[ts(type = "number")]
    pub schema_version: i64,
    pub tenant: ManifestTenant,
    pub created_at: Timestamp,
    /// Rows per table in the database copy (the preview shows them).
    #[ts(type = "Record<string, number>")]
    pub counts: BTreeMap<String, i64>,
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// Total bytes of all entries (uncompressed).
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }
}

/// One part in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    pub n: u32,
    pub size: u64,
    pub sha256: Digest,
}

/// `index.json`: the parts of one archive, written after every part is in place and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub format: String,
    pub format_version: u32,
    pub name: String,
    pub tenant: String,
    pub created_at: Timestamp,
    pub part_size: u64,
    /// Size and sha256 of the whole age file (the parts concatenated).
    pub size: u64,
    pub sha256: Digest,
    pub parts: Vec<PartInfo>,
}

impl Index {
    pub fn parse(bytes: &[u8], name: &str) -> Result<Index> {
        let index: Index = serde_json::from_slice(bytes).map_err(|e| Error::BackupDamaged {
            what: format!("\"{name}\""),
            detail: format!("its index.json cannot be read ({e})"),
        })?;
        if index.format != INDEX_FORMAT || index.format_version > FORMAT_VERSION {
            return Err(Error::BackupDamaged {
                what: format!("\"{name}\""),
                detail: format!(
                    "its index has format {} version {}, which this build does not know",
                    index.format, index.format_version
                ),
            });
        }
        for (expected, part) in (1..).zip(index.parts.iter()) {
            if part.n != expected {
                return Err(Error::BackupDamaged {
                    what: format!("\"{name}\""),
                    detail: "its index lists the parts out of order".to_owned(),
                });
            }
        }
        Ok(index)
    }
}

/// The object name of part `n` (1-based).
pub fn part_name(n: u32) -> String {
    format!("{PART_PREFIX}{n:06}")
}

/// A backup's name: sortable by time, unique by id.
pub fn backup_name(created_at: Timestamp, id: &str) -> String {
    let stamp: String = created_at
        .to_string()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    let short: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("{NAME_PREFIX}{stamp}-{short}")
}

/// True for names this module writes (so a listing never touches anything else).
pub fn is_backup_name(name: &str) -> bool {
    name.starts_with(NAME_PREFIX)
        && name.len() <= 80
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks an archive entry path and returns it as a relative path with only normal components.
/// Refuses absolute paths, `..`, empty components and anything that is not UTF-8 plain text.
pub fn safe_relative(path: &str) -> Result<PathBuf> {
    let unsafe_entry = |reason: &str| Error::BackupUnsafeEntry {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if path.is_empty() || path.contains('\0') || path.contains('\\') {
        return Err(unsafe_entry("empty or contains a NUL or backslash"));
    }
    let candidate = Path::new(path);
    if candidate.is_absolute() || path.starts_with('/') {
        return Err(unsafe_entry("absolute path"));
    }
    let mut out = PathBuf::new();
    for component in candidate.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_entry("contains ..")),
            Component::RootDir | Component::Prefix(_) => return Err(unsafe_entry("absolute path")),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(unsafe_entry("empty path"));
    }
    Ok(out)
}

/// Checks that a symbolic link at `link` (relative to the archive root) pointing to `target`
/// stays inside the archive root.
pub fn safe_link_target(link: &Path, target: &Path, entry: &str) -> Result<()> {
    let outside = || Error::BackupUnsafeEntry {
        path: entry.to_owned(),
        reason: format!("a link that points outside ({})", target.display()),
    };
    if target.is_absolute() {
        return Err(outside());
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for component in target.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err(outside());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unsafe_paths() {
        for bad in [
            "/etc/passwd",
            "../x",
            "files/../../x",
            "",
            "a/\0b",
            "files\\..\\x",
        ] {
            assert!(safe_relative(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            safe_relative("files/./a/b.md").unwrap(),
            PathBuf::from("files/a/b.md")
        );
    }

    #[test]
    fn link_targets_stay_inside() {
        let link = Path::new("files/agents/a/link");
        assert!(safe_link_target(link, Path::new("../b/x"), "l").is_ok());
        assert!(safe_link_target(link, Path::new("../../../../etc"), "l").is_err());
        assert!(safe_link_target(link, Path::new("/etc/passwd"), "l").is_err());
    }

    #[test]
    fn names_sort_by_time() {
        let a = backup_name(Timestamp::parse("2026-11-21T12:00:00Z").unwrap(), "id-1");
        let b = backup_name(Timestamp::parse("2026-11-22T12:00:00Z").unwrap(), "id-0");
        assert!(a < b);
        assert!(is_backup_name(&a));
        assert!(!is_backup_name("notes.txt"));
    }
}
