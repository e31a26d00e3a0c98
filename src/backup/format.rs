//! The archive format: the manifest (the tar stream's first entry), the part index written
//! next to the parts, the entry path rules, and the names used at a destination.
//!
//! An archive is `tar | zstd | age (scrypt passphrase)`. At a destination it is split into
//! fixed-size parts `NAME/part-000001 …` whose concatenation is a standard age file; the index
//! `NAME/index.json` is written last and is what makes a backup look complete.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use super::limits::{SkippedFile, MAX_INDEX_BYTES, MAX_PART_SIZE};
use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::error::ArchiveOp;
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
    /// Permission bits (`mode & 0o777`) of a tenant file; absent for the database copy, on
    /// systems without modes, and in archives of builds before modes were recorded (restored
    /// with the default mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mode: Option<u32>,
}

/// One folder of the tenant's folder (`files` is the tenant's folder itself), empty or not,
/// with its permission bits. Archives of builds before folders were recorded list none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ManifestDir {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mode: Option<u32>,
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
    /// The tenant's folders, parents before children (tar entries of their own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<ManifestDir>,
    /// Files of the tenant's folder the export left out, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedFile>,
}

impl Manifest {
    /// Total bytes of all entries (uncompressed), saturating (a reader checks the sum with
    /// [`crate::backup::limits::check_declared`] first).
    pub fn total_size(&self) -> u64 {
        self.entries
            .iter()
            .fold(0u64, |sum, e| sum.saturating_add(e.size))
    }

    /// How many of the tenant's files (under `files/`) the archive holds; the database and the
    /// manifest are not counted. Export, verify and restore all report this number.
    pub fn tenant_files(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.path.starts_with(FILES_PREFIX))
            .count() as u64
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

/// An index larger than [`MAX_INDEX_BYTES`]: not one this app wrote.
pub fn index_too_large(name: &str) -> Error {
    Error::BackupForeign {
        what: format!("\"{name}\""),
        detail: format!("its index is larger than {MAX_INDEX_BYTES} bytes"),
    }
}

impl Index {
    /// Reads an index, refusing one larger than [`MAX_INDEX_BYTES`], of an unknown format, with
    /// parts out of order or larger than [`MAX_PART_SIZE`].
    pub fn parse(bytes: &[u8], name: &str) -> Result<Index> {
        if bytes.len() as u64 > MAX_INDEX_BYTES {
            return Err(index_too_large(name));
        }
        // The strict reader first: a repeated member cannot make two readers see two indexes.
        let index: Index =
            crate::json::from_slice(bytes, "index.json", "").map_err(|e| Error::BackupDamaged {
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
        if index.parts.iter().any(|p| p.size > MAX_PART_SIZE) || index.part_size > MAX_PART_SIZE {
            return Err(Error::BackupForeign {
                what: format!("\"{name}\""),
                detail: format!("its index declares parts larger than {MAX_PART_SIZE} bytes"),
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

/// Checks that a symbolic link at `link` (relative to the archive root) pointing to `target`
/// stays inside the archive root.
pub fn safe_link_target(link: &Path, target: &Path, entry: &str) -> Result<()> {
    let outside = || Error::BackupUnsafeEntry {
        path: entry.to_owned(),
        reason: format!("a link that points outside ({})", target.display()),
        op: ArchiveOp::Restore,
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
