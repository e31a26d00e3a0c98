//! Install requests and approvals: "ask first". A member requests a capability (pending); an
//! owner or admin other than the requester approves or rejects it; an approved request installs
//! only if the catalog still has the exact version and content hash that were requested and
//! approved, and only if the tier quota allows it; an owner or admin uninstalls.
//!
//! States: pending -> approved | rejected | expired; approved -> installed | expired;
//! installed -> uninstalled. A pending request past its TTL (default 7 days) reads as expired
//! and cannot be approved: expiry means deny. While a break-glass override is open, an unlocked
//! owner or admin installs without the approval step, and every entry is marked.
//!
//! "Approvals can only tighten policy": an approval may narrow the requested scope and may set
//! a validity window after which an uninstalled approval lapses; it can never add a scope that
//! was not requested, and it is bound to the requested version and hash, so a later catalog edit
//! (say, one that raises the risk) can never ride on an older approval.
//!
//! This file holds the transitions; `rows.rs` reads requests back.

mod rows;

use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::members::{is_unlocked_privileged, require_unlocked_privileged};
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::governance::catalog::{self, Capability, CapabilityKind};
use crate::governance::{self, breakglass, quota};
use crate::ids::IdSource;
use crate::store::Store;
use crate::{Error, Result};

pub(crate) use rows::open_request;
pub use rows::{count_pending, get, installed, list, resolve};
use rows::{find, of_capability};

/// How long a request stays pending when the requester does not say.
pub const DEFAULT_REQUEST_TTL_SECS: i64 = 7 * 24 * 60 * 60;
/// The longest a request may stay pending.
pub const MAX_REQUEST_TTL_SECS: i64 = 90 * 24 * 60 * 60;
const REASON_MAX_CHARS: usize = 1000;

/// Where an install request is in its life (derived from the clock for expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum InstallState {
    Pending,
    Approved,
    Rejected,
    Expired,
    Installed,
    Uninstalled,
}

impl InstallState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the states otherwise.
    pub fn parse(text: &str) -> Result<InstallState> {
        Error::parse_name("state", None, text)
    }
}

/// One install request, with its state at the time it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InstallRequest {
    pub id: String,
    pub capability_id: String,
    pub capability_version: String,
    pub content_hash: Digest,
    pub requested_scope: Vec<String>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: InstallState,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
    pub approved_scope: Option<Vec<String>>,
    pub approval_valid_until: Option<Timestamp>,
    pub break_glass_id: Option<String>,
    #[ts(type = "number | null")]
    pub slots: Option<i64>,
    #[ts(type = "number | null")]
    pub storage_bytes: Option<i64>,
    pub installed_at: Option<Timestamp>,
    pub uninstalled_at: Option<Timestamp>,
}

/// A capability with a request waiting (pending, or approved and not installed yet), with
/// what its catalog entry says it will take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub capability_id: String,
    pub slots: i64,
    pub storage_bytes: i64,
}

/// The capabilities of `tenant` with a request waiting, by capability id.
pub fn waiting(conn: &rusqlite::Connection, tenant: &str) -> Result<Vec<Waiting>> {
    let mut statement = conn.prepare(
        "SELECT r.capability_id, c.slots, c.storage_bytes
         FROM install_requests r
         JOIN capabilities c ON c.tenant_id = r.tenant_id AND c.id = r.capability_id
         WHERE r.tenant_id = ?1 AND r.state IN ('pending', 'approved')
         ORDER BY r.capability_id",
    )?;
    let rows = statement.query_map(params![tenant], |row| {
        Ok(Waiting {
            capability_id: row.get(0)?,
            slots: row.get(1)?,
            storage_bytes: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An installed capability, for the Dashboard and `tenant self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InstalledCapability {
    pub request_id: String,
    pub capability_id: String,
    pub name: String,
    pub kind: CapabilityKind,
    pub version: String,
    pub content_hash: Digest,
    pub scope: Vec<String>,
    #[ts(type = "number")]
    pub slots: i64,
    #[ts(type = "number")]
    pub storage_bytes: i64,
    pub installed_at: Timestamp,
    pub break_glass_id: Option<String>,
    /// What it takes, in words: `Uses 1 slot and 12 MiB`.
    pub uses: String,
}

/// What a member asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
pub struct RequestInput {
    pub capability_id: String,
    /// A subset of the capability's declared scope; all of it when absent.
    pub scope: Option<Vec<String>>,
    pub reason: Option<String>,
    /// How long the request may stay pending (default 7 days, at most 90).
    #[ts(type = "number | null")]
    pub ttl_secs: Option<i64>,
}

/// What an approver adds: only tightenings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
pub struct ApprovalInput {
    /// A subset of the requested scope; the requested scope when absent.
    pub scope: Option<Vec<String>>,
    pub note: Option<String>,
    /// The approval lapses if nothing is installed within this many seconds.
    #[ts(type = "number | null")]
    pub valid_for_secs: Option<i64>,
}

fn text_field(field: &'static str, text: Option<&str>) -> Result<String> {
    let text = text.unwrap_or("").trim();
    if text.chars().count() > REASON_MAX_CHARS || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::invalid(
            field,
            format!("must be plain text of at most {REASON_MAX_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

fn subset_of(asked: &[String], allowed: &[String], what: &str) -> std::result::Result<(), String> {
    match asked.iter().find(|s| !allowed.contains(s)) {
        Some(extra) => Err(format!(
            "scope \"{extra}\" is not {what} (allowed: {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// Asks to install a capability. Any member may ask; the request starts pending. While a
/// break-glass override is open and the requester is an unlocked owner or admin, it installs at
/// once, skipping the approval step, and both entries are marked.
pub fn request(
    store: &mut Store,
    actor: &Actor,
    input: &RequestInput,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<InstallRequest> {
    let now = clock.now();
    let id = store.write(|tx| request_in(tx, actor, input, now, ids))?;
    get(store, &actor.tenant_id, &id, now)
}

/// [`request`] inside the caller's transaction (so another change can commit with it);
/// returns the new request's id.
pub(crate) fn request_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    input: &RequestInput,
    now: Timestamp,
    ids: &dyn IdSource,
) -> Result<String> {
    let cap = catalog::find(tx, &actor.tenant_id, &input.capability_id)?
        .ok_or_else(|| catalog::not_found(&input.capability_id))?;
    let scope = requested_scope(input.scope.as_deref(), &cap)?;
    let reason = text_field("reason", input.reason.as_deref())?;
    let ttl = input.ttl_secs.unwrap_or(DEFAULT_REQUEST_TTL_SECS);
    if !(60..=MAX_REQUEST_TTL_SECS).contains(&ttl) {
        return Err(Error::invalid(
            "ttl",
            "a request may stay pending between 1 minute and 90 days",
        ));
    }
    refuse_second_request(tx, &actor.tenant_id, &cap.manifest.id, now)?;
    let skip_approval = breakglass::open_id(tx, &actor.tenant_id, now)?.is_some()
        && is_unlocked_privileged(tx, actor, now)?;
    let id = ids.new_id();
    let expires_at = now.plus_millis(ttl.saturating_mul(1000));
    governance::sweep(tx, &actor.tenant_id, now)?;
    tx.execute(
        "INSERT INTO install_requests (tenant_id, id, capability_id, capability_version,
             content_hash, requested_scope, reason, requested_by, requested_at, expires_at,
             state, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?9)",
        params![
            actor.tenant_id,
            id,
            cap.manifest.id,
            cap.manifest.version,
            cap.content_hash.to_string(),
            catalog::json_list(&scope),
            reason,
            actor.member_id,
            now.to_string(),
            expires_at.to_string()
        ],
    )?;
    governance::record(
        tx,
        actor,
        "install.requested",
        json!({"request": id, "capability": cap.manifest.id,
               "version": cap.manifest.version, "content_hash": cap.content_hash.to_string(),
               "risk": cap.manifest.risk.as_str(), "scope": scope,
               "expires_at": expires_at.to_string()}),
        now,
    )?;
    if skip_approval {
        let row = find(tx, &actor.tenant_id, &id, now)?;
        do_install(tx, actor, &row, &cap, now)?;
    }
    Ok(id)
}

/// The scope a request asks for: all the capability declares when `asked` is absent, else a
/// non-empty subset of it.
fn requested_scope(asked: Option<&[String]>, cap: &Capability) -> Result<Vec<String>> {
    let Some(scope) = asked else {
        return Ok(cap.manifest.scope.clone());
    };
    if scope.is_empty() {
        return Err(Error::invalid(
            "scope",
            "name at least one scope, or leave it out to ask for all",
        ));
    }
    catalog::check_scopes(scope)?;
    subset_of(
        scope,
        &cap.manifest.scope,
        &format!("declared by {}", cap.manifest.id),
    )
    .map_err(|m| Error::invalid("scope", m))?;
    Ok(scope.to_vec())
}

/// A capability has at most one open request: refuses another while one is pending, approved
/// or installed.
fn refuse_second_request(
    tx: &Transaction<'_>,
    tenant: &str,
    capability: &str,
    now: Timestamp,
) -> Result<()> {
    let Some(existing) = open_request(tx, tenant, capability, now)? else {
        return Ok(());
    };
    Err(Error::Conflict(
        if existing.state == InstallState::Installed {
            format!(
                "{capability} is already installed (request {}). Uninstall it before asking again.",
                existing.id
            )
        } else {
            format!(
                "{capability} already has install request {}, which is {}.",
                existing.id,
                existing.state.as_str()
            )
        },
    ))
}

/// The install itself, inside the caller's transaction: the approval's binding, the quota,
/// the state change and one audit entry.
fn do_install(
    tx: &Transaction<'_>,
    actor: &Actor,
    row: &InstallRequest,
    cap: &Capability,
    now: Timestamp,
) -> Result<()> {
    if cap.manifest.version != row.capability_version || cap.content_hash != row.content_hash {
        return Err(Error::HashMismatch(format!(
            "Install of {} refused: request {} was {} for version {} with content hash {}, but the catalog now has version {} with content hash {}. Ask again so the new version can be approved.",
            cap.manifest.id,
            row.id,
            if row.state == InstallState::Approved { "approved" } else { "made" },
            row.capability_version,
            row.content_hash,
            cap.manifest.version,
            cap.content_hash
        )));
    }
    let slots = i64::from(cap.manifest.slots);
    let bytes = i64::try_from(cap.manifest.storage_bytes)
        .map_err(|_| Error::invalid("storage_bytes", "is too large"))?;
    quota::check_fits(tx, &actor.tenant_id, &cap.manifest.id, slots, bytes)?;
    let bg = breakglass::open_id(tx, &actor.tenant_id, now)?;
    let skipped = row.state == InstallState::Pending;
    let changed = tx.execute(
        "UPDATE install_requests SET state = 'installed', slots = ?1, storage_bytes = ?2,
             installed_at = ?3, updated_at = ?3, break_glass_id = ?4
         WHERE tenant_id = ?5 AND id = ?6 AND state IN ('pending', 'approved')",
        params![slots, bytes, now.to_string(), bg, actor.tenant_id, row.id],
    )?;
    if changed != 1 {
        return Err(Error::InvalidTransition(format!(
            "Install request {} changed while installing; try again.",
            row.id
        )));
    }
    governance::record(
        tx,
        actor,
        "install.installed",
        json!({"request": row.id, "capability": cap.manifest.id,
               "version": cap.manifest.version, "content_hash": cap.content_hash.to_string(),
               "scope": row.approved_scope.as_ref().unwrap_or(&row.requested_scope),
               "slots": slots, "storage_bytes": bytes, "approval_skipped": skipped}),
        now,
    )?;
    Ok(())
}

fn not_from(row: &InstallRequest, action: &str, needed: &str) -> Error {
    let extra = match row.state {
        InstallState::Expired => format!(
            " It expired at {}; expiry means deny. Ask again with `install request --capability {}`.",
            row.approval_valid_until
                .filter(|_| row.decided_at.is_some())
                .unwrap_or(row.expires_at),
            row.capability_id
        ),
        _ => String::new(),
    };
    Error::InvalidTransition(format!(
        "Install request {} for {} is {}; only {} {needed} request can be {action}.{extra}",
        row.id,
        row.capability_id,
        row.state.as_str(),
        if needed.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        }
    ))
}

/// Approves a pending request (owner or admin, unlocked, and not the requester). The approval
/// is bound to the requested version and content hash, and may only narrow the scope.
pub fn approve(
    store: &mut Store,
    actor: &Actor,
    request_id: &str,
    input: &ApprovalInput,
    clock: &dyn Clock,
) -> Result<InstallRequest> {
    let now = clock.now();
    let conn = store.conn();
    require_unlocked_privileged(conn, actor, now, "approve install requests")?;
    let row = find(conn, &actor.tenant_id, request_id, now)?;
    if row.requested_by == actor.member_id {
        return Err(Error::Denied(format!(
            "You requested {} (request {}), so you cannot approve it yourself; another owner or admin must.",
            row.capability_id, row.id
        )));
    }
    if row.state != InstallState::Pending {
        return Err(not_from(&row, "approved", "pending"));
    }
    let cap = catalog::find(conn, &actor.tenant_id, &row.capability_id)?
        .ok_or_else(|| catalog::not_found(&row.capability_id))?;
    if cap.manifest.version != row.capability_version || cap.content_hash != row.content_hash {
        return Err(Error::HashMismatch(format!(
            "{} changed after request {} was made (requested version {} with {}, the catalog now has {} with {}). Reject it and ask again.",
            cap.manifest.id, row.id, row.capability_version, row.content_hash,
            cap.manifest.version, cap.content_hash
        )));
    }
    let scope = approved_scope(input.scope.as_deref(), &row)?;
    let valid_until = approval_valid_until(input.valid_for_secs, now)?;
    let note = text_field("note", input.note.as_deref())?;
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        let changed = tx.execute(
            "UPDATE install_requests SET state = 'approved', decided_by = ?1, decided_at = ?2,
                 decision_note = ?3, approved_scope = ?4, approval_valid_until = ?5, updated_at = ?2
             WHERE tenant_id = ?6 AND id = ?7 AND state = 'pending'",
            params![
                actor.member_id,
                now.to_string(),
                note,
                catalog::json_list(&scope),
                valid_until.map(|t| t.to_string()),
                actor.tenant_id,
                row.id
            ],
        )?;
        if changed != 1 {
            return Err(not_from(&row, "approved", "pending"));
        }
        governance::record(
            tx,
            actor,
            "install.approved",
            json!({"request": row.id, "capability": row.capability_id,
                   "version": row.capability_version, "content_hash": row.content_hash.to_string(),
                   "scope": scope, "valid_until": valid_until.map(|t| t.to_string()),
                   "requested_by": row.requested_by, "note": note}),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, request_id, now)
}

/// The scope an approval grants: the requested one when `narrowed` is absent, else a non-empty
/// subset of it (an approval can only tighten).
fn approved_scope(narrowed: Option<&[String]>, row: &InstallRequest) -> Result<Vec<String>> {
    let Some(scope) = narrowed else {
        return Ok(row.requested_scope.clone());
    };
    if scope.is_empty() {
        return Err(Error::invalid(
            "scope",
            "an approval must keep at least one scope",
        ));
    }
    catalog::check_scopes(scope)?;
    subset_of(scope, &row.requested_scope, "in the request")
        .map_err(|m| Error::Denied(format!("An approval can only tighten what was asked: {m}.")))?;
    Ok(scope.to_vec())
}

/// When an approval lapses if nothing was installed: `valid_for_secs` (1 minute to 90 days)
/// after `now`, or never.
fn approval_valid_until(valid_for_secs: Option<i64>, now: Timestamp) -> Result<Option<Timestamp>> {
    match valid_for_secs {
        Some(secs) if !(60..=MAX_REQUEST_TTL_SECS).contains(&secs) => Err(Error::invalid(
            "valid for",
            "an approval may stay valid between 1 minute and 90 days",
        )),
        Some(secs) => Ok(Some(now.plus_millis(secs.saturating_mul(1000)))),
        None => Ok(None),
    }
}

/// Rejects a pending request (owner or admin, unlocked).
pub fn reject(
    store: &mut Store,
    actor: &Actor,
    request_id: &str,
    note: Option<&str>,
    clock: &dyn Clock,
) -> Result<InstallRequest> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "reject install requests")?;
    let row = find(store.conn(), &actor.tenant_id, request_id, now)?;
    if row.state != InstallState::Pending {
        return Err(not_from(&row, "rejected", "pending"));
    }
    let note = text_field("note", note)?;
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "UPDATE install_requests SET state = 'rejected', decided_by = ?1, decided_at = ?2,
                 decision_note = ?3, updated_at = ?2
             WHERE tenant_id = ?4 AND id = ?5 AND state = 'pending'",
            params![
                actor.member_id,
                now.to_string(),
                note,
                actor.tenant_id,
                row.id
            ],
        )?;
        governance::record(
            tx,
            actor,
            "install.rejected",
            json!({"request": row.id, "capability": row.capability_id, "note": note}),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, request_id, now)
}

/// Installs an approved request (the requester, or an owner or admin, unlocked). While a
/// break-glass override is open, an unlocked owner or admin may also install a pending request.
/// Refused when the catalog's version or content hash differ from what was approved, or when
/// the tier quota would be exceeded.
pub fn install(
    store: &mut Store,
    actor: &Actor,
    request_id: &str,
    clock: &dyn Clock,
) -> Result<InstallRequest> {
    let now = clock.now();
    let conn = store.conn();
    let row = find(conn, &actor.tenant_id, request_id, now)?;
    let privileged = is_unlocked_privileged(conn, actor, now)?;
    match row.state {
        InstallState::Approved => {
            if row.requested_by != actor.member_id {
                require_unlocked_privileged(
                    conn,
                    actor,
                    now,
                    "install what someone else requested",
                )?;
            }
        }
        InstallState::Pending => {
            if breakglass::open_id(conn, &actor.tenant_id, now)?.is_none() || !privileged {
                return Err(Error::InvalidTransition(format!(
                    "Install request {} for {} is pending; an owner or admin must approve it first (or install it under an open break-glass override).",
                    row.id, row.capability_id
                )));
            }
        }
        _ => return Err(not_from(&row, "installed", "approved")),
    }
    let cap = catalog::find(conn, &actor.tenant_id, &row.capability_id)?
        .ok_or_else(|| catalog::not_found(&row.capability_id))?;
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        do_install(tx, actor, &row, &cap, now)
    })?;
    get(store, &actor.tenant_id, request_id, now)
}

/// Uninstalls a capability (owner or admin, unlocked).
pub fn uninstall(
    store: &mut Store,
    actor: &Actor,
    capability_id: &str,
    clock: &dyn Clock,
) -> Result<InstallRequest> {
    let now = clock.now();
    let conn = store.conn();
    require_unlocked_privileged(conn, actor, now, "uninstall capabilities")?;
    catalog::find(conn, &actor.tenant_id, capability_id)?
        .ok_or_else(|| catalog::not_found(capability_id))?;
    let rows = of_capability(conn, &actor.tenant_id, capability_id, now)?;
    let Some(row) = rows.iter().find(|r| r.state == InstallState::Installed) else {
        return Err(Error::InvalidTransition(match rows.first() {
            Some(latest) => format!(
                "{capability_id} is not installed: its latest install request {} is {}. Nothing to uninstall.",
                latest.id,
                latest.state.as_str()
            ),
            None => format!("{capability_id} is not installed: it was never requested. Nothing to uninstall."),
        }));
    };
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "UPDATE install_requests SET state = 'uninstalled', uninstalled_at = ?1, updated_at = ?1
             WHERE tenant_id = ?2 AND id = ?3 AND state = 'installed'",
            params![now.to_string(), actor.tenant_id, row.id],
        )?;
        governance::record(
            tx,
            actor,
            "install.uninstalled",
            json!({"request": row.id, "capability": capability_id,
                   "version": row.capability_version, "slots": row.slots,
                   "storage_bytes": row.storage_bytes}),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, &row.id, now)
}
