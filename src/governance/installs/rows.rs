//! Reading install requests: the row decoding (a request's state is derived from the clock,
//! so a lapsed one reads as expired), single requests, lists and what is installed.

use rusqlite::{params, Connection, OptionalExtension};

use super::{InstallRequest, InstallState, InstalledCapability};
use crate::auth::members::parse_ts;
use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::governance::catalog::{self, CapabilityKind};
use crate::governance::quota;
use crate::naming::{self, Candidate};
use crate::store::Store;
use crate::{Error, Result};

/// An `install_requests` row as stored (text columns not yet parsed).
struct Raw {
    id: String,
    capability_id: String,
    capability_version: String,
    content_hash: String,
    requested_scope: String,
    reason: String,
    requested_by: String,
    requested_at: String,
    expires_at: String,
    state: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    decision_note: Option<String>,
    approved_scope: Option<String>,
    approval_valid_until: Option<String>,
    break_glass_id: Option<String>,
    slots: Option<i64>,
    storage_bytes: Option<i64>,
    installed_at: Option<String>,
    uninstalled_at: Option<String>,
}

const SELECT: &str = "SELECT id, capability_id, capability_version, content_hash, requested_scope,
        reason, requested_by, requested_at, expires_at, state, decided_by, decided_at,
        decision_note, approved_scope, approval_valid_until, break_glass_id, slots, storage_bytes,
        installed_at, uninstalled_at FROM install_requests";

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: r.get(0)?,
        capability_id: r.get(1)?,
        capability_version: r.get(2)?,
        content_hash: r.get(3)?,
        requested_scope: r.get(4)?,
        reason: r.get(5)?,
        requested_by: r.get(6)?,
        requested_at: r.get(7)?,
        expires_at: r.get(8)?,
        state: r.get(9)?,
        decided_by: r.get(10)?,
        decided_at: r.get(11)?,
        decision_note: r.get(12)?,
        approved_scope: r.get(13)?,
        approval_valid_until: r.get(14)?,
        break_glass_id: r.get(15)?,
        slots: r.get(16)?,
        storage_bytes: r.get(17)?,
        installed_at: r.get(18)?,
        uninstalled_at: r.get(19)?,
    })
}

fn opt_ts(field: &'static str, text: Option<String>) -> Result<Option<Timestamp>> {
    text.map(|t| parse_ts(field, &t)).transpose()
}

/// Parses a row; a pending request past its TTL, or an approval past its validity, reads as
/// expired.
fn build(r: Raw, now: Timestamp) -> Result<InstallRequest> {
    let expires_at = parse_ts("expires_at", &r.expires_at)?;
    let approval_valid_until = opt_ts("approval_valid_until", r.approval_valid_until)?;
    let stored = InstallState::parse(&r.state)?;
    let state = match stored {
        InstallState::Pending if now >= expires_at => InstallState::Expired,
        InstallState::Approved if approval_valid_until.is_some_and(|u| now >= u) => {
            InstallState::Expired
        }
        other => other,
    };
    Ok(InstallRequest {
        id: r.id,
        capability_id: r.capability_id,
        capability_version: r.capability_version,
        content_hash: r
            .content_hash
            .parse()
            .map_err(|e: <Digest as std::str::FromStr>::Err| {
                Error::invalid("content_hash", e.to_string())
            })?,
        requested_scope: catalog::parse_list("requested_scope", &r.requested_scope)?,
        reason: r.reason,
        requested_by: r.requested_by,
        requested_at: parse_ts("requested_at", &r.requested_at)?,
        expires_at,
        state,
        decided_by: r.decided_by,
        decided_at: opt_ts("decided_at", r.decided_at)?,
        decision_note: r.decision_note,
        approved_scope: r
            .approved_scope
            .map(|s| catalog::parse_list("approved_scope", &s))
            .transpose()?,
        approval_valid_until,
        break_glass_id: r.break_glass_id,
        slots: r.slots,
        storage_bytes: r.storage_bytes,
        installed_at: opt_ts("installed_at", r.installed_at)?,
        uninstalled_at: opt_ts("uninstalled_at", r.uninstalled_at)?,
    })
}

/// The id of the install request of `tenant` that `text` names: its full id or a unique
/// prefix of at least [`naming::MIN_PREFIX`] characters.
///
/// # Errors
/// `not_found`, or `ambiguous` listing every request that matched with its capability.
pub fn resolve(conn: &Connection, tenant: &str, text: &str) -> Result<String> {
    let sql = "SELECT id, capability_id, requested_at FROM install_requests WHERE tenant_id = ?1 ORDER BY id";
    naming::resolve_rows(conn, "install request", (sql, tenant), text, |row| {
        Ok(Candidate {
            id: row.get(0)?,
            name: None,
            label: format!(
                "{}, requested at {}",
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?
            ),
        })
    })
}

/// The request `text` names in `tenant` ([`resolve`]) with its state at `now`.
pub(super) fn find(
    conn: &Connection,
    tenant: &str,
    text: &str,
    now: Timestamp,
) -> Result<InstallRequest> {
    let id = resolve(conn, tenant, text)?;
    let r = conn
        .query_row(
            &format!("{SELECT} WHERE tenant_id = ?1 AND id = ?2"),
            params![tenant, id],
            raw,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Install request {id}"),
            hint: "List the install requests to see their ids.".to_owned(),
        })?;
    build(r, now)
}

/// Every request of `capability`, newest first, with their states at `now`.
pub(super) fn of_capability(
    conn: &Connection,
    tenant: &str,
    capability: &str,
    now: Timestamp,
) -> Result<Vec<InstallRequest>> {
    let mut statement = conn.prepare(&format!(
        "{SELECT} WHERE tenant_id = ?1 AND capability_id = ?2 ORDER BY requested_at DESC, id DESC"
    ))?;
    let rows = statement.query_map(params![tenant, capability], raw)?;
    rows.map(|r| build(r?, now)).collect()
}

/// The request of `capability` that is pending, approved or installed at `now`, if any (there
/// is at most one).
pub(crate) fn open_request(
    conn: &Connection,
    tenant: &str,
    capability: &str,
    now: Timestamp,
) -> Result<Option<InstallRequest>> {
    Ok(of_capability(conn, tenant, capability, now)?
        .into_iter()
        .find(|r| {
            matches!(
                r.state,
                InstallState::Pending | InstallState::Approved | InstallState::Installed
            )
        }))
}

/// One request of `tenant`, with its state at `now`.
pub fn get(
    store: &Store,
    tenant: &str,
    request_id: &str,
    now: Timestamp,
) -> Result<InstallRequest> {
    find(store.conn(), tenant, request_id, now)
}

/// The requests of `tenant`, newest first, optionally only those in `state` at `now`.
pub fn list(
    store: &Store,
    tenant: &str,
    state: Option<InstallState>,
    now: Timestamp,
) -> Result<Vec<InstallRequest>> {
    let mut statement = store.conn().prepare(&format!(
        "{SELECT} WHERE tenant_id = ?1 ORDER BY requested_at DESC, id DESC"
    ))?;
    let rows = statement.query_map(params![tenant], raw)?;
    let mut out = Vec::new();
    for r in rows {
        let request = build(r?, now)?;
        if state.is_none_or(|s| s == request.state) {
            out.push(request);
        }
    }
    Ok(out)
}

/// How many requests of `tenant` are pending at `now`.
pub fn count_pending(store: &Store, tenant: &str, now: Timestamp) -> Result<i64> {
    let n = list(store, tenant, Some(InstallState::Pending), now)?.len();
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// What `tenant` has installed, by capability id.
pub fn installed(store: &Store, tenant: &str) -> Result<Vec<InstalledCapability>> {
    let mut statement = store.conn().prepare(
        "SELECT r.id, r.capability_id, c.name, c.kind, r.capability_version, r.content_hash,
                COALESCE(r.approved_scope, r.requested_scope), r.slots, r.storage_bytes,
                r.installed_at, r.break_glass_id
         FROM install_requests r
         JOIN capabilities c ON c.tenant_id = r.tenant_id AND c.id = r.capability_id
         WHERE r.tenant_id = ?1 AND r.state = 'installed'
         ORDER BY r.capability_id",
    )?;
    let rows = statement.query_map(params![tenant], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, String>(9)?,
            r.get::<_, Option<String>>(10)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (request_id, capability_id, name, kind, version, hash, scope, slots, bytes, at, bg) =
            row?;
        out.push(InstalledCapability {
            uses: quota::words::uses(slots, bytes),
            request_id,
            capability_id,
            name,
            kind: CapabilityKind::parse(&kind)?,
            version,
            content_hash: hash
                .parse()
                .map_err(|e: <Digest as std::str::FromStr>::Err| {
                    Error::invalid("content_hash", e.to_string())
                })?,
            scope: catalog::parse_list("scope", &scope)?,
            slots,
            storage_bytes: bytes,
            installed_at: parse_ts("installed_at", &at)?,
            break_glass_id: bg,
        });
    }
    Ok(out)
}
