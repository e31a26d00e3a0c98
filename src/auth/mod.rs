//! Who acts: tenants, members and roles, the acting member (the local profile), and proof of
//! identity ([`members`]: passphrases, unlocking, and the checks every guarded action calls).
//!
//! The layer above the store and the audit log, below every domain: a domain asks this module
//! who is acting and whether they may, never the other way round.

pub mod members;
pub mod names;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::store::Store;
use crate::{Error, Result};

/// A member's role within a tenant. Its wire names (`owner`, `admin`, `customer`) are the same
/// in JSON, SQLite and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Customer,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the roles otherwise.
    pub fn parse(text: &str) -> Result<Role> {
        Error::parse_name("role", Some("role"), text)
    }
}

/// A tenant's plan, which sets its quotas. Wire names: `free`, `pro`, `business`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Tier {
    Free,
    Pro,
    Business,
}

impl Tier {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the tiers otherwise.
    pub fn parse(text: &str) -> Result<Tier> {
        Error::parse_name("tier", Some("tier"), text)
    }
}

/// The tenant this installation acts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    pub created_at: Timestamp,
}

/// The member this installation runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MemberInfo {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

/// The acting tenant and member, resolved from the local profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub tenant_id: String,
    pub member_id: String,
    pub role: Role,
}

const NAME_MAX_CHARS: usize = 200;

/// A display name: trimmed, 1 to 200 characters, no control characters.
pub(crate) fn clean_name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::invalid(
            field,
            format!("is longer than {NAME_MAX_CHARS} characters; shorten it"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "contains control characters; use plain text",
        ));
    }
    Ok(name.to_owned())
}

/// The acting tenant and member, or `NotInitialized`.
pub fn current_actor(store: &Store) -> Result<Actor> {
    current_actor_opt(store.conn())?.ok_or_else(|| Error::NotInitialized {
        home: store.home_dir(),
    })
}

pub(crate) fn current_actor_opt(conn: &Connection) -> Result<Option<Actor>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT p.tenant_id, p.member_id, m.role
             FROM local_profile p
             JOIN members m ON m.tenant_id = p.tenant_id AND m.id = p.member_id
             WHERE p.singleton = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(tenant_id, member_id, role)| {
        Ok(Actor {
            tenant_id,
            member_id,
            role: Role::parse(&role)?,
        })
    })
    .transpose()
}

/// The installation id that namespaces this data folder's keyring entries.
pub fn install_id(store: &Store) -> Result<Option<String>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT install_id FROM local_profile WHERE singleton = 1",
            [],
            |row| row.get(0),
        )
        .optional()?)
}

/// A tenant's name, tier and creation time.
pub fn tenant_info(conn: &Connection, tenant_id: &str) -> Result<TenantInfo> {
    let (id, name, tier, created_at): (String, String, String, String) = conn.query_row(
        "SELECT id, name, tier, created_at FROM tenants WHERE id = ?1",
        params![tenant_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    Ok(TenantInfo {
        id,
        name,
        tier: Tier::parse(&tier)?,
        created_at: Timestamp::parse(&created_at)
            .map_err(|e| Error::invalid("tenant created_at", e.to_string()))?,
    })
}
