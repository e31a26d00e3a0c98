//! What a change of a persona file does to the compiled prompt plan: the agent's spec (its
//! active version, else the spec of the preset version last applied to it) compiled for the
//! owner's private context with the workspace's persona files, once with the approved text of
//! the file and once with the new text; the two plan hashes and the sections whose text
//! differs. Only for SOUL.md, USER.md, IDENTITY.md and AGENTS.md.

use std::path::Path;

use crate::persona::compile::{compile, PromptPlan};
use crate::persona::preset::catalog::{self, VersionRef};
use crate::persona::spec::{validate_json, InteractionContext, PersonaSpec};
use crate::persona::versions;
use crate::persona::workspace::{PersonaFile, WorkspaceFiles};
use crate::provision::applied::applied_to;
use crate::store::Store;
use crate::Result;

/// The context plans are compared in.
pub(super) const CONTEXT: InteractionContext = InteractionContext::OwnerChat;

/// What plans of one agent are compiled from, read before the scan's transaction.
pub(super) struct PlanInput {
    spec: Option<PersonaSpec>,
    files: WorkspaceFiles,
}

/// The plan hashes before and after, and the sections changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct PlanChange {
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
    pub(super) sections: Vec<String>,
}

impl PlanInput {
    /// The agent's spec and its workspace's persona files (none when unreadable).
    pub(super) fn load(store: &Store, tenant: &str, agent: &str, workspace: &Path) -> Result<Self> {
        let spec = match versions::active(store, tenant, agent)? {
            Some(active) => validate_json(&active.spec_json).ok(),
            None => match applied_to(store, tenant, agent)? {
                Some(applied) => catalog::get(
                    store,
                    tenant,
                    &applied.id,
                    &VersionRef::Number(applied.version),
                )
                .ok()
                .map(|v| v.bundle.manifest.spec),
                None => None,
            },
        };
        let files = WorkspaceFiles::read_dir(workspace).unwrap_or_default();
        Ok(PlanInput { spec, files })
    }

    /// The plans with `path` at `old` and at `new` (`None`: absent or not text); an empty
    /// change for a file that is not a persona file or an agent without a spec.
    pub(super) fn change(&self, path: &str, old: Option<&str>, new: Option<&str>) -> PlanChange {
        let (Some(spec), Some(file)) = (&self.spec, persona_file(path)) else {
            return PlanChange::default();
        };
        let plan = |text: Option<&str>| compile(spec, &self.with(file, text), CONTEXT).ok();
        let (Some(before), Some(after)) = (plan(old), plan(new)) else {
            return PlanChange::default();
        };
        PlanChange {
            before: before.plan_hash().map(|h| h.to_string()),
            after: after.plan_hash().map(|h| h.to_string()),
            sections: sections_changed(&before, &after),
        }
    }

    /// The workspace's files with `file` set to `text` (left out when `None`).
    fn with(&self, file: PersonaFile, text: Option<&str>) -> WorkspaceFiles {
        let mut files = WorkspaceFiles::new();
        for other in PersonaFile::BY_PRECEDENCE {
            let value = if other == file {
                text
            } else {
                self.files.get(other)
            };
            if let Some(value) = value {
                files.set(other, value);
            }
        }
        files
    }
}

fn persona_file(path: &str) -> Option<PersonaFile> {
    PersonaFile::BY_PRECEDENCE
        .into_iter()
        .find(|f| f.file_name() == path)
}

/// The titles of the sections whose text differs.
fn sections_changed(before: &PromptPlan, after: &PromptPlan) -> Vec<String> {
    before
        .sections
        .iter()
        .zip(&after.sections)
        .filter(|(b, a)| b.text() != a.text())
        .map(|(b, _)| b.title.clone())
        .collect()
}
