//! Line diffs of persona files: side-by-side rows for the UI, and unified patches for terminals.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// The old (baseline) and current text of one file, for a side-by-side diff. `None` where the
/// file is absent, binary, or too large to have been kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileDiff {
    pub path: String,
    pub baseline: Option<String>,
    pub current: Option<String>,
    /// Side-by-side rows; empty unless both sides are text.
    pub rows: Vec<DiffRow>,
}

/// How a side-by-side row relates its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Same,
    Removed,
    Added,
}

/// One row of a side-by-side diff; line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DiffRow {
    pub kind: RowKind,
    pub old_line: Option<u32>,
    pub new_line: Option<u32>,
    pub text: String,
}

/// The rows that turn `old` into `new`.
pub fn rows(old: &str, new: &str) -> Vec<DiffRow> {
    let diff = TextDiff::from_lines(old, new);
    diff.iter_all_changes()
        .map(|change| {
            let line = |index: Option<usize>| index.and_then(|i| u32::try_from(i + 1).ok());
            DiffRow {
                kind: match change.tag() {
                    ChangeTag::Equal => RowKind::Same,
                    ChangeTag::Delete => RowKind::Removed,
                    ChangeTag::Insert => RowKind::Added,
                },
                old_line: line(change.old_index()),
                new_line: line(change.new_index()),
                text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
            }
        })
        .collect()
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`) with three lines of context; empty when equal.
pub fn unified(old: &str, new: &str, path: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_number_both_sides() {
        let rows = rows("a\nb\nc\n", "a\nB\nc\nd\n");
        let kinds: Vec<RowKind> = rows.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RowKind::Same,
                RowKind::Removed,
                RowKind::Added,
                RowKind::Same,
                RowKind::Added
            ]
        );
        assert_eq!(rows[1].old_line, Some(2));
        assert_eq!(rows[2].new_line, Some(2));
        assert_eq!(rows[4].text, "d");
    }

    #[test]
    fn unified_has_headers_and_is_empty_when_equal() {
        let patch = unified("x\n", "y\n", "SOUL.md");
        assert!(
            patch.starts_with("--- a/SOUL.md\n+++ b/SOUL.md\n"),
            "{patch}"
        );
        assert!(patch.contains("-x\n+y\n"));
        assert_eq!(unified("same\n", "same\n", "SOUL.md"), "");
    }
}
