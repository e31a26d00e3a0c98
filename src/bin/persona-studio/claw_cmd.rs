//! `preset export --format claw` and `preset import --claw`: a preset version as an OpenClaw
//! Claw package (a folder and/or an npm-style `.tgz`) and back as a draft. Each is one call
//! into `openclaw::claw` plus the catalog.

use std::path::Path;

use clap::ValueEnum;
use persona_studio::openclaw::claw;
use persona_studio::persona::preset::catalog::{self, VersionRef};
use serde::Serialize;

use crate::output::{Failure, Output};
use crate::Session;

/// What `preset export` writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// preset.json and the Markdown templates.
    #[default]
    Folder,
    /// An OpenClaw Claw package: package.json, CLAW.md and workspace/.
    Claw,
}

/// `ID[@VERSION|:LABEL]`, or `ID` with `--version N`.
pub fn reference(preset: &str, version: Option<u32>) -> Result<(String, VersionRef), Failure> {
    let (id, reference) = catalog::parse_ref(preset)?;
    match (version, reference) {
        (None, reference) => Ok((id, reference)),
        (Some(0), _) => Err(Failure::usage("invalid_input", "--version counts from 1")),
        (Some(n), VersionRef::Default) => Ok((id, VersionRef::Number(n))),
        (Some(_), _) => Err(Failure::usage(
            "invalid_input",
            format!("{preset} already names a version; drop --version or the @VERSION/:LABEL"),
        )),
    }
}

/// Writes the Claw of a stored version into `dir`, and as a tarball when `tgz` is given.
pub fn export(
    s: Session,
    preset: &str,
    version: Option<u32>,
    dir: &Path,
    tgz: Option<&Path>,
    out: &Output,
) -> Result<(), Failure> {
    let (id, reference) = reference(preset, version)?;
    let stored = catalog::get(s.store, &s.actor.tenant_id, &id, &reference)?;
    let report = claw::export(&stored, Some(dir), tgz)?;
    out.value(&report, || {
        let mut text = format!(
            "Exported {id} v{} as the Claw {}@{} to {} ({})",
            stored.version,
            report.name,
            report.version,
            dir.display(),
            report.files.join(", ")
        );
        if let (Some(file), Some(sha)) = (&report.tgz, &report.tgz_sha256) {
            text.push_str(&format!("\nTarball {file} ({sha})"));
        }
        text.push_str(&format!("\nContent hash {}", report.content_hash));
        text
    });
    Ok(())
}

#[derive(Serialize)]
struct Imported<'a> {
    draft: &'a catalog::PresetVersion,
    package: Option<&'a str>,
    exported_hash: Option<&'a str>,
}

/// Reads the Claw at `path` (folder or `.tgz`) and stores it as a draft.
pub fn import(s: Session, path: &Path, id: Option<&str>, out: &Output) -> Result<(), Failure> {
    let read = claw::import(path, id)?;
    let preset_id = read.bundle.manifest.id.clone();
    let draft = catalog::create_draft(s.store, s.actor, &preset_id, Some(read.bundle), s.clock)?;
    let body = Imported {
        draft: &draft,
        package: read.package.as_deref(),
        exported_hash: read.exported_hash.as_deref(),
    };
    out.value(&body, || {
        let mut text = format!(
            "Imported the Claw {} as {preset_id} v{} (draft, {})",
            read.package
                .as_deref()
                .unwrap_or(&path.display().to_string()),
            draft.version,
            draft.content_hash
        );
        match &read.exported_hash {
            Some(hash) if *hash == read.content_hash => {
                text.push_str("\nUnchanged since it was exported.");
            }
            Some(hash) => text.push_str(&format!(
                "\nChanged since it was exported (then {hash}, now {}).",
                read.content_hash
            )),
            None => {}
        }
        text
    });
    Ok(())
}
