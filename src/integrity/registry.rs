//! The append-only registry of roles and presets: stable lower_snake_case ids that are never
//! removed (only deprecated) nor reused, aliases, and versioned contracts
//! (`ROLE:<role_id>:X:<ver>` extract, `ROLE:<role_id>:C:<ver>` compose) whose surface hash is
//! sha256 of the canonical JSON of their schema. `check` compares a registry file with its
//! previous published version and reports each violation with a stable rule code.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::canon::{self, Digest};
use crate::json;
use crate::Result;

/// A registry file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub registry_version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Active,
    Deprecated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Role,
    Preset,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    #[serde(default = "default_kind")]
    pub kind: EntryKind,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub lifecycle: Lifecycle,
    #[serde(default)]
    pub contracts: Vec<Contract>,
}

fn default_kind() -> EntryKind {
    EntryKind::Role
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub id: String,
    pub schema: serde_json::Value,
}

impl Contract {
    /// sha256 of the canonical JSON of the schema.
    pub fn surface_hash(&self) -> Result<Digest> {
        Ok(canon::digest_of(&self.schema)?)
    }
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Violation {
    pub rule: String,
    pub id: String,
    pub message: String,
}

pub const ID_REMOVED: &str = "ID_REMOVED";
pub const SCHEMA_CHANGED_WITHOUT_VERSION_BUMP: &str = "SCHEMA_CHANGED_WITHOUT_VERSION_BUMP";
pub const DUPLICATE_ID: &str = "DUPLICATE_ID";
pub const INVALID_ID: &str = "INVALID_ID";
pub const INVALID_CONTRACT_ID: &str = "INVALID_CONTRACT_ID";
pub const ALIAS_COLLISION: &str = "ALIAS_COLLISION";

fn violation(rule: &str, id: &str, message: String) -> Violation {
    Violation {
        rule: rule.to_owned(),
        id: id.to_owned(),
        message,
    }
}

pub use crate::naming::is_valid_id;

/// `ROLE:<role_id>:X|C:<ver>` with ver a positive u32 written without leading zeros.
pub fn parse_contract_id(id: &str) -> Option<(&str, char, u32)> {
    let mut parts = id.split(':');
    let (Some("ROLE"), Some(role), Some(kind), Some(ver), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let kind = match kind {
        "X" => 'X',
        "C" => 'C',
        _ => return None,
    };
    if ver.starts_with('0') || !ver.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ver: u32 = ver.parse().ok().filter(|v| *v > 0)?;
    is_valid_id(role).then_some((role, kind, ver))
}

/// Reads a registry file's text, naming the problem when it is not a registry.
pub fn parse(text: &str, origin: &str) -> Result<Registry> {
    json::from_slice(text.as_bytes(), "registry", origin)
}

/// The internal rules of one registry.
fn internal(registry: &Registry) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    let mut contract_ids = BTreeSet::new();
    for entry in &registry.entries {
        if !is_valid_id(&entry.id) {
            out.push(violation(
                INVALID_ID,
                &entry.id,
                format!("\"{}\" is not a valid id: use lower_snake_case, 1 to 64 characters, starting with a letter", entry.id),
            ));
        }
        if !ids.insert(entry.id.as_str()) {
            out.push(violation(
                DUPLICATE_ID,
                &entry.id,
                format!("\"{}\" is declared more than once", entry.id),
            ));
        }
        for contract in &entry.contracts {
            match parse_contract_id(&contract.id) {
                None => out.push(violation(
                    INVALID_CONTRACT_ID,
                    &contract.id,
                    format!("\"{}\" is not ROLE:<role_id>:X:<ver> or ROLE:<role_id>:C:<ver> with ver a positive whole number", contract.id),
                )),
                Some((role, _, _)) if role != entry.id => out.push(violation(
                    INVALID_CONTRACT_ID,
                    &contract.id,
                    format!("\"{}\" is declared under \"{}\" but names role \"{role}\"", contract.id, entry.id),
                )),
                Some(_) => {}
            }
            if !contract_ids.insert(contract.id.as_str()) {
                out.push(violation(
                    DUPLICATE_ID,
                    &contract.id,
                    format!("contract \"{}\" is declared more than once", contract.id),
                ));
            }
        }
    }
    let mut alias_owner: BTreeMap<&str, &str> = BTreeMap::new();
    for entry in &registry.entries {
        for alias in &entry.aliases {
            if !is_valid_id(alias) {
                out.push(violation(
                    INVALID_ID,
                    alias,
                    format!("alias \"{alias}\" of \"{}\" is not a valid id", entry.id),
                ));
            }
            if ids.contains(alias.as_str()) {
                out.push(violation(
                    ALIAS_COLLISION,
                    alias,
                    format!("alias \"{alias}\" of \"{}\" is also an entry id", entry.id),
                ));
            } else if let Some(owner) = alias_owner.insert(alias.as_str(), entry.id.as_str()) {
                out.push(violation(
                    ALIAS_COLLISION,
                    alias,
                    format!(
                        "alias \"{alias}\" is claimed by both \"{owner}\" and \"{}\"",
                        entry.id
                    ),
                ));
            }
        }
    }
    out
}

/// Checks `current` against the previously published `baseline` (none on the first publish).
pub fn check(current: &Registry, baseline: Option<&Registry>) -> Result<Vec<Violation>> {
    let mut out = internal(current);
    let Some(baseline) = baseline else {
        return Ok(out);
    };
    let ids: BTreeSet<&str> = current.entries.iter().map(|e| e.id.as_str()).collect();
    let contracts: BTreeMap<&str, &Contract> = current
        .entries
        .iter()
        .flat_map(|e| e.contracts.iter())
        .map(|c| (c.id.as_str(), c))
        .collect();
    let old_ids: BTreeSet<&str> = baseline.entries.iter().map(|e| e.id.as_str()).collect();
    for entry in &current.entries {
        for alias in &entry.aliases {
            if old_ids.contains(alias.as_str()) && !ids.contains(alias.as_str()) {
                out.push(violation(
                    ALIAS_COLLISION,
                    alias,
                    format!("alias \"{alias}\" of \"{}\" reuses an id that was published before; ids are never reused", entry.id),
                ));
            }
        }
    }
    for entry in &baseline.entries {
        if !ids.contains(entry.id.as_str()) {
            out.push(violation(
                ID_REMOVED,
                &entry.id,
                format!("\"{}\" was published before and is gone; keep it with \"lifecycle\": \"deprecated\" instead", entry.id),
            ));
        }
        for old in &entry.contracts {
            match contracts.get(old.id.as_str()) {
                None => out.push(violation(
                    ID_REMOVED,
                    &old.id,
                    format!("contract \"{}\" was published before and is gone; keep it", old.id),
                )),
                Some(new) if new.surface_hash()? != old.surface_hash()? => out.push(violation(
                    SCHEMA_CHANGED_WITHOUT_VERSION_BUMP,
                    &old.id,
                    format!(
                        "contract \"{}\" changed its schema ({} → {}); publish it under the next version instead",
                        old.id,
                        old.surface_hash()?,
                        new.surface_hash()?
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    Ok(out)
}
