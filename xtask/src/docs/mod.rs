//! `cargo xtask docs`: the user guide, an mdBook in `docs/`, built to `artifacts/docs/`.
//!
//! The sources are staged in `target/docs-book/` with what is generated added: the
//! Troubleshooting chapter (from the error codes, `errors.rs`), the CLI reference (clap, by the
//! binary's own test), the JSON Schemas, and the screenshots the end-to-end tests took. Then
//! `mdbook build` with two outputs, the HTML and `mdbook-linkcheck2` (internal links and
//! files; it fails the build), our own check of `#…` anchors in the HTML (linkcheck2 does not check fragments), and the command examples run
//! against the real CLI inside a keyring session (`examples.rs`).

mod anchors;
mod errors;
mod examples;
mod stage;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::deps;
use crate::process::{root, sh_with_args, step};
use crate::test::{Scratch, KEYRING_SESSION};

/// The three policy runbooks, as paths under `docs/src/`; each must be linked from the book's
/// summary and from the README.
pub const POLICY_PAGES: [&str; 3] = [
    "policies/persona-integrity.md",
    "policies/device-access.md",
    "policies/customer-backups.md",
];

/// Whether every screenshot the book shows must exist (after the end-to-end tests) or may be
/// replaced by a note saying how to take it (a docs build on its own).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Screenshots {
    Required,
    Optional,
}

/// Builds the book to `artifacts/docs/` and runs its checks and command examples.
pub fn docs(screenshots: Screenshots) -> Result<()> {
    let tools = deps::mdbook()?;
    let root = root();
    let staged = root.join("target/docs-book");
    let out = root.join("artifacts/docs");
    check_policies(&root)?;
    {
        let _step = step("docs: stage the book and generate its chapters");
        stage::stage(&root, &staged)?;
        let codes = errors::codes(&root)?;
        let explanations = read_text(&root.join("docs/troubleshooting.md"))?;
        std::fs::write(
            staged.join("src/troubleshooting.md"),
            errors::render(&codes, &explanations)?,
        )
        .context("could not write the Troubleshooting chapter")?;
        stage::cli_reference(&staged.join("src/reference/cli.md"))?;
        stage::schemas(&root, &staged.join("src/reference"))?;
        stage::screenshots(&root, &staged.join("src"), screenshots)?;
    }
    {
        let _step = step("docs: mdbook build and link check");
        linkcheck_refuses_a_broken_link(&tools)?;
        mdbook_build(&tools, &staged)?;
        let _ = std::fs::remove_dir_all(&out);
        // On a fresh clone nothing has made `artifacts/` yet.
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        std::fs::rename(staged.join("book/html"), &out)
            .with_context(|| format!("could not move the built book to {}", out.display()))?;
        anchors::check(&out)?;
        let codes = errors::codes(&root)?;
        anchors::check_ids(&out.join("troubleshooting.html"), codes.keys())?;
    }
    let bin_dir = stage::build_cli()?;
    let _step = step("docs: run the command examples against the real CLI (keyring session)");
    let scratch = Scratch::new("docs")?;
    let exe = std::env::current_exe().context("could not find the xtask binary")?;
    let args = [
        exe.display().to_string(),
        staged.join("src").display().to_string(),
        bin_dir.display().to_string(),
        root.join("target/xtask-scratch/docs-examples")
            .display()
            .to_string(),
    ];
    let xdg = scratch.xdg_env();
    let env: Vec<(&str, &Path)> = xdg.iter().map(|(k, v)| (*k, v.as_path())).collect();
    sh_with_args(
        &format!(r#"{KEYRING_SESSION} "$1" docs-examples "$2" "$3" "$4""#),
        &env,
        &args,
    )?;
    println!("The guide is in {}", out.join("index.html").display());
    Ok(())
}

/// `cargo xtask docs-examples SRC BIN_DIR SCRATCH`: what [`docs`] runs inside the keyring
/// session.
pub fn run_examples(args: &[String]) -> Result<()> {
    let [src, bin_dir, scratch] = args else {
        bail!("usage: cargo xtask docs-examples SRC BIN_DIR SCRATCH");
    };
    let ran = examples::run_all(Path::new(src), Path::new(bin_dir), Path::new(scratch))?;
    if ran == 0 {
        bail!(
            "the guide has no command examples (```sh,{}```)",
            examples::MARKER
        );
    }
    println!("{ran} command examples ran and passed.");
    Ok(())
}

/// The policy pages exist and are linked from the summary and from the README.
fn check_policies(root: &Path) -> Result<()> {
    let summary = read_text(&root.join("docs/src/SUMMARY.md"))?;
    let readme = read_text(&root.join("README.md"))?;
    for page in POLICY_PAGES {
        if !root.join("docs/src").join(page).is_file() {
            bail!("the policy page docs/src/{page} is missing");
        }
        if !summary.contains(&format!("]({page})")) {
            bail!("docs/src/SUMMARY.md does not link the policy page {page}");
        }
        if !readme.contains(&format!("](docs/src/{page})")) {
            bail!("README.md does not link the policy page docs/src/{page}");
        }
    }
    Ok(())
}

/// Proves the link checker fails on a broken internal link: a book whose page links a page
/// that does not exist must not build.
fn linkcheck_refuses_a_broken_link(tools: &deps::Mdbook) -> Result<()> {
    let book = root().join("target/docs-linkcheck-probe");
    let _ = std::fs::remove_dir_all(&book);
    std::fs::create_dir_all(book.join("src")).context("could not create the probe book")?;
    let files = [
        ("book.toml", "[book]\ntitle = \"probe\"\n\n[output.html]\n\n[output.linkcheck2]\nfollow-web-links = false\n"),
        ("src/SUMMARY.md", "# Summary\n\n- [Page](page.md)\n"),
        ("src/page.md", "# Page\n\nSee [the missing page](missing.md).\n"),
    ];
    for (name, text) in files {
        std::fs::write(book.join(name), text).context("could not write the probe book")?;
    }
    let output = mdbook_command(tools, &book)?
        .output()
        .context("could not run mdbook")?;
    let said = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    if output.status.success() || !said.contains("missing.md") {
        bail!("mdbook with mdbook-linkcheck2 did not refuse a broken link to missing.md:\n{said}");
    }
    Ok(())
}

/// `mdbook build` of `book` with both of its outputs: the HTML and the link check.
fn mdbook_build(tools: &deps::Mdbook, book: &Path) -> Result<()> {
    let status = mdbook_command(tools, book)?
        .status()
        .context("could not run mdbook")?;
    if !status.success() {
        bail!(
            "`mdbook build {}` failed ({status}): see the broken links above",
            book.display()
        );
    }
    Ok(())
}

/// `mdbook build BOOK`, with the link checker's folder first on PATH (mdbook runs the
/// `mdbook-linkcheck2` backend by name; `cargo install` may have put it outside PATH).
fn mdbook_command(tools: &deps::Mdbook, book: &Path) -> Result<std::process::Command> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let first = tools
        .linkcheck
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(first).chain(std::env::split_paths(&path)))
        .context("could not build PATH")?;
    let mut command = std::process::Command::new(&tools.mdbook);
    command.arg("build").arg(book).env("PATH", path);
    Ok(command)
}

/// The text of a file, or an error naming it.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

/// Every file under `dir` whose name ends in `.ext`, sorted.
pub fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let listing =
            std::fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))?;
        for entry in listing {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_pages_exist_and_are_linked_from_the_summary_and_the_readme() {
        check_policies(&root()).unwrap();
    }
}
