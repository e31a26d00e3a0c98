//! The user guide's command examples, run as tests. A fenced block whose info string is
//! `sh,doctest` is extracted and run with bash (`-euo pipefail`) against the real CLI: the
//! blocks of one page run in order, in a scratch folder of their own with a fresh data folder
//! (`PERSONA_STUDIO_HOME`), a pinned clock and `persona-studio` first on PATH, so a page reads
//! as one session. Any failing block fails the stage, naming its page and line.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::files_with_extension;

/// The info string that marks a block as a command example to run.
pub const MARKER: &str = "doctest";

/// The clock the examples run at (`PERSONA_STUDIO_NOW`), so their output does not depend on
/// the day they run.
const NOW: &str = "2026-11-21T12:00:00Z";

/// One example: where it is and what it runs.
#[derive(Debug, PartialEq, Eq)]
pub struct Example {
    pub line: usize,
    pub script: String,
}

/// The `sh,doctest` blocks of a Markdown page, in order.
pub fn extract(markdown: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut current: Option<Example> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_example(&info) => {
                let line = markdown[..range.start].matches('\n').count() + 1;
                current = Some(Example {
                    line,
                    script: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(example) = current.as_mut() {
                    example.script.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => examples.extend(current.take()),
            _ => {}
        }
    }
    examples
}

fn is_example(info: &str) -> bool {
    let mut words = info.split([',', ' ']).filter(|w| !w.is_empty());
    words.next() == Some("sh") && words.any(|w| w == MARKER)
}

/// Runs every example of every page under `src` (the staged book) with the CLI in `bin_dir`,
/// in scratch folders under `scratch`. Returns how many ran; fails when any failed.
pub fn run_all(src: &Path, bin_dir: &Path, scratch: &Path) -> Result<usize> {
    let mut ran = 0;
    let mut failures = Vec::new();
    for page in files_with_extension(src, "md")? {
        let text = std::fs::read_to_string(&page)
            .with_context(|| format!("could not read {}", page.display()))?;
        let examples = extract(&text);
        if examples.is_empty() {
            continue;
        }
        let name = page
            .strip_prefix(src)
            .unwrap_or(&page)
            .display()
            .to_string();
        let dir = scratch.join(name.replace(['/', '.'], "_"));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["home", "work", "user"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        for example in &examples {
            ran += 1;
            match run_one(&example.script, bin_dir, &dir)? {
                None => println!("ok    {name}:{}", example.line),
                Some(output) => {
                    println!("FAIL  {name}:{}\n{output}", example.line);
                    failures.push(format!("{name}:{}", example.line));
                    break;
                }
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} command example(s) failed (the rest of each page was skipped): {}",
            failures.len(),
            failures.join(", ")
        );
    }
    Ok(ran)
}

/// Runs one example; `None` when it succeeded, else what it printed.
fn run_one(script: &str, bin_dir: &Path, dir: &Path) -> Result<Option<String>> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .context("could not build PATH")?;
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir.join("work"))
        .env("PATH", path)
        .env("PERSONA_STUDIO_HOME", dir.join("home"))
        .env("PERSONA_STUDIO_NOW", NOW)
        .env("HOME", dir.join("user"))
        .env_remove("OPENCLAW_CONFIG_PATH")
        .env_remove("OPENCLAW_STATE_DIR")
        .output()
        .context("could not start bash")?;
    if output.status.success() {
        return Ok(None);
    }
    Ok(Some(format!(
        "--- script\n{script}--- exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sh_blocks_marked_doctest_are_examples() {
        let page = "# Title\n\n```sh,doctest\npersona-studio doctor\n```\n\n```sh\nnot run\n```\n\n```text,doctest\nnot sh\n```\n\n- item\n\n  ```sh,doctest\n  echo a |\n    cat\n  ```\n";
        let found = extract(page);
        assert_eq!(
            found,
            [
                Example {
                    line: 3,
                    script: "persona-studio doctor\n".to_owned()
                },
                Example {
                    line: 17,
                    script: "echo a |\n  cat\n".to_owned()
                }
            ]
        );
    }

    #[test]
    fn a_failing_example_reports_its_output_and_a_passing_one_nothing() {
        let dir = crate::process::root()
            .join("target/xtask-scratch")
            .join(format!("examples-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("work")).unwrap();
        let bin = Path::new("/nonexistent");
        assert_eq!(
            run_one("test -n \"$PERSONA_STUDIO_HOME\"\n", bin, &dir).unwrap(),
            None
        );
        let failed = run_one("echo said-this\nfalse\necho never\n", bin, &dir)
            .unwrap()
            .unwrap();
        assert!(
            failed.contains("said-this") && !failed.contains("\nnever"),
            "{failed}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
