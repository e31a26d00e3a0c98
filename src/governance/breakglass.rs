//! Break-glass: an owner or admin's emergency override that lets installs skip the approval
//! step. It needs a reason of at least 20 characters and a TTL (default 1 h, at most 24 h), is
//! open while `now < expires_at` by the injected clock (no background thread), can be closed
//! early, and is loud: opening, every action under it (`data.break_glass`) and closing are
//! audited. A lapse is recorded as `breakglass.expired` by the first write that observes it.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::members::{parse_ts, require_unlocked_privileged};
use crate::auth::Actor;
use crate::clock::{Clock, Timestamp};
use crate::governance;
use crate::ids::IdSource;
use crate::naming::{self, Candidate};
use crate::store::Store;
use crate::{Error, Result};

pub const DEFAULT_TTL_SECS: i64 = 60 * 60;
pub const MAX_TTL_SECS: i64 = 24 * 60 * 60;
pub const MIN_REASON_CHARS: usize = 20;

/// Where an override is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BreakGlassState {
    Open,
    Closed,
    Expired,
}

impl BreakGlassState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BreakGlass {
    pub id: String,
    pub reason: String,
    pub opened_by: String,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub state: BreakGlassState,
}

/// Whether an override is open now, and the most recent one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BreakGlassStatus {
    pub open: bool,
    #[ts(type = "number | null")]
    pub remaining_secs: Option<i64>,
    pub latest: Option<BreakGlass>,
}

/// Parses a duration argument (a TTL, an unlock timeout) into seconds: humantime's syntax,
/// such as `90s`, `30m`, `1h`, `1h30m` or `7d`. A unit is required: a bare `90` is refused
/// rather than guessed as seconds or minutes.
///
/// Errors: `invalid_input` on `field` (for example `--ttl`), naming the text and the form.
pub fn parse_duration_secs(field: &'static str, text: &str) -> Result<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            field,
            format!("\"{text}\" has no unit; write {text}s, {text}m or {text}h"),
        ));
    }
    humantime::parse_duration(text)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("\"{text}\" is not a duration; write it like 30m, 1h or 1h30m"),
            )
        })
}

fn check_ttl(ttl_secs: i64) -> Result<()> {
    if !(1..=MAX_TTL_SECS).contains(&ttl_secs) {
        return Err(Error::invalid(
            "ttl",
            format!("{ttl_secs} seconds is out of range; a break-glass override lasts at most 24h (the default is 1h)"),
        ));
    }
    Ok(())
}

type Raw = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const SELECT: &str = "SELECT id, reason, opened_by, opened_at, expires_at, closed_at, closed_by,
        close_reason FROM break_glass";

fn build(raw: Raw, now: Timestamp) -> Result<BreakGlass> {
    let (id, reason, opened_by, opened_at, expires_at, closed_at, closed_by, close_reason) = raw;
    let expires_at = parse_ts("expires_at", &expires_at)?;
    let state = match (closed_at.is_some(), close_reason.as_deref()) {
        (true, Some("expired")) => BreakGlassState::Expired,
        (true, _) => BreakGlassState::Closed,
        (false, _) if now >= expires_at => BreakGlassState::Expired,
        (false, _) => BreakGlassState::Open,
    };
    Ok(BreakGlass {
        id,
        reason,
        opened_by,
        opened_at: parse_ts("opened_at", &opened_at)?,
        expires_at,
        closed_at: closed_at.map(|t| parse_ts("closed_at", &t)).transpose()?,
        closed_by,
        state,
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    // rusqlite reads a tuple column by column, in order.
    Raw::try_from(r)
}

fn latest_in(conn: &Connection, tenant: &str, now: Timestamp) -> Result<Option<BreakGlass>> {
    let raw = conn
        .query_row(
            &format!("{SELECT} WHERE tenant_id = ?1 ORDER BY opened_at DESC, id DESC LIMIT 1"),
            params![tenant],
            row,
        )
        .optional()?;
    raw.map(|r| build(r, now)).transpose()
}

/// The id of the override open at `now`, if any.
pub(crate) fn open_id(conn: &Connection, tenant: &str, now: Timestamp) -> Result<Option<String>> {
    Ok(latest_in(conn, tenant, now)?
        .filter(|b| b.state == BreakGlassState::Open)
        .map(|b| b.id))
}

/// Records an override whose TTL has passed but that nobody closed.
pub(crate) fn sweep(tx: &Transaction<'_>, tenant: &str, now: Timestamp) -> Result<()> {
    let lapsed: Option<(String, String)> = tx
        .query_row(
            "SELECT id, expires_at FROM break_glass
             WHERE tenant_id = ?1 AND closed_at IS NULL AND expires_at <= ?2",
            params![tenant, now.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, expires_at)) = lapsed {
        tx.execute(
            "UPDATE break_glass SET closed_at = ?1, close_reason = 'expired'
             WHERE tenant_id = ?2 AND id = ?3",
            params![expires_at, tenant, id],
        )?;
        audit::append(
            tx,
            tenant,
            governance::SYSTEM_ACTOR,
            "breakglass.expired",
            json!({"break_glass": id, "expired_at": expires_at}),
            now,
        )?;
    }
    Ok(())
}

/// Opens an override (owner or admin, unlocked). `ttl_secs` defaults to 1 h, at most 24 h.
pub fn open(
    store: &mut Store,
    actor: &Actor,
    reason: &str,
    ttl_secs: Option<i64>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<BreakGlass> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "open a break-glass override")?;
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars < MIN_REASON_CHARS || reason.chars().any(char::is_control) {
        return Err(Error::invalid(
            "reason",
            format!("is {chars} characters; a break-glass override needs a plain-text reason of at least {MIN_REASON_CHARS} characters saying what the emergency is"),
        ));
    }
    let ttl = ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    check_ttl(ttl)?;
    if let Some(open) = status(store, &actor.tenant_id, now)?
        .latest
        .filter(|b| b.state == BreakGlassState::Open)
    {
        return Err(Error::Conflict(format!(
            "Break-glass override {} is already open until {}. Close it with `breakglass close` first.",
            open.id, open.expires_at
        )));
    }
    let id = ids.new_id();
    let expires_at = now.plus_millis(ttl.saturating_mul(1000));
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "INSERT INTO break_glass (tenant_id, id, reason, opened_by, opened_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                actor.tenant_id,
                id,
                reason,
                actor.member_id,
                now.to_string(),
                expires_at.to_string()
            ],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "breakglass.opened",
            json!({"break_glass": id, "reason": reason, "ttl_secs": ttl,
                   "expires_at": expires_at.to_string()}),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, &id, now)
}

/// Closes the open override early (owner or admin, unlocked).
pub fn close(store: &mut Store, actor: &Actor, clock: &dyn Clock) -> Result<BreakGlass> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "close a break-glass override")?;
    let latest = status(store, &actor.tenant_id, now)?.latest;
    let open = match latest {
        Some(b) if b.state == BreakGlassState::Open => b,
        Some(b) => {
            return Err(Error::InvalidTransition(format!(
            "No break-glass override is open: the latest, {}, is {} (since {}). Nothing to close.",
            b.id,
            b.state.as_str(),
            b.closed_at.unwrap_or(b.expires_at)
        )))
        }
        None => {
            return Err(Error::InvalidTransition(
                "No break-glass override is open: none was ever opened. Nothing to close."
                    .to_owned(),
            ))
        }
    };
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        tx.execute(
            "UPDATE break_glass SET closed_at = ?1, closed_by = ?2, close_reason = 'closed'
             WHERE tenant_id = ?3 AND id = ?4 AND closed_at IS NULL",
            params![now.to_string(), actor.member_id, actor.tenant_id, open.id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "breakglass.closed",
            json!({"break_glass": open.id, "opened_at": open.opened_at.to_string(),
                   "expires_at": open.expires_at.to_string()}),
            now,
        )?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, &open.id, now)
}

/// Whether an override is open at `now`, from the clock alone.
pub fn status(store: &Store, tenant: &str, now: Timestamp) -> Result<BreakGlassStatus> {
    let latest = latest_in(store.conn(), tenant, now)?;
    let open = latest
        .as_ref()
        .is_some_and(|b| b.state == BreakGlassState::Open);
    let remaining_secs = latest
        .as_ref()
        .filter(|_| open)
        .map(|b| (b.expires_at.unix_millis() - now.unix_millis()) / 1000);
    Ok(BreakGlassStatus {
        open,
        remaining_secs,
        latest,
    })
}

/// One override of `tenant`.
pub fn get(store: &Store, tenant: &str, id: &str, now: Timestamp) -> Result<BreakGlass> {
    let id = &resolve(store.conn(), tenant, id)?;
    let raw = store
        .conn()
        .query_row(
            &format!("{SELECT} WHERE tenant_id = ?1 AND id = ?2"),
            params![tenant, id],
            row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Break-glass override {id}"),
            hint: "Check the break-glass status.".to_owned(),
        })?;
    build(raw, now)
}

/// The id of the break-glass override of `tenant` that `text` names: its full id or a unique
/// prefix of at least [`naming::MIN_PREFIX`] characters.
///
/// # Errors
/// `not_found`, or `ambiguous` listing every override that matched with when it opened.
pub fn resolve(conn: &rusqlite::Connection, tenant: &str, text: &str) -> Result<String> {
    let sql = "SELECT id, opened_at FROM break_glass WHERE tenant_id = ?1 ORDER BY id";
    naming::resolve_rows(conn, "break-glass override", (sql, tenant), text, |row| {
        Ok(Candidate {
            id: row.get(0)?,
            name: None,
            label: format!("opened at {}", row.get::<_, String>(1)?),
        })
    })
}

/// Every override of `tenant`, newest first.
pub fn list(store: &Store, tenant: &str, now: Timestamp) -> Result<Vec<BreakGlass>> {
    let mut statement = store.conn().prepare(&format!(
        "{SELECT} WHERE tenant_id = ?1 ORDER BY opened_at DESC, id DESC"
    ))?;
    let rows = statement.query_map(params![tenant], row)?;
    rows.map(|r| build(r?, now)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_parse() {
        let parse = |text| parse_duration_secs("--ttl", text);
        assert_eq!(parse("90s").unwrap(), 90);
        assert_eq!(parse("30m").unwrap(), 1800);
        assert_eq!(parse("1h30m").unwrap(), 5400);
        assert_eq!(parse("24h").unwrap(), MAX_TTL_SECS);
        for bad in ["", "h", "1x", "1h3", "-", "600"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let bare = parse("90").unwrap_err().to_string();
        assert!(bare.contains("--ttl") && bare.contains("90m"), "{bare}");
    }
}
