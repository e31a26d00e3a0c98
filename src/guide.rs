//! The user guide on disk: finding the built mdBook (`cargo xtask docs` writes it to
//! `artifacts/docs/`; a package puts it beside the app) and reading one of its pages for the
//! app's `guide:` protocol and the CLI's `guide` command. Pages are read by the link rule of
//! [`crate::fsutil::read`] (nothing outside the guide, only regular files, bounded), so a URL
//! can never reach another file. Each error code has the page `troubleshooting.html#<code>`
//! (the docs build refuses a code without one, ARCHITECTURE invariant 48).

use std::path::{Component, Path, PathBuf};

use crate::fsutil::read::read_in;
use crate::{Error, Result};

/// The largest guide file served, in bytes (the built guide's largest, the search index, is
/// well under 1 MiB).
pub const PAGE_LIMIT: u64 = 16 * 1024 * 1024;

/// What names a guide folder: the environment variable a user or a test sets to a built guide.
pub const GUIDE_DIR_VARIABLE: &str = "PS_GUIDE_DIR";

/// A built guide: a folder holding `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    root: PathBuf,
}

/// One page or asset of the guide and its media type (from the file name, `mime_guess`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidePage {
    pub bytes: Vec<u8>,
    pub media_type: String,
}

impl Guide {
    /// The first of `candidates` that holds a built guide (`index.html`), in order; `None`
    /// when none does. The front ends pass `PS_GUIDE_DIR`, the package's folder and, in
    /// development builds, the repository's `artifacts/docs`.
    pub fn locate(candidates: &[PathBuf]) -> Option<Guide> {
        candidates
            .iter()
            .find(|dir| dir.join("index.html").is_file())
            .map(|dir| Guide { root: dir.clone() })
    }

    /// Like [`locate`](Self::locate), but a missing guide is [`Error::NotFound`] naming every
    /// folder looked in and how to build one.
    pub fn require(candidates: &[PathBuf]) -> Result<Guide> {
        Guide::locate(candidates).ok_or_else(|| Error::NotFound {
            what: "The user guide".to_owned(),
            hint: format!(
                "Looked in: {}. Build it with `cargo xtask docs`, or set {GUIDE_DIR_VARIABLE} to a built guide.",
                candidates
                    .iter()
                    .map(|c| c.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The page that explains `code`, as a path with its anchor
    /// (`…/troubleshooting.html#not_found`); a code without an entry is [`Error::NotFound`].
    pub fn troubleshooting(&self, code: &str) -> Result<String> {
        let is_code = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let page = self.page("/troubleshooting.html")?;
        let text = String::from_utf8_lossy(&page.bytes);
        // Each entry is a second-level heading whose id is the code (docs/troubleshooting.md).
        if !is_code || !text.contains(&format!("<h2 id=\"{code}\"")) {
            return Err(Error::NotFound {
                what: format!("A troubleshooting entry for the error code \"{code}\""),
                hint: "Error codes are the `code` of `--json` errors, such as not_found or locked."
                    .to_owned(),
            });
        }
        Ok(format!(
            "{}#{code}",
            self.root.join("troubleshooting.html").display()
        ))
    }

    /// The guide's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file a URL path names (`/`, `/owners.html`, `/css/chrome.css`; percent-encoded as
    /// in a URL): `/` and folders mean their `index.html`. A path with `..`, a root or a
    /// prefix in it is [`Error::InvalidInput`]; nothing there is [`Error::NotFound`]; a link
    /// out of the guide or a non-regular file is refused as [`read_in`] refuses it.
    pub fn page(&self, url_path: &str) -> Result<GuidePage> {
        let relative = relative_path(url_path)?;
        let relative = if relative.as_os_str().is_empty() || self.root.join(&relative).is_dir() {
            relative.join("index.html")
        } else {
            relative
        };
        let bytes = read_in(&self.root, &relative, PAGE_LIMIT)?.ok_or_else(|| Error::NotFound {
            what: format!("The guide page {}", relative.display()),
            hint: "Open the guide's contents from the Help page.".to_owned(),
        })?;
        let media_type = mime_guess::from_path(&relative)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        Ok(GuidePage { bytes, media_type })
    }
}

/// Where a guide may be, in the order looked in: only the folder `PS_GUIDE_DIR` names
/// (`env_dir`) when it is set, since a user who names one means that one; else
/// `../share/persona-studio/guide` from the executable (where a Linux package puts it), the
/// front end's own `extra` folders (the app's resource folder), and in development builds the
/// repository's `artifacts/docs`, where `cargo xtask docs` writes it.
pub fn candidates(env_dir: Option<PathBuf>, exe: Option<&Path>, extra: &[PathBuf]) -> Vec<PathBuf> {
    if let Some(dir) = env_dir {
        return vec![dir];
    }
    let mut out: Vec<PathBuf> = Vec::new();
    if let Some(bin) = exe.and_then(Path::parent) {
        out.push(bin.join("../share/persona-studio/guide"));
    }
    out.extend(extra.iter().cloned());
    if cfg!(debug_assertions) {
        out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/docs"));
    }
    out
}

/// The guide page that explains an error code: `troubleshooting.html#<code>`.
pub fn troubleshooting_page(code: &str) -> String {
    format!("troubleshooting.html#{code}")
}

/// A URL path as a relative path of normal components only.
fn relative_path(url_path: &str) -> Result<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .map_err(|_| Error::invalid("guide page", "the path is not UTF-8 once decoded"))?;
    let mut out = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => {
                return Err(Error::invalid(
                    "guide page",
                    format!(
                        "{url_path:?} leaves the guide; use a path inside it such as /owners.html"
                    ),
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(dir: &Path) -> Guide {
        std::fs::write(dir.join("index.html"), "<h1>Guide</h1>").unwrap();
        std::fs::create_dir(dir.join("policies")).unwrap();
        std::fs::write(dir.join("policies/index.html"), "policies").unwrap();
        std::fs::write(dir.join("book.css"), "h1{}").unwrap();
        Guide::locate(&[dir.join("missing"), dir.to_path_buf()]).unwrap()
    }

    #[test]
    fn pages_are_found_by_url_path_with_their_media_type() {
        let dir = tempfile::tempdir().unwrap();
        let guide = built(dir.path());
        assert_eq!(guide.page("/").unwrap().media_type, "text/html");
        assert_eq!(guide.page("/policies/").unwrap().bytes, b"policies");
        assert_eq!(guide.page("/book.css").unwrap().media_type, "text/css");
        assert_eq!(guide.page("/%62ook.css").unwrap().bytes, b"h1{}");
        assert!(matches!(
            guide.page("/nope.html"),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn nothing_outside_the_guide_is_served() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("guide");
        std::fs::create_dir(&inner).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        let guide = built(&inner);
        for path in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/policies/../../secret.txt",
        ] {
            assert!(
                matches!(guide.page(path), Err(Error::InvalidInput { .. })),
                "{path}"
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), inner.join("out.html"))
                .unwrap();
            assert!(matches!(
                guide.page("/out.html"),
                Err(Error::NotRegularFile { .. })
            ));
        }
    }

    #[test]
    fn a_missing_guide_names_where_it_looked_and_how_to_build_one() {
        let dir = tempfile::tempdir().unwrap();
        let message = Guide::require(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(message.contains("cargo xtask docs"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert_eq!(
            troubleshooting_page("not_found"),
            "troubleshooting.html#not_found"
        );
    }

    #[test]
    fn an_error_code_finds_its_entry_or_says_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let guide = built(dir.path());
        std::fs::write(
            dir.path().join("troubleshooting.html"),
            r#"<h2 id="locked">locked</h2><div id="print-button"></div>"#,
        )
        .unwrap();
        let found = guide.troubleshooting("locked").unwrap();
        assert!(found.ends_with("troubleshooting.html#locked"), "{found}");
        let missing = guide.troubleshooting("nonsense").unwrap_err().to_string();
        assert!(missing.contains("\"nonsense\""), "{missing}");
        // Other ids of the page are no error codes.
        assert!(guide.troubleshooting("print-button").is_err());
        assert!(guide.troubleshooting("").is_err());
    }

    #[test]
    fn a_guide_folder_named_in_the_environment_is_the_only_one_looked_in() {
        let named = PathBuf::from("/nowhere/guide");
        assert_eq!(candidates(Some(named.clone()), None, &[]), vec![named]);
        let exe = Path::new("/usr/bin/persona-studio");
        let found = candidates(None, Some(exe), &[PathBuf::from("/res/guide")]);
        assert_eq!(
            found[0],
            PathBuf::from("/usr/bin/../share/persona-studio/guide")
        );
        assert_eq!(found[1], PathBuf::from("/res/guide"));
    }
}
