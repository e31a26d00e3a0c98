//! Checks the `#…` part of every link in the built HTML: mdbook-linkcheck2 checks that linked
//! pages and files exist but not the anchors inside them, and the troubleshooting anchors
//! (`troubleshooting.html#<code>`) are what the app links to.

use std::path::Path;

use anyhow::{bail, Result};

use super::read_text;

/// Every `<a href="PAGE#ID">` (or `#ID`) inside the book points at an element with that id.
pub fn check(out: &Path) -> Result<()> {
    let mut broken = Vec::new();
    for page in super::files_with_extension(out, "html")? {
        let name = page.file_name().unwrap_or_default();
        // print.html repeats every page with its links rewritten; 404.html has none of ours.
        if name == "print.html" || name == "404.html" {
            continue;
        }
        let text = read_text(&page)?;
        for href in hrefs(&text) {
            if href.contains("://") || href.starts_with("mailto:") {
                continue;
            }
            let Some((file, id)) = href.split_once('#') else {
                continue;
            };
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap_or(out).join(file)
            };
            let ok = target.is_file() && has_id(&read_text(&target)?, id);
            if !ok {
                broken.push(format!(
                    "{}: {href}",
                    page.strip_prefix(out).unwrap_or(&page).display()
                ));
            }
        }
    }
    if !broken.is_empty() {
        bail!(
            "links to anchors that do not exist:\n  {}",
            broken.join("\n  ")
        );
    }
    Ok(())
}

/// Every id in `ids` is an anchor of `page`.
pub fn check_ids<'a>(page: &Path, ids: impl Iterator<Item = &'a String>) -> Result<()> {
    let text = read_text(page)?;
    let missing: Vec<&String> = ids.filter(|id| !has_id(&text, id)).collect();
    if !missing.is_empty() {
        bail!("{} has no anchor for {missing:?}", page.display());
    }
    Ok(())
}

fn hrefs(html: &str) -> Vec<&str> {
    html.split("<a ")
        .skip(1)
        .filter_map(|tag| tag.split('>').next())
        .filter_map(|tag| tag.split("href=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!("id=\"{id}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_ids_are_read_from_anchor_tags() {
        let html = r##"<link href="css/x.css"><a class="header" href="#here">x</a><a href="p.html#there" id="a">"##;
        assert_eq!(hrefs(html), ["#here", "p.html#there"]);
        assert!(has_id(html, "a") && !has_id(html, "here"));
    }
}
