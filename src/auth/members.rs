//! Members of a tenant, their argon2id passphrase verifiers and unlock sessions, and the one
//! check every owner/admin action calls: [`require_unlocked_privileged`].
//!
//! The app runs as one member at a time (the `local_profile` row). Because each CLI call is its
//! own process, an unlock is a row in `member_unlocks` with an expiry computed from the injected
//! clock; locking deletes it. The passphrase itself is never stored, logged or serialized.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::{clean_name, names, Actor, MemberInfo, Role};
use crate::canon::Digest;
use crate::clock::{Clock, Timestamp};
use crate::ids::IdSource;
use crate::secrets::Sensitive;
use crate::store::Store;
use crate::{Error, Result};

/// How long an unlock lasts when the caller does not say.
pub const DEFAULT_UNLOCK_SECS: i64 = 15 * 60;
/// The longest unlock a member may ask for.
pub const MAX_UNLOCK_SECS: i64 = 8 * 60 * 60;
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// A member as listed, with whether a passphrase is set and until when it is unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MemberSummary {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub has_passphrase: bool,
    pub unlocked_until: Option<Timestamp>,
    pub acting: bool,
}

/// Whether the acting member is unlocked, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct UnlockStatus {
    pub member_id: String,
    pub role: Role,
    pub has_passphrase: bool,
    pub unlocked: bool,
    pub unlocked_until: Option<Timestamp>,
}

/// What `add_member` needs.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub display_name: String,
    pub role: Role,
    pub passphrase: Option<Sensitive<String>>,
}

fn role_of(conn: &Connection, tenant: &str, member: &str) -> Result<Role> {
    let role: Option<String> = conn
        .query_row(
            "SELECT role FROM members WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, member],
            |row| row.get(0),
        )
        .optional()?;
    match role {
        Some(role) => Role::parse(&role),
        None => Err(Error::NotFound {
            what: format!("Member {member}"),
            hint: "List the members to see their ids.".to_owned(),
        }),
    }
}

fn verifier_of(conn: &Connection, tenant: &str, member: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT verifier FROM member_credentials WHERE tenant_id = ?1 AND member_id = ?2",
            params![tenant, member],
            |row| row.get(0),
        )
        .optional()?)
}

fn unlocked_until(conn: &Connection, tenant: &str, member: &str) -> Result<Option<Timestamp>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT unlocked_until FROM member_unlocks WHERE tenant_id = ?1 AND member_id = ?2",
            params![tenant, member],
            |row| row.get(0),
        )
        .optional()?;
    text.map(|t| parse_ts("unlocked_until", &t)).transpose()
}

pub(crate) fn parse_ts(field: &'static str, text: &str) -> Result<Timestamp> {
    Timestamp::parse(text).map_err(|e| Error::invalid(field, e.to_string()))
}

/// The proof-of-identity check: the acting member (any role) has a passphrase and is unlocked
/// at `now`. Backup actions call it (see the threat model in ARCHITECTURE.md): on a shared OS
/// account, switching seats is free, so only a passphrase proves who is acting.
///
/// Errors: `locked` (no passphrase yet, or not unlocked), `not_found` (no such member).
pub fn require_unlocked(
    conn: &Connection,
    actor: &Actor,
    now: Timestamp,
    action: &'static str,
) -> Result<Role> {
    let role = role_of(conn, &actor.tenant_id, &actor.member_id)?;
    if verifier_of(conn, &actor.tenant_id, &actor.member_id)?.is_none() {
        return Err(Error::NoPassphrase { action });
    }
    match unlocked_until(conn, &actor.tenant_id, &actor.member_id)? {
        Some(until) if now < until => Ok(role),
        Some(until) => Err(Error::Locked(format!(
            "To {action} you must be unlocked; your unlock ended at {until}."
        ))),
        None => Err(Error::Locked(format!(
            "To {action} you must be unlocked; you are locked."
        ))),
    }
}

/// The one check of every owner/admin action: the member's role (read from SQLite, not trusted
/// from the caller) is owner or admin, a passphrase is set, and the member is unlocked at `now`.
///
/// Errors: `forbidden` (a customer), then as [`require_unlocked`].
pub fn require_unlocked_privileged(
    conn: &Connection,
    actor: &Actor,
    now: Timestamp,
    action: &'static str,
) -> Result<Role> {
    let role = role_of(conn, &actor.tenant_id, &actor.member_id)?;
    if role == Role::Customer {
        return Err(Error::Forbidden {
            action,
            role: role.as_str(),
            allowed: "an owner or admin",
        });
    }
    require_unlocked(conn, actor, now, action)
}

/// The check of an owner-only action (the tier): the member's role (read from SQLite) is
/// owner, and the member is unlocked at `now`.
///
/// Errors: `forbidden` (an admin or customer), then as [`require_unlocked`].
pub fn require_unlocked_owner(
    conn: &Connection,
    actor: &Actor,
    now: Timestamp,
    action: &'static str,
) -> Result<()> {
    let role = role_of(conn, &actor.tenant_id, &actor.member_id)?;
    if role != Role::Owner {
        return Err(Error::Forbidden {
            action,
            role: role.as_str(),
            allowed: "the owner",
        });
    }
    require_unlocked(conn, actor, now, action).map(|_| ())
}

/// True when the actor is an owner or admin who is unlocked at `now` (no error).
pub fn is_unlocked_privileged(conn: &Connection, actor: &Actor, now: Timestamp) -> Result<bool> {
    match require_unlocked_privileged(conn, actor, now, "act") {
        Ok(_) => Ok(true),
        Err(Error::Forbidden { .. } | Error::Locked(_) | Error::NoPassphrase { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

fn check_passphrase(passphrase: &Sensitive<String>) -> Result<()> {
    if passphrase.expose().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            "passphrase",
            format!("must be at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// An argon2id PHC string (the crate's default parameters: m=19 MiB, t=2, p=1). The salt comes
/// from the injected id source (random UUIDs in the binaries), hashed down to 16 bytes.
fn make_verifier(passphrase: &Sensitive<String>, ids: &dyn IdSource) -> Result<String> {
    check_passphrase(passphrase)?;
    let seed = Digest::of_bytes(format!("persona-studio-salt/{}", ids.new_id()).as_bytes());
    let salt = SaltString::encode_b64(&seed.as_bytes()[..16])
        .map_err(|e| Error::invalid("passphrase salt", e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(passphrase.expose().as_bytes(), &salt)
        .map_err(|e| Error::invalid("passphrase", e.to_string()))?;
    Ok(hash.to_string())
}

fn verify(verifier: &str, passphrase: &Sensitive<String>) -> Result<bool> {
    let parsed = PasswordHash::new(verifier)
        .map_err(|e| Error::AuditBroken(format!("stored passphrase verifier is damaged: {e}")))?;
    Ok(Argon2::default()
        .verify_password(passphrase.expose().as_bytes(), &parsed)
        .is_ok())
}

/// Adds a member to the actor's tenant. Owner or admin, unlocked; only an owner adds an owner.
pub fn add_member(
    store: &mut Store,
    actor: &Actor,
    new: &NewMember,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<MemberInfo> {
    let name = clean_name("member name", &new.display_name)?;
    let now = clock.now();
    let role = require_unlocked_privileged(store.conn(), actor, now, "add members")?;
    names::check_free(store.conn(), &actor.tenant_id, &name)?;
    if new.role == Role::Owner && role != Role::Owner {
        return Err(Error::Denied(
            "Only an owner can add another owner; ask an owner, or add this member as admin."
                .to_owned(),
        ));
    }
    let verifier = new
        .passphrase
        .as_ref()
        .map(|p| make_verifier(p, ids))
        .transpose()?;
    let id = ids.new_id();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO members (tenant_id, id, display_name, role, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                actor.tenant_id,
                id,
                name,
                new.role.as_str(),
                now.to_string()
            ],
        )?;
        if let Some(verifier) = &verifier {
            tx.execute(
                "INSERT INTO member_credentials (tenant_id, member_id, verifier, set_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![actor.tenant_id, id, verifier, now.to_string()],
            )?;
        }
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "member.added",
            json!({"member": id, "name": name, "role": new.role.as_str(),
                   "passphrase_set": verifier.is_some()}),
            now,
        )?;
        Ok(())
    })?;
    Ok(MemberInfo {
        id,
        display_name: name,
        role: new.role,
    })
}

/// Sets the acting member's own passphrase. When one is already set, `current` must match it.
pub fn set_passphrase(
    store: &mut Store,
    actor: &Actor,
    current: Option<&Sensitive<String>>,
    new: &Sensitive<String>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<()> {
    let now = clock.now();
    let role = role_of(store.conn(), &actor.tenant_id, &actor.member_id)?;
    if let Some(existing) = verifier_of(store.conn(), &actor.tenant_id, &actor.member_id)? {
        let Some(current) = current else {
            return Err(Error::Denied(
                "A passphrase is already set; give the current one to change it.".to_owned(),
            ));
        };
        if !verify(&existing, current)? {
            return Err(Error::WrongMemberPassphrase);
        }
    } else if role != Role::Customer && tenant_has_privileged_passphrase(store.conn(), actor)? {
        // Whoever sits in the acting seat could otherwise claim an admin's first passphrase.
        return Err(Error::Denied(format!(
            "The first passphrase of an {} is set by an unlocked owner or admin, not from the {}'s own seat: ask one to set it for you.",
            role.as_str(),
            role.as_str()
        )));
    }
    let verifier = make_verifier(new, ids)?;
    store.write(|tx| store_verifier(tx, actor, &actor.member_id, &verifier, now))
}

/// True when some owner or admin of the actor's tenant already has a passphrase. Until then the
/// tenant has only its first owner (adding members needs an unlocked owner or admin), who sets
/// their own first passphrase.
fn tenant_has_privileged_passphrase(conn: &Connection, actor: &Actor) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM member_credentials c
             JOIN members m ON m.tenant_id = c.tenant_id AND m.id = c.member_id
             WHERE c.tenant_id = ?1 AND m.role IN ('owner', 'admin'))",
        params![actor.tenant_id],
        |row| row.get(0),
    )?)
}

/// Stores `member`'s verifier, ends any unlock made with an older one and appends
/// `member.passphrase_set` (with `by` when someone else set it).
fn store_verifier(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    member: &str,
    verifier: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO member_credentials (tenant_id, member_id, verifier, set_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (tenant_id, member_id) DO UPDATE SET verifier = excluded.verifier,
             set_at = excluded.set_at",
        params![actor.tenant_id, member, verifier, now.to_string()],
    )?;
    tx.execute(
        "DELETE FROM member_unlocks WHERE tenant_id = ?1 AND member_id = ?2",
        params![actor.tenant_id, member],
    )?;
    let data = if member == actor.member_id {
        json!({"member": member})
    } else {
        json!({"member": member, "by": actor.member_id})
    };
    audit::append(
        tx,
        &actor.tenant_id,
        &actor.member_id,
        "member.passphrase_set",
        data,
        now,
    )?;
    Ok(())
}

/// Sets the first passphrase of another member who has none (threat model: a privileged
/// member's first passphrase cannot be claimed from the acting seat). The actor is an unlocked
/// owner or admin; only an owner sets an owner's. The member changes it later with
/// [`set_passphrase`], giving this one as the current passphrase.
///
/// Errors: `forbidden`/`locked` (the actor), `not_found` (the member), `conflict` (the member
/// already has a passphrase: only they can change it), `denied` (an admin setting an owner's).
pub fn set_first_passphrase(
    store: &mut Store,
    actor: &Actor,
    member: &str,
    new: &Sensitive<String>,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<()> {
    let now = clock.now();
    let role = require_unlocked_privileged(
        store.conn(),
        actor,
        now,
        "set another member's first passphrase",
    )?;
    let member = &names::resolve(store.conn(), &actor.tenant_id, member)?;
    let target_role = role_of(store.conn(), &actor.tenant_id, member)?;
    if target_role == Role::Owner && role != Role::Owner {
        return Err(Error::Denied(
            "Only an owner can set an owner's first passphrase.".to_owned(),
        ));
    }
    if verifier_of(store.conn(), &actor.tenant_id, member)?.is_some() {
        return Err(Error::Conflict(format!(
            "Member {member} already has a passphrase; only they can change it, giving the current one."
        )));
    }
    let verifier = make_verifier(new, ids)?;
    store.write(|tx| store_verifier(tx, actor, member, &verifier, now))
}

/// Unlocks the acting member for `timeout_secs` (default 15 min, at most 8 h) when the
/// passphrase matches. A wrong passphrase is audited and refused.
pub fn unlock(
    store: &mut Store,
    actor: &Actor,
    passphrase: &Sensitive<String>,
    timeout_secs: Option<i64>,
    clock: &dyn Clock,
) -> Result<UnlockStatus> {
    let now = clock.now();
    let timeout = timeout_secs.unwrap_or(DEFAULT_UNLOCK_SECS);
    if !(1..=MAX_UNLOCK_SECS).contains(&timeout) {
        return Err(Error::invalid(
            "unlock timeout",
            format!(
                "must be between 1 second and {} hours",
                MAX_UNLOCK_SECS / 3600
            ),
        ));
    }
    let role = role_of(store.conn(), &actor.tenant_id, &actor.member_id)?;
    let Some(verifier) = verifier_of(store.conn(), &actor.tenant_id, &actor.member_id)? else {
        return Err(Error::NoPassphrase { action: "unlock" });
    };
    let ok = verify(&verifier, passphrase)?;
    let until = now.plus_millis(timeout.saturating_mul(1000));
    store.write(|tx| {
        if ok {
            tx.execute(
                "INSERT INTO member_unlocks (tenant_id, member_id, unlocked_at, unlocked_until)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, member_id) DO UPDATE SET unlocked_at = excluded.unlocked_at,
                     unlocked_until = excluded.unlocked_until",
                params![actor.tenant_id, actor.member_id, now.to_string(), until.to_string()],
            )?;
        }
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            if ok {
                "member.unlocked"
            } else {
                "member.unlock_failed"
            },
            if ok {
                json!({"member": actor.member_id, "until": until.to_string()})
            } else {
                json!({"member": actor.member_id})
            },
            now,
        )?;
        Ok(())
    })?;
    if !ok {
        return Err(Error::WrongMemberPassphrase);
    }
    Ok(UnlockStatus {
        member_id: actor.member_id.clone(),
        role,
        has_passphrase: true,
        unlocked: true,
        unlocked_until: Some(until),
    })
}

/// Locks the acting member now.
pub fn lock(store: &mut Store, actor: &Actor, clock: &dyn Clock) -> Result<UnlockStatus> {
    let now = clock.now();
    store.write(|tx| {
        tx.execute(
            "DELETE FROM member_unlocks WHERE tenant_id = ?1 AND member_id = ?2",
            params![actor.tenant_id, actor.member_id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "member.locked",
            json!({"member": actor.member_id}),
            now,
        )?;
        Ok(())
    })?;
    unlock_status(store, actor, now)
}

/// Whether the acting member is unlocked at `now`.
pub fn unlock_status(store: &Store, actor: &Actor, now: Timestamp) -> Result<UnlockStatus> {
    let conn = store.conn();
    let role = role_of(conn, &actor.tenant_id, &actor.member_id)?;
    let has_passphrase = verifier_of(conn, &actor.tenant_id, &actor.member_id)?.is_some();
    let until = unlocked_until(conn, &actor.tenant_id, &actor.member_id)?.filter(|u| now < *u);
    Ok(UnlockStatus {
        member_id: actor.member_id.clone(),
        role,
        has_passphrase,
        unlocked: until.is_some() && has_passphrase,
        unlocked_until: until,
    })
}

/// Makes `member` the one this installation runs as. Switching grants nothing by itself and
/// ends every unlock in the tenant, so an owner or admin switched to must unlock again with
/// their own passphrase (a customer cannot ride on an owner's earlier unlock).
pub fn switch(store: &mut Store, actor: &Actor, member: &str, clock: &dyn Clock) -> Result<Actor> {
    let now = clock.now();
    let member = &names::resolve(store.conn(), &actor.tenant_id, member)?;
    let role = role_of(store.conn(), &actor.tenant_id, member)?;
    store.write(|tx| {
        tx.execute(
            "UPDATE local_profile SET member_id = ?1 WHERE singleton = 1 AND tenant_id = ?2",
            params![member, actor.tenant_id],
        )?;
        tx.execute(
            "DELETE FROM member_unlocks WHERE tenant_id = ?1",
            params![actor.tenant_id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "member.switched",
            json!({"from": actor.member_id, "to": member}),
            now,
        )?;
        Ok(())
    })?;
    Ok(Actor {
        tenant_id: actor.tenant_id.clone(),
        member_id: member.to_owned(),
        role,
    })
}

/// The members of `tenant`, by name, with their lock state at `now`.
pub fn list(store: &Store, tenant: &str, now: Timestamp) -> Result<Vec<MemberSummary>> {
    let acting: Option<String> = store
        .conn()
        .query_row(
            "SELECT member_id FROM local_profile WHERE singleton = 1 AND tenant_id = ?1",
            params![tenant],
            |row| row.get(0),
        )
        .optional()?;
    let mut statement = store.conn().prepare(
        "SELECT m.id, m.display_name, m.role, (c.verifier IS NOT NULL), u.unlocked_until
         FROM members m
         LEFT JOIN member_credentials c ON c.tenant_id = m.tenant_id AND c.member_id = m.id
         LEFT JOIN member_unlocks u ON u.tenant_id = m.tenant_id AND u.member_id = m.id
         WHERE m.tenant_id = ?1
         ORDER BY m.display_name, m.id",
    )?;
    let rows = statement.query_map(params![tenant], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, bool>(3)?,
            row.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, display_name, role, has_passphrase, until) = row?;
        let until = until
            .map(|t| parse_ts("unlocked_until", &t))
            .transpose()?
            .filter(|u| now < *u && has_passphrase);
        out.push(MemberSummary {
            acting: acting.as_deref() == Some(id.as_str()),
            id,
            display_name,
            role: Role::parse(&role)?,
            has_passphrase,
            unlocked_until: until,
        });
    }
    Ok(out)
}

/// One member of `tenant`.
pub fn get(store: &Store, tenant: &str, member: &str, now: Timestamp) -> Result<MemberSummary> {
    let member = names::resolve(store.conn(), tenant, member)?;
    list(store, tenant, now)?
        .into_iter()
        .find(|m| m.id == member)
        .ok_or_else(|| Error::NotFound {
            what: format!("Member {member}"),
            hint: "List the members to see their ids.".to_owned(),
        })
}
