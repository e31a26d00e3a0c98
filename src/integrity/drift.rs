//! Drift: a workspace as it is now compared with its baseline, path by path, with AIDE's
//! verdicts (added, removed, changed) and attributes (size, mtime, mode, content, `ftype`,
//! `lname`), and AIDE's exit-code bits: 1 added, 2 removed, 4 changed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::Baseline;
use super::scan::FileState;
use crate::canon::Digest;
use crate::clock::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Not there at the baseline (bit 1): a covered file that appeared, such as a new
    /// `HEARTBEAT.md`.
    Added,
    /// There at the baseline, gone now (bit 2).
    Removed,
    /// Still there, with an attribute changed (bit 4).
    Modified,
}

/// An attribute that differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Size,
    Mtime,
    Mode,
    Content,
    /// What the path is (AIDE's `ftype`): a file replaced by a pipe, a link, a folder.
    FileType,
    /// Where a symbolic link points (AIDE's `lname`).
    LinkTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub changed: Vec<Attribute>,
    pub old_sha256: Option<Digest>,
    pub new_sha256: Option<Digest>,
}

/// The result of `check`. `exit_code` is a bitmask like AIDE's: 1 added, 2 removed, 4 modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DriftReport {
    pub agent: String,
    pub workspace: String,
    pub baseline_recorded_at: Timestamp,
    pub files_checked: u32,
    pub changes: Vec<Change>,
    pub exit_code: u8,
}

impl DriftReport {
    pub fn is_clean(&self) -> bool {
        self.changes.is_empty()
    }
}

/// `current` (every covered path that exists now) compared with `baseline`.
pub(super) fn compare(baseline: &Baseline, current: &[FileState]) -> DriftReport {
    let old: BTreeMap<&str, &FileState> = baseline
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let new: BTreeMap<&str, &FileState> = current.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut paths: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    paths.sort_unstable();
    paths.dedup();
    let mut changes = Vec::new();
    let mut exit_code = 0u8;
    for path in paths {
        let (was, now) = (old.get(path).copied(), new.get(path).copied());
        let (kind, changed) = match (was, now) {
            (None, Some(_)) => (ChangeKind::Added, Vec::new()),
            (Some(_), None) => (ChangeKind::Removed, Vec::new()),
            (Some(was), Some(now)) => match changed_attributes(was, now) {
                changed if changed.is_empty() => continue,
                changed => (ChangeKind::Modified, changed),
            },
            (None, None) => continue,
        };
        exit_code |= match kind {
            ChangeKind::Added => 1,
            ChangeKind::Removed => 2,
            ChangeKind::Modified => 4,
        };
        changes.push(Change {
            path: path.to_owned(),
            kind,
            changed,
            old_sha256: was.map(|f| f.sha256),
            new_sha256: now.map(|f| f.sha256),
        });
    }
    DriftReport {
        agent: baseline.agent.clone(),
        workspace: baseline.workspace.clone(),
        baseline_recorded_at: baseline.recorded_at,
        files_checked: u32::try_from(current.len()).unwrap_or(u32::MAX),
        changes,
        exit_code,
    }
}

fn changed_attributes(was: &FileState, now: &FileState) -> Vec<Attribute> {
    [
        (was.size != now.size, Attribute::Size),
        (was.mtime_ns != now.mtime_ns, Attribute::Mtime),
        (was.mode != now.mode, Attribute::Mode),
        (was.sha256 != now.sha256, Attribute::Content),
        (was.file_type != now.file_type, Attribute::FileType),
        (was.link_target != now.link_target, Attribute::LinkTarget),
    ]
    .into_iter()
    .filter_map(|(differs, attribute)| differs.then_some(attribute))
    .collect()
}
