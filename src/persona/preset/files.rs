//! Presets as folders: `preset.json` (canonical key order, pretty-printed deterministically so
//! git diffs stay small) plus the Markdown templates. Export, import (also from an existing
//! agent workspace), and content-addressed releases that verify offline on any machine.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::canon::{self, Digest};
use crate::fsutil::{read_in, write_atomic};
use crate::json;
use crate::persona::compile;
use crate::persona::markdown;
use crate::persona::preset::bundle::{
    check_preset_id, PresetBundle, PresetManifest, Trust, FILE_POLICY_POINTER, FORMAT_VERSION,
    TEMPLATE_FILES,
};
use crate::persona::preset::catalog::PresetVersion;
use crate::persona::preset::policy;
use crate::persona::spec::{self, InteractionContext, Mode};
use crate::{Error, Result};

pub const MANIFEST_FILE: &str = "preset.json";
pub const RELEASE_FILE: &str = "release.json";
pub const RELEASE_FORMAT: &str = "persona-studio-release/1";
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Deterministic pretty JSON: the canonical key order, two-space indents, a final newline.
pub fn pretty_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let canonical = canon::to_canonical_vec(value)?;
    let tree: serde_json::Value =
        serde_json::from_slice(&canonical).map_err(|e| Error::invalid("json", e.to_string()))?;
    let mut text =
        serde_json::to_string_pretty(&tree).map_err(|e| Error::invalid("json", e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Builds a bundle from file texts by name; `origin` names the folder in errors.
pub fn bundle_from_texts(
    mut texts: BTreeMap<String, String>,
    origin: &str,
) -> Result<PresetBundle> {
    let manifest_text = texts.remove(MANIFEST_FILE).ok_or_else(|| {
        Error::invalid("preset folder", format!("{origin} has no {MANIFEST_FILE}"))
    })?;
    let value = json::value(
        manifest_text.as_bytes(),
        "preset.json",
        &format!("{origin}/{MANIFEST_FILE}"),
    )?;
    if let Some(spec_value) = value.get("spec") {
        spec::validate_value(spec_value).map_err(Error::SpecInvalid)?;
    }
    if let Some(rules) = value.get("file_policy") {
        let problems = policy::validate_value(rules, FILE_POLICY_POINTER);
        if !problems.is_empty() {
            return Err(Error::PresetInvalid(problems));
        }
    }
    let manifest: PresetManifest = serde_json::from_value(value)
        .map_err(|e| Error::invalid("preset.json", format!("{origin}/{MANIFEST_FILE}: {e}")))?;
    texts.remove(RELEASE_FILE);
    let unknown: Vec<&String> = texts
        .keys()
        .filter(|n| !TEMPLATE_FILES.contains(&n.as_str()))
        .collect();
    if let Some(name) = unknown.first() {
        return Err(Error::invalid(
            "preset folder",
            format!("{origin} has {name}, which is not part of a preset; presets carry only {MANIFEST_FILE} and {}", TEMPLATE_FILES.join(", ")),
        ));
    }
    let bundle = PresetBundle {
        manifest,
        files: texts,
    };
    bundle.validate()?;
    Ok(bundle)
}

/// Reads the file `name` inside `dir` as UTF-8 text, by `fsutil`'s rules: never blocking,
/// at most [`MAX_FILE_BYTES`], through a link only when it stays inside `dir` (OpenClaw ignores
/// links that lead out of a workspace, docs/concepts/agent-workspace.md, and importing one would
/// copy whatever it points at into a preset). `None` when nothing is there.
fn read_text(dir: &Path, name: &str) -> Result<Option<String>> {
    let Some(bytes) = read_in(dir, Path::new(name), MAX_FILE_BYTES)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|_| {
        Error::invalid(
            "preset folder",
            format!("{} is not UTF-8 text", dir.join(name).display()),
        )
    })
}

/// Reads a preset folder written by [`export`] (or by hand).
pub fn read_folder(dir: &Path) -> Result<PresetBundle> {
    if !dir.is_dir() {
        return Err(Error::invalid(
            "preset folder",
            format!("{} is not a folder", dir.display()),
        ));
    }
    let mut texts = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let is_preset_file = name == MANIFEST_FILE || name == RELEASE_FILE || name.ends_with(".md");
        if !is_preset_file {
            continue;
        }
        if let Some(text) = read_text(dir, &name)? {
            texts.insert(name, text);
        }
    }
    bundle_from_texts(texts, &dir.display().to_string())
}

/// Writes `bundle` into `dir`: `preset.json` and the templates, removing templates the bundle
/// does not have so the folder is exactly the preset.
pub fn write_folder(bundle: &PresetBundle, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    write_atomic(
        &dir.join(MANIFEST_FILE),
        pretty_json(&bundle.manifest)?.as_bytes(),
    )?;
    for name in TEMPLATE_FILES {
        let path = dir.join(name);
        match bundle.files.get(name) {
            Some(text) => write_atomic(&path, text.as_bytes())?,
            None if path.is_file() => {
                std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?
            }
            None => {}
        }
    }
    Ok(())
}

/// Turns an existing agent workspace (SOUL.md, USER.md, IDENTITY.md, AGENTS.md, …) into a
/// bundle for a new local draft preset `id`.
pub fn from_workspace(dir: &Path, id: &str) -> Result<PresetBundle> {
    check_preset_id(id)?;
    if !dir.is_dir() {
        return Err(Error::invalid(
            "workspace",
            format!("{} is not a folder", dir.display()),
        ));
    }
    let mut files = BTreeMap::new();
    for name in TEMPLATE_FILES {
        if let Some(text) = read_text(dir, name)? {
            files.insert(name.to_owned(), text);
        }
    }
    if files.is_empty() {
        return Err(Error::invalid(
            "workspace",
            format!(
                "{} has none of {}",
                dir.display(),
                TEMPLATE_FILES.join(", ")
            ),
        ));
    }
    // The name OpenClaw shows for the agent: IDENTITY.md's `Name` field, however it was saved.
    let name = files
        .get("IDENTITY.md")
        .and_then(|text| markdown::last_value(text, "name"))
        .map_or_else(|| id.replace('_', " "), str::to_owned);
    let description = format!("Imported from the workspace {}", dir.display());
    draft_from_files(id, &name, &description, files)
}

/// A new local draft preset `id` from persona files (an agent workspace's, a Claw's): the
/// sample spec with the name, tagged `imported`. `name` and `description` are cut to their
/// limits.
pub fn draft_from_files(
    id: &str,
    name: &str,
    description: &str,
    files: BTreeMap<String, String>,
) -> Result<PresetBundle> {
    check_preset_id(id)?;
    let name: String = name.trim().chars().take(80).collect();
    let mut spec = spec::sample_spec();
    spec.id = id.to_owned();
    spec.version = 1;
    spec.identity.name = name.clone();
    spec.extensions.clear();
    let bundle = PresetBundle {
        manifest: PresetManifest {
            format_version: FORMAT_VERSION,
            id: id.to_owned(),
            name,
            description: description.chars().take(500).collect(),
            tags: vec!["imported".to_owned()],
            mode: Mode::Individual,
            trust: Trust::Local,
            traits: Vec::new(),
            spec,
            file_policy: Vec::new(),
        },
        files,
    };
    bundle.validate()?;
    Ok(bundle)
}

/// `release.json`: what a released folder must contain, content-addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ReleaseManifest {
    pub format: String,
    pub preset: String,
    pub version: u32,
    pub content_hash: String,
    pub parent_hash: Option<String>,
    pub spec_version: u32,
    pub schema_version: u32,
    /// sha256 of every file of the release, `preset.json` included.
    pub files: BTreeMap<String, String>,
    /// The plan hash of the preset's spec and templates in each interaction context.
    pub plan_hashes: BTreeMap<String, String>,
}

fn plan_hashes(bundle: &PresetBundle) -> Result<BTreeMap<String, String>> {
    let files = bundle.workspace_files();
    let mut out = BTreeMap::new();
    for context in InteractionContext::ALL {
        let plan = compile::compile(&bundle.manifest.spec, &files, context)?;
        let hash = plan.plan_hash().map(|h| h.to_string()).unwrap_or_default();
        out.insert(context.as_str().to_owned(), hash);
    }
    Ok(out)
}

fn file_hashes(
    dir: &Path,
    names: impl Iterator<Item = String>,
) -> Result<BTreeMap<String, String>> {
    names
        .map(|name| {
            let bytes = read_in(dir, Path::new(&name), MAX_FILE_BYTES)?.ok_or_else(|| {
                Error::io("read", dir.join(&name), std::io::ErrorKind::NotFound.into())
            })?;
            Ok((name, Digest::of_bytes(&bytes).to_string()))
        })
        .collect()
}

/// Writes a published version as a release: the folder plus `release.json`.
pub fn write_release(version: &PresetVersion, dir: &Path) -> Result<ReleaseManifest> {
    write_folder(&version.bundle, dir)?;
    let names =
        std::iter::once(MANIFEST_FILE.to_owned()).chain(version.bundle.files.keys().cloned());
    let manifest = ReleaseManifest {
        format: RELEASE_FORMAT.to_owned(),
        preset: version.id.clone(),
        version: version.version,
        content_hash: version.content_hash.to_string(),
        parent_hash: version.parent_hash.map(|h| h.to_string()),
        spec_version: version.bundle.manifest.spec.version,
        schema_version: version.bundle.manifest.spec.schema_version,
        files: file_hashes(dir, names)?,
        plan_hashes: plan_hashes(&version.bundle)?,
    };
    write_atomic(&dir.join(RELEASE_FILE), pretty_json(&manifest)?.as_bytes())?;
    Ok(manifest)
}

/// What `verify_release` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReleaseCheck {
    pub ok: bool,
    pub preset: Option<String>,
    pub version: Option<u32>,
    pub problems: Vec<String>,
}

/// Checks a released folder against its `release.json`, offline: every file's sha256, no
/// unlisted template, the content hash, and each context's plan hash.
pub fn verify_release(dir: &Path) -> Result<ReleaseCheck> {
    let text = read_text(dir, RELEASE_FILE)?.ok_or_else(|| {
        Error::io(
            "read",
            dir.join(RELEASE_FILE),
            std::io::ErrorKind::NotFound.into(),
        )
    })?;
    let origin = dir.join(RELEASE_FILE).display().to_string();
    let manifest: ReleaseManifest = json::from_slice(text.as_bytes(), "release.json", &origin)?;
    let mut problems = Vec::new();
    if manifest.format != RELEASE_FORMAT {
        problems.push(format!(
            "release.json has format \"{}\"; expected \"{RELEASE_FORMAT}\"",
            manifest.format
        ));
    }
    for (name, expected) in &manifest.files {
        match read_in(dir, Path::new(name), MAX_FILE_BYTES) {
            Ok(Some(bytes)) if &Digest::of_bytes(&bytes).to_string() == expected => {}
            Ok(Some(_)) => problems.push(format!(
                "{name} was changed (its sha256 differs from release.json)"
            )),
            Ok(None) => problems.push(format!("{name} is missing")),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for name in TEMPLATE_FILES {
        if dir.join(name).is_file() && !manifest.files.contains_key(name) {
            problems.push(format!("{name} is not part of the release"));
        }
    }
    if problems.is_empty() {
        match read_folder(dir) {
            Ok(bundle) => {
                if bundle.content_hash()?.to_string() != manifest.content_hash {
                    problems.push("the content hash does not match release.json".to_owned());
                }
                if plan_hashes(&bundle)? != manifest.plan_hashes {
                    problems.push("the plan hashes do not match release.json".to_owned());
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok(ReleaseCheck {
        ok: problems.is_empty(),
        preset: Some(manifest.preset),
        version: Some(manifest.version),
        problems,
    })
}
