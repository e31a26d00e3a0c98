//! The tenant's preset catalog in SQLite: drafts edited freely, published versions frozen with
//! their content hash and lineage (the parent's hash), labels such as `production` that point
//! at published versions (moving one is how you roll back), deprecation instead of removal,
//! and the official presets shipped in `presets/official/`. The versions and labels are
//! `store::documents` of kind `preset` (the body is the bundle as canonical JSON).

use include_dir::{include_dir, Dir};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::{Clock, Timestamp};
use crate::persona::preset::bundle::{check_preset_id, PresetBundle, Trust};
use crate::persona::preset::files;
use crate::persona::spec::Mode;
use crate::store::documents::{self, Doc, Kind, Stamp, Version};
use crate::store::Store;
use crate::{Error, Result};

static OFFICIAL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/presets/official");

use super::reference::{check_label, shown};
pub use super::reference::{parse_ref, VersionRef, PRODUCTION};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Active,
    Deprecated,
}

pub use crate::store::documents::{LabelInfo, VersionState};

/// The stored document holding preset `id`'s versions in `tenant`.
fn doc<'a>(tenant: &'a str, id: &'a str) -> Doc<'a> {
    Doc {
        kind: Kind::Preset,
        tenant,
        id,
    }
}

/// A preset in the list, described by its newest version.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PresetSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub traits: Vec<String>,
    pub mode: Mode,
    pub trust: Trust,
    pub lifecycle: Lifecycle,
    pub latest_published: Option<u32>,
    pub draft: Option<u32>,
    pub labels: Vec<LabelInfo>,
    pub content_hash: Digest,
}

/// One stored version with its files.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PresetVersion {
    pub id: String,
    pub version: u32,
    pub state: VersionState,
    pub bundle: PresetBundle,
    pub content_hash: Digest,
    pub parent_hash: Option<Digest>,
    pub created_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
pub struct PresetFilter {
    pub query: Option<String>,
    pub tag: Option<String>,
    pub mode: Option<Mode>,
    pub trust: Option<Trust>,
    #[serde(default)]
    pub include_deprecated: bool,
}

/// The official presets shipped with the app.
pub fn official_bundles() -> Result<Vec<PresetBundle>> {
    let mut bundles = Vec::new();
    for dir in OFFICIAL.dirs() {
        let mut texts = std::collections::BTreeMap::new();
        for file in dir.files() {
            let (Some(name), Some(text)) = (
                file.path().file_name().and_then(|n| n.to_str()),
                file.contents_utf8(),
            ) else {
                continue;
            };
            texts.insert(name.to_owned(), text.to_owned());
        }
        let bundle = files::bundle_from_texts(texts, &dir.path().display().to_string())?;
        bundles.push(bundle);
    }
    bundles.sort_by(|a, b| a.manifest.id.cmp(&b.manifest.id));
    Ok(bundles)
}

fn bundle_text(bundle: &PresetBundle) -> Result<String> {
    String::from_utf8(canon::to_canonical_vec(bundle)?)
        .map_err(|e| Error::invalid("preset", e.to_string()))
}

/// Seeds the official presets as published version 1 with the `production` label. Used by
/// `tenant::init`, inside its transaction. Returns how many and a digest of their hashes.
pub(crate) fn seed_official(
    tx: &Transaction<'_>,
    tenant: &str,
    member: &str,
    now: Timestamp,
) -> Result<(usize, Digest)> {
    let bundles = official_bundles()?;
    let mut hashes = Vec::new();
    for bundle in &bundles {
        tx.execute(
            "INSERT INTO presets (tenant_id, id, trust, lifecycle, created_at) VALUES (?1, ?2, 'official', 'active', ?3)",
            params![tenant, bundle.manifest.id, now.to_string()],
        )?;
        // Through the same lifecycle as any preset: a draft, published, labelled.
        let stored = doc(tenant, &bundle.manifest.id);
        let stamp = Stamp { member, at: now };
        let hash = bundle.content_hash()?;
        let text = bundle_text(bundle)?;
        documents::insert_draft(tx, stored, 1, &text, Some(&hash), stamp)?;
        documents::publish(tx, stored, 1, None, &hash, stamp)?;
        documents::move_label(tx, stored, PRODUCTION, 1, stamp)?;
        hashes.push(hash.to_string());
    }
    Ok((bundles.len(), canon::digest_of(&hashes)?))
}

fn to_version(id: &str, stored: Version) -> Result<PresetVersion> {
    let bad = |what: &str, e: String| {
        Error::invalid(
            "stored preset",
            format!("{id} v{}: {what}: {e}", stored.number),
        )
    };
    let bundle: PresetBundle =
        serde_json::from_str(&stored.body).map_err(|e| bad("bundle", e.to_string()))?;
    Ok(PresetVersion {
        id: id.to_owned(),
        version: stored.number,
        state: stored.state,
        content_hash: stored
            .content_hash
            .ok_or_else(|| bad("hash", "missing".to_owned()))?,
        parent_hash: stored.parent_hash,
        created_at: stored.created_at,
        published_at: stored.published_at,
        bundle,
    })
}

fn versions_of(store: &Store, tenant: &str, id: &str) -> Result<Vec<PresetVersion>> {
    documents::versions(store.conn(), doc(tenant, id))?
        .into_iter()
        .map(|v| to_version(id, v))
        .collect()
}

/// Every version of preset `id`, newest first.
pub fn history(store: &Store, tenant: &str, id: &str) -> Result<Vec<PresetVersion>> {
    let versions = versions_of(store, tenant, id)?;
    if versions.is_empty() {
        return Err(not_found(id));
    }
    Ok(versions)
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: format!("Preset {id}"),
        hint: "List the presets with `preset list`.".to_owned(),
    }
}

fn labels_of(store: &Store, tenant: &str, id: &str) -> Result<Vec<LabelInfo>> {
    documents::labels(store.conn(), doc(tenant, id))
}

/// A preset version picked by a [`VersionRef`], with how it was picked.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub version: PresetVersion,
    /// The label followed, when one was (`production` for a bare id that has it).
    pub label: Option<String>,
    /// The reference as read, ending at the version: `executive_assistant:production → v1`.
    pub shown: String,
    /// Whether the preset is deprecated (it still resolves; callers warn).
    pub deprecated: bool,
}

/// The one reading of a version reference, used by every command and page: a bare id
/// ([`VersionRef::Default`]) is the version the `production` label points at, else the newest
/// published version; `@latest` is always the newest published one.
///
/// # Errors
/// `not_found` when the preset, the version or the label does not exist.
pub fn resolve(store: &Store, tenant: &str, id: &str, reference: &VersionRef) -> Result<Resolved> {
    let versions = history(store, tenant, id)?;
    let labels = labels_of(store, tenant, id)?;
    let label_target = |name: &str| labels.iter().find(|l| l.label == name).map(|l| l.version);
    let newest = versions.iter().find(|v| v.state == VersionState::Published);
    let (wanted, label) = match reference {
        VersionRef::Default => match label_target(PRODUCTION) {
            Some(n) => (versions.iter().find(|v| v.version == n), Some(PRODUCTION)),
            None => (newest, None),
        },
        VersionRef::Latest => (newest, None),
        VersionRef::Draft => (
            versions.iter().find(|v| v.state == VersionState::Draft),
            None,
        ),
        VersionRef::Number(n) => (versions.iter().find(|v| v.version == *n), None),
        VersionRef::Label(name) => (
            label_target(name).and_then(|n| versions.iter().find(|v| v.version == n)),
            Some(name.as_str()),
        ),
    };
    let version = wanted.cloned().ok_or_else(|| Error::NotFound {
        what: format!("{} of preset {id}", describe(reference)),
        hint: format!("See its versions with `preset history {id}`."),
    })?;
    Ok(Resolved {
        shown: shown(id, reference, label, version.version),
        label: label.map(str::to_owned),
        deprecated: lifecycle_of(store, tenant, id)?.as_deref() == Some("deprecated"),
        version,
    })
}

/// One version of a preset: [`resolve`] without how it was picked.
pub fn get(store: &Store, tenant: &str, id: &str, reference: &VersionRef) -> Result<PresetVersion> {
    resolve(store, tenant, id, reference).map(|r| r.version)
}

fn lifecycle_of(store: &Store, tenant: &str, id: &str) -> Result<Option<String>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT lifecycle FROM presets WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, id],
            |r| r.get(0),
        )
        .optional()?)
}

fn describe(reference: &VersionRef) -> String {
    match reference {
        VersionRef::Default | VersionRef::Latest => "A published version".to_owned(),
        VersionRef::Draft => "A draft".to_owned(),
        VersionRef::Number(n) => format!("Version {n}"),
        VersionRef::Label(label) => format!("The label {label}"),
    }
}

/// The presets of `tenant` matching `filter`, by id.
pub fn list(store: &Store, tenant: &str, filter: &PresetFilter) -> Result<Vec<PresetSummary>> {
    let mut statement = store
        .conn()
        .prepare("SELECT id, trust, lifecycle FROM presets WHERE tenant_id = ?1 ORDER BY id")?;
    let rows = statement
        .query_map(params![tenant], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let query = filter
        .query
        .as_deref()
        .map(str::to_lowercase)
        .unwrap_or_default();
    let mut out = Vec::new();
    for (id, trust, lifecycle) in rows {
        let versions = versions_of(store, tenant, &id)?;
        let Some(newest) = versions.first() else {
            continue;
        };
        let m = &newest.bundle.manifest;
        let summary = PresetSummary {
            id: id.clone(),
            name: m.name.clone(),
            description: m.description.clone(),
            tags: m.tags.clone(),
            traits: m.traits.clone(),
            mode: m.mode,
            // A version edited here is local, even of an official preset.
            trust: match (trust.as_str(), m.trust) {
                (_, Trust::Local) => Trust::Local,
                ("official", _) => Trust::Official,
                ("community", _) => Trust::Community,
                _ => Trust::Local,
            },
            lifecycle: if lifecycle == "deprecated" {
                Lifecycle::Deprecated
            } else {
                Lifecycle::Active
            },
            latest_published: versions
                .iter()
                .find(|v| v.state == VersionState::Published)
                .map(|v| v.version),
            draft: versions
                .iter()
                .find(|v| v.state == VersionState::Draft)
                .map(|v| v.version),
            labels: labels_of(store, tenant, &id)?,
            content_hash: newest.content_hash,
        };
        let matches = (query.is_empty()
            || [&summary.id, &summary.name, &summary.description]
                .iter()
                .any(|t| t.to_lowercase().contains(&query))
            || summary.tags.iter().any(|t| t.contains(&query)))
            && filter.tag.as_ref().is_none_or(|t| summary.tags.contains(t))
            && filter.mode.is_none_or(|m| summary.mode == m)
            && filter.trust.is_none_or(|t| summary.trust == t)
            && (filter.include_deprecated || summary.lifecycle == Lifecycle::Active);
        if matches {
            out.push(summary);
        }
    }
    Ok(out)
}

/// Starts a draft: from `bundle` when given (a new preset, or the next version of an existing
/// one), else from the latest published version. A preset has at most one open draft.
pub fn create_draft(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    bundle: Option<PresetBundle>,
    clock: &dyn Clock,
) -> Result<PresetVersion> {
    check_preset_id(id)?;
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "create preset drafts")?;
    let existing = versions_of(store, &actor.tenant_id, id)?;
    if let Some(draft) = existing.iter().find(|v| v.state == VersionState::Draft) {
        return Err(Error::Conflict(format!(
            "Preset {id} already has draft version {}. Edit or publish it first.",
            draft.version
        )));
    }
    let mut bundle = match (
        bundle,
        existing.iter().find(|v| v.state == VersionState::Published),
    ) {
        (Some(bundle), _) => bundle,
        (None, Some(latest)) => latest.bundle.clone(),
        (None, None) => return Err(not_found(id)),
    };
    bundle.manifest.id = id.to_owned();
    // Only the app's shipped presets are official.
    if bundle.manifest.trust == Trust::Official {
        bundle.manifest.trust = Trust::Local;
    }
    bundle.validate()?;
    let version = existing.first().map_or(1, |v| v.version + 1);
    store.write(|tx| insert_draft_in(tx, actor, &bundle, version, existing.is_empty(), now))?;
    get(store, &actor.tenant_id, id, &VersionRef::Number(version))
}

/// Inserts draft `version` of preset `bundle.manifest.id` inside `tx`, and the preset itself
/// when it is `new`. Returns the draft's content hash.
fn insert_draft_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    bundle: &PresetBundle,
    version: u32,
    new: bool,
    now: Timestamp,
) -> Result<Digest> {
    let id = &bundle.manifest.id;
    if new {
        tx.execute(
            "INSERT INTO presets (tenant_id, id, trust, lifecycle, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
            params![actor.tenant_id, id, bundle.manifest.trust.as_str(), now.to_string()],
        )?;
    }
    let hash = bundle.content_hash()?;
    documents::insert_draft(
        tx,
        doc(&actor.tenant_id, id),
        version,
        &bundle_text(bundle)?,
        Some(&hash),
        Stamp {
            member: &actor.member_id,
            at: now,
        },
    )?;
    Ok(hash)
}

/// Whether `tenant` has a preset `id` (in any state).
pub fn exists(store: &Store, tenant: &str, id: &str) -> Result<bool> {
    Ok(store
        .conn()
        .query_row(
            "SELECT 1 FROM presets WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Creates a new local preset `bundle.manifest.id` whose only version is draft 1, inside the
/// caller's transaction and without an audit entry (drafts are not audited; the caller records
/// what made it). The id must be free; the caller checks privileges. Returns the content hash.
pub(crate) fn create_new_draft_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    mut bundle: PresetBundle,
    now: Timestamp,
) -> Result<Digest> {
    check_preset_id(&bundle.manifest.id)?;
    bundle.manifest.trust = Trust::Local;
    bundle.validate()?;
    insert_draft_in(tx, actor, &bundle, 1, true, now)
}

/// Puts `bundle` into preset `id`'s open draft inside `tx` (replacing its content), or, when
/// it has none, into a new draft after its newest version; no audit entry (drafts are not
/// audited; the caller records what made it). The caller checks privileges. Returns the
/// draft's version.
///
/// # Errors
/// `not_found` for an unknown preset; the bundle's validation problems.
pub(crate) fn put_draft_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    id: &str,
    mut bundle: PresetBundle,
    now: Timestamp,
) -> Result<u32> {
    bundle.manifest.id = id.to_owned();
    if bundle.manifest.trust == Trust::Official {
        bundle.manifest.trust = Trust::Local;
    }
    bundle.validate()?;
    let versions: Vec<(u32, String)> = {
        let mut statement = tx.prepare(
            "SELECT version, state FROM documents
             WHERE tenant_id = ?1 AND kind = 'preset' AND doc_id = ?2 ORDER BY version DESC",
        )?;
        let rows =
            statement.query_map(params![actor.tenant_id, id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let Some(&(newest, _)) = versions.first() else {
        return Err(not_found(id));
    };
    match versions.iter().find(|(_, state)| state == "draft") {
        Some(&(draft, _)) => {
            let hash = bundle.content_hash()?;
            documents::save_draft(
                tx,
                doc(&actor.tenant_id, id),
                draft,
                &bundle_text(&bundle)?,
                Some(&hash),
            )?;
            Ok(draft)
        }
        None => {
            insert_draft_in(tx, actor, &bundle, newest + 1, false, now)?;
            Ok(newest + 1)
        }
    }
}

/// Replaces the open draft's content.
pub fn save_draft(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    mut bundle: PresetBundle,
    clock: &dyn Clock,
) -> Result<PresetVersion> {
    require_unlocked_privileged(store.conn(), actor, clock.now(), "edit preset drafts")?;
    let draft = get(store, &actor.tenant_id, id, &VersionRef::Draft)?;
    bundle.manifest.id = id.to_owned();
    if bundle.manifest.trust == Trust::Official {
        bundle.manifest.trust = Trust::Local;
    }
    bundle.validate()?;
    let hash = bundle.content_hash()?;
    let text = bundle_text(&bundle)?;
    store.write(|tx| {
        documents::save_draft(
            tx,
            doc(&actor.tenant_id, id),
            draft.version,
            &text,
            Some(&hash),
        )
    })?;
    get(
        store,
        &actor.tenant_id,
        id,
        &VersionRef::Number(draft.version),
    )
}

/// Freezes the draft into the next published version, recording its hash and its lineage.
pub fn publish(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    clock: &dyn Clock,
) -> Result<PresetVersion> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "publish presets")?;
    let draft = get(store, &actor.tenant_id, id, &VersionRef::Draft)?;
    draft.bundle.validate()?;
    let stored = doc(&actor.tenant_id, id);
    let parent = documents::latest_published_hash(store.conn(), stored)?;
    if parent == Some(draft.content_hash) {
        return Err(Error::Conflict(format!(
            "The draft of {id} is identical to its latest published version; change something first."
        )));
    }
    let stamp = Stamp {
        member: &actor.member_id,
        at: now,
    };
    store.write(|tx| {
        let parent =
            documents::publish(tx, stored, draft.version, None, &draft.content_hash, stamp)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "preset.published",
            json!({
                "preset": id,
                "version": draft.version,
                "content_hash": draft.content_hash.to_string(),
                "parent_hash": parent.map(|p| p.to_string()),
            }),
            now,
        )?;
        Ok(())
    })?;
    get(
        store,
        &actor.tenant_id,
        id,
        &VersionRef::Number(draft.version),
    )
}

/// Points `label` at a published version (creating the label if needed). Audited.
pub fn move_label(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    label: &str,
    version: u32,
    clock: &dyn Clock,
) -> Result<LabelInfo> {
    check_label(label)?;
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "move preset labels")?;
    let target = get(store, &actor.tenant_id, id, &VersionRef::Number(version))?;
    let stamp = Stamp {
        member: &actor.member_id,
        at: now,
    };
    store.write(|tx| {
        let previous = documents::move_label(tx, doc(&actor.tenant_id, id), label, version, stamp)?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "preset.label_moved",
            json!({"preset": id, "label": label, "from": previous, "to": version,
                   "content_hash": target.content_hash.to_string()}),
            now,
        )?;
        Ok(())
    })?;
    Ok(LabelInfo {
        label: label.to_owned(),
        version,
    })
}

/// Deprecates a preset: it stays, with every version, but leaves the default lists.
pub fn deprecate(store: &mut Store, actor: &Actor, id: &str, clock: &dyn Clock) -> Result<()> {
    let now = clock.now();
    require_unlocked_privileged(store.conn(), actor, now, "deprecate presets")?;
    history(store, &actor.tenant_id, id)?;
    let lifecycle = lifecycle_of(store, &actor.tenant_id, id)?;
    if lifecycle.as_deref() == Some("deprecated") {
        return Err(Error::Conflict(format!(
            "Preset {id} is already deprecated."
        )));
    }
    store.write(|tx| {
        tx.execute(
            "UPDATE presets SET lifecycle = 'deprecated' WHERE tenant_id = ?1 AND id = ?2",
            params![actor.tenant_id, id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "preset.deprecated",
            json!({"preset": id}),
            now,
        )?;
        Ok(())
    })
}
