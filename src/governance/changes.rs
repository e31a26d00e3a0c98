//! Change requests: a member (typically a customer) asks for a change to a preset or agent;
//! an owner or admin (unlocked) drives it submitted -> triage -> approved | rejected, and
//! approved -> applied. The requester and unlocked owners or admins can comment. Every
//! transition and comment appends one audit entry.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::members::{is_unlocked_privileged, parse_ts, require_unlocked_privileged};
use crate::auth::Actor;
use crate::clock::{Clock, Timestamp};
use crate::governance;
use crate::ids::IdSource;
use crate::naming::{self, Candidate};
use crate::persona::versions::check_agent_name;
use crate::store::Store;
use crate::{Error, Result};

/// Where a change request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum ChangeState {
    Submitted,
    Triage,
    Approved,
    Rejected,
    Applied,
}

impl ChangeState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the states otherwise.
    pub fn parse(text: &str) -> Result<ChangeState> {
        Error::parse_name("state", None, text)
    }

    /// Still waiting for a decision or for being applied.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ChangeState::Submitted | ChangeState::Triage | ChangeState::Approved
        )
    }
}

/// A transition an owner or admin makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    Triage,
    Approve,
    Reject,
    Apply,
}

impl ChangeAction {
    /// (required state, resulting state, verb, audit kind)
    fn rule(self) -> (ChangeState, ChangeState, &'static str, &'static str) {
        match self {
            ChangeAction::Triage => (
                ChangeState::Submitted,
                ChangeState::Triage,
                "triaged",
                "change.triaged",
            ),
            ChangeAction::Approve => (
                ChangeState::Triage,
                ChangeState::Approved,
                "approved",
                "change.approved",
            ),
            ChangeAction::Reject => (
                ChangeState::Triage,
                ChangeState::Rejected,
                "rejected",
                "change.rejected",
            ),
            ChangeAction::Apply => (
                ChangeState::Approved,
                ChangeState::Applied,
                "applied",
                "change.applied",
            ),
        }
    }
}

/// A change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangeRequest {
    pub id: String,
    pub title: String,
    pub description: String,
    pub target_preset: Option<String>,
    pub target_agent: Option<String>,
    pub state: ChangeState,
    pub submitted_by: String,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: String,
    #[ts(type = "number")]
    pub comments: i64,
}

/// A comment on a change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangeComment {
    pub id: String,
    pub change_id: String,
    pub author: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// A change request with its comments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangeDetail {
    pub request: ChangeRequest,
    pub comments: Vec<ChangeComment>,
}

/// What a member submits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
pub struct NewChange {
    pub title: String,
    pub description: String,
    pub target_preset: Option<String>,
    pub target_agent: Option<String>,
}

fn plain(field: &'static str, text: &str, max: usize, allow_empty: bool) -> Result<String> {
    let text = text.trim();
    if (!allow_empty && text.is_empty())
        || text.chars().count() > max
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::invalid(
            field,
            format!(
                "must be {} to {max} characters of plain text",
                usize::from(!allow_empty)
            ),
        ));
    }
    Ok(text.to_owned())
}

const SELECT: &str = "SELECT r.id, r.title, r.description, r.target_preset, r.target_agent, r.state,
        r.submitted_by, r.submitted_at, r.updated_at, r.updated_by,
        (SELECT COUNT(*) FROM change_comments c WHERE c.tenant_id = r.tenant_id AND c.change_id = r.id)
    FROM change_requests r";

type Raw = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    i64,
);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    // rusqlite reads a tuple column by column, in order.
    Raw::try_from(r)
}

fn build(r: Raw) -> Result<ChangeRequest> {
    let (
        id,
        title,
        description,
        target_preset,
        target_agent,
        state,
        by,
        at,
        updated,
        updated_by,
        comments,
    ) = r;
    Ok(ChangeRequest {
        id,
        title,
        description,
        target_preset,
        target_agent,
        state: ChangeState::parse(&state)?,
        submitted_by: by,
        submitted_at: parse_ts("submitted_at", &at)?,
        updated_at: parse_ts("updated_at", &updated)?,
        updated_by,
        comments,
    })
}

fn find(conn: &Connection, tenant: &str, id: &str) -> Result<ChangeRequest> {
    let r = conn
        .query_row(
            &format!("{SELECT} WHERE r.tenant_id = ?1 AND r.id = ?2"),
            params![tenant, id],
            raw,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Change request {id}"),
            hint: "List the change requests to see their ids.".to_owned(),
        })?;
    build(r)
}

/// Submits a change request. Any member may.
pub fn submit(
    store: &mut Store,
    actor: &Actor,
    new: &NewChange,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<ChangeRequest> {
    let now = clock.now();
    let title = plain("title", &new.title, 200, false)?;
    let description = plain("description", &new.description, 4000, true)?;
    let preset = new
        .target_preset
        .as_deref()
        .map(|p| plain("target preset", p, 64, false))
        .transpose()?;
    if let Some(agent) = &new.target_agent {
        check_agent_name(agent)?;
    }
    let id = ids.new_id();
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "INSERT INTO change_requests (tenant_id, id, title, description, target_preset,
                 target_agent, state, submitted_by, submitted_at, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'submitted', ?7, ?8, ?8, ?7)",
            params![
                actor.tenant_id,
                id,
                title,
                description,
                preset,
                new.target_agent,
                actor.member_id,
                now.to_string()
            ],
        )?;
        governance::record(
            tx,
            actor,
            "change.submitted",
            json!({"change": id, "title": title, "target_preset": preset,
                   "target_agent": new.target_agent}),
            now,
        )?;
        Ok(())
    })?;
    find(store.conn(), &actor.tenant_id, &id)
}

/// Moves a change request one step (owner or admin, unlocked). Refused, naming the current
/// state, unless it is in the one state the action starts from.
pub fn transition(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    action: ChangeAction,
    note: Option<&str>,
    clock: &dyn Clock,
) -> Result<ChangeRequest> {
    let now = clock.now();
    let (from, to, verb, kind) = action.rule();
    require_unlocked_privileged(store.conn(), actor, now, "move change requests")?;
    let id = &resolve(store.conn(), &actor.tenant_id, id)?;
    let current = find(store.conn(), &actor.tenant_id, id)?;
    if is_file_review(store.conn(), &actor.tenant_id, id)? {
        return Err(Error::InvalidTransition(format!(
            "Change request {id} is the review of a file an agent changed; it is decided by approving or rejecting it, not moved through triage."
        )));
    }
    if current.state != from {
        return Err(Error::InvalidTransition(format!(
            "Change request {id} is {}; it can be {verb} only when it is {}.",
            current.state.as_str(),
            from.as_str()
        )));
    }
    let note = plain("note", note.unwrap_or(""), 4000, true)?;
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        let changed = tx.execute(
            "UPDATE change_requests SET state = ?1, updated_at = ?2, updated_by = ?3
             WHERE tenant_id = ?4 AND id = ?5 AND state = ?6",
            params![
                to.as_str(),
                now.to_string(),
                actor.member_id,
                actor.tenant_id,
                id,
                from.as_str()
            ],
        )?;
        if changed != 1 {
            return Err(Error::InvalidTransition(format!(
                "Change request {id} changed meanwhile; it is no longer {}.",
                from.as_str()
            )));
        }
        governance::record(
            tx,
            actor,
            kind,
            json!({"change": id, "from": from.as_str(), "to": to.as_str(), "note": note}),
            now,
        )?;
        Ok(())
    })?;
    find(store.conn(), &actor.tenant_id, id)
}

/// Comments on a change request: its requester, or an unlocked owner or admin.
pub fn comment(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    body: &str,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<ChangeComment> {
    let now = clock.now();
    let id = &resolve(store.conn(), &actor.tenant_id, id)?;
    let current = find(store.conn(), &actor.tenant_id, id)?;
    if current.submitted_by != actor.member_id && !is_unlocked_privileged(store.conn(), actor, now)?
    {
        return Err(Error::Denied(format!(
            "Only the requester of change request {id} or an unlocked owner or admin can comment on it."
        )));
    }
    let body = plain("comment", body, 4000, false)?;
    let comment_id = ids.new_id();
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "INSERT INTO change_comments (tenant_id, id, change_id, author, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                actor.tenant_id,
                comment_id,
                id,
                actor.member_id,
                body,
                now.to_string()
            ],
        )?;
        governance::record(
            tx,
            actor,
            "change.commented",
            json!({"change": id, "comment": comment_id, "state": current.state.as_str()}),
            now,
        )?;
        Ok(())
    })?;
    Ok(ChangeComment {
        id: comment_id,
        change_id: id.to_owned(),
        author: actor.member_id.clone(),
        body,
        created_at: now,
    })
}

/// The change requests of `tenant`, newest first; only open ones when `open_only`; those whose
/// title or description contains `query` (case-insensitive) when given.
pub fn list(
    store: &Store,
    tenant: &str,
    open_only: bool,
    query: Option<&str>,
) -> Result<Vec<ChangeRequest>> {
    let query = query.map(str::to_lowercase).unwrap_or_default();
    let mut statement = store.conn().prepare(&format!(
        "{SELECT} WHERE r.tenant_id = ?1
           AND (?2 = 0 OR r.state IN ('submitted', 'triage', 'approved'))
           AND (?3 = '' OR instr(lower(r.title || ' ' || r.description), ?3) > 0)
         ORDER BY r.submitted_at DESC, r.id DESC"
    ))?;
    let rows = statement.query_map(params![tenant, open_only, query], raw)?;
    rows.map(|r| build(r?)).collect()
}

/// One change request of `tenant` with its comments.
pub fn get(store: &Store, tenant: &str, id: &str) -> Result<ChangeDetail> {
    let id = &resolve(store.conn(), tenant, id)?;
    let request = find(store.conn(), tenant, id)?;
    let mut statement = store.conn().prepare(
        "SELECT id, author, body, created_at FROM change_comments
         WHERE tenant_id = ?1 AND change_id = ?2 ORDER BY created_at, id",
    )?;
    let rows = statement.query_map(params![tenant, id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut comments = Vec::new();
    for row in rows {
        let (comment_id, author, body, at) = row?;
        comments.push(ChangeComment {
            id: comment_id,
            change_id: id.to_owned(),
            author,
            body,
            created_at: parse_ts("created_at", &at)?,
        });
    }
    Ok(ChangeDetail { request, comments })
}

/// The id of the change request of `tenant` that `text` names: its full id or a unique prefix
/// of at least [`naming::MIN_PREFIX`] characters.
///
/// # Errors
/// `not_found`, or `ambiguous` listing every request that matched with its title.
pub fn resolve(conn: &rusqlite::Connection, tenant: &str, text: &str) -> Result<String> {
    let sql = "SELECT id, title, state FROM change_requests WHERE tenant_id = ?1 ORDER BY id";
    naming::resolve_rows(conn, "change request", (sql, tenant), text, |row| {
        Ok(Candidate {
            id: row.get(0)?,
            name: None,
            label: format!(
                "\"{}\", {}",
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?
            ),
        })
    })
}

/// How many change requests of `tenant` are open.
pub fn count_open(store: &Store, tenant: &str) -> Result<i64> {
    Ok(store.conn().query_row(
        "SELECT COUNT(*) FROM change_requests
         WHERE tenant_id = ?1 AND state IN ('submitted', 'triage', 'approved')",
        params![tenant],
        |row| row.get(0),
    )?)
}

/// Whether change request `id` is a file review (the self-edit loop's, table `file_reviews`),
/// which is decided by its own rules rather than moved through triage.
pub fn is_file_review(conn: &Connection, tenant: &str, id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM file_reviews WHERE tenant_id = ?1 AND change_id = ?2)",
        params![tenant, id],
        |row| row.get(0),
    )?)
}
