//! File reviews: a change request a scan opens when a `review` file of an agent changed on
//! disk (a `change_requests` row, submitted by `system`, plus its `file_reviews` row: the file,
//! the approved and new hashes, the plan hashes before and after). An edit while it is open
//! updates the same review. The owner decides ([`decide`], owner or admin, unlocked): approve
//! makes the file as it is now (it must still be the reviewed bytes, else `review_stale`) the
//! approved baseline, optionally also a draft of the applied preset with that file's template
//! replaced (state `applied`); reject writes the approved bytes back (state `rejected`). Each
//! is one transaction with one audit entry. A file review never goes through triage:
//! [`act`] routes the change board's approve and reject to [`decide`].

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::agent::{origin, version_bytes, write_back, Agent};
use super::plans::PlanInput;
use super::scan::{forget, Outcome};
use super::SYSTEM;
use crate::audit;
use crate::auth::members::{parse_ts, require_unlocked_privileged};
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::governance::changes::{self, ChangeAction, ChangeDetail, ChangeRequest, ChangeState};
use crate::ids::IdSource;
use crate::integrity::baseline::FileState;
use crate::integrity::files;
use crate::integrity::history::VersionSource;
use crate::persona::preset::bundle::{placeholders, PresetBundle};
use crate::persona::preset::catalog::{self, put_draft_in, VersionRef};
use crate::persona::preset::policy::FilePolicy;
use crate::provision::applied::applied_to;
use crate::store::Store;
use crate::textdiff::{self, FileDiff};
use crate::{Error, Result};

/// A file review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileReview {
    pub change_id: String,
    pub agent: String,
    pub path: String,
    pub policy: FilePolicy,
    pub state: ChangeState,
    /// The approved sha256 (`None`: the file was not there).
    pub old_sha256: Option<String>,
    /// The sha256 under review (`None`: the file was removed).
    pub new_sha256: Option<String>,
    /// The approved text against the new text, side by side.
    pub diff: FileDiff,
    /// The prompt plan hash with the approved text (persona files only).
    pub plan_before: Option<String>,
    /// The prompt plan hash with the new text.
    pub plan_after: Option<String>,
    /// The titles of the plan's sections whose text differs.
    pub sections_changed: Vec<String>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The owner's decision on a file review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// Accept the file into the baseline; with `save_as_draft`, also as a draft of the preset
    /// last applied to the agent.
    Approve { save_as_draft: bool },
    /// Write the approved bytes back.
    Reject,
}

/// A decided review, and the draft saved (`"preset_id@draft"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Decided {
    pub review: FileReview,
    pub draft: Option<String>,
    /// What the owner should know about the draft: the template's `{{placeholders}}` that the
    /// agent's rendered text replaced, to put back before publishing.
    pub draft_notice: Option<String>,
}

const SELECT: &str = "SELECT f.change_id, f.agent, f.path, f.policy, r.state, f.old_sha256,
        f.new_sha256, f.plan_before, f.plan_after, f.sections_changed, f.opened_at, f.updated_at
    FROM file_reviews f JOIN change_requests r ON r.tenant_id = f.tenant_id AND r.id = f.change_id";

/// The columns of one review, before its diff is built.
struct Row {
    review: FileReview,
    sections: String,
}

/// The text columns of one row, in SELECT order.
struct Raw {
    ids: [String; 5],
    hashes: [Option<String>; 4],
    sections: String,
    times: [String; 2],
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        ids: [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
        hashes: [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
        sections: r.get(9)?,
        times: [r.get(10)?, r.get(11)?],
    })
}

fn build(raw: Raw) -> Result<Row> {
    let [change_id, agent, path, policy, state] = raw.ids;
    let [old_sha256, new_sha256, plan_before, plan_after] = raw.hashes;
    let [opened, updated] = raw.times;
    Ok(Row {
        review: FileReview {
            diff: FileDiff {
                path: path.clone(),
                baseline: None,
                current: None,
                rows: Vec::new(),
            },
            change_id,
            agent,
            path,
            policy: Error::parse_name("policy", None, &policy)?,
            state: ChangeState::parse(&state)?,
            old_sha256,
            new_sha256,
            plan_before,
            plan_after,
            sections_changed: Vec::new(),
            opened_at: parse_ts("opened_at", &opened)?,
            updated_at: parse_ts("updated_at", &updated)?,
        },
        sections: raw.sections,
    })
}

/// Fills in the diff (approved text against the new text, from the baseline's blobs and
/// history) and the sections.
fn complete(conn: &Connection, tenant: &str, row: Row) -> Result<FileReview> {
    let mut review = row.review;
    review.sections_changed = serde_json::from_str(&row.sections).unwrap_or_default();
    let text = |sha: &Option<String>| -> Result<Option<String>> {
        let Some(sha) = sha else {
            return Ok(Some(String::new()));
        };
        let digest: Digest = sha
            .parse()
            .map_err(|e| Error::AuditBroken(format!("file review hash {sha}: {e}")))?;
        Ok(
            version_bytes(conn, (tenant, &review.agent), &review.path, &digest)?
                .and_then(|b| String::from_utf8(b).ok()),
        )
    };
    let (old, new) = (text(&review.old_sha256)?, text(&review.new_sha256)?);
    review.diff.rows = match (&old, &new) {
        (Some(old), Some(new)) => textdiff::rows(old, new),
        _ => Vec::new(),
    };
    review.diff.baseline = old;
    review.diff.current = new;
    Ok(review)
}

fn query(
    conn: &Connection,
    tenant: &str,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<FileReview>> {
    let mut statement = conn.prepare(&format!(
        "{SELECT} WHERE f.tenant_id = ?1 {filter} ORDER BY f.opened_at, f.change_id"
    ))?;
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&tenant];
    all.extend_from_slice(args);
    let rows = statement.query_map(all.as_slice(), row)?;
    rows.map(|r| complete(conn, tenant, build(r?)?)).collect()
}

/// One file review of `tenant` (its id or a unique prefix).
///
/// # Errors
/// `not_found` when no change request, or no file review, has that id.
pub fn get(store: &Store, tenant: &str, change_id: &str) -> Result<FileReview> {
    let id = changes::resolve(store.conn(), tenant, change_id)?;
    find(store.conn(), tenant, &id)?.ok_or_else(|| Error::NotFound {
        what: format!("A file review {id}"),
        hint: "It is a change request of another kind.".to_owned(),
    })
}

fn find(conn: &Connection, tenant: &str, id: &str) -> Result<Option<FileReview>> {
    Ok(query(conn, tenant, "AND f.change_id = ?2", &[&id])?.pop())
}

/// The open file reviews of `tenant` (of `agent` when given), oldest first.
pub fn open_reviews(store: &Store, tenant: &str, agent: Option<&str>) -> Result<Vec<FileReview>> {
    query(
        store.conn(),
        tenant,
        "AND r.state IN ('submitted', 'triage', 'approved') AND (?2 IS NULL OR f.agent = ?2)",
        &[&agent],
    )
}

/// The open review of one file: (change id, sha256 under review).
fn open_of(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    path: &str,
) -> Result<Option<(String, Option<String>)>> {
    Ok(tx
        .query_row(
            "SELECT f.change_id, f.new_sha256 FROM file_reviews f JOIN change_requests r
               ON r.tenant_id = f.tenant_id AND r.id = f.change_id
             WHERE f.tenant_id = ?1 AND f.agent = ?2 AND f.path = ?3
               AND r.state IN ('submitted', 'triage', 'approved')",
            params![tenant, agent, path],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// What a scan found at a `review` file.
pub(super) struct Found<'a> {
    pub(super) approved: Option<&'a FileState>,
    pub(super) now: Option<&'a FileState>,
    pub(super) bytes: Option<&'a [u8]>,
}

/// A new change request (state `submitted`, by `system`) for the review of `path`: its id.
fn open_request(
    tx: &Transaction<'_>,
    (tenant, name): (&str, &str),
    path: &str,
    (now, ids): (Timestamp, &dyn IdSource),
) -> Result<String> {
    let id = ids.new_id();
    tx.execute(
        "INSERT INTO change_requests (tenant_id, id, title, description, target_preset,
             target_agent, state, submitted_by, submitted_at, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, NULL, ?5, 'submitted', ?6, ?7, ?7, ?6)",
        params![
            tenant,
            id,
            format!("{path} of agent {name} changed"),
            format!("The agent's workspace file {path} changed on disk; its policy is review. Approve it into the baseline or reject it to write the approved version back."),
            name,
            SYSTEM,
            now.to_string()
        ],
    )?;
    Ok(id)
}

/// Opens the file's review, updates its open one to the new bytes, or leaves it (same bytes).
pub(super) fn open_or_update(
    tx: &Transaction<'_>,
    agent: &Agent,
    (path, found): (&str, &Found<'_>),
    plans: &PlanInput,
    (now, ids): (Timestamp, &dyn IdSource),
) -> Result<(Outcome, String)> {
    let new_sha = found.now.map(|s| s.sha256.to_string());
    let open = open_of(tx, agent.key(), path)?;
    if let Some((id, sha)) = &open {
        if *sha == new_sha {
            return Ok((Outcome::ReviewPending, id.clone()));
        }
    }
    let old_sha = found.approved.map(|s| s.sha256.to_string());
    let old_text = match found.approved {
        Some(a) => {
            version_bytes(tx, agent.key(), path, &a.sha256)?.and_then(|b| String::from_utf8(b).ok())
        }
        None => None,
    };
    let new_text = found.bytes.and_then(|b| std::str::from_utf8(b).ok());
    let plan = plans.change(path, old_text.as_deref(), new_text);
    let sections = serde_json::to_string(&plan.sections)
        .map_err(|e| Error::invalid("sections", e.to_string()))?;
    let (tenant, name) = agent.key();
    let (id, outcome, kind) = match open {
        Some((id, _)) => {
            tx.execute(
                "UPDATE change_requests SET updated_at = ?3 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant, id, now.to_string()],
            )?;
            (id, Outcome::ReviewUpdated, "integrity.review_updated")
        }
        None => {
            let id = open_request(tx, agent.key(), path, (now, ids))?;
            (id, Outcome::ReviewOpened, "integrity.review_opened")
        }
    };
    // An open review shows the newest bytes; its approved hash and opening time stay.
    tx.execute(
        "INSERT INTO file_reviews (tenant_id, change_id, agent, path, policy, old_sha256,
           new_sha256, plan_before, plan_after, sections_changed, opened_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'review', ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         ON CONFLICT (tenant_id, change_id) DO UPDATE SET new_sha256 = excluded.new_sha256,
           plan_before = excluded.plan_before, plan_after = excluded.plan_after,
           sections_changed = excluded.sections_changed, updated_at = excluded.updated_at",
        params![
            tenant,
            id,
            name,
            path,
            old_sha,
            new_sha,
            plan.before,
            plan.after,
            sections,
            now.to_string()
        ],
    )?;
    audit::append(
        tx,
        tenant,
        SYSTEM,
        kind,
        json!({"change": id, "agent": name, "path": path, "old": old_sha, "new": new_sha,
               "plan_before": plan.before, "plan_after": plan.after}),
        now,
    )?;
    Ok((outcome, id))
}

/// Closes (as rejected) each open review of the agent whose file is not in `unsettled`: it is
/// back at its approved bytes. One `integrity.review_closed` entry each; returns their ids.
pub(super) fn close_settled(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    unsettled: &[String],
    now: Timestamp,
) -> Result<Vec<String>> {
    let open: Vec<(String, String)> = {
        let mut statement = tx.prepare(
            "SELECT f.change_id, f.path FROM file_reviews f JOIN change_requests r
               ON r.tenant_id = f.tenant_id AND r.id = f.change_id
             WHERE f.tenant_id = ?1 AND f.agent = ?2 AND r.state IN ('submitted', 'triage', 'approved')",
        )?;
        let rows = statement.query_map(params![tenant, agent], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut closed = Vec::new();
    for (id, path) in open {
        if unsettled.contains(&path) {
            continue;
        }
        set_state(tx, tenant, &id, ChangeState::Rejected, SYSTEM, now)?;
        audit::append(
            tx,
            tenant,
            SYSTEM,
            "integrity.review_closed",
            json!({"change": id, "agent": agent, "path": path,
                   "reason": "the file is back at its approved bytes"}),
            now,
        )?;
        closed.push(id);
    }
    Ok(closed)
}

fn set_state(
    tx: &Transaction<'_>,
    tenant: &str,
    id: &str,
    state: ChangeState,
    by: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE change_requests SET state = ?3, updated_at = ?4, updated_by = ?5
         WHERE tenant_id = ?1 AND id = ?2",
        params![tenant, id, state.as_str(), now.to_string(), by],
    )?;
    tx.execute(
        "UPDATE file_reviews SET updated_at = ?3 WHERE tenant_id = ?1 AND change_id = ?2",
        params![tenant, id, now.to_string()],
    )?;
    Ok(())
}

/// Closes the open review of `path` as rejected inside `tx` (a revert put another version
/// back); its id, if there was one.
pub(super) fn close_in(
    tx: &Transaction<'_>,
    agent: &Agent,
    path: &str,
    by: &str,
    now: Timestamp,
) -> Result<Option<String>> {
    let Some((id, _)) = open_of(tx, agent.key(), path)? else {
        return Ok(None);
    };
    set_state(tx, &agent.tenant, &id, ChangeState::Rejected, by, now)?;
    Ok(Some(id))
}

/// Decides file review `change_id` (owner or admin, unlocked; see the module documentation).
///
/// # Errors
/// `not_found`; `invalid_transition` when it is no longer open; `review_stale` when approving
/// bytes other than the reviewed ones; `not_found` naming the folder when the workspace is gone.
pub fn decide(
    store: &mut Store,
    actor: &Actor,
    change_id: &str,
    decision: Decision,
    note: Option<&str>,
    clock: &dyn Clock,
    _ids: &dyn IdSource,
) -> Result<Decided> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "decide file reviews")?;
    let review = get(store, &actor.tenant_id, change_id)?;
    if !review.state.is_open() {
        return Err(Error::InvalidTransition(format!(
            "File review {} is {}; only an open review can be decided.",
            review.change_id,
            review.state.as_str()
        )));
    }
    let agent = Agent::load(store, &actor.tenant_id, &review.agent)?;
    let workspace = agent.workspace()?;
    let note = note.unwrap_or("").trim().to_owned();
    let mut draft_notice = None;
    let draft = match decision {
        Decision::Approve { save_as_draft } => {
            let (now_state, bytes) = files::read_now(&workspace, &review.path)?;
            let sha = now_state.as_ref().map(|s| s.sha256.to_string());
            if sha != review.new_sha256 {
                return Err(Error::ReviewStale(format!(
                    "{} of agent {} changed again since review {} last saw it (reviewed {}, now {}); nothing was approved. Scan again to update the review, then decide.",
                    review.path,
                    review.agent,
                    review.change_id,
                    review.new_sha256.as_deref().unwrap_or("removed"),
                    sha.as_deref().unwrap_or("removed"),
                )));
            }
            let base = if save_as_draft {
                let (id, bundle, notice) = draft_base(store, actor, &review, bytes.as_deref())?;
                draft_notice = notice;
                Some((id, bundle))
            } else {
                None
            };
            store.write(|tx| {
                files::set_in(tx, agent.key(), &review.path, now_state.as_ref(), bytes.as_deref())?;
                forget(tx, agent.key(), &review.path)?;
                let draft = base
                    .map(|(id, bundle)| put_draft_in(tx, actor, &id, bundle, now).map(|_| format!("{id}@draft")))
                    .transpose()?;
                set_state(tx, &actor.tenant_id, &review.change_id, ChangeState::Applied, &actor.member_id, now)?;
                audit::append(tx, &actor.tenant_id, &actor.member_id, "integrity.review_approved",
                    json!({"change": review.change_id, "agent": review.agent, "path": review.path,
                           "old": review.old_sha256, "new": review.new_sha256, "draft": draft, "note": note}),
                    now)?;
                Ok(draft)
            })?
        }
        Decision::Reject => {
            reject(store, actor, &agent, &review, &note, now)?;
            None
        }
    };
    Ok(Decided {
        review: get(store, &actor.tenant_id, &review.change_id)?,
        draft,
        draft_notice,
    })
}

/// Writes the approved bytes back and closes the review as rejected, in one transaction.
fn reject(
    store: &mut Store,
    actor: &Actor,
    agent: &Agent,
    review: &FileReview,
    note: &str,
    now: Timestamp,
) -> Result<()> {
    let approved = match &review.old_sha256 {
        None => None,
        Some(sha) => {
            let digest: Digest = sha
                .parse()
                .map_err(|e| Error::AuditBroken(format!("file review hash {sha}: {e}")))?;
            let bytes = version_bytes(store.conn(), agent.key(), &review.path, &digest)?.ok_or_else(|| {
                Error::Conflict(format!(
                    "The approved version {sha} of {} was not kept, so it cannot be written back; approve the review, or edit the file back yourself.",
                    review.path
                ))
            })?;
            Some(bytes)
        }
    };
    let mode = agent
        .baseline
        .files
        .iter()
        .find(|f| f.path == review.path)
        .map(|f| f.mode);
    store.write(|tx| {
        let origin = origin(VersionSource::Revert, &actor.member_id, now);
        write_back(
            tx,
            agent,
            &review.path,
            (approved.as_deref(), mode),
            &origin,
        )?;
        forget(tx, agent.key(), &review.path)?;
        set_state(
            tx,
            &actor.tenant_id,
            &review.change_id,
            ChangeState::Rejected,
            &actor.member_id,
            now,
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "integrity.review_rejected",
            json!({"change": review.change_id, "agent": review.agent, "path": review.path,
                   "rejected": review.new_sha256, "restored": review.old_sha256, "note": note}),
            now,
        )?;
        Ok(())
    })
}

/// The preset to draft into and its bundle with the reviewed file's template replaced: the
/// preset last applied to the agent, from its open draft when it has one.
fn draft_base(
    store: &Store,
    actor: &Actor,
    review: &FileReview,
    bytes: Option<&[u8]>,
) -> Result<(String, PresetBundle, Option<String>)> {
    let tenant = &actor.tenant_id;
    let applied = applied_to(store, tenant, &review.agent)?.ok_or_else(|| {
        Error::invalid(
            "save as draft",
            format!("agent {} has no applied preset to draft from", review.agent),
        )
    })?;
    let text = bytes
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .ok_or_else(|| {
            Error::invalid(
                "save as draft",
                format!("{} is not UTF-8 text of at most 512 KiB", review.path),
            )
        })?;
    let base = match catalog::get(store, tenant, &applied.id, &VersionRef::Draft) {
        Ok(draft) => draft,
        Err(_) => catalog::get(
            store,
            tenant,
            &applied.id,
            &VersionRef::Number(applied.version),
        )?,
    };
    let mut bundle = base.bundle;
    // The agent's file is the template rendered: the placeholders it had are now plain text.
    let mut lost: Vec<String> = bundle
        .files
        .get(&review.path)
        .and_then(|template| placeholders(&review.path, template).ok())
        .unwrap_or_default();
    lost.sort();
    lost.dedup();
    let notice = (!lost.is_empty()).then(|| {
        let names: Vec<String> = lost.iter().map(|n| format!("{{{{{n}}}}}")).collect();
        format!(
            "The template of {} used {}; the draft holds this agent's rendered text instead. Put the placeholders back in the draft before publishing it, or every agent gets this agent's values.",
            review.path,
            names.join(", ")
        )
    });
    bundle.files.insert(review.path.clone(), text);
    Ok((applied.id, bundle, notice))
}

/// What the change board's approve or reject did: a file review is decided, any other change
/// request moves one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Acted {
    Change { request: ChangeRequest },
    File { decided: Decided },
}

/// The change board's transition of `id`: a file review's approve or reject goes to
/// [`decide`] (`save_as_draft` applies to approve), everything else to
/// `governance::changes::transition` (where `save_as_draft` is refused).
#[allow(clippy::too_many_arguments)] // Each argument is a distinct input the caller chooses.
pub fn act(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    action: ChangeAction,
    (note, save_as_draft): (Option<&str>, bool),
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<Acted> {
    let resolved = changes::resolve(store.conn(), &actor.tenant_id, id)?;
    if changes::is_file_review(store.conn(), &actor.tenant_id, &resolved)? {
        let decision = match action {
            ChangeAction::Approve => Decision::Approve { save_as_draft },
            ChangeAction::Reject => Decision::Reject,
            ChangeAction::Triage | ChangeAction::Apply => {
                return changes::transition(store, actor, &resolved, action, note, clock)
                    .map(|request| Acted::Change { request })
            }
        };
        let decided = decide(store, actor, &resolved, decision, note, clock, ids)?;
        return Ok(Acted::File { decided });
    }
    if save_as_draft {
        return Err(Error::invalid(
            "save as draft",
            format!("change request {resolved} is not the review of a file; only a file review is saved as a preset draft"),
        ));
    }
    let request = changes::transition(store, actor, &resolved, action, note, clock)?;
    Ok(Acted::Change { request })
}

/// A change request with its comments, and its file review when it is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangeView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub detail: ChangeDetail,
    pub file_review: Option<FileReview>,
}

/// One change request of `tenant`, with its file review when it is one.
pub fn show(store: &Store, tenant: &str, id: &str) -> Result<ChangeView> {
    let detail = changes::get(store, tenant, id)?;
    let file_review = find(store.conn(), tenant, &detail.request.id)?;
    Ok(ChangeView {
        detail,
        file_review,
    })
}
