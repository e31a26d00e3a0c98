//! How a preset version is named: `ID` (what a bare id means: the version the `production`
//! label points at, else the newest published version), `ID@latest` (the newest published),
//! `ID@2` or `ID@v2`, `ID@draft`, `ID:LABEL`. Parsing only; `catalog::resolve` is the one
//! place a reference becomes a stored version, for every command and page.

use crate::naming::parse_version;
use crate::persona::preset::bundle::check_preset_id;
use crate::{Error, Result};

/// The label a bare preset id follows, and the one official presets start with.
pub const PRODUCTION: &str = "production";

/// Which version of a preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// A bare id: the version [`PRODUCTION`] points at, else the newest published version.
    Default,
    /// `ID@latest`: the newest published version, whatever the labels say.
    Latest,
    /// `ID@draft`: the open draft.
    Draft,
    /// `ID@2` or `ID@v2`.
    Number(u32),
    /// `ID:LABEL`.
    Label(String),
}

/// Splits `ID[@VERSION|@latest|@draft|:LABEL]`; a version is written `2` or `v2`.
///
/// # Errors
/// `invalid_input` naming the accepted forms, or the bad version, label or id.
pub fn parse_ref(text: &str) -> Result<(String, VersionRef)> {
    let (id, reference) = if let Some((id, version)) = text.split_once('@') {
        let reference = match version {
            "draft" => VersionRef::Draft,
            "latest" => VersionRef::Latest,
            _ => VersionRef::Number(parse_version(version).map_err(|_| {
                Error::invalid(
                    "preset",
                    format!(
                        "\"{text}\" must look like ID, ID@VERSION (2 or v2), ID@latest, ID@draft or ID:LABEL"
                    ),
                )
            })?),
        };
        (id, reference)
    } else if let Some((id, label)) = text.split_once(':') {
        check_label(label)?;
        (id, VersionRef::Label(label.to_owned()))
    } else {
        (text, VersionRef::Default)
    };
    check_preset_id(id)?;
    Ok((id.to_owned(), reference))
}

/// A label: 1 to 32 lowercase letters, digits, `-` or `_`, starting with a letter.
pub(crate) fn check_label(label: &str) -> Result<()> {
    let ok = !label.is_empty()
        && label.len() <= 32
        && label.starts_with(|c: char| c.is_ascii_lowercase())
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "label",
            format!("\"{label}\" must be 1 to 32 lowercase letters, digits, '-' or '_' (for example production)"),
        ))
    }
}

/// How `reference` to preset `id` was read, ending at the version it picked: `id:production →
/// v1`, `id (newest published; no production label) → v3`, `id@latest → v3`, `id@draft → v4`,
/// `id v2`. `label` is the label followed, when one was.
pub(crate) fn shown(id: &str, reference: &VersionRef, label: Option<&str>, version: u32) -> String {
    match (reference, label) {
        (VersionRef::Number(_), _) => format!("{id} v{version}"),
        (_, Some(label)) => format!("{id}:{label} → v{version}"),
        (VersionRef::Default, None) => {
            format!("{id} (newest published; no {PRODUCTION} label) → v{version}")
        }
        (VersionRef::Latest, None) => format!("{id}@latest → v{version}"),
        (VersionRef::Draft | VersionRef::Label(_), None) => format!("{id}@draft → v{version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_with_either_version_spelling() {
        let parse = |t: &str| parse_ref(t).unwrap().1;
        assert_eq!(parse("executive_assistant"), VersionRef::Default);
        assert_eq!(parse("executive_assistant@2"), VersionRef::Number(2));
        assert_eq!(parse("executive_assistant@v2"), VersionRef::Number(2));
        assert_eq!(parse("executive_assistant@latest"), VersionRef::Latest);
        assert_eq!(parse("executive_assistant@draft"), VersionRef::Draft);
        assert_eq!(
            parse("executive_assistant:production"),
            VersionRef::Label("production".into())
        );
        for bad in ["x@0", "x@v", "x@two", "x:", "X", "x:Prod"] {
            assert_eq!(parse_ref(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
    }
}
