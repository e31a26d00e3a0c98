//! Integrity through the CLI as a process: baselines and drift exit codes, accept, attestations
//! and enforcement, the registry check, and audit tampering caught by `audit verify`.

use std::path::Path;

use persona_studio::audit::AuditEntry;
use persona_studio::clock::Timestamp;
use persona_studio::integrity::baseline;
use persona_studio::tenant;

use crate::support::{cli_with, test_clock, TestHome};

fn workspace(home: &TestHome) -> std::path::PathBuf {
    let dir = home.path().join("agent-ws");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("SOUL.md"), "Be kind.\n").unwrap();
    std::fs::write(dir.join("IDENTITY.md"), "- **Name:** Juniper\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "watched\n").unwrap();
    dir
}

#[test]
fn drift_is_reported_with_an_aide_style_bitmask() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let ws = workspace(&home);
    let ws_arg = ws.to_str().unwrap();
    let recorded = home
        .cli(&[
            "--json",
            "integrity",
            "baseline",
            ws_arg,
            "--agent",
            "juniper",
            "--watch",
            "notes.txt",
        ])
        .expect_code(0)
        .json();
    assert_eq!(recorded["files"].as_array().unwrap().len(), 3);
    assert_eq!(
        home.cli(&["--json", "integrity", "check", ws_arg])
            .expect_code(0)
            .json()["changes"],
        serde_json::json!([])
    );

    std::fs::write(ws.join("AGENTS.md"), "new\n").unwrap();
    assert_eq!(home.cli(&["integrity", "check", ws_arg]).code, 1);
    std::fs::remove_file(ws.join("IDENTITY.md")).unwrap();
    assert_eq!(home.cli(&["integrity", "check", ws_arg]).code, 3);
    std::fs::write(ws.join("notes.txt"), "changed!\n").unwrap();
    let run = home.cli(&["--json", "integrity", "check", ws_arg]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    let report = run.json();
    let changes = report["changes"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["path"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("AGENTS.md", "added"),
            ("IDENTITY.md", "removed"),
            ("notes.txt", "modified")
        ]
    );
    let modified = &changes[2];
    assert!(modified["changed"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("content")));
    assert_ne!(modified["old_sha256"], modified["new_sha256"]);
    assert_eq!(report["exit_code"], 7);

    // A mode change alone is drift too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        home.cli(&["integrity", "accept", ws_arg]).expect_code(0);
        std::fs::set_permissions(ws.join("SOUL.md"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let run = home.cli(&["--json", "integrity", "check", ws_arg]);
        assert_eq!(run.code, 4);
        assert_eq!(
            run.json()["changes"][0]["changed"],
            serde_json::json!(["mode"])
        );
    }

    home.cli(&["integrity", "accept", ws_arg]).expect_code(0);
    home.cli(&["integrity", "check", ws_arg]).expect_code(0);
    let audit = home
        .cli(&["--json", "audit", "list", "--kind", "integrity."])
        .expect_code(0)
        .json();
    let accepted = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entry"]["kind"] == "integrity.baseline_accepted")
        .unwrap();
    assert!(
        accepted["entry"]["data"]["old"].is_object()
            && accepted["entry"]["data"]["new"].is_object()
    );
}

#[test]
fn check_errors_exit_16_and_name_the_fix() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let ws = workspace(&home);
    let run = home.cli(&["integrity", "check", ws.to_str().unwrap()]);
    assert_eq!(run.code, 16);
    assert!(run.stderr.contains("integrity baseline"), "{}", run.stderr);
    let twice = home.cli(&[
        "integrity",
        "baseline",
        ws.to_str().unwrap(),
        "--agent",
        "a",
    ]);
    assert_eq!(twice.code, 0);
    let again = home
        .cli(&[
            "integrity",
            "baseline",
            ws.to_str().unwrap(),
            "--agent",
            "a",
        ])
        .expect_code(1);
    assert!(
        again.stderr.contains("integrity accept"),
        "{}",
        again.stderr
    );
    let outside = home.cli(&[
        "integrity",
        "baseline",
        ws.to_str().unwrap(),
        "--agent",
        "b",
        "--watch",
        "../etc/passwd",
    ]);
    assert_eq!(outside.code, 2, "{}", outside.stderr);
}

#[test]
fn only_owners_and_admins_accept_baselines() {
    let home = TestHome::new();
    let mut store = home.init_core("Acme");
    let ws = workspace(&home);
    let owner = tenant::current_actor(&store).unwrap();
    baseline::record(&mut store, &owner, "bot", &ws, &[], &test_clock()).unwrap();
    let customer = home.add_customer(&mut store);
    let refused = baseline::accept(&mut store, &customer, "bot", &test_clock()).unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    // After the unlock ends, even the owner must unlock again.
    let later = persona_studio::clock::FixedClock(
        persona_studio::clock::Clock::now(&test_clock()).plus_millis(9 * 3600 * 1000),
    );
    assert_eq!(
        baseline::accept(&mut store, &owner, "bot", &later)
            .unwrap_err()
            .code(),
        "locked"
    );
    let admin = owner;
    baseline::accept(&mut store, &admin, "bot", &test_clock()).unwrap();
    // The diff shows baseline text beside the current text.
    std::fs::write(ws.join("SOUL.md"), "Be kinder.\n").unwrap();
    let diff = baseline::file_diff(&store, &admin.tenant_id, "bot", "SOUL.md").unwrap();
    assert_eq!(diff.baseline.as_deref(), Some("Be kind.\n"));
    assert_eq!(diff.current.as_deref(), Some("Be kinder.\n"));
}

fn spec_file(home: &TestHome) -> String {
    let path = home.path().join("spec.json");
    let mut spec = persona_studio::persona::spec::sample_spec();
    spec.version = 1;
    // Agent bot's spec: a draft whose id names another agent is not published.
    spec.id = "bot".to_owned();
    std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn attestations_count_drift_and_enforcement_refuses_unpublished_hashes() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let spec = spec_file(&home);
    home.cli(&["spec", "new", "--agent", "bot", "--from", &spec])
        .expect_code(0);
    home.cli(&["spec", "publish", "--agent", "bot"])
        .expect_code(0);
    home.cli(&["spec", "compile", &spec, "--attest", "--agent", "bot"])
        .expect_code(0);
    home.cli(&[
        "spec",
        "compile",
        &spec,
        "--attest",
        "--agent",
        "bot",
        "--context",
        "public_share",
    ])
    .expect_code(0);
    // A locally edited spec: drift, with a warning under the default `observe`.
    let edited = home.path().join("edited.json");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("\"terse\"", "\"detailed\"");
    std::fs::write(&edited, text).unwrap();
    let run = home
        .cli(&[
            "spec",
            "compile",
            edited.to_str().unwrap(),
            "--attest",
            "--agent",
            "bot",
        ])
        .expect_code(0);
    assert!(run.stderr.contains("not the published"), "{}", run.stderr);
    let stats = home
        .cli(&["--json", "attest", "stats", "--agent", "bot"])
        .expect_code(0)
        .json();
    assert_eq!(stats[0]["attestations"], 3);
    assert_eq!(stats[0]["distinct_persona_hashes"], 2);
    assert_eq!(stats[0]["drift_events"], 1);
    assert!(stats[0]["last_drift"].is_string());

    home.cli(&["attest", "enforcement", "enforce"])
        .expect_code(0);
    let refused = home
        .cli(&[
            "--json",
            "spec",
            "compile",
            edited.to_str().unwrap(),
            "--attest",
            "--agent",
            "bot",
        ])
        .expect_code(1);
    assert!(
        refused.stderr.contains("hash_enforced"),
        "{}",
        refused.stderr
    );
    home.cli(&["spec", "compile", &spec, "--attest", "--agent", "bot"])
        .expect_code(0);
    let stats = home
        .cli(&["--json", "attest", "stats"])
        .expect_code(0)
        .json();
    assert_eq!(
        stats[0]["attestations"], 4,
        "the refused compile was not recorded"
    );
    home.cli(&["attest", "enforcement", "sometimes"])
        .expect_code(2);
}

fn write_registry(path: &Path, entries: serde_json::Value) {
    std::fs::write(
        path,
        serde_json::to_string_pretty(
            &serde_json::json!({"registry_version": 1, "entries": entries}),
        )
        .unwrap(),
    )
    .unwrap();
}

fn rules(run: &crate::support::CliRun) -> Vec<String> {
    let mut rules: Vec<String> = run.json()["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_owned())
        .collect();
    rules.sort();
    rules
}

#[test]
fn registry_rules_exit_100_with_codes() {
    let home = TestHome::new();
    let base = home.path().join("base.json");
    let next = home.path().join("next.json");
    let schema = serde_json::json!({"type": "object", "properties": {"title": {"type": "string"}}});
    write_registry(
        &base,
        serde_json::json!([
            {"id": "research_analyst", "aliases": ["analyst"], "lifecycle": "active",
             "contracts": [{"id": "ROLE:research_analyst:X:1", "schema": schema}]},
            {"id": "support_agent", "lifecycle": "active"}
        ]),
    );
    // First publish: only internal rules.
    let first = cli_with(None, &["registry", "check", base.to_str().unwrap()], None).expect_code(0);
    assert!(first.stdout.contains("ok"));
    // Republishing the same contract with the same hash is a no-op; deprecating is fine.
    write_registry(
        &next,
        serde_json::json!([
            {"id": "research_analyst", "aliases": ["analyst"], "lifecycle": "deprecated",
             "contracts": [{"id": "ROLE:research_analyst:X:1", "schema": {"properties": {"title": {"type": "string"}}, "type": "object"}}]},
            {"id": "support_agent", "lifecycle": "active"}
        ]),
    );
    // `registry check NEXT --against BASE`, in JSON or as text.
    let check_against_base = |json: bool| {
        let (next, base) = (next.to_str().unwrap(), base.to_str().unwrap());
        let args = ["--json", "registry", "check", next, "--against", base];
        cli_with(None, if json { &args[..] } else { &args[1..] }, None)
    };
    check_against_base(false).expect_code(0);
    // Every rule at once.
    write_registry(
        &next,
        serde_json::json!([
            {"id": "research_analyst", "aliases": ["support_agent"], "lifecycle": "active",
             "contracts": [
                {"id": "ROLE:research_analyst:X:1", "schema": {"type": "string"}},
                {"id": "ROLE:research_analyst:C:01", "schema": {}},
                {"id": "ROLE:someone_else:X:2", "schema": {}}
             ]},
            {"id": "Bad-Id", "lifecycle": "active"},
            {"id": "writer", "lifecycle": "active"},
            {"id": "writer", "lifecycle": "active"}
        ]),
    );
    let run = check_against_base(true);
    assert_eq!(run.code, 100, "{}", run.stderr);
    assert_eq!(
        rules(&run),
        [
            "ALIAS_COLLISION",
            "DUPLICATE_ID",
            "ID_REMOVED",
            "INVALID_CONTRACT_ID",
            "INVALID_CONTRACT_ID",
            "INVALID_ID",
            "SCHEMA_CHANGED_WITHOUT_VERSION_BUMP"
        ]
    );
    let text = check_against_base(false);
    assert_eq!(text.code, 100);
    assert!(
        text.stdout
            .lines()
            .all(|l| l.starts_with(&format!("{}: ", next.display()))),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(": ID_REMOVED: \"support_agent\""),
        "{}",
        text.stdout
    );
    // Not a registry: bad input.
    std::fs::write(&next, "{\"entries\": 3}").unwrap();
    cli_with(None, &["registry", "check", next.to_str().unwrap()], None).expect_code(2);
}

#[test]
fn registry_baselines_can_come_from_git() {
    let home = TestHome::new();
    let repo = home.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    let file = repo.join("registry.json");
    write_registry(
        &file,
        serde_json::json!([{"id": "analyst", "lifecycle": "active"}]),
    );
    git(&["add", "registry.json"]);
    git(&["commit", "-q", "-m", "first"]);
    write_registry(
        &file,
        serde_json::json!([{"id": "writer", "lifecycle": "active"}]),
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_persona-studio"))
        .args([
            "registry",
            "check",
            "registry.json",
            "--against",
            "git:HEAD:registry.json",
        ])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(100));
    assert!(String::from_utf8_lossy(&run.stdout).contains("ID_REMOVED"));
}

/// Seeds a chain of several entries through the CLI and returns the home.
fn chained_home() -> TestHome {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    for agent in ["a1", "a2", "a3"] {
        home.cli(&["spec", "new", "--agent", agent]).expect_code(0);
        home.cli(&["spec", "publish", "--agent", agent])
            .expect_code(0);
    }
    let ok = home
        .cli(&["--json", "audit", "verify"])
        .expect_code(0)
        .json();
    // tenant.created, passphrase set, unlocked, then three publishes.
    assert_eq!(ok["entries"], 6);
    assert_eq!(ok["checkpoint_seq"], 6);
    home
}

fn tamper(home: &TestHome, sql: &str) {
    let conn = rusqlite::Connection::open(home.db_path()).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn broken_at(home: &TestHome) -> (i64, String) {
    let run = home.cli(&["--json", "audit", "verify"]);
    assert_eq!(run.code, 1, "tampering went unnoticed: {}", run.stdout);
    let report = run.json();
    (
        report["broken_seq"].as_i64().unwrap(),
        report["reason"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn audit_verify_catches_every_kind_of_tampering() {
    let cases: &[(&str, i64)] = &[
        ("UPDATE audit_log SET data = '{\"agent\":\"evil\"}' WHERE seq = 2", 2),
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", 3),
        ("UPDATE audit_log SET ts = '2020-01-01T00:00:00.000Z' WHERE seq = 1", 1),
        ("UPDATE audit_log SET kind = 'nothing.happened' WHERE seq = 4", 4),
        ("DELETE FROM audit_log WHERE seq = 2", 2),
        ("DELETE FROM audit_log WHERE seq = 6", 6),
        ("UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 100", 2),
        ("UPDATE audit_log SET data = 'not json' WHERE seq = 3", 3),
    ];
    for (sql, seq) in cases {
        let home = chained_home();
        tamper(&home, sql);
        let (broken, reason) = broken_at(&home);
        assert_eq!(broken, *seq, "{sql}: {reason}");
        assert!(!reason.is_empty());
    }
}

/// Rewrites history the way an attacker with SQLite access would: changes entry `forged`'s
/// data and re-hashes every entry, so the chain in SQLite is internally consistent.
pub fn rewrite_chain_consistently(db: &Path, forged: usize) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tenant: String = conn
        .query_row("SELECT tenant_id FROM local_profile", [], |r| r.get(0))
        .unwrap();
    let mut rows: Vec<(i64, String, String, String, String)> = conn
        .prepare(
            "SELECT seq, ts, actor, kind, data FROM audit_log WHERE tenant_id = ?1 ORDER BY seq",
        )
        .unwrap()
        .query_map([&tenant], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows[forged].4 = r#"{"agent":"forged"}"#.to_owned();
    let mut prev = persona_studio::audit::GENESIS_PREV.to_owned();
    for (seq, ts, actor, kind, data) in &rows {
        let entry = AuditEntry {
            seq: *seq,
            ts: Timestamp::parse(ts).unwrap(),
            tenant: tenant.clone(),
            actor: actor.clone(),
            kind: kind.clone(),
            data: serde_json::from_str(data).unwrap(),
            prev: prev.clone(),
        };
        let hash = entry.hash().unwrap().to_string();
        conn.execute(
            "UPDATE audit_log SET data = ?1, prev = ?2, hash = ?3 WHERE tenant_id = ?4 AND seq = ?5",
            rusqlite::params![data, prev, hash, tenant, seq],
        )
        .unwrap();
        prev = hash;
    }
}

#[test]
fn a_consistently_rewritten_chain_is_caught_by_the_keyring_checkpoint() {
    let home = chained_home();
    rewrite_chain_consistently(&home.db_path(), 1);
    let (broken, reason) = broken_at(&home);
    assert_eq!(broken, 6);
    assert!(reason.contains("keyring"), "{reason}");
    // A write after the rewrite does not launder it: the checkpoint only advances over a
    // chain that verifies from it.
    home.cli(&["spec", "new", "--agent", "a4"]).expect_code(0);
    home.cli(&["spec", "publish", "--agent", "a4"])
        .expect_code(0);
    assert_eq!(broken_at(&home).0, 6);
}
