//! The Integrity page: per agent with a baseline, its managed files (policy and the rule that
//! gave it, approved and current hashes, status, kept versions, open review), its open reviews,
//! the tenant's hash enforcement and the bytes history keeps; and the locked changes in place
//! now, for the Dashboard's alert ([`violations`]: reads and hashes files, writes nothing).

use serde::{Deserialize, Serialize};

use super::agent::{change_of, Agent};
use super::review::{self, FileReview};
use super::scan::{FileOutcome, Outcome};
use crate::integrity::attest::{self, Enforcement};
use crate::integrity::baseline::{self, ChangeKind};
use crate::integrity::files;
use crate::integrity::history::{self, FileVersion};
use crate::persona::preset::policy::FilePolicy;
use crate::provision::applied::applied_to;
use crate::store::Store;
use crate::Result;

/// The Integrity page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct IntegrityPage {
    pub agents: Vec<AgentFiles>,
    pub enforcement: Enforcement,
    /// What history keeps, compressed, in bytes.
    #[ts(type = "number")]
    pub history_bytes: u64,
}

/// One agent's managed files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentFiles {
    pub agent: String,
    pub workspace: String,
    /// The preset last applied, `id@version`.
    pub preset: Option<String>,
    pub files: Vec<ManagedFile>,
    pub reviews: Vec<FileReview>,
    /// Why the files could not be read (the workspace is gone).
    pub error: Option<String>,
    /// What else to know: the walk of the policy patterns stopped at its limits.
    pub warning: Option<String>,
}

/// Where a managed file stands against its approved state.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ts_rs::TS,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FileStatus {
    /// As approved (or absent, and approved absent).
    Unchanged,
    /// Its content, type or link target differs (or it appeared).
    Changed,
    /// Approved, and gone.
    Missing,
}

/// One managed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ManagedFile {
    pub path: String,
    pub policy: FilePolicy,
    /// The policy rule's pattern that applies.
    pub rule: String,
    pub approved_sha256: Option<String>,
    pub current_sha256: Option<String>,
    pub status: FileStatus,
    /// Its kept versions, newest first.
    pub versions: Vec<FileVersion>,
    /// Its open review, if any.
    pub review: Option<String>,
}

/// The Integrity page of `tenant`.
pub fn page(store: &Store, tenant: &str) -> Result<IntegrityPage> {
    let mut agents = Vec::new();
    for b in baseline::list(store, tenant)? {
        let agent = Agent::load(store, tenant, &b.agent)?;
        let reviews = review::open_reviews(store, tenant, Some(&b.agent))?;
        let (files, warning, error) = match managed_files(store, &agent, &reviews) {
            Ok((files, warning)) => (files, warning, None),
            Err(e) => (Vec::new(), None, Some(e.to_string())),
        };
        agents.push(AgentFiles {
            preset: applied_to(store, tenant, &b.agent)?.map(|p| format!("{}@{}", p.id, p.version)),
            agent: b.agent,
            workspace: b.workspace,
            files,
            reviews,
            error,
            warning,
        });
    }
    Ok(IntegrityPage {
        agents,
        enforcement: attest::enforcement(store, tenant)?,
        history_bytes: history::stored_bytes(store, tenant)?,
    })
}

/// Each file's state now (absent on both sides: listed only when it has versions), and the
/// walk's warning.
fn managed_files(
    store: &Store,
    agent: &Agent,
    reviews: &[FileReview],
) -> Result<(Vec<ManagedFile>, Option<String>)> {
    let workspace = agent.workspace()?;
    let managed = agent.managed_walk()?;
    let warning = managed.warning();
    let mut out = Vec::new();
    for path in managed.paths {
        let approved = agent.baseline.files.iter().find(|f| f.path == path);
        let (now, _) = files::read_now(&workspace, &path)?;
        let status = match change_of(approved, now.as_ref()) {
            None => FileStatus::Unchanged,
            Some(ChangeKind::Removed) => FileStatus::Missing,
            Some(_) => FileStatus::Changed,
        };
        let versions = history::list(store, &agent.tenant, &agent.name, Some(&path))?;
        if approved.is_none() && now.is_none() && versions.is_empty() {
            continue;
        }
        let (policy, rule) = agent.policies.policy_for(&path);
        out.push(ManagedFile {
            rule: rule.to_owned(),
            policy,
            approved_sha256: approved.map(|f| f.sha256.to_string()),
            current_sha256: now.map(|f| f.sha256.to_string()),
            status,
            versions,
            review: reviews
                .iter()
                .find(|r| r.path == path)
                .map(|r| r.change_id.clone()),
            path,
        });
    }
    Ok((out, warning))
}

/// The locked changes in place now, for the Dashboard alert: each `locked` managed file of each
/// agent whose content, type or link target differs from its baseline. Reads and hashes the
/// files; writes nothing. An agent whose workspace is gone is left out.
pub fn violations(store: &Store, tenant: &str) -> Result<Vec<FileOutcome>> {
    let mut out = Vec::new();
    for b in baseline::list(store, tenant)? {
        let agent = Agent::load(store, tenant, &b.agent)?;
        let Ok(workspace) = agent.workspace() else {
            continue;
        };
        for path in agent.managed()? {
            let (policy, _) = agent.policies.policy_for(&path);
            if policy != FilePolicy::Locked {
                continue;
            }
            let approved = b.files.iter().find(|f| f.path == path);
            let (now, _) = files::read_now(&workspace, &path)?;
            let Some(kind) = change_of(approved, now.as_ref()) else {
                continue;
            };
            out.push(FileOutcome {
                agent: agent.name.clone(),
                path,
                policy,
                kind,
                old_sha256: approved.map(|f| f.sha256.to_string()),
                new_sha256: now.map(|f| f.sha256.to_string()),
                outcome: Outcome::Violation,
                change_id: None,
                new: false,
                detail: None,
            });
        }
    }
    Ok(out)
}
