//! What the preset editor asks while the owner types, and what its history view compares: the
//! preset as editable texts (`preset.json` plus the Markdown templates), every problem located
//! by file, the content hash, a compile preview per context, and diffs between versions.
//! Pure functions over texts, except [`diff_versions`], which reads the catalog.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::canon::Digest;
use crate::persona::compile::{self, PromptPlan};
use crate::persona::preset::bundle::{check_template, PresetBundle};
use crate::persona::preset::catalog::{self, VersionRef};
use crate::persona::preset::files::{bundle_from_texts, pretty_json, MANIFEST_FILE};
use crate::persona::preset::policy::{FilePolicies, PolicyLine};
use crate::persona::spec::InteractionContext;
use crate::store::Store;
use crate::textdiff::FileDiff;
use crate::{Error, Result};

/// A preset as the editor holds it: the `preset.json` text and each template by file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PresetTexts {
    pub manifest: String,
    pub files: BTreeMap<String, String>,
}

/// One problem, located: the file it is in and, for the spec, the JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct EditorProblem {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

/// The editor's live verdict on its texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PresetCheck {
    pub problems: Vec<EditorProblem>,
    /// The content hash the texts would publish under; `None` while there are problems.
    pub content_hash: Option<Digest>,
    /// The `{{variables}}` the templates use, which apply must be given.
    pub variables: Vec<String>,
    /// The self-edit policy each managed file gets from `file_policy` and the defaults
    /// (`FilePolicies::summary`); empty while there are problems.
    pub file_policies: Vec<PolicyLine>,
}

/// The texts of a stored bundle, `preset.json` pretty-printed exactly as export writes it.
pub fn texts_of(bundle: &PresetBundle) -> Result<PresetTexts> {
    Ok(PresetTexts {
        manifest: pretty_json(&bundle.manifest)?,
        files: bundle.files.clone(),
    })
}

/// The bundle the texts describe, or the first problem.
pub fn bundle_of(texts: &PresetTexts) -> Result<PresetBundle> {
    let mut all = texts.files.clone();
    all.insert(MANIFEST_FILE.to_owned(), texts.manifest.clone());
    bundle_from_texts(all, "the editor")
}

fn located(file: &str, error: Error) -> Vec<EditorProblem> {
    match error {
        Error::SpecInvalid(problems) => problems
            .into_iter()
            .map(|p| EditorProblem {
                file: file.to_owned(),
                pointer: format!("/spec{}", p.pointer),
                message: p.message,
            })
            .collect(),
        // Already located inside preset.json (the per-file policies).
        Error::PresetInvalid(problems) => problems
            .into_iter()
            .map(|p| EditorProblem {
                file: file.to_owned(),
                pointer: p.pointer,
                message: p.message,
            })
            .collect(),
        Error::Json { ref source, .. } => vec![EditorProblem {
            file: file.to_owned(),
            pointer: source.pointer().unwrap_or_default(),
            message: error.to_string(),
        }],
        other => vec![EditorProblem {
            file: file.to_owned(),
            pointer: String::new(),
            message: other.to_string(),
        }],
    }
}

/// Every problem in the texts, each template checked on its own so one bad file does not hide
/// another, and the content hash when there are none.
pub fn check(texts: &PresetTexts) -> PresetCheck {
    let mut problems = Vec::new();
    for (name, text) in &texts.files {
        if let Err(e) = check_template(name, text) {
            problems.extend(located(name, e));
        }
    }
    let manifest_only = PresetTexts {
        manifest: texts.manifest.clone(),
        files: BTreeMap::new(),
    };
    if let Err(e) = bundle_of(&manifest_only) {
        problems.extend(located(MANIFEST_FILE, e));
    }
    if !problems.is_empty() {
        return PresetCheck {
            problems,
            content_hash: None,
            variables: Vec::new(),
            file_policies: Vec::new(),
        };
    }
    let hashed = bundle_of(texts).and_then(|b| {
        let policies = FilePolicies::effective(&b.manifest.file_policy).summary();
        Ok((b.content_hash()?, b.variables()?, policies))
    });
    match hashed {
        Ok((hash, variables, file_policies)) => PresetCheck {
            problems,
            content_hash: Some(hash),
            variables,
            file_policies,
        },
        Err(e) => PresetCheck {
            problems: located(MANIFEST_FILE, e),
            content_hash: None,
            variables: Vec::new(),
            file_policies: Vec::new(),
        },
    }
}

/// Compiles the texts' spec and templates (placeholders as written) for `context`: the same
/// plan a release records for this context.
pub fn preview(texts: &PresetTexts, context: InteractionContext) -> Result<PromptPlan> {
    let bundle = bundle_of(texts)?;
    compile::compile(&bundle.manifest.spec, &bundle.workspace_files(), context)
}

/// What changed from version `from` to version `to` of preset `id`: `preset.json` first, then
/// every template either version has, each side by side. Either version may be the draft.
pub fn diff_versions(
    store: &Store,
    tenant: &str,
    id: &str,
    from: u32,
    to: u32,
) -> Result<Vec<FileDiff>> {
    let old = texts_of(&catalog::get(store, tenant, id, &VersionRef::Number(from))?.bundle)?;
    let new = texts_of(&catalog::get(store, tenant, id, &VersionRef::Number(to))?.bundle)?;
    let names: BTreeSet<&String> = old.files.keys().chain(new.files.keys()).collect();
    let pairs = std::iter::once((
        MANIFEST_FILE.to_owned(),
        Some(old.manifest.clone()),
        Some(new.manifest.clone()),
    ))
    .chain(names.into_iter().map(|name| {
        (
            name.clone(),
            old.files.get(name).cloned(),
            new.files.get(name).cloned(),
        )
    }));
    Ok(pairs
        .map(|(path, baseline, current)| FileDiff {
            rows: crate::textdiff::rows(
                baseline.as_deref().unwrap_or_default(),
                current.as_deref().unwrap_or_default(),
            ),
            path,
            baseline,
            current,
        })
        .collect())
}
