//! Versioned documents: the one draft → publish → immutable mechanism behind persona spec
//! versions (per agent) and preset versions. It owns the `documents` and `document_labels`
//! tables (migration 0008) and their rules; each user brings its own payload type, checks and
//! audit entries.
//!
//! A document is a [`Doc`]: a [`Kind`], a tenant and an id. Its versions are numbered from 1.
//! At most one is a draft, whose body may change freely. Publishing freezes the body, its
//! content hash and its parent hash (the latest published version's hash before it). SQLite
//! triggers refuse any UPDATE or DELETE of a published row, whatever code path tries it. Labels
//! name a published version each and can be moved. Callers pass the transaction, so a change
//! commits together with its audit entry.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::Serialize;

use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::{Error, Result};

/// Which stack a document belongs to; one per user of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A persona spec: the id is an agent name, the body its spec JSON.
    PersonaSpec,
    /// A preset: the id is the preset id, the body its bundle as canonical JSON.
    Preset,
}

impl Kind {
    /// The value stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PersonaSpec => "persona_spec",
            Kind::Preset => "preset",
        }
    }
}

/// One document of one tenant. Every query filters by all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc<'a> {
    pub kind: Kind,
    pub tenant: &'a str,
    pub id: &'a str,
}

/// Where a version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Published,
}

/// A label and the published version it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LabelInfo {
    pub label: String,
    pub version: u32,
}

/// One stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub number: u32,
    pub state: VersionState,
    /// The payload, as its user stored it.
    pub body: String,
    /// Always present once published; a draft has one when its user could compute it.
    pub content_hash: Option<Digest>,
    /// The hash of the latest version published before this one; set when it is published.
    pub parent_hash: Option<Digest>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub published_at: Option<Timestamp>,
    pub published_by: Option<String>,
}

/// Who makes a change, and when.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub member: &'a str,
    pub at: Timestamp,
}

const COLUMNS: &str = "version, state, body, content_hash, parent_hash, created_at, created_by, \
                       published_at, published_by";
const KEY: &str = "tenant_id = ?1 AND kind = ?2 AND doc_id = ?3";

/// Every version of `doc`, newest first.
pub fn versions(conn: &Connection, doc: Doc<'_>) -> Result<Vec<Version>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM documents WHERE {KEY} ORDER BY version DESC"
    ))?;
    let rows = statement.query_map(params![doc.tenant, doc.kind.as_str(), doc.id], raw)?;
    rows.map(|row| row?.decode(doc)).collect()
}

/// Version `number` of `doc`, if it exists.
pub fn version(conn: &Connection, doc: Doc<'_>, number: u32) -> Result<Option<Version>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM documents WHERE {KEY} AND version = ?4"),
        params![doc.tenant, doc.kind.as_str(), doc.id, number],
        raw,
    )
    .optional()?
    .map(|row| row.decode(doc))
    .transpose()
}

/// The number of `doc`'s open draft, if it has one.
pub fn draft(conn: &Connection, doc: Doc<'_>) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            &format!("SELECT version FROM documents WHERE {KEY} AND state = 'draft'"),
            params![doc.tenant, doc.kind.as_str(), doc.id],
            |row| row.get(0),
        )
        .optional()?)
}

/// The hash of `doc`'s latest published version: the parent of the next one published.
pub fn latest_published_hash(conn: &Connection, doc: Doc<'_>) -> Result<Option<Digest>> {
    let latest: Option<(u32, String)> = conn
        .query_row(
            &format!(
                "SELECT version, content_hash FROM documents WHERE {KEY} AND state = 'published'
                 ORDER BY version DESC LIMIT 1"
            ),
            params![doc.tenant, doc.kind.as_str(), doc.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    latest
        .map(|(number, hash)| {
            hash.parse::<Digest>()
                .map_err(|e| damaged(doc, number, "content hash", &e.to_string()))
        })
        .transpose()
}

/// The number the next version of `doc` gets (1 for a new document).
pub fn next_number(conn: &Connection, doc: Doc<'_>) -> Result<u32> {
    let max: Option<u32> = conn.query_row(
        &format!("SELECT MAX(version) FROM documents WHERE {KEY}"),
        params![doc.tenant, doc.kind.as_str(), doc.id],
        |row| row.get(0),
    )?;
    Ok(max.unwrap_or(0).saturating_add(1))
}

/// Inserts draft `number` of `doc`. The caller has created the owner row (agent, preset) and
/// checked that no draft is open; the schema refuses a second one.
pub fn insert_draft(
    tx: &Transaction<'_>,
    doc: Doc<'_>,
    number: u32,
    body: &str,
    content_hash: Option<&Digest>,
    stamp: Stamp<'_>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO documents
           (tenant_id, kind, doc_id, version, state, body, content_hash, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6, ?7, ?8)",
        params![
            doc.tenant,
            doc.kind.as_str(),
            doc.id,
            number,
            body,
            content_hash.map(Digest::to_string),
            stamp.at.to_string(),
            stamp.member
        ],
    )?;
    Ok(())
}

/// Replaces the body and hash of draft `number`. A published version is never touched.
pub fn save_draft(
    tx: &Transaction<'_>,
    doc: Doc<'_>,
    number: u32,
    body: &str,
    content_hash: Option<&Digest>,
) -> Result<()> {
    tx.execute(
        &format!(
            "UPDATE documents SET body = ?4, content_hash = ?5
             WHERE {KEY} AND version = ?6 AND state = 'draft'"
        ),
        params![
            doc.tenant,
            doc.kind.as_str(),
            doc.id,
            body,
            content_hash.map(Digest::to_string),
            number
        ],
    )?;
    Ok(())
}

/// Publishes draft `number` with its final `content_hash` and, when given, a final `body` (a
/// spec is frozen as canonical JSON; `None` keeps the draft's body as it is), recording the
/// parent hash (the latest published version's). From then on the row is immutable. Returns the
/// parent.
pub fn publish(
    tx: &Transaction<'_>,
    doc: Doc<'_>,
    number: u32,
    body: Option<&str>,
    content_hash: &Digest,
    stamp: Stamp<'_>,
) -> Result<Option<Digest>> {
    let parent = latest_published_hash(tx, doc)?;
    let changed = tx.execute(
        &format!(
            "UPDATE documents
             SET state = 'published', body = COALESCE(?4, body), content_hash = ?5, parent_hash = ?6,
                 published_at = ?7, published_by = ?8
             WHERE {KEY} AND version = ?9 AND state = 'draft'"
        ),
        params![
            doc.tenant,
            doc.kind.as_str(),
            doc.id,
            body,
            content_hash.to_string(),
            parent.map(|p| p.to_string()),
            stamp.at.to_string(),
            stamp.member,
            number
        ],
    )?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: format!("Draft version {number} of {}", doc.id),
            hint: String::new(),
        });
    }
    Ok(parent)
}

/// The labels of `doc`, by name.
pub fn labels(conn: &Connection, doc: Doc<'_>) -> Result<Vec<LabelInfo>> {
    let mut statement = conn.prepare(&format!(
        "SELECT label, version FROM document_labels WHERE {KEY} ORDER BY label"
    ))?;
    let labels = statement
        .query_map(params![doc.tenant, doc.kind.as_str(), doc.id], |r| {
            Ok(LabelInfo {
                label: r.get(0)?,
                version: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(labels)
}

/// The version `label` points at, if the label exists.
pub fn label(conn: &Connection, doc: Doc<'_>, label: &str) -> Result<Option<u32>> {
    Ok(conn
        .query_row(
            &format!("SELECT version FROM document_labels WHERE {KEY} AND label = ?4"),
            params![doc.tenant, doc.kind.as_str(), doc.id, label],
            |row| row.get(0),
        )
        .optional()?)
}

/// Points `label` at published version `number` (creating the label if needed). Returns the
/// version it pointed at before. A draft is refused with `conflict`.
pub fn move_label(
    tx: &Transaction<'_>,
    doc: Doc<'_>,
    label_name: &str,
    number: u32,
    stamp: Stamp<'_>,
) -> Result<Option<u32>> {
    let state = version(tx, doc, number)?.map(|v| v.state);
    if state != Some(VersionState::Published) {
        return Err(Error::Conflict(format!(
            "Version {number} of {} is a draft; labels point only at published versions.",
            doc.id
        )));
    }
    let previous = label(tx, doc, label_name)?;
    tx.execute(
        "INSERT INTO document_labels (tenant_id, kind, doc_id, label, version, moved_at, moved_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant_id, kind, doc_id, label)
         DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at,
                       moved_by = excluded.moved_by",
        params![
            doc.tenant,
            doc.kind.as_str(),
            doc.id,
            label_name,
            number,
            stamp.at.to_string(),
            stamp.member
        ],
    )?;
    Ok(previous)
}

/// A row as stored, before its texts are parsed.
struct Raw {
    number: u32,
    state: String,
    body: String,
    content_hash: Option<String>,
    parent_hash: Option<String>,
    created_at: String,
    created_by: String,
    published_at: Option<String>,
    published_by: Option<String>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        number: row.get(0)?,
        state: row.get(1)?,
        body: row.get(2)?,
        content_hash: row.get(3)?,
        parent_hash: row.get(4)?,
        created_at: row.get(5)?,
        created_by: row.get(6)?,
        published_at: row.get(7)?,
        published_by: row.get(8)?,
    })
}

impl Raw {
    fn decode(self, doc: Doc<'_>) -> Result<Version> {
        let time = |what: &str, text: &str| {
            Timestamp::parse(text).map_err(|e| damaged(doc, self.number, what, &e.to_string()))
        };
        let digest = |what: &str, text: &str| {
            text.parse::<Digest>()
                .map_err(|e| damaged(doc, self.number, what, &e.to_string()))
        };
        Ok(Version {
            number: self.number,
            state: if self.state == "published" {
                VersionState::Published
            } else {
                VersionState::Draft
            },
            content_hash: self
                .content_hash
                .as_deref()
                .map(|h| digest("content hash", h))
                .transpose()?,
            parent_hash: self
                .parent_hash
                .as_deref()
                .map(|h| digest("parent hash", h))
                .transpose()?,
            created_at: time("created_at", &self.created_at)?,
            published_at: self
                .published_at
                .as_deref()
                .map(|t| time("published_at", t))
                .transpose()?,
            body: self.body,
            created_by: self.created_by,
            published_by: self.published_by,
        })
    }
}

/// A stored value that does not parse: the database was changed outside the app.
fn damaged(doc: Doc<'_>, number: u32, what: &str, error: &str) -> Error {
    Error::invalid(
        "stored version",
        format!(
            "{} {} v{number}: {what}: {error}",
            doc.kind.as_str(),
            doc.id
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "t1";

    fn store() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        crate::store::migrations::apply(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO tenants VALUES ('t1', 'A', 'pro', 'x');
             INSERT INTO agents VALUES ('t1', 'bot', 'x');",
        )
        .unwrap();
        conn
    }

    fn stamp(second: u32) -> Stamp<'static> {
        Stamp {
            member: "m1",
            at: Timestamp::parse(&format!("2026-11-21T12:00:{second:02}Z")).unwrap(),
        }
    }

    /// Drafts `text` as the next version and publishes it; returns the version's number.
    fn draft_and_publish(conn: &mut Connection, doc: Doc<'_>, text: &str) -> u32 {
        let tx = conn.transaction().unwrap();
        let number = next_number(&tx, doc).unwrap();
        let hash = Digest::of_bytes(text.as_bytes());
        insert_draft(&tx, doc, number, "draft text", None, stamp(number)).unwrap();
        publish(&tx, doc, number, Some(text), &hash, stamp(number + 30)).unwrap();
        tx.commit().unwrap();
        number
    }

    #[test]
    fn each_publish_records_its_parent_and_freezes_the_row() {
        let mut conn = store();
        let bot = Doc {
            kind: Kind::PersonaSpec,
            tenant: T,
            id: "bot",
        };
        for text in ["one", "two", "three"] {
            draft_and_publish(&mut conn, bot, text);
        }
        let all = versions(&conn, bot).unwrap();
        let lineage: Vec<(u32, Option<Digest>, Option<Digest>)> = all
            .iter()
            .map(|v| (v.number, v.content_hash, v.parent_hash))
            .collect();
        let hash = |t: &str| Some(Digest::of_bytes(t.as_bytes()));
        assert_eq!(
            lineage,
            [
                (3, hash("three"), hash("two")),
                (2, hash("two"), hash("one")),
                (1, hash("one"), None)
            ]
        );
        assert_eq!(all[2].body, "one");
        assert_eq!(all[2].published_at, Some(stamp(31).at));
        // The same document id of another kind is another document (and needs its owner).
        let preset = Doc {
            kind: Kind::Preset,
            ..bot
        };
        assert!(versions(&conn, preset).unwrap().is_empty());
        let tx = conn.transaction().unwrap();
        assert!(insert_draft(&tx, preset, 1, "x", None, stamp(1)).is_err());
        // A published row is frozen, whatever path tries to change it.
        save_draft(&tx, bot, 1, "changed", None).unwrap();
        assert!(publish(&tx, bot, 1, None, &Digest::of_bytes(b"x"), stamp(9)).is_err());
        let direct = tx.execute("UPDATE documents SET body = 'x' WHERE version = 1", []);
        assert!(direct.unwrap_err().to_string().contains("immutable"));
        let delete = tx.execute("DELETE FROM documents WHERE version = 1", []);
        assert!(delete
            .unwrap_err()
            .to_string()
            .contains("cannot be deleted"));
        assert_eq!(version(&tx, bot, 1).unwrap().unwrap().body, "one");
    }

    #[test]
    fn one_draft_at_a_time_and_labels_only_on_published_versions() {
        let mut conn = store();
        let bot = Doc {
            kind: Kind::PersonaSpec,
            tenant: T,
            id: "bot",
        };
        let one = draft_and_publish(&mut conn, bot, "one");
        let tx = conn.transaction().unwrap();
        insert_draft(&tx, bot, 2, "draft", None, stamp(2)).unwrap();
        assert!(insert_draft(&tx, bot, 3, "second draft", None, stamp(3)).is_err());
        assert_eq!(draft(&tx, bot).unwrap(), Some(2));
        save_draft(&tx, bot, 2, "edited", None).unwrap();
        assert_eq!(version(&tx, bot, 2).unwrap().unwrap().body, "edited");
        let refused = move_label(&tx, bot, "active", 2, stamp(4)).unwrap_err();
        assert_eq!(refused.code(), "conflict");
        assert_eq!(move_label(&tx, bot, "active", one, stamp(4)).unwrap(), None);
        assert_eq!(
            move_label(&tx, bot, "active", one, stamp(5)).unwrap(),
            Some(one)
        );
        let direct = tx.execute("UPDATE document_labels SET version = 2", []);
        assert!(direct.unwrap_err().to_string().contains("published"));
        assert_eq!(
            labels(&tx, bot).unwrap(),
            [LabelInfo {
                label: "active".into(),
                version: one
            }]
        );
    }
}
