//! The Troubleshooting chapter, generated from the error codes in the sources and the
//! hand-written explanations in `docs/troubleshooting.md`, so a new code cannot ship without
//! an entry and an entry cannot name a code that does not exist.
//!
//! The core's codes are the string literals of every `fn code(&self) -> &'static str` under
//! `src/` (the core's `Error` and the error types whose codes pass through it). The front ends
//! add a few of their own (`FRONT_END_CODES`); any other `code: "…"` literal in a front end
//! that is not a known code fails the build too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Result};

use super::{files_with_extension, read_text};

/// Codes only a front end produces: (code, file that produces it, who shows it).
const FRONT_END_CODES: &[(&str, &str, &str)] = &[
    ("usage", "src/bin/persona-studio/output.rs", "the CLI"),
    ("internal", "src/bin/persona-studio/output.rs", "the CLI"),
    ("internal", "src-tauri/src/state.rs", "the app"),
    ("busy", "src-tauri/src/state.rs", "the app"),
    ("no_home", "src-tauri/src/state.rs", "the app"),
    // The UI's own code for a failure that is not a `{code, message}` from the backend.
    ("unknown", "ui/src/lib/shell/session.svelte.ts", "the app"),
];

/// The folders whose `.rs` files are front ends (scanned for `code: "…"` literals).
const FRONT_ENDS: &[&str] = &["src/bin", "src-tauri/src"];

/// Every code, with who can show it ("the CLI and the app", "the CLI", "the app").
pub fn codes(root: &Path) -> Result<Codes> {
    let mut codes = Codes::new();
    for file in files_with_extension(&root.join("src"), "rs")? {
        if file.starts_with(root.join("src/bin")) {
            continue;
        }
        for code in code_fn_literals(&read_text(&file)?) {
            codes
                .entry(code)
                .or_default()
                .extend(["the CLI", "the app"]);
        }
    }
    for (code, file, shown_by) in FRONT_END_CODES {
        if !read_text(&root.join(file))?.contains(code) {
            bail!("{file} no longer produces the error code `{code}`; update FRONT_END_CODES in xtask/src/docs/errors.rs");
        }
        codes
            .entry((*code).to_owned())
            .or_default()
            .insert(shown_by);
    }
    for dir in FRONT_ENDS {
        for file in files_with_extension(&root.join(dir), "rs")? {
            for code in field_literals(&read_text(&file)?) {
                if !codes.contains_key(&code) {
                    bail!("{} produces the error code `{code}`, which xtask does not know: add it to FRONT_END_CODES in xtask/src/docs/errors.rs and explain it in docs/troubleshooting.md", file.display());
                }
            }
        }
    }
    Ok(codes)
}

/// Each code and who shows it.
pub type Codes = BTreeMap<String, BTreeSet<&'static str>>;

/// The string literals inside the body of each `fn code(&self) -> &'static str`.
fn code_fn_literals(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("fn code(&self) -> &'static str {") {
        let body = &rest[at..];
        let end = body_end(body);
        found.extend(literals(&body[..end]));
        rest = &body[end..];
    }
    found
}

/// The byte offset just past the brace that closes the first `{` in `text`.
fn body_end(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth <= 1 => return i + 1,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

/// Every `"snake_case"` literal in `text`.
fn literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| is_code(s))
        .map(str::to_owned)
        .collect()
}

/// The literals after `code: "` (a front end building its `{code, message}` itself).
fn field_literals(text: &str) -> Vec<String> {
    text.split("code: \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| is_code(s))
        .map(str::to_owned)
        .collect()
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The hand-written entries: `## code` headings, each followed by its explanation.
pub fn entries(text: &str) -> Result<Vec<(String, String)>> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(code) = line.strip_prefix("## ") {
            let code = code.trim().trim_matches('`').to_owned();
            if entries.iter().any(|(c, _)| *c == code) {
                bail!("docs/troubleshooting.md explains `{code}` twice");
            }
            entries.push((code, String::new()));
        } else if let Some((_, body)) = entries.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((code, _)) = entries.iter().find(|(_, body)| body.trim().is_empty()) {
        bail!("docs/troubleshooting.md has an empty entry for `{code}`");
    }
    Ok(entries)
}

/// Checks the entries against the codes both ways and renders the chapter.
pub fn render(codes: &Codes, explanations: &str) -> Result<String> {
    let entries = entries(explanations)?;
    let unknown: Vec<&str> = entries
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| !codes.contains_key(*c))
        .collect();
    let missing: Vec<&str> = codes
        .keys()
        .map(String::as_str)
        .filter(|c| !entries.iter().any(|(e, _)| e == c))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "error codes without a troubleshooting entry in docs/troubleshooting.md: {missing:?}"
        ));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "docs/troubleshooting.md explains codes that nothing produces: {unknown:?}"
        ));
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    let mut out = String::from(HEADER);
    for (code, body) in &entries {
        out.push_str(&format!(
            "\n## {code}\n\n*Shown by {}.*\n\n{}",
            codes[code]
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .join(" and "),
            body.trim_start()
        ));
    }
    Ok(out)
}

const HEADER: &str = "# Troubleshooting

<!-- Generated by `cargo xtask docs` from the error codes in the sources and the entries in
docs/troubleshooting.md. Edit that file, not this page. -->

Every error the CLI and the app show has a stable **code**: the CLI prints it with `--json`
(`{\"code\": …, \"message\": …}` on stderr), the app keeps it with each error message. Each
section below is one code: what it means and what to do. The message itself always says what
was wrong and, where there is one, the command to run or the button to press.

Exit codes of the CLI: `0` success, `1` a refused or failed operation or check, `2` bad usage
or bad input (an id, name or label that names nothing included).
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_read_from_each_code_function_only() {
        let text = r#"
            fn message(&self) -> &'static str { "not_a_code" }
            pub fn code(&self) -> &'static str {
                match self { A => "first_code", B { .. } => "second", C(e) => e.code() }
            }
            fn other() { let _ = "also_not"; }"#;
        assert_eq!(code_fn_literals(text), ["first_code", "second"]);
    }

    #[test]
    fn every_code_needs_an_entry_and_every_entry_a_code() {
        let codes: Codes = [("alpha", "the CLI"), ("beta", "the app")]
            .into_iter()
            .map(|(c, s)| (c.to_owned(), BTreeSet::from([s])))
            .collect();
        let both = "## alpha\nFix A.\n## `beta`\nFix B.\n";
        let page = render(&codes, both).unwrap();
        assert!(page.contains("## alpha\n\n*Shown by the CLI.*\n\nFix A."));
        let missing = render(&codes, "## alpha\nFix A.\n").unwrap_err();
        assert!(missing.to_string().contains("[\"beta\"]"), "{missing}");
        let extra = render(&codes, &format!("{both}## gamma\nNothing.\n")).unwrap_err();
        assert!(extra.to_string().contains("[\"gamma\"]"), "{extra}");
        let empty = render(&codes, "## alpha\n\n## beta\nFix B.\n").unwrap_err();
        assert!(empty.to_string().contains("empty entry"), "{empty}");
    }

    #[test]
    fn the_repository_s_codes_all_have_entries() {
        let root = crate::process::root();
        let codes = codes(&root).unwrap();
        for code in [
            "not_found",
            "duplicate_key",
            "openclaw_plan_changed",
            "claw_symlink",
        ] {
            assert!(codes.contains_key(code), "{code} was not collected");
        }
        let explanations = read_text(&root.join("docs/troubleshooting.md")).unwrap();
        render(&codes, &explanations).unwrap();
    }
}
