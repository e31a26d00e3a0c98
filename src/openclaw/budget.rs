//! What OpenClaw would cut from an agent's bootstrap files, so a sync plan can warn before it
//! writes: the same walk as openclaw 2026.9.6's `buildBootstrapContextFiles` (its
//! `dist/bootstrap-*.mjs`; the budgets are documented in
//! `docs/gateway/config-agents/workspace-and-bootstrap.md`):
//!
//! - files in prompt order ([`INJECTION_ORDER`]), each trimmed at its end, lengths in UTF-16
//!   code units as JavaScript counts them;
//! - each file gets `bootstrapMaxChars` (USER.md at most 4,000) but never more than what is
//!   left of `bootstrapTotalMaxChars`; below 64 characters left, the remaining files are
//!   skipped;
//! - a file over its share keeps its head and its tail and loses the middle: 75 % / 25 % of
//!   what the truncation marker leaves, and for AGENTS.md 45 % / 15 % plus a digest of its
//!   policy lines.
//!
//! A warning names the Markdown sections (headings) that fall into the cut middle.

/// The bootstrap files in the order OpenClaw injects them (`WORKSPACE_BOOTSTRAP_FILENAMES`).
pub const INJECTION_ORDER: [&str; 6] = [
    "AGENTS.md",
    "SOUL.md",
    "IDENTITY.md",
    "USER.md",
    "BOOTSTRAP.md",
    "MEMORY.md",
];
/// USER.md's fixed cap (`USER_BOOTSTRAP_MAX_CHARS`); `bootstrapMaxChars` only lowers it.
pub const USER_MAX_CHARS: usize = 4_000;
/// Below this many characters left of the total, OpenClaw skips the remaining files.
const MIN_FILE_BUDGET: usize = 64;

/// Warnings for the files of a workspace, `(name, text)` as they will be after the sync (any
/// order; files OpenClaw does not inject are ignored), under the per-file budget `max` and the
/// total budget `total`.
pub fn warnings(files: &[(String, String)], max: usize, total: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut remaining = total.max(1);
    let mut before: Vec<&str> = Vec::new();
    for name in INJECTION_ORDER {
        let Some((_, text)) = files.iter().find(|(file, _)| file == name) else {
            continue;
        };
        if remaining < MIN_FILE_BUDGET {
            warnings.push(format!(
                "{name} is left out: the files before it ({}) use up bootstrapTotalMaxChars ({total}).",
                before.join(", ")
            ));
            before.push(name);
            continue;
        }
        let units: Vec<u16> = text.trim_end().encode_utf16().collect();
        let own = if name == "USER.md" {
            max.min(USER_MAX_CHARS)
        } else {
            max
        };
        let share = own.min(remaining).max(1);
        if units.len() > share {
            let why = if share < own {
                format!(
                    "the {share} left of bootstrapTotalMaxChars ({total}) after {}",
                    before.join(", ")
                )
            } else if name == "USER.md" && own < max {
                format!("USER.md's fixed cap of {USER_MAX_CHARS}")
            } else {
                format!("bootstrapMaxChars ({max})")
            };
            warnings.push(cut_warning(name, &units, share, &why));
        }
        remaining = remaining.saturating_sub(units.len().min(share));
        before.push(name);
    }
    warnings
}

/// The warning for one file of `units` cut to `share` characters because of `why`.
fn cut_warning(name: &str, units: &[u16], share: usize, why: &str) -> String {
    let (head, tail) = kept(name, units.len(), share);
    let cut_end = units.len().saturating_sub(tail);
    let sections = sections_between(units, head, cut_end);
    let what = if sections.is_empty() {
        "text without a heading".to_owned()
    } else {
        sections
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{name} has {} characters, more than {why}: OpenClaw keeps about the first {head} and the last {tail} and cuts the middle, in {what}.",
        units.len()
    )
}

/// How many leading and trailing characters OpenClaw keeps of a file of `len` cut to `share`.
fn kept(name: &str, len: usize, share: usize) -> (usize, usize) {
    if name == "AGENTS.md" {
        return (share * 45 / 100, share * 15 / 100);
    }
    let marker = |head: usize, tail: usize| {
        format!(
            "\n[...truncated, read {name} for full content...]\n…(truncated {name}: kept {head}+{tail} chars of {len})…\n"
        )
        .encode_utf16()
        .count()
    };
    let (mut head, mut tail, mut width) = (0, 0, marker(0, 0));
    for _ in 0..3 {
        let budget = share.saturating_sub(width + 2);
        let next = (budget * 3 / 4, budget / 4);
        let next_width = marker(next.0, next.1);
        if next == (head, tail) && next_width == width {
            break;
        }
        (head, tail, width) = (next.0, next.1, next_width);
    }
    (head, tail)
}

/// The Markdown headings of the sections that overlap `[start, end)` (UTF-16 offsets): the
/// section holding `start` and every one that begins before `end`.
fn sections_between(units: &[u16], start: usize, end: usize) -> Vec<String> {
    let text = String::from_utf16_lossy(units);
    let mut offset = 0usize;
    let mut current: Option<String> = None;
    let mut out: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        let line_end = offset + line.encode_utf16().count();
        let trimmed = line.trim_end();
        if trimmed.starts_with('#') {
            current = Some(trimmed.to_owned());
            if offset >= start && offset < end {
                out.push(trimmed.to_owned());
            }
        }
        if offset <= start && start < line_end.max(offset + 1) {
            if let Some(heading) = &current {
                if !out.contains(heading) {
                    out.insert(0, heading.clone());
                }
            }
        }
        offset = line_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: String) -> (String, String) {
        (name.to_owned(), text)
    }

    fn sectioned(headings: &[&str], each: usize) -> String {
        headings
            .iter()
            .map(|h| format!("{h}\n{}\n", "x".repeat(each)))
            .collect()
    }

    #[test]
    fn files_within_their_budgets_get_no_warning() {
        let files = [
            file("SOUL.md", "a".repeat(20_000)),
            file("USER.md", "b".repeat(4_000)),
            file("TOOLS.md", "c".repeat(90_000)),
        ];
        assert!(warnings(&files, 20_000, 60_000).is_empty());
    }

    #[test]
    fn a_long_file_names_the_sections_in_its_cut_middle() {
        let soul = sectioned(&["# Soul", "## Voice", "## Values", "## Boundaries"], 9_000);
        let found = warnings(&[file("SOUL.md", soul)], 20_000, 60_000);
        assert_eq!(found.len(), 1, "{found:?}");
        let warning = &found[0];
        assert!(
            warning
                .starts_with("SOUL.md has 36043 characters, more than bootstrapMaxChars (20000)"),
            "{warning}"
        );
        assert!(
            warning.contains("in \"## Voice\", \"## Values\", \"## Boundaries\"."),
            "{warning}"
        );
    }

    #[test]
    fn user_md_has_its_own_cap_and_the_total_cuts_later_files() {
        let files = [
            file("USER.md", "u".repeat(5_000)),
            file("AGENTS.md", "a".repeat(19_000)),
            file("SOUL.md", "s".repeat(19_000)),
            file("IDENTITY.md", "i".repeat(19_000)),
            file("MEMORY.md", "m".repeat(100)),
        ];
        let found = warnings(&files, 20_000, 60_000);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("USER.md has 5000 characters, more than the 3000 left of bootstrapTotalMaxChars (60000) after AGENTS.md, SOUL.md, IDENTITY.md"), "{}", found[0]);
        assert!(found[0].contains("text without a heading"), "{}", found[0]);
        assert!(
            found[1].starts_with("MEMORY.md is left out"),
            "{}",
            found[1]
        );
        let capped = warnings(&[file("USER.md", "u".repeat(5_000))], 20_000, 60_000);
        assert!(
            capped[0].contains("USER.md's fixed cap of 4000"),
            "{capped:?}"
        );
    }

    #[test]
    fn openclaw_counts_utf16_units_after_trimming_the_end() {
        let emoji = "🦊".repeat(10_001) + "\n\n   ";
        let found = warnings(&[file("SOUL.md", emoji)], 20_000, 60_000);
        assert!(
            found[0].starts_with("SOUL.md has 20002 characters"),
            "{found:?}"
        );
    }
}
