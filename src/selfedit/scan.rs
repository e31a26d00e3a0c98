//! One pass of the loop over the managed files of each agent (what the app's file watcher and
//! `integrity scan` run). Per agent, inside one write transaction (so it serializes with the
//! product's writers), each managed file whose content, type or link target differs from its
//! baseline row (a new mtime or mode alone is not a change here) is handled by its policy:
//!
//! - `agent_editable`: history keeps the version (source `agent_edit`, actor `system`), the
//!   baseline row follows the file, one `integrity.agent_edit` audit entry per new version;
//! - `review`: a file review is opened (`integrity.review_opened`), or updated when the file
//!   changed again while it is open (`integrity.review_updated`); the same bytes again write
//!   nothing. A file back at its approved bytes closes its open review as rejected
//!   (`integrity.review_closed`);
//! - `locked`: a violation, audited once per change (`integrity.locked_changed`); under hash
//!   enforcement `enforce` the approved bytes are written back at once (a file that appeared
//!   is removed), kept in history as `revert` and audited `integrity.locked_reverted`.
//!
//! Bytes the product announced it is writing (`integrity::pending`) are skipped. The OpenClaw
//! config entry of an agent (path `openclaw.json`) is compared when an install is given; a
//! changed entry is reported with its policy and audited once, and never written back by a scan
//! (a sync puts it back).

use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::agent::{change_of, origin, version_bytes, write_back, Agent};
use super::plans::PlanInput;
use super::review::{self, Found};
use super::SYSTEM;
use crate::audit;
use crate::auth::Actor;
use crate::clock::{Clock, Timestamp};
use crate::ids::IdSource;
use crate::integrity::attest::{self, Enforcement};
pub use crate::integrity::baseline::ChangeKind;
use crate::integrity::baseline::{self, FileState};
use crate::integrity::files;
use crate::integrity::history::{self, VersionSource};
use crate::integrity::pending::{self, CONFIG_ENTRY};
use crate::openclaw::{self, EntryChange, Environment};
pub use crate::persona::preset::policy::FilePolicy;
use crate::store::Store;
use crate::{Error, Result};

/// Which agents to scan and whether to look at OpenClaw's config entries too.
pub struct ScanRequest<'a> {
    /// Empty: every agent with a baseline.
    pub agents: &'a [String],
    /// The OpenClaw config (an explicit path, else found as OpenClaw finds it) and environment.
    pub openclaw: Option<(Option<&'a Path>, &'a Environment)>,
}

/// What one scan found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ScanReport {
    /// Each agent scanned.
    pub agents: Vec<AgentScan>,
    /// Locked changes still in place (not written back).
    pub violations: Vec<FileOutcome>,
    /// Open file reviews after the scan.
    pub reviews_pending: usize,
    /// Why the OpenClaw config could not be read (the files were scanned all the same).
    pub openclaw_error: Option<String>,
}

/// One agent's files that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AgentScan {
    pub agent: String,
    /// Each managed file that differs from its baseline (and was not the product's write).
    pub files: Vec<FileOutcome>,
    /// File reviews closed because their file is back at its approved bytes.
    pub reviews_closed: Vec<String>,
    /// Why the agent could not be scanned (its workspace is gone, it has no baseline).
    pub error: Option<String>,
    /// What the scan left out: files under a policy pattern past the walk's limits.
    pub warning: Option<String>,
}

/// One changed file and what the loop did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileOutcome {
    pub agent: String,
    /// Relative to the workspace; `openclaw.json` is the agent's OpenClaw config entry.
    pub path: String,
    pub policy: FilePolicy,
    pub kind: ChangeKind,
    /// The approved (baseline) sha256, `sha256:<hex>`; `None` for a file that appeared.
    pub old_sha256: Option<String>,
    /// The sha256 on disk; `None` for a file that was removed.
    pub new_sha256: Option<String>,
    pub outcome: Outcome,
    /// The file review, for `review` files.
    pub change_id: Option<String>,
    /// True the first time a scan sees these bytes.
    pub new: bool,
    /// Why a locked change was not written back under `enforce`, or what else to know.
    pub detail: Option<String>,
}

/// What the loop did with a changed file.
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
pub enum Outcome {
    /// `agent_editable`: the baseline follows it.
    Accepted,
    /// `review`: a file review was opened.
    ReviewOpened,
    /// `review`: its open review now shows these bytes.
    ReviewUpdated,
    /// `review`: its open review already shows these bytes.
    ReviewPending,
    /// `locked`: changed, and still in place.
    Violation,
    /// `locked`, under `enforce`: the approved bytes were written back.
    Reverted,
}

impl Outcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Scans the agents of `request` once (any member may; what it records is the product's,
/// actor `system`). An agent that cannot be scanned is reported with its error; the others
/// are scanned all the same.
pub fn scan(
    store: &mut Store,
    actor: &Actor,
    request: &ScanRequest<'_>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<ScanReport> {
    let tenant = actor.tenant_id.clone();
    let agents: Vec<String> = if request.agents.is_empty() {
        baseline::list(store, &tenant)?
            .into_iter()
            .map(|b| b.agent)
            .collect()
    } else {
        let known = baseline::list(store, &tenant)?;
        if let Some(unknown) = request
            .agents
            .iter()
            .find(|a| !known.iter().any(|b| &b.agent == *a))
        {
            return Err(Error::NotFound {
                what: format!("agent {unknown} (no baseline)"),
                hint: "name an agent whose workspace has a baseline (record one first), or name none to scan every agent".to_owned(),
            });
        }
        request.agents.to_vec()
    };
    let mode = attest::enforcement(store, &tenant)?;
    let (entries, openclaw_error) = match request.openclaw {
        Some(install) => match openclaw::entry_changes(store, &tenant, install, &agents) {
            Ok(entries) => (entries, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        },
        None => (Vec::new(), None),
    };
    let mut scanned = Vec::new();
    for agent in agents {
        let entry = entries.iter().find(|e| e.agent == agent);
        let done = scan_agent(store, (&tenant, &agent), mode, entry, (clock, ids));
        scanned.push(match done {
            Ok((files, reviews_closed, warning)) => AgentScan {
                agent,
                files,
                reviews_closed,
                error: None,
                warning,
            },
            Err(e) => AgentScan {
                agent,
                files: Vec::new(),
                reviews_closed: Vec::new(),
                error: Some(e.to_string()),
                warning: None,
            },
        });
    }
    let violations = scanned
        .iter()
        .flat_map(|a| &a.files)
        .filter(|f| f.outcome == Outcome::Violation)
        .cloned()
        .collect();
    Ok(ScanReport {
        agents: scanned,
        violations,
        reviews_pending: review::open_reviews(store, &tenant, None)?.len(),
        openclaw_error,
    })
}

/// One pass over one agent: its changed files and the reviews it closed.
fn scan_agent(
    store: &mut Store,
    (tenant, name): (&str, &str),
    mode: Enforcement,
    entry: Option<&EntryChange>,
    (clock, ids): (&dyn Clock, &dyn IdSource),
) -> Result<(Vec<FileOutcome>, Vec<String>, Option<String>)> {
    let agent = Agent::load(store, tenant, name)?;
    let workspace = agent.workspace()?;
    let managed = agent.managed_walk()?;
    let warning = managed.warning();
    let paths = managed.paths;
    let plans = PlanInput::load(store, tenant, name, &workspace)?;
    let now = clock.now();
    store.write(|tx| {
        pending::spend_in(tx, tenant, name)?;
        let pass = Pass {
            tx,
            agent: &agent,
            workspace: &workspace,
            plans: &plans,
            mode,
            now,
            ids,
        };
        let approved = baseline::get_in(tx, tenant, name)?
            .map(|b| b.files)
            .unwrap_or_default();
        let mut outcomes = Vec::new();
        let mut unsettled = Vec::new();
        for path in &paths {
            let was = approved.iter().find(|f| &f.path == path);
            match pass.file(path, was)? {
                Seen::Same => forget(tx, agent.key(), path)?,
                Seen::Product => unsettled.push(path.clone()),
                Seen::Changed(outcome) => {
                    unsettled.push(path.clone());
                    outcomes.push(*outcome);
                }
            }
        }
        if let Some(entry) = entry {
            outcomes.extend(pass.entry(entry)?);
        }
        let closed = review::close_settled(tx, agent.key(), &unsettled, now)?;
        Ok((outcomes, closed, warning))
    })
}

/// What the pass found at one path.
enum Seen {
    /// The same content, type and link target as its baseline row (or absent from both).
    Same,
    /// Bytes the product announced it is writing.
    Product,
    /// A change, and what was done with it.
    Changed(Box<FileOutcome>),
}

/// One agent's pass, inside its transaction.
struct Pass<'a> {
    tx: &'a Transaction<'a>,
    agent: &'a Agent,
    workspace: &'a Path,
    plans: &'a PlanInput,
    mode: Enforcement,
    now: Timestamp,
    ids: &'a dyn IdSource,
}

impl Pass<'_> {
    /// Compares `path` with its baseline row `was` and applies its policy to a change.
    fn file(&self, path: &str, was: Option<&FileState>) -> Result<Seen> {
        let (now, bytes) = files::read_now(self.workspace, path)?;
        let Some(kind) = change_of(was, now.as_ref()) else {
            return Ok(Seen::Same);
        };
        if let Some(now) = &now {
            if pending::is_announced(self.tx, self.agent.key(), path, &now.sha256)? {
                return Ok(Seen::Product);
            }
        }
        let new = self.record(path, now.as_ref(), bytes.as_deref())?;
        let mut outcome = FileOutcome {
            agent: self.agent.name.clone(),
            path: path.to_owned(),
            policy: self.agent.policies.policy_for(path).0,
            kind,
            old_sha256: was.map(|f| f.sha256.to_string()),
            new_sha256: now.as_ref().map(|f| f.sha256.to_string()),
            outcome: Outcome::Violation,
            change_id: None,
            new,
            detail: None,
        };
        match outcome.policy {
            FilePolicy::AgentEditable => {
                self.accept(&mut outcome, now.as_ref(), bytes.as_deref())?
            }
            FilePolicy::Review => {
                let found = Found {
                    approved: was,
                    now: now.as_ref(),
                    bytes: bytes.as_deref(),
                };
                let (result, change) = review::open_or_update(
                    self.tx,
                    self.agent,
                    (path, &found),
                    self.plans,
                    (self.now, self.ids),
                )?;
                outcome.outcome = result;
                outcome.change_id = Some(change);
            }
            FilePolicy::Locked => self.locked(&mut outcome, was)?,
        }
        Ok(Seen::Changed(Box::new(outcome)))
    }

    /// Keeps the version in history (a removal is remembered as seen) and says whether these
    /// bytes are new to the loop.
    fn record(&self, path: &str, now: Option<&FileState>, bytes: Option<&[u8]>) -> Result<bool> {
        let (tenant, agent) = self.agent.key();
        let origin = origin(VersionSource::AgentEdit, SYSTEM, self.now);
        let recorded = match (now, bytes) {
            (Some(_), Some(bytes)) => {
                history::record(self.tx, tenant, agent, path, bytes, &origin)?
            }
            (Some(state), None) => history::record_hash(
                self.tx,
                tenant,
                agent,
                path,
                &state.sha256.to_string(),
                state.size,
                &origin,
            )?,
            (None, _) => false,
        };
        let seen = now.map_or(String::new(), |s| s.sha256.to_string());
        Ok(remember(self.tx, self.agent.key(), path, &seen)? || recorded)
    }

    /// `agent_editable`: the baseline row follows the file.
    fn accept(
        &self,
        outcome: &mut FileOutcome,
        now: Option<&FileState>,
        bytes: Option<&[u8]>,
    ) -> Result<()> {
        files::set_in(self.tx, self.agent.key(), &outcome.path, now, bytes)?;
        forget(self.tx, self.agent.key(), &outcome.path)?;
        outcome.outcome = Outcome::Accepted;
        if outcome.new {
            self.audit("integrity.agent_edit", outcome, json!({}))?;
        }
        Ok(())
    }

    /// `locked`: a violation, written back under `enforce` when the approved bytes are kept.
    fn locked(&self, outcome: &mut FileOutcome, was: Option<&FileState>) -> Result<()> {
        if self.mode != Enforcement::Enforce {
            if outcome.new {
                self.audit("integrity.locked_changed", outcome, json!({}))?;
            }
            return Ok(());
        }
        let approved = match was {
            None => Some(None),
            Some(was) => {
                version_bytes(self.tx, self.agent.key(), &outcome.path, &was.sha256)?.map(Some)
            }
        };
        let Some(approved) = approved else {
            outcome.detail = Some("The approved bytes of this file were not kept (too large, or recorded before history), so it was not written back.".to_owned());
            return self.unreverted(outcome);
        };
        let origin = origin(VersionSource::Revert, SYSTEM, self.now);
        let mode = was.map(|w| w.mode);
        match write_back(
            self.tx,
            self.agent,
            &outcome.path,
            (approved.as_deref(), mode),
            &origin,
        ) {
            Ok(_) => {
                outcome.outcome = Outcome::Reverted;
                forget(self.tx, self.agent.key(), &outcome.path)?;
                self.audit("integrity.locked_reverted", outcome, json!({}))
            }
            Err(e) => {
                outcome.detail = Some(format!("It could not be written back: {e}"));
                self.unreverted(outcome)
            }
        }
    }

    /// A locked change left in place under `enforce`: audited once per changed bytes, as in
    /// `observe`, so a cron scan of a file that cannot be written back does not grow the log.
    fn unreverted(&self, outcome: &FileOutcome) -> Result<()> {
        if !outcome.new {
            return Ok(());
        }
        self.audit(
            "integrity.locked_changed",
            outcome,
            json!({"reverted": false}),
        )
    }

    /// The agent's OpenClaw config entry, changed since its baseline.
    fn entry(&self, change: &EntryChange) -> Result<Option<FileOutcome>> {
        if pending::is_announced(self.tx, self.agent.key(), CONFIG_ENTRY, &change.now)? {
            return Ok(None);
        }
        let new = remember(
            self.tx,
            self.agent.key(),
            CONFIG_ENTRY,
            &change.now.to_string(),
        )?;
        let outcome = FileOutcome {
            agent: self.agent.name.clone(),
            path: CONFIG_ENTRY.to_owned(),
            policy: self.agent.policies.policy_for(CONFIG_ENTRY).0,
            kind: ChangeKind::Modified,
            old_sha256: Some(change.recorded.to_string()),
            new_sha256: Some(change.now.to_string()),
            outcome: Outcome::Violation,
            change_id: None,
            new,
            detail: Some(format!(
                "Keys changed in {}: {}. A scan never writes the config; a sync puts the entry back.",
                change.entry_path,
                change.keys.join(", ")
            )),
        };
        if new {
            self.audit(
                "integrity.locked_changed",
                &outcome,
                json!({"entry_path": change.entry_path, "keys": change.keys}),
            )?;
        }
        Ok(Some(outcome))
    }

    /// One audit entry about `outcome`, actor `system`; `extra` adds fields.
    fn audit(&self, kind: &str, outcome: &FileOutcome, extra: serde_json::Value) -> Result<()> {
        let mut data = json!({
            "agent": outcome.agent,
            "path": outcome.path,
            "policy": outcome.policy,
            "change": outcome.kind,
            "old": outcome.old_sha256,
            "new": outcome.new_sha256,
        });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        audit::append(self.tx, &self.agent.tenant, SYSTEM, kind, data, self.now)?;
        Ok(())
    }
}

/// Remembers `seen` (a sha256, or '' for removed) as the last change of `path`; true when it
/// differs from the one remembered.
fn remember(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    path: &str,
    seen: &str,
) -> Result<bool> {
    let before: Option<String> = tx
        .query_row(
            "SELECT seen FROM file_changes_seen WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3",
            params![tenant, agent, path],
            |row| row.get(0),
        )
        .optional()?;
    if before.as_deref() == Some(seen) {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO file_changes_seen (tenant_id, agent, path, seen) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (tenant_id, agent, path) DO UPDATE SET seen = excluded.seen",
        params![tenant, agent, path, seen],
    )?;
    Ok(true)
}

/// Forgets the last change of `path` (it is back at its approved bytes, or accepted).
pub(super) fn forget(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    path: &str,
) -> Result<()> {
    tx.execute(
        "DELETE FROM file_changes_seen WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3",
        params![tenant, agent, path],
    )?;
    Ok(())
}
