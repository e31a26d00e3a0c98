//! The two metadata files of a Claw package, as openclaw 2026.9.6 reads them
//! (`docs/cli/claws.md`, `src/claws/schema.ts` and `src/claws/reader.ts`):
//!
//! - `package.json`: `name` (a lowercase npm name), `version` (exact semver) and
//!   `openclaw.claw`, the package-relative path of the manifest;
//! - `CLAW.md`: YAML frontmatter between `---` lines (`schemaVersion: 1`, `agent`, `metadata`,
//!   `workspace.bootstrapFiles` / `workspace.files`, `packages`, `mcpServers`, `cronJobs`), then a
//!   Markdown body that becomes the agent's `SOUL.md`.
//!
//! The types here mirror OpenClaw's strict schema closely enough to refuse what it refuses about
//! shapes and paths; what OpenClaw checks beyond that (cron syntax, MCP commands) matters only
//! to Claws a preset could not carry anyway.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ClawError;
use super::yaml;

/// The manifest's file name, and the only manifest format read here.
pub const CLAW_FILE: &str = "CLAW.md";
/// The npm metadata file.
pub const PACKAGE_FILE: &str = "package.json";
/// The bootstrap files a manifest may name in `workspace.bootstrapFiles`
/// (`CLAW_BOOTSTRAP_FILE_NAMES`); any other workspace file goes in `workspace.files`.
pub const BOOTSTRAP_FILES: [&str; 5] = [
    "AGENTS.md",
    "SOUL.md",
    "IDENTITY.md",
    "TOOLS.md",
    "HEARTBEAT.md",
];

/// `package.json`, the fields a Claw needs, in the order `openclaw claws build` writes them
/// (it rewrites the file to exactly these). Other fields are ignored when reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageJson {
    /// The npm package name.
    pub name: String,
    /// Exact semver, `N.0.0` for preset version N.
    pub version: String,
    /// `{"claw": "CLAW.md"}`.
    pub openclaw: PackageOpenClaw,
}

/// `package.json`'s bytes as `openclaw claws build` writes them: two-space indents, fields in
/// declaration order, a final newline.
pub fn render_package(package: &PackageJson) -> Result<String, ClawError> {
    let mut text = serde_json::to_string_pretty(package).map_err(|e| ClawError::Invalid {
        path: PACKAGE_FILE.to_owned(),
        detail: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}

/// The `openclaw` key of `package.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageOpenClaw {
    /// The manifest's package-relative path.
    pub claw: String,
}

/// The frontmatter of `CLAW.md` (strict: unknown keys are refused, as OpenClaw refuses them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    /// Always 1.
    pub schema_version: u32,
    /// The agent the Claw creates.
    pub agent: ClawAgent,
    /// Free-form string pairs; ours carry the preset (see `super::PRESET_KEY`).
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Files written into the new agent's workspace.
    #[serde(default)]
    pub workspace: ClawWorkspace,
    /// ClawHub skills and plugins.
    #[serde(default)]
    pub packages: Vec<Value>,
    /// MCP servers by name.
    #[serde(default)]
    pub mcp_servers: BTreeMap<String, Value>,
    /// Scheduled jobs.
    #[serde(default)]
    pub cron_jobs: Vec<Value>,
}

/// `agent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClawAgent {
    /// `^[a-z][a-z0-9_-]{0,63}$`.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One line about the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agent's identity in OpenClaw's config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ClawIdentity>,
}

/// `agent.identity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClawIdentity {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Theme (our spec's vibe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// Emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Avatar (a data URL or a workspace path); never written by us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// `workspace`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClawWorkspace {
    /// Bootstrap file name (one of [`BOOTSTRAP_FILES`]) → its source in the package.
    #[serde(default)]
    pub bootstrap_files: BTreeMap<String, WorkspaceSource>,
    /// Other files: a source in the package and a path in the workspace.
    #[serde(default)]
    pub files: Vec<WorkspaceFile>,
}

/// A bootstrap file's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSource {
    /// Package-relative.
    pub source: String,
}

/// An additional workspace file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    /// Package-relative.
    pub source: String,
    /// Workspace-relative.
    pub path: String,
}

/// A manifest read from `CLAW.md`: the frontmatter and the body, both as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ClawDocument {
    /// The frontmatter.
    pub manifest: Manifest,
    /// The Markdown after the frontmatter, byte for byte.
    pub body: String,
}

impl ClawDocument {
    /// True when the body counts as a soul: OpenClaw ignores a body of only whitespace.
    pub fn has_body(&self) -> bool {
        !self.body.trim().is_empty()
    }
}

/// `CLAW.md`'s bytes: `---`, the frontmatter, `---`, the body.
pub fn render_claw(manifest: &Manifest, body: &str) -> Result<String, ClawError> {
    let value = serde_json::to_value(manifest).map_err(|e| ClawError::Invalid {
        path: CLAW_FILE.to_owned(),
        detail: e.to_string(),
    })?;
    Ok(format!("---\n{}---\n{body}", yaml::write(&value)))
}

/// Reads `CLAW.md` (`path` names it in errors): the frontmatter as OpenClaw splits it (a
/// leading byte-order mark is skipped; `---` lines with `\n` or `\r\n`), its YAML, its schema
/// and its paths.
pub fn parse_claw(bytes: &[u8], path: &str) -> Result<ClawDocument, ClawError> {
    let invalid = |detail: String| ClawError::Invalid {
        path: path.to_owned(),
        detail,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 ({e})")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = split_frontmatter(text).ok_or_else(|| {
        invalid("it must start with a YAML frontmatter block between two --- lines".to_owned())
    })?;
    let value = yaml::parse(front).map_err(|e| invalid(format!("its frontmatter {e}")))?;
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|e| invalid(format!("its frontmatter does not fit the Claw schema: {e}")))?;
    check_manifest(&manifest).map_err(|e| match e {
        ClawError::Invalid { detail, .. } => invalid(detail),
        other => other,
    })?;
    Ok(ClawDocument {
        manifest,
        body: body.to_owned(),
    })
}

/// OpenClaw's `^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)`: the shortest frontmatter whose closing
/// `---` line ends the line.
fn split_frontmatter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut from = 0;
    while let Some(found) = rest.get(from..)?.find("\n---") {
        let at = from + found;
        let after = rest.get(at + 4..)?;
        let body = if after.is_empty() {
            Some(after)
        } else {
            after
                .strip_prefix('\n')
                .or_else(|| after.strip_prefix("\r\n"))
        };
        if let Some(body) = body {
            let front = rest.get(..at)?;
            return Some((front.strip_suffix('\r').unwrap_or(front), body));
        }
        from = at + 1;
    }
    None
}

fn check_manifest(manifest: &Manifest) -> Result<(), ClawError> {
    let invalid = |detail: String| ClawError::Invalid {
        path: CLAW_FILE.to_owned(),
        detail,
    };
    if manifest.schema_version != 1 {
        return Err(invalid(format!(
            "schemaVersion is {}; Claws are read at schemaVersion 1",
            manifest.schema_version
        )));
    }
    if !is_agent_id(&manifest.agent.id) {
        return Err(invalid(format!(
            "agent.id \"{}\" must start with a lowercase letter and hold only lowercase letters, digits, '_' or '-' (at most 64)",
            manifest.agent.id
        )));
    }
    for (name, source) in &manifest.workspace.bootstrap_files {
        if !BOOTSTRAP_FILES.contains(&name.as_str()) {
            return Err(invalid(format!(
                "workspace.bootstrapFiles names \"{name}\"; it may name only {}",
                BOOTSTRAP_FILES.join(", ")
            )));
        }
        check_path(&source.source)?;
    }
    for file in &manifest.workspace.files {
        check_path(&file.source)?;
        check_path(&file.path)?;
    }
    Ok(())
}

/// OpenClaw's agent id rule.
pub fn is_agent_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// OpenClaw's `isSafeClawRelativePath`: relative, `/`-separated (a `\` counts as one), no
/// empty, `.` or `..` segment, none of `<>:"|?*` or control characters, no segment ending in a
/// dot or space, no Windows device name. Returns the segments.
pub fn check_path(path: &str) -> Result<Vec<&str>, ClawError> {
    let refuse = |reason: &'static str| ClawError::UnsafePath {
        path: path.to_owned(),
        reason,
    };
    if path.starts_with(['/', '\\']) || path.get(1..3).is_some_and(|s| s == ":/" || s == ":\\") {
        return Err(refuse("is absolute"));
    }
    let segments: Vec<&str> = path.split(['/', '\\']).collect();
    for segment in &segments {
        match *segment {
            ".." => return Err(refuse("goes up out of the package with \"..\"")),
            "" | "." => return Err(refuse("has an empty or \".\" segment")),
            _ => {}
        }
        let bad_char = segment
            .chars()
            .any(|c| u32::from(c) <= 31 || "<>:\"|?*".contains(c));
        if bad_char || segment.ends_with(['.', ' ']) || is_device_name(segment) {
            return Err(refuse("is not a portable file name"));
        }
    }
    Ok(segments)
}

fn is_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || ["com", "lpt"].iter().any(|prefix| {
            stem.strip_prefix(prefix)
                .is_some_and(|n| n.len() == 1 && n.chars().all(|c| ('1'..='9').contains(&c)))
        })
}

/// Reads `package.json`: the fields above, a lowercase npm name, an exact version and a
/// package-relative `openclaw.claw`.
pub fn parse_package(bytes: &[u8]) -> Result<PackageJson, ClawError> {
    let invalid = |detail: String| ClawError::Invalid {
        path: PACKAGE_FILE.to_owned(),
        detail,
    };
    // Strict first, as every JSON from outside: a leading byte order mark is skipped (npm does
    // too) and a repeated name is refused rather than read last-wins.
    let body =
        crate::canon::strict(bytes).map_err(|e| invalid(format!("it is not strict JSON: {e}")))?;
    let package: PackageJson = serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "it must be JSON with name, version and openclaw.claw ({e})"
        ))
    })?;
    if !is_package_name(&package.name) {
        return Err(invalid(format!(
            "name \"{}\" must be a lowercase npm package name",
            package.name
        )));
    }
    if !is_exact_version(&package.version) {
        return Err(invalid(format!(
            "version \"{}\" must be an exact semantic version such as 1.0.0",
            package.version
        )));
    }
    check_path(&package.openclaw.claw)?;
    Ok(package)
}

/// OpenClaw's `isCanonicalClawHubPackageName`: `(@scope/)?name`, lowercase letters, digits,
/// `.`, `_`, `-`, each part starting with a letter or digit.
pub fn is_package_name(name: &str) -> bool {
    let part = |p: &str| {
        p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
    };
    match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, rest)| part(scope) && part(rest)),
        None => part(name),
    }
}

/// Exact semver: `MAJOR.MINOR.PATCH` without leading zeros, then an optional pre-release and
/// build of dot-separated alphanumeric identifiers.
pub fn is_exact_version(version: &str) -> bool {
    let numeric = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    let identifiers = |text: &str| {
        text.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && (numeric(id) || !id.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(identifiers)
        && build.is_none_or(|b| {
            b.split('.').all(|id| {
                !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_frontmatter_as_openclaw_does() {
        for (text, front, body) in [
            ("---\na: 1\n---\nbody\n", "a: 1", "body\n"),
            ("---\r\na: 1\r\n---\r\nbody", "a: 1", "body"),
            ("---\na: 1\n---", "a: 1", ""),
            (
                "---\na: 1\n----\nb: 2\n---\n# x\n---\ny",
                "a: 1\n----\nb: 2",
                "# x\n---\ny",
            ),
            ("---\n\n---\n", "", ""),
        ] {
            assert_eq!(split_frontmatter(text), Some((front, body)), "{text:?}");
        }
        for text in [
            "a: 1\n---\n",
            "---\na: 1\n",
            "--- \na: 1\n---\n",
            "---\n---\n",
        ] {
            assert_eq!(split_frontmatter(text), None, "{text:?}");
        }
    }

    #[test]
    fn paths_stay_inside_the_package() {
        assert_eq!(
            check_path("workspace/AGENTS.md").unwrap(),
            ["workspace", "AGENTS.md"]
        );
        for bad in [
            "../x",
            "a/../b",
            "/etc/passwd",
            "\\x",
            "C:/x",
            "a//b",
            "./a",
            "a/",
            "a:b",
            "nul.md",
            "COM1",
            "a.",
            "a ",
            "a\u{1}",
        ] {
            let err = check_path(bad).unwrap_err();
            assert_eq!(err.code(), "claw_unsafe_path", "{bad}");
        }
        assert!(check_path("com10.md").is_ok() && check_path("console.md").is_ok());
    }

    #[test]
    fn names_and_versions_follow_npm_and_semver() {
        for good in [
            "executive_assistant",
            "@acme/incident-triage-claw",
            "a.b-c",
            "0x",
        ] {
            assert!(is_package_name(good), "{good}");
        }
        for bad in ["Upper", "_x", "@acme", "@/x", "a/b", "", "a b"] {
            assert!(!is_package_name(bad), "{bad}");
        }
        for good in ["1.0.0", "10.0.0-draft", "1.2.3-rc.1+build.5", "0.0.0"] {
            assert!(is_exact_version(good), "{good}");
        }
        for bad in [
            "1.0",
            "01.0.0",
            "1.0.0-",
            "1.0.0+",
            "^1.0.0",
            "1.0.0-a..b",
            "v1.0.0",
            "1.0.0-01",
        ] {
            assert!(!is_exact_version(bad), "{bad}");
        }
    }

    #[test]
    fn package_json_takes_a_bom_and_refuses_a_repeated_name() {
        let text = r#"{"name": "wren", "version": "1.0.0", "openclaw": {"claw": "CLAW.md"}}"#;
        let plain = parse_package(text.as_bytes()).unwrap();
        let bom = parse_package(format!("\u{feff}{text}").as_bytes()).unwrap();
        assert_eq!(plain, bom);
        let twice = text.replacen("\"version\"", "\"version\": \"9.0.0\", \"version\"", 1);
        let error = parse_package(twice.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("\"/version\""), "{error}");
    }
}
