//! File history through the core API: round trips, deduplication, retention, delta chains,
//! hash-only versions, sources recorded by baseline writes, the measurement for issue 14, and
//! `integrity history` as a process.

use persona_studio::canon::Digest;
use persona_studio::clock::Timestamp;
use persona_studio::integrity::baseline;
use persona_studio::integrity::history::{
    self, Origin, VersionSource, MAX_VERSION_BYTES, VERSIONS_KEPT,
};
use persona_studio::store::Store;
use persona_studio::tenant;

use crate::support::{test_clock, TestHome};

fn origin(source: VersionSource) -> Origin<'static> {
    Origin {
        source,
        actor: "system",
        at: Timestamp::from_unix_millis(1_790_000_000_000),
    }
}

fn record(store: &mut Store, tenant: &str, path: &str, bytes: &[u8]) -> bool {
    store
        .write(|tx| {
            history::record(
                tx,
                tenant,
                "ada",
                path,
                bytes,
                &origin(VersionSource::AgentEdit),
            )
        })
        .unwrap()
}

fn blob_count(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT COUNT(*) FROM history_blobs", [], |r| r.get(0))
        .unwrap()
}

fn sha(bytes: &[u8]) -> String {
    Digest::of_bytes(bytes).to_string()
}

fn setup() -> (TestHome, Store, String) {
    let home = TestHome::new();
    let (store, _) = home.init_bare("History Co");
    let tenant = tenant::current_actor(&store).unwrap().tenant_id;
    (home, store, tenant)
}

/// A 4 KiB text of 64 lines; `edit` changes a few of them.
fn text(edit: usize) -> Vec<u8> {
    let mut lines = Vec::new();
    for i in 0..64 {
        let touched = (i * 7 + edit) % 64 < 3 && edit > 0;
        let word = if touched { edit * 31 + i } else { i };
        lines.push(format!(
            "{i:02} The agent keeps note {word:05} of the customer ledger.\n"
        ));
    }
    let mut out = lines.concat().into_bytes();
    out.resize(4096, b'.');
    out
}

#[test]
fn a_version_round_trips_and_the_same_content_is_stored_once() {
    let (_home, mut store, tenant) = setup();
    assert!(record(&mut store, &tenant, "SOUL.md", b"A\n"));
    assert!(!record(&mut store, &tenant, "SOUL.md", b"A\n"));
    assert!(record(&mut store, &tenant, "./SOUL.md", b"B\n"));
    assert!(record(&mut store, &tenant, "SOUL.md", b"A\n"));
    let versions = history::list(&store, &tenant, "ada", Some("SOUL.md")).unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(blob_count(&store), 2);
    assert_eq!(versions[0].sha256, sha(b"A\n"));
    assert_eq!(versions[0].source, VersionSource::AgentEdit);
    assert!(versions.iter().all(|v| v.kept));
    let b = history::content(store.conn(), &tenant, "ada", "SOUL.md", &sha(b"B\n")).unwrap();
    assert_eq!(b, b"B\n");
    let newest = history::newest(store.conn(), &tenant, "ada", "SOUL.md")
        .unwrap()
        .unwrap();
    assert_eq!(newest, versions[0]);
    let unknown =
        history::content(store.conn(), &tenant, "ada", "SOUL.md", &sha(b"C")).unwrap_err();
    assert_eq!(unknown.code(), "history_version_unknown");
    assert!(unknown.is_bad_input());
    // Another file with the same content shares the blob.
    assert!(record(&mut store, &tenant, "USER.md", b"A\n"));
    assert_eq!(blob_count(&store), 2);
    assert_eq!(
        history::list(&store, &tenant, "ada", None).unwrap().len(),
        4
    );
}

#[test]
fn over_the_limit_is_hash_only() {
    let (_home, mut store, tenant) = setup();
    let big = vec![b'x'; usize::try_from(MAX_VERSION_BYTES).unwrap() + 1];
    assert!(record(&mut store, &tenant, "MEMORY.md", &big));
    let versions = history::list(&store, &tenant, "ada", Some("MEMORY.md")).unwrap();
    assert!(!versions[0].kept);
    assert_eq!(versions[0].size, MAX_VERSION_BYTES + 1);
    assert_eq!(blob_count(&store), 0);
    let gone = history::content(store.conn(), &tenant, "ada", "MEMORY.md", &sha(&big)).unwrap_err();
    assert_eq!(gone.code(), "history_content_gone");
    assert!(gone.is_bad_input(), "the caller picks another version");
}

#[test]
fn retention_keeps_the_newest_versions_and_chains_decode_across_the_cap() {
    let (_home, mut store, tenant) = setup();
    let total = VERSIONS_KEPT + 30;
    for edit in 1..=total {
        assert!(record(&mut store, &tenant, "AGENTS.md", &text(edit)));
    }
    let versions = history::list(&store, &tenant, "ada", Some("AGENTS.md")).unwrap();
    assert_eq!(versions.len(), VERSIONS_KEPT);
    for edit in (total - VERSIONS_KEPT + 1)..=total {
        let bytes =
            history::content(store.conn(), &tenant, "ada", "AGENTS.md", &sha(&text(edit))).unwrap();
        assert_eq!(bytes, text(edit), "edit {edit}");
    }
    let pruned = history::content(store.conn(), &tenant, "ada", "AGENTS.md", &sha(&text(1)));
    assert_eq!(pruned.unwrap_err().code(), "history_version_unknown");
    // Deleted versions' blobs are gone unless a kept blob is compressed against them.
    let blobs = blob_count(&store);
    assert!(
        blobs >= VERSIONS_KEPT as i64 && blobs < VERSIONS_KEPT as i64 + 16,
        "{blobs}"
    );
    let deepest: i64 = store
        .conn()
        .query_row("SELECT MAX(depth) FROM history_blobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(deepest, 15);
}

#[test]
fn history_bytes_for_100_edits_of_a_4_kib_file() {
    let (_home, mut store, tenant) = setup();
    for edit in 1..=100 {
        record(&mut store, &tenant, "SOUL.md", &text(edit));
    }
    let n = history::stored_bytes(&store, &tenant).unwrap();
    println!("history bytes for 100 edits of a 4 KiB file: {n}");
    assert!(n < 409_600 / 10, "{n}");
}

#[test]
fn hashes_are_normalized() {
    let hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    let want = format!("sha256:{}", hex.to_lowercase());
    assert_eq!(history::normalize_sha(hex).unwrap(), want);
    assert_eq!(
        history::normalize_sha(&format!(" SHA256:{hex} ")).unwrap(),
        want
    );
    assert_eq!(history::normalize_sha(&want).unwrap(), want);
    for bad in ["", "sha256:", "abc", &format!("{hex}0"), "sha256:zz"] {
        assert_eq!(
            history::normalize_sha(bad).unwrap_err().code(),
            "invalid_input"
        );
    }
}

#[test]
fn baseline_writes_record_versions_with_their_source() {
    let home = TestHome::new();
    let mut store = home.init_core("Baseline Co");
    let actor = tenant::current_actor(&store).unwrap();
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("SOUL.md"), "one\n").unwrap();
    baseline::record(&mut store, &actor, "ada", &ws, &[], &test_clock()).unwrap();
    std::fs::write(ws.join("SOUL.md"), "two\n").unwrap();
    baseline::accept_as(
        &mut store,
        &actor,
        "ada",
        VersionSource::Apply,
        &test_clock(),
    )
    .unwrap();
    baseline::accept(&mut store, &actor, "ada", &test_clock()).unwrap();
    let versions = history::list(&store, &actor.tenant_id, "ada", Some("SOUL.md")).unwrap();
    let sources: Vec<_> = versions.iter().map(|v| v.source).collect();
    assert_eq!(sources, [VersionSource::Apply, VersionSource::Baseline]);
    assert_eq!(versions[0].actor, actor.member_id);
    let missing = history::list(&store, &actor.tenant_id, "nobody", None).unwrap_err();
    assert_eq!(missing.code(), "not_found");
}

#[test]
fn the_cli_lists_history_as_text_and_json() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("SOUL.md"), "Be kind.\n").unwrap();
    let ws_arg = ws.to_str().unwrap();
    home.cli(&["integrity", "baseline", ws_arg, "--agent", "ada"])
        .expect_code(0);
    std::fs::write(ws.join("SOUL.md"), "Be kinder.\n").unwrap();
    home.cli(&["integrity", "accept", ws_arg, "--agent", "ada"])
        .expect_code(0);
    let list = home
        .cli(&["--json", "integrity", "history", "ada", "SOUL.md"])
        .expect_code(0)
        .json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["source"], "baseline");
    assert_eq!(list[0]["sha256"], sha(b"Be kinder.\n"));
    assert_eq!(list[0]["size"], 11);
    let text = home
        .cli(&["integrity", "history", "ada"])
        .expect_code(0)
        .stdout;
    assert!(
        text.contains("SOUL.md") && text.contains("baseline"),
        "{text}"
    );
    let run = home.cli(&["--json", "integrity", "history", "nobody"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not_found"), "{}", run.stderr);
}
