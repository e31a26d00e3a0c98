//! The capability catalog: skills, libraries and devices an agent may install, per tenant.
//! Each entry's `content_hash` is sha256 of the RFC 8785 form of its manifest (the entry without
//! its hash). The starter catalog ships in `catalog/capabilities.json` and is seeded into every
//! new tenant; only an owner or admin (unlocked) creates or edits entries.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::members::{parse_ts, require_unlocked_privileged};
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::{Clock, Timestamp};
use crate::governance::{self, quota};
use crate::store::Store;
use crate::{Error, Result};

/// The starter catalog, embedded at compile time.
pub const STARTER_JSON: &str = include_str!("../../catalog/capabilities.json");

/// What a capability is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum CapabilityKind {
    Skill,
    Library,
    Device,
}

/// How much harm a capability can do; ordered from low to critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

/// Who vouches for a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum TrustTier {
    Official,
    Community,
}

/// Where a catalog entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum CatalogOrigin {
    Starter,
    Admin,
}

/// `as_str` and `parse` over the strum derives; an unknown name is refused on `$field`.
macro_rules! wire_name {
    ($ty:ident, $field:literal) => {
        impl $ty {
            /// The wire name (JSON and SQLite).
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// Parses a wire name; `invalid_input` naming the valid ones otherwise.
            pub fn parse(text: &str) -> Result<$ty> {
                Error::parse_name($field, None, text)
            }
        }
    };
}

wire_name!(CapabilityKind, "kind");
wire_name!(RiskLevel, "risk");
wire_name!(TrustTier, "trust");
wire_name!(CatalogOrigin, "origin");

/// A catalog entry without its hash: exactly what `content_hash` covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct CapabilityManifest {
    pub kind: CapabilityKind,
    pub id: String,
    pub version: String,
    pub name: String,
    pub summary: String,
    pub risk: RiskLevel,
    /// What it may touch, such as `mail:read` or `browser:automate`.
    pub scope: Vec<String>,
    pub trust: TrustTier,
    /// Ability slots it uses while installed.
    pub slots: u32,
    #[ts(type = "number")]
    pub storage_bytes: u64,
    /// Declared traits the onboarding recommender matches (email, voice, team, …).
    pub traits: Vec<String>,
}

/// A stored catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Capability {
    #[serde(flatten)]
    pub manifest: CapabilityManifest,
    pub content_hash: Digest,
    pub origin: CatalogOrigin,
    pub updated_at: Timestamp,
    /// What it takes, in words: `Uses 1 slot and 12 MiB` ([`quota::words::uses`]).
    pub uses: String,
}

/// Filters for [`list`]; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
pub struct CatalogFilter {
    pub kind: Option<CapabilityKind>,
    /// Case-insensitive text matched against id, name, summary and traits.
    pub query: Option<String>,
}

const MAX_STORAGE_BYTES: u64 = 100 * 1024 * 1024 * 1024;
const MAX_SLOTS: u32 = 10;

fn token_ok(text: &str, max: usize, extra: &[char]) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(&c))
}

/// Checks a manifest's fields (ids, version, text lengths, scopes, traits, slots, storage).
pub fn validate(manifest: &CapabilityManifest) -> Result<()> {
    let m = manifest;
    if !token_ok(&m.id, 64, &['_', '-', '.'])
        || !m.id.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(Error::invalid(
            "capability id",
            format!("\"{}\" must be 1 to 64 lowercase letters, digits, '_', '-' or '.', starting with a letter or digit", m.id),
        ));
    }
    if m.version.is_empty()
        || m.version.len() > 32
        || !m
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
    {
        return Err(Error::invalid(
            "version",
            format!(
                "\"{}\" must be 1 to 32 letters, digits, '.', '+' or '-' (for example 1.2.0)",
                m.version
            ),
        ));
    }
    for (field, text, max) in [("name", &m.name, 100usize), ("summary", &m.summary, 500)] {
        if text.trim().is_empty()
            || text.chars().count() > max
            || text.chars().any(char::is_control)
        {
            return Err(Error::invalid(
                field,
                format!("must be 1 to {max} characters of plain text"),
            ));
        }
    }
    if m.scope.is_empty() || m.scope.len() > 16 {
        return Err(Error::invalid(
            "scope",
            "list 1 to 16 scopes, such as files:read",
        ));
    }
    check_scopes(&m.scope)?;
    if m.traits.len() > 20 {
        return Err(Error::invalid("traits", "list at most 20 traits"));
    }
    for t in &m.traits {
        if !token_ok(t, 32, &['_', '-']) {
            return Err(Error::invalid(
                "traits",
                format!("\"{t}\" must be 1 to 32 lowercase letters, digits, '_' or '-'"),
            ));
        }
    }
    if m.slots > MAX_SLOTS {
        return Err(Error::invalid("slots", format!("must be 0 to {MAX_SLOTS}")));
    }
    if m.storage_bytes > MAX_STORAGE_BYTES {
        return Err(Error::invalid("storage_bytes", "must be at most 100 GiB"));
    }
    Ok(())
}

/// Scopes are `area:action` tokens of lowercase letters, digits, `_` and `-`; no duplicates.
pub fn check_scopes(scopes: &[String]) -> Result<()> {
    for (i, s) in scopes.iter().enumerate() {
        let ok =
            s.split(':').count() <= 2 && s.split(':').all(|part| token_ok(part, 32, &['_', '-']));
        if !ok {
            return Err(Error::invalid(
                "scope",
                format!("\"{s}\" must look like area:action, such as files:read"),
            ));
        }
        if scopes[..i].contains(s) {
            return Err(Error::invalid("scope", format!("\"{s}\" is listed twice")));
        }
    }
    Ok(())
}

/// The content hash of a manifest: sha256 of its canonical JSON.
pub fn content_hash(manifest: &CapabilityManifest) -> Result<Digest> {
    Ok(canon::digest_of(manifest)?)
}

/// The starter catalog, each entry checked against its declared hash.
pub fn starter_catalog() -> Result<Vec<(CapabilityManifest, Digest)>> {
    let doc: serde_json::Value = serde_json::from_str(STARTER_JSON)
        .map_err(|e| Error::invalid("starter catalog", e.to_string()))?;
    let entries = doc
        .get("entries")
        .and_then(|e| e.as_array())
        .ok_or_else(|| Error::invalid("starter catalog", "has no \"entries\" array"))?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut entry = entry.clone();
        let declared = entry
            .as_object_mut()
            .and_then(|map| map.remove("content_hash"))
            .and_then(|h| h.as_str().map(str::to_owned))
            .ok_or_else(|| Error::invalid("starter catalog", "an entry has no content_hash"))?;
        let manifest: CapabilityManifest = serde_json::from_value(entry)
            .map_err(|e| Error::invalid("starter catalog", e.to_string()))?;
        validate(&manifest)?;
        let hash = content_hash(&manifest)?;
        if hash.to_string() != declared {
            return Err(Error::HashMismatch(format!(
                "Starter catalog entry {} declares {declared} but its manifest hashes to {hash}.",
                manifest.id
            )));
        }
        out.push((manifest, hash));
    }
    Ok(out)
}

fn insert(
    tx: &Transaction<'_>,
    tenant: &str,
    manifest: &CapabilityManifest,
    hash: &Digest,
    origin: CatalogOrigin,
    now: Timestamp,
    replace: bool,
) -> Result<usize> {
    let verb = if replace {
        "INSERT OR REPLACE"
    } else {
        "INSERT OR IGNORE"
    };
    let sql = format!(
        "{verb} INTO capabilities (tenant_id, id, version, kind, name, summary, risk, scope, trust,
             slots, storage_bytes, traits, content_hash, origin, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    );
    let storage = i64::try_from(manifest.storage_bytes)
        .map_err(|_| Error::invalid("storage_bytes", "is too large"))?;
    Ok(tx.execute(
        &sql,
        params![
            tenant,
            manifest.id,
            manifest.version,
            manifest.kind.as_str(),
            manifest.name,
            manifest.summary,
            manifest.risk.as_str(),
            json_list(&manifest.scope),
            manifest.trust.as_str(),
            manifest.slots,
            storage,
            json_list(&manifest.traits),
            hash.to_string(),
            origin.as_str(),
            now.to_string()
        ],
    )?)
}

pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn parse_list(field: &'static str, text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| Error::invalid(field, e.to_string()))
}

/// Seeds the starter catalog into `tenant` inside the caller's transaction (entries already
/// present are kept). Returns how many entries the starter catalog has and its digest.
pub(crate) fn seed_starter(
    tx: &Transaction<'_>,
    tenant: &str,
    now: Timestamp,
) -> Result<(usize, Digest)> {
    let entries = starter_catalog()?;
    for (manifest, hash) in &entries {
        insert(
            tx,
            tenant,
            manifest,
            hash,
            CatalogOrigin::Starter,
            now,
            false,
        )?;
    }
    let hashes: Vec<String> = entries.iter().map(|(_, h)| h.to_string()).collect();
    Ok((entries.len(), canon::digest_of(&hashes)?))
}

/// Seeds the starter catalog when `tenant` has no catalog yet (a database from before the
/// catalog existed). Audited as `catalog.seeded`. Returns the number of entries added.
pub fn ensure_starter(store: &mut Store, actor: &Actor, clock: &dyn Clock) -> Result<usize> {
    if count(store, &actor.tenant_id)? > 0 {
        return Ok(0);
    }
    let now = clock.now();
    store.write(|tx| {
        let (n, digest) = seed_starter(tx, &actor.tenant_id, now)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "catalog.seeded",
            json!({"entries": n, "digest": digest.to_string()}),
            now,
        )?;
        Ok(n)
    })
}

/// Adds an entry (owner or admin, unlocked). Its hash is computed, never taken from input.
pub fn create(
    store: &mut Store,
    actor: &Actor,
    manifest: &CapabilityManifest,
    clock: &dyn Clock,
) -> Result<Capability> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "create catalog entries")?;
    validate(manifest)?;
    if find(store.conn(), &actor.tenant_id, &manifest.id)?.is_some() {
        return Err(Error::Conflict(format!(
            "Capability {} is already in the catalog. Change it with `capability edit FILE`.",
            manifest.id
        )));
    }
    let hash = content_hash(manifest)?;
    let event = json!({"capability": manifest.id, "version": manifest.version,
                       "risk": manifest.risk.as_str(), "content_hash": hash.to_string()});
    write_entry(
        store,
        actor,
        manifest,
        &hash,
        now,
        "capability.created",
        event,
    )
}

/// Replaces an entry's manifest (owner or admin, unlocked). Approvals stay bound to the
/// version and hash they approved, so an install after an edit is refused until re-approved.
pub fn edit(
    store: &mut Store,
    actor: &Actor,
    manifest: &CapabilityManifest,
    clock: &dyn Clock,
) -> Result<Capability> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "edit catalog entries")?;
    validate(manifest)?;
    let before = get(store, &actor.tenant_id, &manifest.id)?;
    let hash = content_hash(manifest)?;
    if hash == before.content_hash {
        return Err(Error::Conflict(format!(
            "Capability {} is unchanged ({hash}); nothing to edit.",
            manifest.id
        )));
    }
    let event = json!({"capability": manifest.id,
                       "from_version": before.manifest.version, "version": manifest.version,
                       "previous_hash": before.content_hash.to_string(),
                       "content_hash": hash.to_string()});
    write_entry(
        store,
        actor,
        manifest,
        &hash,
        now,
        "capability.edited",
        event,
    )
}

/// Stores an admin's entry with its audit event, in one transaction, and returns it as
/// stored. It replaces the current row: `create` has checked there is none, `edit` means to.
fn write_entry(
    store: &mut Store,
    actor: &Actor,
    manifest: &CapabilityManifest,
    hash: &Digest,
    now: Timestamp,
    event: &str,
    data: serde_json::Value,
) -> Result<Capability> {
    store.write(|tx| {
        governance::sweep(tx, &actor.tenant_id, now)?;
        insert(
            tx,
            &actor.tenant_id,
            manifest,
            hash,
            CatalogOrigin::Admin,
            now,
            true,
        )?;
        governance::record(tx, actor, event, data, now)?;
        Ok(())
    })?;
    get(store, &actor.tenant_id, &manifest.id)
}

const SELECT: &str = "SELECT id, version, kind, name, summary, risk, scope, trust, slots,
        storage_bytes, traits, content_hash, origin, updated_at FROM capabilities";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 14]> {
    let mut out: [String; 14] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = match i {
            8 | 9 => row.get::<_, i64>(i)?.to_string(),
            _ => row.get(i)?,
        };
    }
    Ok(out)
}

fn build(raw: [String; 14]) -> Result<Capability> {
    let [id, version, kind, name, summary, risk, scope, trust, slots, storage, traits, hash, origin, updated] =
        raw;
    let bad = |field: &'static str, e: String| Error::invalid(field, e);
    let manifest = CapabilityManifest {
        kind: CapabilityKind::parse(&kind)?,
        id,
        version,
        name,
        summary,
        risk: RiskLevel::parse(&risk)?,
        scope: parse_list("scope", &scope)?,
        trust: TrustTier::parse(&trust)?,
        slots: slots
            .parse()
            .map_err(|e: std::num::ParseIntError| bad("slots", e.to_string()))?,
        storage_bytes: storage
            .parse()
            .map_err(|e: std::num::ParseIntError| bad("storage_bytes", e.to_string()))?,
        traits: parse_list("traits", &traits)?,
    };
    Ok(Capability {
        uses: quota::words::uses(
            i64::from(manifest.slots),
            i64::try_from(manifest.storage_bytes).unwrap_or(i64::MAX),
        ),
        manifest,
        content_hash: hash
            .parse()
            .map_err(|e: <Digest as std::str::FromStr>::Err| bad("content_hash", e.to_string()))?,
        origin: CatalogOrigin::parse(&origin)?,
        updated_at: parse_ts("updated_at", &updated)?,
    })
}

pub(crate) fn find(conn: &Connection, tenant: &str, id: &str) -> Result<Option<Capability>> {
    let raw = conn
        .query_row(
            &format!("{SELECT} WHERE tenant_id = ?1 AND id = ?2"),
            params![tenant, id],
            from_row,
        )
        .optional()?;
    raw.map(build).transpose()
}

pub(crate) fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: format!("Capability {id}"),
        hint: "List the catalog to see its ids.".to_owned(),
    }
}

/// One catalog entry of `tenant`.
pub fn get(store: &Store, tenant: &str, id: &str) -> Result<Capability> {
    find(store.conn(), tenant, id)?.ok_or_else(|| not_found(id))
}

/// The catalog of `tenant`, by kind then id, filtered.
pub fn list(store: &Store, tenant: &str, filter: &CatalogFilter) -> Result<Vec<Capability>> {
    let query = filter
        .query
        .as_deref()
        .map(str::to_lowercase)
        .unwrap_or_default();
    let mut statement = store.conn().prepare(&format!(
        "{SELECT} WHERE tenant_id = ?1
           AND (?2 IS NULL OR kind = ?2)
           AND (?3 = '' OR instr(lower(id || ' ' || name || ' ' || summary || ' ' || traits), ?3) > 0)
         ORDER BY CASE kind WHEN 'skill' THEN 0 WHEN 'library' THEN 1 ELSE 2 END, id"
    ))?;
    let rows = statement.query_map(
        params![tenant, filter.kind.map(CapabilityKind::as_str), query],
        from_row,
    )?;
    rows.map(|raw| build(raw?)).collect()
}

/// How many entries the catalog of `tenant` has.
pub fn count(store: &Store, tenant: &str) -> Result<i64> {
    Ok(store.conn().query_row(
        "SELECT COUNT(*) FROM capabilities WHERE tenant_id = ?1",
        params![tenant],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_catalog_is_valid_and_its_hashes_match() {
        let entries = starter_catalog().unwrap();
        assert!((18..=24).contains(&entries.len()), "{}", entries.len());
        let ids: Vec<&str> = entries.iter().map(|(m, _)| m.id.as_str()).collect();
        assert!(ids.contains(&"uplay_chromium"));
        assert!(entries.iter().any(
            |(m, _)| m.traits.iter().any(|t| t == "voice") && m.kind == CapabilityKind::Device
        ));
        for kind in [
            CapabilityKind::Skill,
            CapabilityKind::Library,
            CapabilityKind::Device,
        ] {
            assert!(entries.iter().any(|(m, _)| m.kind == kind), "{kind:?}");
        }
        for risk in [
            RiskLevel::Low,
            RiskLevel::Medium,
            RiskLevel::High,
            RiskLevel::Critical,
        ] {
            assert!(entries.iter().any(|(m, _)| m.risk == risk), "{risk:?}");
        }
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn the_hash_covers_every_field() {
        let (manifest, hash) = starter_catalog().unwrap().remove(0);
        let mut changed = manifest.clone();
        changed.storage_bytes += 1;
        assert_ne!(content_hash(&changed).unwrap(), hash);
        assert_eq!(content_hash(&manifest).unwrap(), hash);
    }
}
