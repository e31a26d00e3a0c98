//! The store on real SQLite files: migrations, pragmas, and refusing newer schemas.

use persona_studio::store::{latest_version, Store};
use persona_studio::Error;

use crate::support::TestHome;

#[test]
fn a_fresh_database_gets_every_migration_and_the_foundation_tables() {
    let home = TestHome::new();
    let store = Store::open(&home.home()).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    let tables: Vec<String> = store
        .conn()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in ["audit_log", "local_profile", "members", "tenants"] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
    let journal: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let foreign_keys: i64 = store
        .conn()
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .unwrap();
    assert_eq!(foreign_keys, 1);
}

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let home = TestHome::new();
    drop(home.init_core("Acme"));
    let store = Store::open(&home.home()).unwrap();
    let count: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM tenants", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn a_database_from_a_newer_schema_is_refused_and_left_untouched() {
    let home = TestHome::new();
    let path = home.db_path();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&home.home()).unwrap_err();
    assert!(
        matches!(error, Error::SchemaTooNew { found: 999, .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), "schema_too_new");
    assert!(
        error.to_string().contains("newer Persona Studio"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not change"
    );
}

#[test]
fn foreign_keys_reject_orphan_members() {
    let home = TestHome::new();
    let store = Store::open(&home.home()).unwrap();
    let result = store.conn().execute(
        "INSERT INTO members (tenant_id, id, display_name, role, created_at)
         VALUES ('nobody', 'm1', 'Orphan', 'owner', '2026-01-01T00:00:00Z')",
        [],
    );
    assert!(result.is_err(), "an orphan member must be refused");
}

#[test]
fn roles_outside_the_three_are_refused_by_the_schema() {
    let home = TestHome::new();
    let store = home.init_core("Acme");
    let tenant_id: String = store
        .conn()
        .query_row("SELECT id FROM tenants", [], |row| row.get(0))
        .unwrap();
    let result = store.conn().execute(
        "INSERT INTO members (tenant_id, id, display_name, role, created_at)
         VALUES (?1, 'm2', 'Root', 'superuser', '2026-01-01T00:00:00Z')",
        [tenant_id],
    );
    assert!(result.is_err());
}

/// The app opens several connections at once on its first start (the dashboard, the member bar
/// and the reminders each ask for one), and the CLI may open the same file meanwhile: every
/// opener must succeed, whichever of them creates or migrates the file.
fn race_openers(path: &std::path::Path, round: usize) {
    const OPENERS: usize = 8;
    let start = std::sync::Barrier::new(OPENERS);
    let results: Vec<_> = std::thread::scope(|scope| {
        let openers: Vec<_> = (0..OPENERS)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    Store::open_path(path).map(|store| store.schema_version().unwrap())
                })
            })
            .collect();
        openers.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for result in results {
        match result {
            Ok(version) => assert_eq!(version, latest_version(), "round {round}"),
            Err(error) => panic!("round {round}: an opener failed: {error}"),
        }
    }
}

#[test]
fn openers_racing_on_a_fresh_database_all_succeed() {
    for round in 0..10 {
        let home = TestHome::new();
        let path = home.home().database_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        race_openers(&path, round);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".new-database-"))
            .collect();
        assert!(
            names.is_empty(),
            "temporary databases left behind: {names:?}"
        );
    }
}

#[test]
fn openers_racing_on_a_database_one_migration_behind_all_succeed() {
    for round in 0..10 {
        let home = TestHome::new();
        let path = home.home().database_path();
        drop(Store::open(&home.home()).unwrap());
        // Undo the last migration (0012 added the self-edit loop's three tables).
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "DROP TABLE file_reviews;
             DROP TABLE pending_writes;
             DROP TABLE file_changes_seen;
             PRAGMA user_version = {};",
            latest_version() - 1
        ))
        .unwrap();
        drop(conn);
        race_openers(&path, round);
    }
}
