//! Claws: OpenClaw's versioned agent packages (openclaw 2026.9.6, `docs/cli/claws.md`), made
//! from a preset version and read back into a preset draft.
//!
//! A preset becomes a package of:
//!
//! - `package.json`: the preset id as the npm name, version `N.0.0` for published version N
//!   (`N.0.0-draft` for a draft), `"openclaw": {"claw": "CLAW.md"}`, exactly as
//!   `openclaw claws build` rewrites it, so our tarball holds the bytes OpenClaw's would;
//! - `CLAW.md`: frontmatter naming the agent (the preset id, name and description, the spec's
//!   identity), declaring every other template in `workspace.bootstrapFiles` (or, for `USER.md`,
//!   which OpenClaw does not count among Claw bootstrap files, in `workspace.files`), and
//!   carrying the whole `preset.json` as canonical JSON in `metadata` so the round trip keeps
//!   the content hash; its body is the preset's `SOUL.md`;
//! - `workspace/<FILE>`: the other templates, as written (placeholders included).
//!
//! The bytes depend only on the preset ([`build`]); [`archive::pack`] makes the npm-style
//! tarball. [`import`] reads a package folder or tarball back, refusing what OpenClaw refuses
//! (paths outside the package, symlinks, hard links and other non-regular files, files over the
//! limits below, a `SOUL.md` sidecar next to a non-empty body) and what a preset cannot carry
//! (skills, MCP servers, cron jobs, profiles), with a [`ClawError`] naming the path.

pub mod archive;
mod error;
pub mod manifest;
mod source;
mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::canon::{self, Digest};
use crate::fsutil::write_atomic;
use crate::persona::preset::bundle::TEMPLATE_FILES;
use crate::persona::preset::catalog::{self, PresetVersion};
use crate::persona::preset::files::{self, MANIFEST_FILE};
use crate::persona::preset::PresetBundle;
use crate::persona::versions::VersionState;
use crate::store::Store;
use crate::{Error, Result};

pub use error::ClawError;
use manifest::{
    ClawAgent, ClawDocument, ClawIdentity, ClawWorkspace, Manifest, PackageJson, PackageOpenClaw,
    WorkspaceFile, WorkspaceSource, BOOTSTRAP_FILES, CLAW_FILE, PACKAGE_FILE,
};
use source::Source;

/// Most bytes of `CLAW.md` (OpenClaw's `MAX_CLAW_MANIFEST_BYTES`).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Most bytes of `package.json` (`MAX_CLAW_PACKAGE_JSON_BYTES`).
pub const MAX_PACKAGE_JSON_BYTES: u64 = 256 << 10;
/// Most bytes of one file in a package (`MAX_MANAGED_FILE_BYTES`).
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most bytes of all workspace files together (`MAX_MANAGED_WORKSPACE_BYTES`).
pub const MAX_WORKSPACE_BYTES: u64 = 4 << 20;
/// Most bytes of a tarball on disk.
pub const MAX_ARCHIVE_BYTES: u64 = 8 << 20;
/// Most bytes a tarball may unpack to, headers included: a gzip bomb stops here.
pub const MAX_UNPACKED_BYTES: u64 = 8 << 20;
/// Most entries in a tarball.
pub const MAX_ENTRIES: usize = 256;
/// The `metadata` key holding `preset.json` as canonical JSON.
pub const PRESET_KEY: &str = "persona-studio.preset";
/// The `metadata` key holding the preset's content hash when it was exported.
pub const HASH_KEY: &str = "persona-studio.content-hash";
/// The package folder of the workspace files.
pub const WORKSPACE_DIR: &str = "workspace";

/// A Claw package in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClawPackage {
    /// The npm name.
    pub name: String,
    /// The exact semver version.
    pub version: String,
    /// Package-relative path (`/`-separated) → bytes, sorted by path.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// The package version of a preset version: `N.0.0`, or `N.0.0-draft` for a draft, which is
/// not a release yet.
pub fn package_version(version: u32, state: VersionState) -> String {
    match state {
        VersionState::Published => format!("{version}.0.0"),
        VersionState::Draft => format!("{version}.0.0-draft"),
    }
}

/// The Claw of `bundle` at `version` (exact semver, else `invalid_input`). Deterministic: the
/// same preset gives the same bytes.
pub fn build(bundle: &PresetBundle, version: &str) -> Result<ClawPackage> {
    if !manifest::is_exact_version(version) {
        return Err(Error::invalid(
            "Claw version",
            format!("\"{version}\" must be an exact semantic version such as 1.0.0"),
        ));
    }
    let m = &bundle.manifest;
    let body = bundle
        .files
        .get("SOUL.md")
        .filter(|soul| !soul.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    let (workspace, mut files) = workspace_of(bundle, !body.is_empty());
    let preset_json = String::from_utf8(canon::to_canonical_vec(m)?)
        .map_err(|e| Error::invalid("preset", e.to_string()))?;
    let metadata = BTreeMap::from([
        (PRESET_KEY.to_owned(), preset_json),
        (HASH_KEY.to_owned(), bundle.content_hash()?.to_string()),
    ]);
    let manifest = Manifest {
        schema_version: 1,
        agent: agent_of(bundle),
        metadata,
        workspace,
        packages: Vec::new(),
        mcp_servers: BTreeMap::new(),
        cron_jobs: Vec::new(),
    };
    files.insert(
        CLAW_FILE.to_owned(),
        manifest::render_claw(&manifest, &body)?.into_bytes(),
    );
    let package = PackageJson {
        name: m.id.clone(),
        version: version.to_owned(),
        openclaw: PackageOpenClaw {
            claw: CLAW_FILE.to_owned(),
        },
    };
    files.insert(
        PACKAGE_FILE.to_owned(),
        manifest::render_package(&package)?.into_bytes(),
    );
    Ok(ClawPackage {
        name: package.name,
        version: package.version,
        files,
    })
}

/// The templates under `workspace/` and their declarations: bootstrap files by name, the rest
/// (USER.md) as workspace files. SOUL.md is among them only when it is not the body.
fn workspace_of(
    bundle: &PresetBundle,
    soul_is_body: bool,
) -> (ClawWorkspace, BTreeMap<String, Vec<u8>>) {
    let mut files = BTreeMap::new();
    let mut workspace = ClawWorkspace::default();
    for (name, text) in &bundle.files {
        if name == "SOUL.md" && soul_is_body {
            continue;
        }
        let source = format!("{WORKSPACE_DIR}/{name}");
        if BOOTSTRAP_FILES.contains(&name.as_str()) {
            let entry = WorkspaceSource {
                source: source.clone(),
            };
            workspace.bootstrap_files.insert(name.clone(), entry);
        } else {
            let entry = WorkspaceFile {
                source: source.clone(),
                path: name.clone(),
            };
            workspace.files.push(entry);
        }
        files.insert(source, text.as_bytes().to_vec());
    }
    (workspace, files)
}

/// OpenClaw refuses empty strings and surrounding whitespace in the manifest.
fn non_empty(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn agent_of(bundle: &PresetBundle) -> ClawAgent {
    let m = &bundle.manifest;
    let identity = &m.spec.identity;
    let identity = ClawIdentity {
        name: non_empty(&identity.name),
        theme: identity.vibe.as_deref().and_then(non_empty),
        emoji: identity.emoji.as_deref().and_then(non_empty),
        avatar: None,
    };
    let any = identity.name.is_some() || identity.theme.is_some() || identity.emoji.is_some();
    ClawAgent {
        id: m.id.clone(),
        name: non_empty(&m.name),
        description: non_empty(&m.description),
        identity: any.then_some(identity),
    }
}

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ClawExport {
    /// The npm name.
    pub name: String,
    /// The package version.
    pub version: String,
    /// The preset's content hash, as recorded in the package.
    pub content_hash: String,
    /// The package's files, package-relative.
    pub files: Vec<String>,
    /// The folder written, if any.
    pub dir: Option<String>,
    /// The tarball written, if any.
    pub tgz: Option<String>,
    /// sha256 of the tarball, when one was written.
    pub tgz_sha256: Option<String>,
}

/// Writes the Claw of a stored preset version into `dir` and/or as a tarball `tgz`. Everything
/// is built before anything is written; each file is written atomically, and templates the
/// preset no longer has are removed from `dir/workspace/`.
pub fn export(
    version: &PresetVersion,
    dir: Option<&Path>,
    tgz: Option<&Path>,
) -> Result<ClawExport> {
    let package = build(
        &version.bundle,
        &package_version(version.version, version.state),
    )?;
    let packed = tgz.map(|_| archive::pack(&package.files)).transpose()?;
    if let Some(dir) = dir {
        write_folder(&package, dir)?;
    }
    if let (Some(path), Some(bytes)) = (tgz, &packed) {
        write_atomic(path, bytes)?;
    }
    Ok(ClawExport {
        name: package.name.clone(),
        version: package.version.clone(),
        content_hash: version.content_hash.to_string(),
        files: package.files.keys().cloned().collect(),
        dir: dir.map(|d| d.display().to_string()),
        tgz: tgz.map(|t| t.display().to_string()),
        tgz_sha256: packed.map(|bytes| Digest::of_bytes(&bytes).to_string()),
    })
}

/// Exports the stored preset version `reference` (`ID`, `ID@N` or `ID:LABEL`) of `tenant` as a
/// Claw into `dir` and/or as a tarball `tgz` (see [`export`]): what the app's "Export as Claw"
/// calls. Errors: the reference's (`not_found`, `invalid_input`) and [`export`]'s.
pub fn export_stored(
    store: &Store,
    tenant: &str,
    reference: &str,
    dir: Option<&Path>,
    tgz: Option<&Path>,
) -> Result<ClawExport> {
    let (id, version) = catalog::parse_ref(reference)?;
    export(&catalog::get(store, tenant, &id, &version)?, dir, tgz)
}

/// Writes `package` into `dir`, removing workspace templates it does not have, so the folder
/// never holds a stale file (a stale `workspace/SOUL.md` next to a body would be refused).
pub fn write_folder(package: &ClawPackage, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    for (path, bytes) in &package.files {
        write_atomic(&dir.join(path), bytes)?;
    }
    for name in TEMPLATE_FILES {
        let relative = format!("{WORKSPACE_DIR}/{name}");
        let path = dir.join(&relative);
        if !package.files.contains_key(&relative) && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
    }
    Ok(())
}

/// A Claw read back.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ClawImport {
    /// The preset, ready to be stored as a draft.
    pub bundle: PresetBundle,
    /// Its content hash.
    pub content_hash: String,
    /// `name@version` from `package.json`, when the package has one.
    pub package: Option<String>,
    /// The content hash recorded when the Claw was exported by Persona Studio.
    pub exported_hash: Option<String>,
}

/// Reads the Claw at `path` (a package folder or an npm-style `.tgz`) as a preset: the one it
/// was exported from when it carries `preset.json`, else a new local draft made from its files
/// (id from `id`, else the agent id with `-` as `_`). Reads nothing outside the package and
/// writes nothing.
pub fn import(path: &Path, id: Option<&str>) -> Result<ClawImport> {
    let source = Source::open(path)?;
    let package = source
        .read(PACKAGE_FILE, MAX_PACKAGE_JSON_BYTES)?
        .map(|bytes| manifest::parse_package(&bytes))
        .transpose()?;
    let claw_path = package
        .as_ref()
        .map_or(CLAW_FILE, |p| p.openclaw.claw.as_str());
    if !claw_path
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|n| n.eq_ignore_ascii_case(CLAW_FILE))
    {
        return Err(ClawError::Unsupported {
            what: format!("manifest \"{claw_path}\""),
            detail: "only CLAW.md manifests are read".to_owned(),
        }
        .into());
    }
    let bytes = source
        .read(claw_path, MAX_MANIFEST_BYTES)?
        .ok_or_else(|| ClawError::Missing {
            path: claw_path.to_owned(),
            fix: "A Claw package holds package.json and the CLAW.md it names at its root.",
        })?;
    let document = manifest::parse_claw(&bytes, claw_path)?;
    check_carried(&document, &source)?;
    let templates = read_templates(&document, &source)?;
    let package = package.map(|p| format!("{}@{}", p.name, p.version));
    let bundle = to_bundle(&document, templates, id, package.as_deref())?;
    Ok(ClawImport {
        content_hash: bundle.content_hash()?.to_string(),
        bundle,
        package,
        exported_hash: document.manifest.metadata.get(HASH_KEY).cloned(),
    })
}

/// Refuses what a preset cannot carry, and a `SOUL.md` sidecar next to a non-empty body
/// (declared, or lying at the package root or in `workspace/`).
fn check_carried(document: &ClawDocument, source: &Source) -> Result<()> {
    let m = &document.manifest;
    let unsupported = |what: &str, detail: &str| -> Result<()> {
        Err(ClawError::Unsupported {
            what: what.to_owned(),
            detail: detail.to_owned(),
        }
        .into())
    };
    if !m.packages.is_empty() {
        return unsupported(
            "packages",
            "a preset's skills are installed through ask-first governance, not carried in it",
        );
    }
    if !m.mcp_servers.is_empty() {
        return unsupported("mcpServers", "a preset carries no MCP servers");
    }
    if !m.cron_jobs.is_empty() {
        return unsupported("cronJobs", "a preset carries no scheduled jobs");
    }
    if m.metadata.contains_key("openclaw.config") || source.has("profiles/openclaw.yml")? {
        return unsupported(
            "OpenClaw profile (profiles/openclaw.yml)",
            "a preset carries no model, tool or sandbox settings",
        );
    }
    if source.has("BOOTSTRAP.md")? {
        return unsupported("BOOTSTRAP.md", "a preset carries no first-run instructions");
    }
    if !document.has_body() {
        return Ok(());
    }
    let declared = m
        .workspace
        .bootstrap_files
        .get("SOUL.md")
        .map(|s| s.source.clone())
        .or_else(|| {
            let file = m
                .workspace
                .files
                .iter()
                .find(|f| f.path.eq_ignore_ascii_case("SOUL.md"));
            file.map(|f| f.source.clone())
        });
    if let Some(sidecar) = declared {
        return Err(ClawError::SoulConflict { sidecar }.into());
    }
    for path in ["SOUL.md", "workspace/SOUL.md"] {
        if source.has(path)? {
            let sidecar = path.to_owned();
            return Err(ClawError::SoulConflict { sidecar }.into());
        }
    }
    Ok(())
}

/// The templates: the body as `SOUL.md`, then every declared workspace file, each bounded and
/// all together bounded.
fn read_templates(document: &ClawDocument, source: &Source) -> Result<BTreeMap<String, String>> {
    let workspace = &document.manifest.workspace;
    let mut targets: Vec<(String, String)> = workspace
        .bootstrap_files
        .iter()
        .map(|(name, s)| (name.clone(), s.source.clone()))
        .collect();
    for file in &workspace.files {
        if !TEMPLATE_FILES.contains(&file.path.as_str()) {
            return Err(ClawError::Unsupported {
                what: format!("workspace file \"{}\"", file.path),
                detail: format!("a preset carries only {}", TEMPLATE_FILES.join(", ")),
            }
            .into());
        }
        targets.push((file.path.clone(), file.source.clone()));
    }
    let mut templates = BTreeMap::new();
    if document.has_body() {
        templates.insert("SOUL.md".to_owned(), document.body.clone());
    }
    let mut total = 0u64;
    for (name, path) in targets {
        let bytes = source
            .read(&path, MAX_FILE_BYTES)?
            .ok_or_else(|| ClawError::Missing {
                path: path.clone(),
                fix: "CLAW.md declares it; add the file or remove its declaration.",
            })?;
        total += bytes.len() as u64;
        if total > MAX_WORKSPACE_BYTES {
            return Err(ClawError::TotalTooLarge {
                what: "workspace files",
                limit: MAX_WORKSPACE_BYTES,
            }
            .into());
        }
        let text = String::from_utf8(bytes).map_err(|_| ClawError::Invalid {
            path: path.clone(),
            detail: "it is not UTF-8 text".to_owned(),
        })?;
        if templates.insert(name.clone(), text).is_some() {
            return Err(ClawError::Invalid {
                path: CLAW_FILE.to_owned(),
                detail: format!("it declares the workspace file {name} twice"),
            }
            .into());
        }
    }
    Ok(templates)
}

/// The preset the Claw carries, or a new draft made from its files.
fn to_bundle(
    document: &ClawDocument,
    mut templates: BTreeMap<String, String>,
    id: Option<&str>,
    package: Option<&str>,
) -> Result<PresetBundle> {
    let agent = &document.manifest.agent;
    let origin = format!("the Claw {}", package.unwrap_or(&agent.id));
    let Some(preset_json) = document.manifest.metadata.get(PRESET_KEY) else {
        let id = id.map_or_else(|| agent.id.replace('-', "_"), str::to_owned);
        let name = agent
            .name
            .clone()
            .or_else(|| agent.identity.as_ref().and_then(|i| i.name.clone()))
            .unwrap_or_else(|| id.replace('_', " "));
        let description = agent
            .description
            .clone()
            .unwrap_or_else(|| format!("Imported from {origin}"));
        return files::draft_from_files(&id, &name, &description, templates);
    };
    templates.insert(MANIFEST_FILE.to_owned(), preset_json.clone());
    let mut bundle = files::bundle_from_texts(templates, &origin)?;
    if let Some(id) = id {
        crate::persona::preset::bundle::check_preset_id(id)?;
        bundle.manifest.id = id.to_owned();
    }
    Ok(bundle)
}

#[cfg(test)]
mod tests;
