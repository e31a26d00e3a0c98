//! `canon`, `hash` and `spec …` as a user runs them: a process, files and stdin, exit codes.

use std::path::PathBuf;

use crate::support::{cli_with, TestHome};

fn conformance(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/jcs")
        .join(path)
}

#[test]
fn canon_writes_exactly_the_canonical_bytes() {
    for name in [
        "arrays",
        "french",
        "structures",
        "unicode",
        "values",
        "weird",
    ] {
        let input = conformance(&format!("input/{name}.json"));
        let expected = std::fs::read(conformance(&format!("output/{name}.json"))).unwrap();
        let run = cli_with(None, &["canon", input.to_str().unwrap()], None).expect_code(0);
        assert_eq!(run.stdout.as_bytes(), expected.as_slice(), "{name}");
        // stdin gives the same bytes.
        let piped =
            cli_with(None, &["canon", "-"], Some(&std::fs::read(&input).unwrap())).expect_code(0);
        assert_eq!(
            piped.stdout.as_bytes(),
            expected.as_slice(),
            "{name} via stdin"
        );
    }
}

#[test]
fn hash_prints_the_digest_of_the_canonical_form() {
    let a = cli_with(None, &["hash", "-"], Some(br#"{"b": 1, "a": [1.0, "x"]}"#)).expect_code(0);
    let b = cli_with(None, &["hash", "-"], Some(b"{\"a\":[1,\"x\"],\"b\":1}")).expect_code(0);
    assert_eq!(a.stdout, b.stdout);
    let digest = a.stdout.trim();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
}

#[test]
fn invalid_json_exits_2_naming_the_problem_and_place() {
    let cases: &[(&[u8], &str)] = &[
        (br#"{"a": 1, "a": 2}"#, "duplicate"),
        (br#"{"x": {"k": 1, "k": 1}}"#, "/x"),
        (br#"["\ud800"]"#, "surrogate"),
        (b"[1e400]", "range"),
        (b"{\"a\": ", "line 1"),
        (b"[1] x", "line 1"),
    ];
    for (input, needle) in cases {
        let run = cli_with(None, &["canon", "-"], Some(input)).expect_code(2);
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{} -> {}",
            String::from_utf8_lossy(input),
            run.stderr
        );
        assert!(run.stdout.is_empty());
        cli_with(None, &["hash", "-"], Some(input)).expect_code(2);
    }
    let missing = cli_with(None, &["canon", "/nonexistent/file.json"], None).expect_code(2);
    assert!(missing.stderr.contains("/nonexistent/file.json"));
}

#[test]
fn spec_validate_reports_every_problem_as_json() {
    let ok = cli_with(
        None,
        &["--json", "spec", "validate", "-"],
        Some(sample().as_bytes()),
    )
    .expect_code(0);
    assert_eq!(ok.json()["valid"], true);
    let bad = r#"{"schema_version": 2, "id": "Bad Id", "mode": "solo", "surprise": 1}"#;
    let run = cli_with(
        None,
        &["--json", "spec", "validate", "-"],
        Some(bad.as_bytes()),
    )
    .expect_code(2);
    let report = run.json();
    assert_eq!(report["valid"], false);
    let pointers: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pointer"].as_str().unwrap())
        .collect();
    for expected in ["/schema_version", "/id", "/mode", "/surprise", "/identity"] {
        assert!(
            pointers.contains(&expected),
            "{expected} missing from {pointers:?}"
        );
    }
    let text = cli_with(None, &["spec", "validate", "-"], Some(bad.as_bytes())).expect_code(2);
    assert!(text.stdout.contains("/mode"), "{}", text.stdout);
}

fn sample() -> String {
    serde_json::to_string_pretty(&persona_studio::persona::spec::sample_spec()).unwrap()
}

#[test]
fn spec_compile_is_deterministic_and_reads_the_workspace() {
    let home = TestHome::new();
    let workspace = home.path().join("ws");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(workspace.join("SOUL.md"), "Be kind.\n- **Vibe:** calm\n").unwrap();
    std::fs::write(workspace.join("AGENTS.md"), "Keep a log.\n").unwrap();
    let spec_path = home.path().join("spec.json");
    std::fs::write(&spec_path, sample()).unwrap();
    let args = [
        "--json",
        "spec",
        "compile",
        spec_path.to_str().unwrap(),
        "--workspace",
        workspace.to_str().unwrap(),
        "--context",
        "owner_chat",
    ];
    let first = cli_with(None, &args, None).expect_code(0).json();
    let second = cli_with(None, &args, None).expect_code(0).json();
    assert_eq!(first["trace"]["plan_hash"], second["trace"]["plan_hash"]);
    assert_eq!(first, second);
    let kinds: Vec<&str> = first["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "governance",
            "decision_policy",
            "style",
            "intent",
            "tool_policy",
            "evidence",
            "user_message"
        ]
    );
    let bad_context = cli_with(
        None,
        &[
            "spec",
            "compile",
            spec_path.to_str().unwrap(),
            "--context",
            "everyone",
        ],
        None,
    )
    .expect_code(2);
    assert!(
        bad_context.stderr.contains("public_widget"),
        "{}",
        bad_context.stderr
    );
    // The prompt alone on stdout; each conflict (naming the layer that won), the warnings and
    // the plan hash on stderr.
    let text = cli_with(
        None,
        &[
            "spec",
            "compile",
            spec_path.to_str().unwrap(),
            "--workspace",
            workspace.to_str().unwrap(),
            "--context",
            "owner_chat",
        ],
        None,
    )
    .expect_code(0);
    assert!(text.stdout.contains("Be kind."), "{}", text.stdout);
    for note in ["conflict:", "warning:", "plan_hash"] {
        assert!(
            !text.stdout.contains(note),
            "{note} in the prompt:\n{}",
            text.stdout
        );
    }
    assert!(
        text.stderr
            .contains("conflict: vibe = \"calm\" from SOUL.md line 2 wins over")
            && text.stderr.contains("from the spec at /"),
        "{}",
        text.stderr
    );
    assert!(text.stderr.contains(&format!(
        "plan_hash: {}",
        first["trace"]["plan_hash"].as_str().unwrap()
    )));
}

#[test]
fn stored_versions_through_the_cli() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let created = home
        .cli(&["--json", "spec", "new", "--agent", "helper"])
        .expect_code(0)
        .json();
    assert_eq!(created["state"], "draft");
    let published = home
        .cli(&["--json", "spec", "publish", "--agent", "helper"])
        .expect_code(0)
        .json();
    assert_eq!(published["active"], true);
    let active = home
        .cli(&["--json", "spec", "active", "--agent", "helper"])
        .expect_code(0)
        .json();
    assert_eq!(active["summary"]["persona_hash"], published["persona_hash"]);
    // The stored canonical text hashes to the persona hash.
    let stored = active["spec_json"].as_str().unwrap();
    let hashed = cli_with(None, &["hash", "-"], Some(stored.as_bytes())).expect_code(0);
    assert_eq!(
        hashed.stdout.trim(),
        published["persona_hash"].as_str().unwrap()
    );
    // No draft to edit once published: the draft names nothing (exit 2, not_found).
    let edit = home.cli_stdin(&["spec", "edit", "--agent", "helper", "-"], b"{}");
    assert_eq!(edit.code, 2, "{}", edit.stderr);
    let list = home
        .cli(&["--json", "spec", "list", "--agent", "helper"])
        .expect_code(0)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let agents = home.cli(&["--json", "spec", "list"]).expect_code(0).json();
    assert_eq!(agents, serde_json::json!(["helper"]));
    home.cli(&["spec", "show", "--agent", "helper", "--version", "7"])
        .expect_code(2);
    home.cli(&["spec", "new", "--agent", "Bad Name"])
        .expect_code(2);
}

#[test]
fn generate_turns_legacy_settings_into_a_valid_draft() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let legacy = br#"{"autonomy_level": "low", "verbosity": "concise", "output_format": "plain",
        "update_cadence": "weekly", "purpose": "Keep the books tidy",
        "personality": "meticulous and friendly", "custom_instructions": "Never round numbers."}"#;
    let made = home
        .cli_stdin(
            &[
                "--json",
                "spec",
                "generate",
                "--agent",
                "bookkeeper",
                "--legacy",
                "-",
            ],
            legacy,
        )
        .expect_code(0)
        .json();
    assert!(
        made["persona_hash"].is_string(),
        "the generated draft is valid"
    );
    let stored = home
        .cli(&[
            "--json",
            "spec",
            "show",
            "--agent",
            "bookkeeper",
            "--version",
            "1",
        ])
        .expect_code(0)
        .json();
    let spec: serde_json::Value =
        serde_json::from_str(stored["spec_json"].as_str().unwrap()).unwrap();
    assert_eq!(spec["decision_policy"]["autonomy"], "ask_first");
    assert_eq!(spec["style"]["verbosity"], "terse");
    assert_eq!(spec["style"]["output_format"], "plain");
    assert_eq!(spec["identity"]["purpose"], "Keep the books tidy");
    let bad = home
        .cli_stdin(
            &["spec", "generate", "--agent", "b2", "--legacy", "-"],
            br#"{"autonomy_level": "yolo"}"#,
        )
        .expect_code(2);
    assert!(
        bad.stderr.contains("yolo") && bad.stderr.contains("ask_first"),
        "{}",
        bad.stderr
    );
    let unknown = home
        .cli_stdin(
            &["spec", "generate", "--agent", "b3", "--legacy", "-"],
            br#"{"mood": "happy"}"#,
        )
        .expect_code(2);
    assert!(unknown.stderr.contains("mood"), "{}", unknown.stderr);
}
