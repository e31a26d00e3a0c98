//! Versioned documents across the schema change that unified them: a database built with the
//! schema as it was before (migrations 0001 to 0007, where persona spec versions and preset
//! versions lived in tables of their own), filled with drafts, published versions, an active
//! version and labels for two tenants, then opened by this build. Every row, hash, lineage and
//! label must come through, the rules must still hold, and the lifecycle must carry on.

use std::path::Path;

use persona_studio::canon::{self, Digest};
use persona_studio::clock::Timestamp;
use persona_studio::ids::SequentialIds;
use persona_studio::persona::compile;
use persona_studio::persona::preset::catalog::{self, LabelInfo, VersionRef};
use persona_studio::persona::preset::PresetBundle;
use persona_studio::persona::spec::{self, PersonaSpec};
use persona_studio::persona::versions::{self, VersionState};
use persona_studio::secrets::Sensitive;
use persona_studio::store::documents::{self, Doc, Kind};
use persona_studio::store::{latest_version, Store};
use persona_studio::tenant::{self, members};
use rusqlite::{params, Connection};
use rusqlite_migration::{Migrations, M};

use crate::support::{test_clock, TestHome};

/// The last schema version before `documents` (migration 0008) replaced the per-stack tables.
const SCHEMA_BEFORE_DOCUMENTS: usize = 7;

const ACME: &str = "t-acme";
const OTHER: &str = "t-other";
const OWNER: &str = "m-olive";

/// Creates `path` with the shipped migrations up to `version`, exactly as that build left it.
pub(crate) fn database_at(path: &Path, version: usize) -> Connection {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let scripts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    Migrations::new(scripts.iter().map(|sql| M::up(sql)).collect())
        .to_version(&mut conn, version)
        .unwrap();
    let stamped: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stamped, i64::try_from(version).unwrap());
    conn
}

fn spec_version(id: &str, version: u32, purpose: &str) -> PersonaSpec {
    let mut spec = spec::sample_spec();
    spec.id = id.to_owned();
    spec.version = version;
    spec.identity.purpose = purpose.to_owned();
    spec
}

fn canonical<T: serde::Serialize>(value: &T) -> String {
    String::from_utf8(canon::to_canonical_vec(value).unwrap()).unwrap()
}

/// The member who wrote everything of `tenant`.
fn member_of(tenant: &str) -> &'static str {
    if tenant == ACME {
        OWNER
    } else {
        "m-wes"
    }
}

fn at(day: u32) -> String {
    format!("2026-10-{day:02}T09:00:00.000Z")
}

/// One row of the old tables, in the columns both schemas share.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    tenant: String,
    kind: &'static str,
    id: String,
    version: u32,
    state: &'static str,
    body: String,
    hash: Option<String>,
    parent: Option<String>,
    created_at: String,
    created_by: String,
    published_at: Option<String>,
    published_by: Option<String>,
}

impl Row {
    fn published(tenant: &str, kind: &'static str, id: &str, version: u32, body: String) -> Row {
        let by = member_of(tenant).to_owned();
        Row {
            tenant: tenant.to_owned(),
            kind,
            id: id.to_owned(),
            version,
            state: "published",
            body,
            hash: None,
            parent: None,
            created_at: at(version),
            created_by: by.clone(),
            published_at: Some(at(version + 10)),
            published_by: Some(by),
        }
    }

    fn key(&self) -> (&'static str, String, String, u32) {
        (
            self.kind,
            self.tenant.clone(),
            self.id.clone(),
            self.version,
        )
    }

    fn draft(mut self) -> Row {
        self.state = "draft";
        self.published_at = None;
        self.published_by = None;
        self
    }

    fn hashed(mut self, hash: Option<Digest>, parent: Option<Digest>) -> Row {
        self.hash = hash.map(|h| h.to_string());
        self.parent = parent.map(|p| p.to_string());
        self
    }
}

/// What the old build had stored, and what the new schema must hold.
struct Fixture {
    rows: Vec<Row>,
    /// (tenant, kind, id, label, version, moved_at, moved_by)
    labels: Vec<(String, String, String, String, u32, String, String)>,
    bundles: Vec<PresetBundle>,
    specs: Vec<PersonaSpec>,
}

fn persona_rows(specs: &[PersonaSpec]) -> Vec<Row> {
    let hash = |s: &PersonaSpec| Some(compile::persona_hash(s).unwrap());
    let draft_text = serde_json::to_string_pretty(&specs[2]).unwrap();
    vec![
        Row::published(ACME, "persona_spec", "support-bot", 1, canonical(&specs[0]))
            .hashed(hash(&specs[0]), None),
        Row::published(ACME, "persona_spec", "support-bot", 2, canonical(&specs[1]))
            .hashed(hash(&specs[1]), hash(&specs[0])),
        // A draft as typed (pretty, not canonical), valid so it has a hash.
        Row::published(ACME, "persona_spec", "support-bot", 3, draft_text)
            .draft()
            .hashed(hash(&specs[2]), None),
        // A draft mid-edit: not JSON yet, so no hash.
        Row::published(
            ACME,
            "persona_spec",
            "half-done",
            1,
            "{\"schema_version\": 1".into(),
        )
        .draft(),
        Row::published(
            OTHER,
            "persona_spec",
            "support-bot",
            1,
            canonical(&specs[3]),
        )
        .hashed(hash(&specs[3]), None),
    ]
}

fn preset_rows(bundles: &[PresetBundle]) -> Vec<Row> {
    let hash = |b: &PresetBundle| Some(b.content_hash().unwrap());
    let id = bundles[0].manifest.id.clone();
    vec![
        Row::published(ACME, "preset", &id, 1, canonical(&bundles[0]))
            .hashed(hash(&bundles[0]), None),
        Row::published(ACME, "preset", &id, 2, canonical(&bundles[1]))
            .hashed(hash(&bundles[1]), hash(&bundles[0])),
        Row::published(ACME, "preset", &id, 3, canonical(&bundles[2]))
            .draft()
            .hashed(hash(&bundles[2]), None),
        Row::published(OTHER, "preset", &id, 1, canonical(&bundles[0]))
            .hashed(hash(&bundles[0]), None),
    ]
}

fn fixture() -> Fixture {
    let specs = vec![
        spec_version("support_bot", 1, "Answer customers' questions."),
        spec_version("support_bot", 2, "Answer customers' questions, briefly."),
        spec_version(
            "support_bot",
            3,
            "Answer customers' questions, briefly and kindly.",
        ),
        spec_version("other_bot", 1, "Someone else's agent."),
    ];
    let official = catalog::official_bundles().unwrap().remove(0);
    let mut bundles = vec![official.clone(), official.clone(), official];
    bundles[1].manifest.description = "Second cut.".to_owned();
    bundles[2].manifest.description = "Third cut, still a draft.".to_owned();
    let mut rows = persona_rows(&specs);
    rows.extend(preset_rows(&bundles));
    let id = bundles[0].manifest.id.clone();
    let label = |tenant: &str, kind: &str, doc: &str, name: &str, version: u32, day: u32| {
        (
            tenant.to_owned(),
            kind.to_owned(),
            doc.to_owned(),
            name.to_owned(),
            version,
            at(day),
            member_of(tenant).to_owned(),
        )
    };
    let labels = vec![
        // Active versions become the label `active`, moved when that version was published.
        label(ACME, "persona_spec", "support-bot", "active", 2, 12),
        label(OTHER, "persona_spec", "support-bot", "active", 1, 11),
        label(ACME, "preset", &id, "production", 1, 20),
        label(ACME, "preset", &id, "staging", 2, 21),
        label(OTHER, "preset", &id, "production", 1, 22),
    ];
    Fixture {
        rows,
        labels,
        bundles,
        specs,
    }
}

/// Writes the fixture into the old tables, as the old build's SQL did.
fn fill_old_schema(conn: &Connection, fixture: &Fixture) {
    conn.execute_batch(&format!(
        "INSERT INTO tenants VALUES ('{ACME}', 'Acme', 'pro', '{t}'), ('{OTHER}', 'Other', 'pro', '{t}');
         INSERT INTO members VALUES ('{ACME}', '{OWNER}', 'Olive Owner', 'owner', '{t}'),
                                    ('{OTHER}', 'm-wes', 'Wes Owner', 'owner', '{t}');
         INSERT INTO local_profile VALUES (1, 'install-documents', '{ACME}', '{OWNER}');
         INSERT INTO agents VALUES ('{ACME}', 'support-bot', '{t}'), ('{ACME}', 'half-done', '{t}'),
                                   ('{OTHER}', 'support-bot', '{t}');",
        t = at(1)
    ))
    .unwrap();
    for tenant in [ACME, OTHER] {
        conn.execute(
            "INSERT INTO presets VALUES (?1, ?2, 'official', 'active', ?3)",
            params![tenant, fixture.bundles[0].manifest.id, at(1)],
        )
        .unwrap();
    }
    for r in &fixture.rows {
        let sql = if r.kind == "persona_spec" {
            "INSERT INTO persona_versions (tenant_id, agent, version, state, spec_json, persona_hash,
               created_at, created_by, published_at, published_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        } else {
            "INSERT INTO preset_versions (tenant_id, preset_id, version, state, bundle, content_hash,
               created_at, created_by, published_at, published_by, parent_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        };
        let mut values = params![
            r.tenant,
            r.id,
            r.version,
            r.state,
            r.body,
            r.hash,
            r.created_at,
            r.created_by,
            r.published_at,
            r.published_by,
            r.parent
        ]
        .to_vec();
        // Persona versions had no lineage column.
        if r.kind == "persona_spec" {
            values.pop();
        }
        conn.execute(sql, values.as_slice()).unwrap();
    }
    for (tenant, kind, id, label, version, moved_at, moved_by) in &fixture.labels {
        if kind == "persona_spec" {
            conn.execute(
                "INSERT INTO active_persona VALUES (?1, ?2, ?3)",
                params![tenant, id, version],
            )
            .unwrap();
            // The active label is moved when its version was published: check the fixture says so.
            let published: (String, String) = conn
                .query_row(
                    "SELECT published_at, published_by FROM persona_versions
                     WHERE tenant_id = ?1 AND agent = ?2 AND version = ?3",
                    params![tenant, id, version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((&published.0, &published.1), (moved_at, moved_by));
        } else {
            conn.execute(
                "INSERT INTO preset_labels VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![tenant, id, label, version, moved_at, moved_by],
            )
            .unwrap();
        }
    }
}

fn stored_rows(conn: &Connection) -> Vec<Row> {
    let mut statement = conn
        .prepare(
            "SELECT tenant_id, kind, doc_id, version, state, body, content_hash, parent_hash,
                    created_at, created_by, published_at, published_by
             FROM documents",
        )
        .unwrap();
    let rows = statement
        .query_map([], |r| {
            let kind: String = r.get(1)?;
            let state: String = r.get(4)?;
            Ok(Row {
                tenant: r.get(0)?,
                kind: if kind == "preset" {
                    "preset"
                } else {
                    "persona_spec"
                },
                id: r.get(2)?,
                version: r.get(3)?,
                state: if state == "draft" {
                    "draft"
                } else {
                    "published"
                },
                body: r.get(5)?,
                hash: r.get(6)?,
                parent: r.get(7)?,
                created_at: r.get(8)?,
                created_by: r.get(9)?,
                published_at: r.get(10)?,
                published_by: r.get(11)?,
            })
        })
        .unwrap();
    let mut rows: Vec<Row> = rows.collect::<Result<_, _>>().unwrap();
    rows.sort_by_key(Row::key);
    rows
}

fn stored_labels(conn: &Connection) -> Vec<(String, String, String, String, u32, String, String)> {
    let mut statement = conn
        .prepare(
            "SELECT tenant_id, kind, doc_id, label, version, moved_at, moved_by
             FROM document_labels ORDER BY tenant_id, kind, doc_id, label",
        )
        .unwrap();
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn table_names(conn: &Connection) -> Vec<String> {
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap();
    let names = statement.query_map([], |r| r.get(0)).unwrap();
    names.collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_database_from_the_previous_schema_keeps_every_version_hash_and_label() {
    let home = TestHome::new();
    let fixture = fixture();
    {
        let conn = database_at(&home.db_path(), SCHEMA_BEFORE_DOCUMENTS);
        fill_old_schema(&conn, &fixture);
    }
    let store = Store::open(&home.home()).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    let conn = store.conn();
    // Every row, byte for byte, with lineage recorded for persona versions too.
    let mut expected = fixture.rows.clone();
    expected.sort_by_key(Row::key);
    assert_eq!(stored_rows(conn), expected);
    let mut labels = fixture.labels.clone();
    labels.sort_by(|a, b| (&a.0, &a.1, &a.2, &a.3).cmp(&(&b.0, &b.1, &b.2, &b.3)));
    assert_eq!(stored_labels(conn), labels);
    let tables = table_names(conn);
    for gone in [
        "persona_versions",
        "active_persona",
        "preset_versions",
        "preset_labels",
    ] {
        assert!(
            !tables.iter().any(|t| t == gone),
            "{gone} is still there: {tables:?}"
        );
    }
    let violations: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0);

    // The same data through the API each stack's callers use.
    persona_versions_read_back(&store, &fixture);
    preset_versions_read_back(&store, &fixture);
}

/// Persona spec versions through `versions`, as the CLI and the app read them.
fn persona_versions_read_back(store: &Store, fixture: &Fixture) {
    let listed = versions::list(store, ACME, "support-bot").unwrap();
    let numbers: Vec<(u32, VersionState, bool)> = listed
        .iter()
        .map(|v| (v.version, v.state, v.active))
        .collect();
    assert_eq!(
        numbers,
        [
            (3, VersionState::Draft, false),
            (2, VersionState::Published, true),
            (1, VersionState::Published, false)
        ]
    );
    for (summary, spec) in listed.iter().rev().zip(&fixture.specs) {
        assert_eq!(
            summary.persona_hash,
            Some(compile::persona_hash(spec).unwrap())
        );
        assert_eq!(
            summary.created_at,
            Timestamp::parse(&at(summary.version)).unwrap()
        );
    }
    let active = versions::active(store, ACME, "support-bot")
        .unwrap()
        .unwrap();
    assert_eq!(active.spec_json, canonical(&fixture.specs[1]));
    assert_eq!(
        versions::get(store, ACME, "support-bot", Some(3))
            .unwrap()
            .spec_json,
        fixture.rows[2].body
    );
    let half = versions::get(store, ACME, "half-done", Some(1)).unwrap();
    assert_eq!(
        (half.summary.persona_hash, half.spec_json.as_str()),
        (None, "{\"schema_version\": 1")
    );
    assert!(versions::active(store, ACME, "half-done")
        .unwrap()
        .is_none());
    let other = versions::active(store, OTHER, "support-bot")
        .unwrap()
        .unwrap();
    assert_eq!(other.spec_json, canonical(&fixture.specs[3]));
    assert_eq!(
        versions::agents(store, ACME).unwrap(),
        ["half-done", "support-bot"]
    );
}

/// Preset versions and labels through `catalog`, as the CLI and the app read them.
fn preset_versions_read_back(store: &Store, fixture: &Fixture) {
    let id = &fixture.bundles[0].manifest.id;
    let history = catalog::history(store, ACME, id).unwrap();
    assert_eq!(history.len(), 3);
    for (version, bundle) in history.iter().rev().zip(&fixture.bundles) {
        assert_eq!(&version.bundle, bundle);
        assert_eq!(version.content_hash, bundle.content_hash().unwrap());
    }
    assert_eq!(history[1].parent_hash, Some(history[2].content_hash));
    assert_eq!(history[0].state, VersionState::Draft);
    let production =
        catalog::get(store, ACME, id, &VersionRef::Label("production".into())).unwrap();
    assert_eq!(production.version, 1);
    let summary = catalog::list(store, ACME, &Default::default())
        .unwrap()
        .into_iter()
        .find(|s| &s.id == id)
        .unwrap();
    assert_eq!(
        summary.labels,
        [
            LabelInfo {
                label: "production".into(),
                version: 1
            },
            LabelInfo {
                label: "staging".into(),
                version: 2
            }
        ]
    );
    assert_eq!(
        (summary.latest_published, summary.draft),
        (Some(2), Some(3))
    );
    assert_eq!(catalog::history(store, OTHER, id).unwrap().len(), 1);
}

#[test]
fn after_the_move_published_versions_stay_frozen_and_the_lifecycle_carries_on() {
    let home = TestHome::new();
    let fixture = fixture();
    {
        let conn = database_at(&home.db_path(), SCHEMA_BEFORE_DOCUMENTS);
        fill_old_schema(&conn, &fixture);
    }
    let mut store = Store::open(&home.home()).unwrap();
    let id = fixture.bundles[0].manifest.id.clone();
    // The triggers guard every moved row, of both kinds.
    for (kind, doc) in [("persona_spec", "support-bot"), ("preset", id.as_str())] {
        let update = store.conn().execute(
            "UPDATE documents SET body = '{}' WHERE kind = ?1 AND doc_id = ?2 AND version = 1",
            params![kind, doc],
        );
        assert!(
            update.unwrap_err().to_string().contains("immutable"),
            "{kind}"
        );
        let delete = store.conn().execute(
            "DELETE FROM documents WHERE kind = ?1 AND doc_id = ?2 AND version = 2",
            params![kind, doc],
        );
        assert!(
            delete
                .unwrap_err()
                .to_string()
                .contains("cannot be deleted"),
            "{kind}"
        );
        let label = store.conn().execute(
            "UPDATE document_labels SET version = 3 WHERE kind = ?1 AND doc_id = ?2",
            params![kind, doc],
        );
        assert!(
            label.unwrap_err().to_string().contains("published"),
            "{kind}"
        );
    }
    // A version cannot point at an owner that does not exist.
    let orphan = store.conn().execute(
        "INSERT INTO documents (tenant_id, kind, doc_id, version, state, body, created_at, created_by)
         VALUES (?1, 'persona_spec', 'nobody', 1, 'draft', '{}', ?2, ?3)",
        params![ACME, at(1), OWNER],
    );
    assert!(orphan.is_err());

    // Publishing the moved drafts continues each lineage from the moved versions.
    let owner = tenant::current_actor(&store).unwrap();
    let passphrase = Sensitive::new("documents test passphrase".to_owned());
    let ids = SequentialIds::new("documents");
    members::set_passphrase(&mut store, &owner, None, &passphrase, &test_clock(), &ids).unwrap();
    members::unlock(&mut store, &owner, &passphrase, None, &test_clock()).unwrap();
    let published = versions::publish(&mut store, &owner, "support-bot", &test_clock()).unwrap();
    assert_eq!((published.version, published.active), (3, true));
    let spec_doc = Doc {
        kind: Kind::PersonaSpec,
        tenant: ACME,
        id: "support-bot",
    };
    let three = documents::version(store.conn(), spec_doc, 3)
        .unwrap()
        .unwrap();
    assert_eq!(
        three.parent_hash,
        Some(compile::persona_hash(&fixture.specs[1]).unwrap())
    );
    assert_eq!(three.body, canonical(&fixture.specs[2]));
    let preset = catalog::publish(&mut store, &owner, &id, &test_clock()).unwrap();
    assert_eq!(preset.version, 3);
    assert_eq!(
        preset.parent_hash,
        Some(fixture.bundles[1].content_hash().unwrap())
    );
    catalog::move_label(&mut store, &owner, &id, "production", 3, &test_clock()).unwrap();
    // The other tenant's versions are untouched.
    let other = versions::list(&store, OTHER, "support-bot").unwrap();
    assert_eq!(other.len(), 1);
    assert!(other[0].active);
    assert_eq!(
        catalog::get(&store, OTHER, &id, &VersionRef::Label("production".into()))
            .unwrap()
            .version,
        1
    );
}
