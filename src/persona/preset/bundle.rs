//! A preset as files: `preset.json` (metadata and the persona spec) and the Markdown templates.
//! Its content hash is sha256 of the canonical manifest of all files; templates render
//! `{{variable}}` placeholders, and a missing variable is an error that names it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::canon::{self, Digest};
use crate::persona::preset::policy::{self, PolicyRule};
use crate::persona::spec::{self, Mode, PersonaSpec};
use crate::persona::workspace::{PersonaFile, WorkspaceFiles};
use crate::{Error, Result};

/// Template files a preset may carry, in display order.
pub const TEMPLATE_FILES: [&str; 6] = [
    "SOUL.md",
    "USER.md",
    "IDENTITY.md",
    "AGENTS.md",
    "TOOLS.md",
    "HEARTBEAT.md",
];
/// Files the agent edits itself; apply never overwrites them without an explicit choice.
pub const AGENT_EDITABLE: [&str; 2] = ["USER.md", "MEMORY.md"];
pub const FORMAT_VERSION: u32 = 1;
/// Where the per-file policies are in `preset.json`, as a JSON pointer.
pub const FILE_POLICY_POINTER: &str = "/file_policy";
const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// Who vouches for a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Trust {
    Official,
    Community,
    Local,
}

impl Trust {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `preset.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct PresetManifest {
    pub format_version: u32,
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub mode: Mode,
    pub trust: Trust,
    /// What the onboarding recommender matches answers against.
    #[serde(default)]
    pub traits: Vec<String>,
    pub spec: PersonaSpec,
    /// Per-file policies (issue 14), tried in order before the defaults
    /// ([`policy::FilePolicies::effective`]). Left out of `preset.json` when empty, so a preset
    /// without rules keeps the content hash it had before the field existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_policy: Vec<PolicyRule>,
}

/// A whole preset: the manifest and the templates by file name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PresetBundle {
    pub manifest: PresetManifest,
    pub files: BTreeMap<String, String>,
}

fn lower_token(text: &str, max: usize) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && text.len() <= max
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// A preset id: lower_snake_case, 1 to 64 characters.
pub fn check_preset_id(id: &str) -> Result<()> {
    if crate::naming::is_valid_id(id) {
        Ok(())
    } else {
        Err(Error::invalid(
            "preset id",
            format!(
                "\"{id}\" must be lower_snake_case, 1 to 64 characters, starting with a letter"
            ),
        ))
    }
}

impl PresetBundle {
    /// Checks the manifest, the per-file policies (every problem at once, as
    /// [`Error::PresetInvalid`] located under [`FILE_POLICY_POINTER`]), the templates and the
    /// spec (as [`Error::SpecInvalid`]).
    pub fn validate(&self) -> Result<()> {
        let m = &self.manifest;
        if m.format_version != FORMAT_VERSION {
            return Err(Error::invalid(
                "preset.json",
                format!(
                    "format_version is {}; this app reads {FORMAT_VERSION}",
                    m.format_version
                ),
            ));
        }
        check_preset_id(&m.id)?;
        let name_chars = m.name.trim().chars().count();
        if name_chars == 0 || name_chars > 80 {
            return Err(Error::invalid("preset name", "must be 1 to 80 characters"));
        }
        if m.description.chars().count() > 500 {
            return Err(Error::invalid(
                "preset description",
                "must be at most 500 characters",
            ));
        }
        for (what, list) in [("tag", &m.tags), ("trait", &m.traits)] {
            if list.len() > 32 {
                return Err(Error::invalid(
                    "preset.json",
                    format!("has more than 32 {what}s"),
                ));
            }
            if let Some(bad) = list.iter().find(|t| !lower_token(t, 40)) {
                return Err(Error::invalid(
                    "preset.json",
                    format!("{what} \"{bad}\" must be lowercase letters, digits, '_' or '-'"),
                ));
            }
        }
        let problems = policy::validate(&m.file_policy, FILE_POLICY_POINTER);
        if !problems.is_empty() {
            return Err(Error::PresetInvalid(problems));
        }
        for (name, text) in &self.files {
            check_template(name, text)?;
        }
        let spec_value = serde_json::to_value(&m.spec)
            .map_err(|e| Error::invalid("preset spec", e.to_string()))?;
        spec::validate_value(&spec_value).map_err(Error::SpecInvalid)?;
        Ok(())
    }

    /// sha256 of the canonical manifest of all files: `preset.json` as a value and each
    /// template by its own sha256.
    pub fn content_hash(&self) -> Result<Digest> {
        let files: BTreeMap<&str, String> = self
            .files
            .iter()
            .map(|(name, text)| (name.as_str(), Digest::of_bytes(text.as_bytes()).to_string()))
            .collect();
        Ok(canon::digest_of(
            &json!({"preset": self.manifest, "files": files}),
        )?)
    }

    /// The persona files the compiler reads, taken from the templates as written.
    pub fn workspace_files(&self) -> WorkspaceFiles {
        let mut files = WorkspaceFiles::new();
        for file in PersonaFile::BY_PRECEDENCE {
            if let Some(text) = self.files.get(file.file_name()) {
                files.set(file, text.clone());
            }
        }
        files
    }

    /// Every variable the templates use.
    pub fn variables(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for (file, text) in &self.files {
            for name in placeholders(file, text)? {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Checks one template on its own: an allowed file name, the size limit, well-formed
/// placeholders.
pub fn check_template(name: &str, text: &str) -> Result<()> {
    if !TEMPLATE_FILES.contains(&name) {
        return Err(Error::invalid(
            "preset files",
            format!(
                "\"{name}\" is not a preset template; use {}",
                TEMPLATE_FILES.join(", ")
            ),
        ));
    }
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(Error::invalid(
            "preset files",
            format!(
                "{name} is {} bytes; the limit is {MAX_TEMPLATE_BYTES}",
                text.len()
            ),
        ));
    }
    placeholders(name, text).map(drop)
}

/// The `{{name}}` placeholders of one template, in order (repeats kept). Errors
/// (`invalid_input`): a `{{` never closed, or a name that is not lowercase letters, digits and
/// `_`.
pub fn placeholders(file: &str, text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find("}}") else {
            return Err(Error::invalid(
                "template",
                format!("{file} has a '{{{{' that is never closed with '}}}}'"),
            ));
        };
        let name = after.get(..end).unwrap_or_default().trim();
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(Error::invalid(
                "template",
                format!("{file} has the placeholder {{{{{name}}}}}; names are lowercase letters, digits and '_'"),
            ));
        }
        out.push(name.to_owned());
        rest = after.get(end + 2..).unwrap_or_default();
    }
    Ok(out)
}

/// Renders one template. A placeholder without a value is an error naming it and the file.
pub fn render(file: &str, template: &str, vars: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after.find("}}").ok_or_else(|| {
            Error::invalid(
                "template",
                format!("{file} has a '{{{{' that is never closed"),
            )
        })?;
        let name = after.get(..end).unwrap_or_default().trim();
        let value = vars.get(name).ok_or_else(|| {
            Error::invalid(
                "template variable",
                format!("{file} uses {{{{{name}}}}}, which has no value; pass --var {name}=VALUE"),
            )
        })?;
        out.push_str(value);
        rest = after.get(end + 2..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn renders_and_names_missing_variables() {
        let v = vars(&[("agent_name", "Juniper")]);
        assert_eq!(
            render("SOUL.md", "I am {{agent_name}}. {{ agent_name }}!", &v).unwrap(),
            "I am Juniper. Juniper!"
        );
        let error = render("USER.md", "Owner: {{owner_name}}", &v)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("{{owner_name}}")
                && error.contains("USER.md")
                && error.contains("--var owner_name="),
            "{error}"
        );
        assert!(render("A.md", "oops {{agent_name", &v).is_err());
        assert_eq!(
            render("A.md", "no placeholders", &v).unwrap(),
            "no placeholders"
        );
    }

    #[test]
    fn placeholder_names_are_checked() {
        assert!(placeholders("A.md", "{{Agent Name}}").is_err());
        assert_eq!(placeholders("A.md", "{{a}} {{b_2}}").unwrap(), ["a", "b_2"]);
    }

    #[test]
    fn every_official_agents_md_states_the_precedence_on_one_line() {
        use crate::persona::preset::catalog::official_bundles;
        use crate::persona::workspace::{PersonaFile, PRECEDENCE_LINE};
        let order: Vec<&str> = PersonaFile::BY_PRECEDENCE
            .iter()
            .map(|f| f.file_name())
            .collect();
        assert_eq!(
            PRECEDENCE_LINE,
            format!("Persona precedence: {}", order.join(" > "))
        );
        let v = vars(&[("agent_name", "Juniper"), ("owner_name", "Sam")]);
        let bundles = official_bundles().unwrap();
        assert_eq!(bundles.len(), 5);
        for bundle in bundles {
            let id = &bundle.manifest.id;
            let rendered = render("AGENTS.md", &bundle.files["AGENTS.md"], &v).unwrap();
            let lines = rendered.lines().filter(|l| *l == PRECEDENCE_LINE).count();
            assert_eq!(lines, 1, "{id}: AGENTS.md must state the precedence once");
        }
    }
}
