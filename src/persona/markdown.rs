//! Owns reading `Label: value` fields out of a persona file (SOUL.md, IDENTITY.md, …) the way
//! OpenClaw reads them and its templates write them, wherever we take a value from a workspace
//! file (the compiler's settings, the name of an imported workspace).
//!
//! Sources: OpenClaw's `parseIdentityMarkdown` (`src/agents/identity-file.ts`, shipped as
//! `dist/identity-file-*.mjs`), its front matter split (`src/markdown/frontmatter.ts`), and the
//! templates under `docs/reference/templates/` (`- **Name:**` followed by an `_(…)_` hint, a
//! YAML front matter block on top). People also save these files on Windows, with a byte order
//! mark and CRLF line ends.
//!
//! Only values are read here: the text is never changed, so whatever hashes or stores a file
//! (baselines, presets, plans) keeps its bytes exactly as they were.

/// One `Label: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The label, lowercase, with spaces and hyphens as `_` (`Output format` is `output_format`).
    pub key: String,
    /// The value without surrounding emphasis or spaces; never empty.
    pub value: &'a str,
    /// The 1-based line in the file, counting any front matter and a first line with a BOM.
    pub line: u32,
}

/// OpenClaw's placeholder values of the IDENTITY.md template, normalised as OpenClaw compares
/// them (`IDENTITY_PLACEHOLDER_VALUES`): they are hints, never values.
const PLACEHOLDERS: [&str; 6] = [
    "not set yet",
    "pick something you like",
    "ai? robot? familiar? ghost in the machine? something weirder?",
    "how do you come across? sharp? warm? chaotic? calm?",
    "your signature - pick one that feels right",
    "workspace-relative path, http(s) url, or data uri",
];

/// Every field of `text`, in file order:
/// - a leading byte order mark is skipped, and lines end in `\n` or `\r\n`;
/// - a leading YAML front matter block (`---` … `---`) is document metadata, not fields;
/// - a list marker (`-`, `*`, `+`) and emphasis around the label (`**Name:**`, `__Name__:`,
///   backticks) are dropped, and labels match whatever their case;
/// - emphasis around the value is dropped; an empty value, an `_(…)_` hint and the template's
///   placeholders are not values.
pub fn fields(text: &str) -> Vec<Field<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let body_start = front_matter_lines(&lines);
    lines
        .iter()
        .enumerate()
        .skip(body_start)
        .filter_map(|(index, line)| {
            let (key, value) = field(line)?;
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            Some(Field { key, value, line })
        })
        .collect()
}

/// The value of the last `key` field, as OpenClaw keeps the last one it reads.
pub fn last_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    fields(text)
        .into_iter()
        .rev()
        .find(|f| f.key == key)
        .map(|f| f.value)
}

/// How many lines a leading front matter block takes (0 without one): an opening `---` line and
/// the next `---` line, each allowing trailing spaces or tabs, as OpenClaw's delimiters do.
fn front_matter_lines(lines: &[&str]) -> usize {
    let is_delimiter = |line: &&str| {
        line.strip_prefix("---")
            .is_some_and(|rest| rest.trim_end_matches([' ', '\t']).is_empty())
    };
    if !lines.first().is_some_and(is_delimiter) {
        return 0;
    }
    lines
        .iter()
        .skip(1)
        .position(is_delimiter)
        .map_or(0, |closing| closing + 2)
}

/// One line's (key, value), if it is a field with a value.
fn field(line: &str) -> Option<(String, &str)> {
    let cleaned = line.trim().trim_start_matches(['-', '*', '+']).trim_start();
    let (raw_key, raw_value) = cleaned.split_once(':')?;
    let key = raw_key
        .replace(['*', '`'], "")
        .trim()
        .trim_matches('_')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_");
    // OpenClaw drops every run of emphasis marks and spaces around the value at once.
    let value = raw_value.trim_matches(|c: char| matches!(c, '*' | '`') || c.is_whitespace());
    if key.is_empty() || value.is_empty() || is_placeholder(value) {
        return None;
    }
    Some((key, value))
}

/// An `_(…)_` template hint, or one of OpenClaw's placeholder texts however it is emphasised.
fn is_placeholder(value: &str) -> bool {
    if value.starts_with('_') && value.ends_with('_') {
        return true;
    }
    let mut normalized =
        value.trim_matches(|c: char| matches!(c, '*' | '_' | '`') || c.is_whitespace());
    if let Some(inner) = normalized
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
    {
        normalized = inner.trim();
    }
    let normalized = normalized
        .replace(['\u{2013}', '\u{2014}'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    PLACEHOLDERS.contains(&normalized.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, u32)> {
        fields(text)
            .into_iter()
            .map(|f| (f.key, f.value.to_owned(), f.line))
            .collect()
    }

    #[test]
    fn reads_every_layout_people_and_templates_use() {
        let p = |k: &str, v: &str, l: u32| (k.to_owned(), v.to_owned(), l);
        for (text, expected) in [
            ("Name: Wren", vec![p("name", "Wren", 1)]),
            ("\u{feff}Name: Wren\r\nVibe: calm\r\n", vec![p("name", "Wren", 1), p("vibe", "calm", 2)]),
            ("- **Name:** Wren", vec![p("name", "Wren", 1)]),
            ("* __Name__: Wren", vec![p("name", "Wren", 1)]),
            ("+ `Output format`: markdown", vec![p("output_format", "markdown", 1)]),
            ("NAME :  **Wren**  ", vec![p("name", "Wren", 1)]),
            ("- **Name:** **Wren** ", vec![p("name", "Wren", 1)]),
            ("- **Name:**\n  _(pick something you like)_\n", vec![]),
            ("- **Name:** _(pick something you like)_", vec![]),
            ("- **Name:** (pick something you like)", vec![]),
            ("- **Emoji:** (your signature \u{2014} pick one that feels right)", vec![]),
            ("Name:", vec![]),
            ("just prose", vec![]),
            (
                "---\r\nsummary: \"Agent identity record\"\r\ntitle: x\r\n---\r\n\r\n# IDENTITY.md\r\n\r\n- **Name:** Wren\r\n",
                vec![p("name", "Wren", 8)],
            ),
            ("\u{feff}---  \nname: Front\n---\nName: Body\n", vec![p("name", "Body", 4)]),
            // No closing delimiter: not front matter.
            ("---\nName: Wren\n", vec![p("name", "Wren", 2)]),
        ] {
            assert_eq!(pairs(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_last_value_wins_as_in_openclaw() {
        assert_eq!(last_value("Name: A\n- Name: B\n", "name"), Some("B"));
        assert_eq!(last_value("Vibe: calm\n", "name"), None);
    }

    #[test]
    fn openclaws_own_template_has_no_values() {
        let template = "---\nsummary: \"Agent identity record\"\ntitle: \"IDENTITY template\"\nread_when:\n  - Bootstrapping a workspace manually\n---\n\n# IDENTITY.md - Who Am I?\n\n_Fill this in during your first conversation. Make it yours._\n\n- **Name:**\n  _(pick something you like)_\n- **Creature:**\n  _(AI? robot? familiar? ghost in the machine? something weirder?)_\n- **Vibe:**\n  _(how do you come across? sharp? warm? chaotic? calm?)_\n- **Emoji:**\n  _(your signature \u{2014} pick one that feels right)_\n- **Avatar:**\n  _(workspace-relative path, http(s) URL, or data URI)_\n";
        assert_eq!(pairs(template), vec![]);
    }
}
