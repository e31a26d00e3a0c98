//! Issue 17 §1: JSON from outside the app, at every entry point, as a process. A leading UTF-8
//! byte order mark is ignored (RFC 8259 §8.1) without changing canonical bytes or hashes; one
//! anywhere else is an error that names it; a repeated member name is refused with its JSON
//! pointer wherever the content is hashed, stored or enforced.

use std::path::Path;

use crate::support::{cli_with, CliRun, TestHome};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn with_bom(bytes: &[u8]) -> Vec<u8> {
    [BOM, bytes].concat()
}

/// Asserts a `--json` run was refused with `code` and a message containing every needle.
fn refused(run: CliRun, code: &str, needles: &[&str]) {
    let run = run.expect_code(2);
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not a JSON error ({e}): {}", run.stderr));
    assert_eq!(error["code"], code, "{}", run.stderr);
    let message = error["message"].as_str().unwrap();
    for needle in needles {
        assert!(
            message.contains(needle),
            "{needle:?} missing from {message}"
        );
    }
}

/// The sample spec as pretty JSON, with `"autonomy": "ask_first"` and later, in the same
/// object, `"autonomy": "autonomous"`: the issue's example.
fn spec_with_two_autonomies() -> String {
    let text = sample_spec_text();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let current = value["decision_policy"]["autonomy"].as_str().unwrap();
    let line = format!("\"autonomy\": \"{current}\"");
    assert!(text.contains(&line), "{text}");
    text.replacen(
        &line,
        "\"autonomy\": \"ask_first\",\n    \"autonomy\": \"autonomous\"",
        1,
    )
}

/// The sample spec as pretty JSON, as agent `wren`'s spec (its `id` is the agent's).
fn sample_spec_text() -> String {
    let mut spec = persona_studio::persona::spec::sample_spec();
    spec.id = "wren".to_owned();
    serde_json::to_string_pretty(&spec).unwrap()
}

#[test]
fn hash_and_canon_ignore_a_leading_bom_and_name_any_other() {
    let input: &[u8] = br#"{"b": 1, "a": [1.0, "x", "caf\u00e9"]}"#;
    for command in ["hash", "canon"] {
        let plain = cli_with(None, &[command, "-"], Some(input)).expect_code(0);
        let bom = cli_with(None, &[command, "-"], Some(&with_bom(input))).expect_code(0);
        assert_eq!(plain.stdout, bom.stdout, "{command}");
    }
    // From a file too, the way a Windows editor saves it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.json");
    std::fs::write(&file, with_bom(b"{\r\n  \"b\": 1,\r\n  \"a\": 2\r\n}\r\n")).unwrap();
    let run = cli_with(None, &["canon", file.to_str().unwrap()], None).expect_code(0);
    assert_eq!(run.stdout, r#"{"a":2,"b":1}"#);

    for (input, place) in [
        (&b"{\"a\": \xEF\xBB\xBF1}"[..], "line 1, column 7"),
        (b"\xEF\xBB\xBF\xEF\xBB\xBF{}", "line 1, column 1"),
        (b"[1,\n\xEF\xBB\xBF2]", "line 2, column 1"),
        (b"{}\xEF\xBB\xBF", "line 1, column 3"),
    ] {
        for command in ["hash", "canon"] {
            let run = cli_with(None, &["--json", command, "-"], Some(input));
            refused(run, "byte_order_mark", &["byte order mark", place]);
        }
    }
}

#[test]
fn spec_validate_and_compile_refuse_a_repeated_name_at_its_pointer() {
    let twice = spec_with_two_autonomies();
    let run = cli_with(
        None,
        &["--json", "spec", "validate", "-"],
        Some(twice.as_bytes()),
    )
    .expect_code(2);
    let report = run.json();
    assert_eq!(report["valid"], false);
    assert_eq!(
        report["problems"][0]["pointer"],
        "/decision_policy/autonomy"
    );
    assert_eq!(report["problems"][0]["rule"], "duplicate_key");
    let text = cli_with(None, &["spec", "validate", "-"], Some(twice.as_bytes())).expect_code(2);
    assert!(
        text.stdout.contains("/decision_policy/autonomy"),
        "{}",
        text.stdout
    );
    let compile = cli_with(
        None,
        &["--json", "spec", "compile", "-"],
        Some(twice.as_bytes()),
    );
    refused(compile, "spec_invalid", &["/decision_policy/autonomy"]);

    // A leading BOM is fine and changes nothing; a second one is named.
    let plain = sample_spec_text();
    let ok = |bytes: &[u8]| {
        cli_with(None, &["--json", "spec", "validate", "-"], Some(bytes))
            .expect_code(0)
            .json()
    };
    assert_eq!(ok(plain.as_bytes()), ok(&with_bom(plain.as_bytes())));
    let two = with_bom(&with_bom(plain.as_bytes()));
    let run = cli_with(None, &["--json", "spec", "validate", "-"], Some(&two)).expect_code(2);
    let message = run.json()["problems"][0]["message"].to_string();
    assert!(message.contains("byte order mark"), "{message}");
}

#[test]
fn spec_new_edit_and_publish_never_store_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let twice = spec_with_two_autonomies();
    let file = home.path().join("twice.json");
    std::fs::write(&file, &twice).unwrap();
    let new = home.cli(&[
        "--json",
        "spec",
        "new",
        "--agent",
        "wren",
        "--from",
        file.to_str().unwrap(),
    ]);
    refused(new, "duplicate_key", &["\"/decision_policy/autonomy\""]);
    let listed = home.cli(&["--json", "spec", "list", "--agent", "wren"]);
    let versions: Option<serde_json::Value> = serde_json::from_str(&listed.stdout).ok();
    assert!(
        versions
            .as_ref()
            .and_then(|v| v.as_array())
            .is_none_or(Vec::is_empty),
        "nothing was stored: {}",
        listed.stdout
    );

    // A BOM-prefixed spec is a fine draft, and publishes as the same persona.
    let bom_file = home.path().join("bom.json");
    std::fs::write(&bom_file, with_bom(sample_spec_text().as_bytes())).unwrap();
    let draft = home
        .cli(&[
            "--json",
            "spec",
            "new",
            "--agent",
            "wren",
            "--from",
            bom_file.to_str().unwrap(),
        ])
        .expect_code(0)
        .json();
    assert!(draft["persona_hash"].is_string(), "{draft}");
    let edit = home.cli_stdin(
        &["--json", "spec", "edit", "--agent", "wren", "-"],
        twice.as_bytes(),
    );
    refused(edit, "duplicate_key", &["\"/decision_policy/autonomy\""]);

    // A draft that got a repeated name some other way is not published.
    let conn = rusqlite::Connection::open(home.db_path()).unwrap();
    let changed = conn
        .execute(
            "UPDATE documents SET body = ?1 WHERE kind = 'persona_spec' AND doc_id = 'wren' \
             AND state = 'draft'",
            [&twice],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let publish = home.cli(&["--json", "spec", "publish", "--agent", "wren"]);
    refused(publish, "spec_invalid", &["/decision_policy/autonomy"]);
}

#[test]
fn legacy_settings_take_a_bom_and_refuse_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let legacy: &[u8] = br#"{"autonomy_level": "low", "purpose": "Keep the books tidy"}"#;
    home.cli_stdin(
        &[
            "--json", "spec", "generate", "--agent", "books", "--legacy", "-",
        ],
        &with_bom(legacy),
    )
    .expect_code(0);
    let twice = home.cli_stdin(
        &[
            "--json", "spec", "generate", "--agent", "books2", "--legacy", "-",
        ],
        br#"{"autonomy_level": "low", "autonomy_level": "high"}"#,
    );
    refused(twice, "duplicate_key", &["\"/autonomy_level\""]);
}

/// A preset folder copied from the official release with `id` and written by `write`.
fn preset_folder(home: &TestHome, name: &str, write: impl Fn(&str) -> Vec<u8>) -> String {
    let release = home.path().join(format!("{name}-release"));
    if !release.exists() {
        home.cli(&[
            "--json",
            "preset",
            "release",
            "executive_assistant@1",
            release.to_str().unwrap(),
        ])
        .expect_code(0);
    }
    let dir = home.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&release).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        if file.ends_with(".md") {
            std::fs::copy(&path, dir.join(&file)).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(release.join("preset.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["id"] = serde_json::json!(name);
    let text = serde_json::to_string_pretty(&value).unwrap();
    std::fs::write(dir.join("preset.json"), write(&text)).unwrap();
    dir.to_str().unwrap().to_owned()
}

#[test]
fn preset_import_takes_a_bom_and_refuses_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let bom = preset_folder(&home, "bom_copy", |text| with_bom(text.as_bytes()));
    let draft = home
        .cli(&["--json", "preset", "import", &bom])
        .expect_code(0)
        .json();
    assert_eq!(draft["id"], "bom_copy");

    let twice = preset_folder(&home, "twice_copy", |text| {
        text.replacen(
            "\"autonomy\": ",
            "\"autonomy\": \"autonomous\",\n\"autonomy\": ",
            1,
        )
        .into_bytes()
    });
    refused(
        home.cli(&["--json", "preset", "import", &twice]),
        "duplicate_key",
        &["preset.json", "\"/spec/decision_policy/autonomy\""],
    );
    let stray = preset_folder(&home, "stray_copy", |text| {
        text.replacen('{', "{\u{feff}", 1).into_bytes()
    });
    refused(
        home.cli(&["--json", "preset", "import", &stray]),
        "byte_order_mark",
        &["preset.json", "line 1, column 2"],
    );
}

#[test]
fn release_verify_takes_a_bom_and_refuses_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let release = home.path().join("release");
    home.cli(&[
        "--json",
        "preset",
        "release",
        "executive_assistant@1",
        release.to_str().unwrap(),
    ])
    .expect_code(0);
    let manifest = release.join("release.json");
    let text = std::fs::read(&manifest).unwrap();
    let verify = || home.cli(&["--json", "preset", "verify", release.to_str().unwrap()]);
    std::fs::write(&manifest, with_bom(&text)).unwrap();
    assert_eq!(verify().expect_code(0).json()["ok"], true);
    let twice = String::from_utf8(text)
        .unwrap()
        .replacen('{', "{\n  \"version\": 99,", 1);
    std::fs::write(&manifest, twice).unwrap();
    refused(verify(), "duplicate_key", &["release.json", "\"/version\""]);
}

fn write_registry(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn registry_check_takes_a_bom_and_refuses_a_repeated_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.json");
    let registry: &[u8] =
        br#"{"registry_version": 1, "entries": [{"id": "support_agent", "lifecycle": "active"}]}"#;
    let check = || {
        cli_with(
            None,
            &["--json", "registry", "check", file.to_str().unwrap()],
            None,
        )
    };
    write_registry(&file, registry);
    let plain = check().expect_code(0).stdout;
    write_registry(&file, &with_bom(registry));
    assert_eq!(check().expect_code(0).stdout, plain);
    write_registry(
        &file,
        br#"{"registry_version": 1, "entries": [
            {"id": "support_agent", "lifecycle": "active", "lifecycle": "deprecated"}]}"#,
    );
    refused(
        check(),
        "duplicate_key",
        &["\"/entries/0/lifecycle\"", "line 2, column 60"],
    );
}

#[test]
fn capability_manifests_take_a_bom_and_refuse_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let manifest = |id: &str, extra: &str| {
        format!(
            r#"{{"kind":"skill","id":"{id}","version":"0.1.0","name":"CLI tool",
            "summary":"Made from the CLI.","risk":"low","scope":["files:read"],"trust":"community",
            "slots":1,"storage_bytes":1000,"traits":["code"]{extra}}}"#
        )
    };
    let added = home
        .cli_stdin(
            &["--json", "capability", "add", "-"],
            &with_bom(manifest("bom_tool", "").as_bytes()),
        )
        .expect_code(0)
        .json();
    assert_eq!(added["id"], "bom_tool");
    let twice = manifest("twice_tool", r#","risk":"high""#);
    refused(
        home.cli_stdin(&["--json", "capability", "add", "-"], twice.as_bytes()),
        "duplicate_key",
        &["\"/risk\""],
    );
}

#[test]
fn onboarding_answers_take_a_bom_and_refuse_a_repeated_name() {
    let home = TestHome::new();
    home.init_unlocked(&["--tier", "free"]);
    let good: &[u8] =
        br#"{"goal": ["companion"], "audience": ["individual"], "autonomy": ["ask_first"],
        "style": ["balanced"], "channels": ["app_only"], "sensitivity": ["personal"],
        "voice": ["yes"], "browser": ["yes"], "agent_name": "Wren"}"#;
    let plain = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], good)
        .expect_code(0);
    let bom = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], &with_bom(good))
        .expect_code(0);
    assert_eq!(plain.stdout, bom.stdout);
    let twice = String::from_utf8(good.to_vec()).unwrap().replacen(
        "\"autonomy\": ",
        "\"autonomy\": [\"autonomous\"], \"autonomy\": ",
        1,
    );
    refused(
        home.cli_stdin(&["--json", "onboard", "--answers", "-"], twice.as_bytes()),
        "duplicate_key",
        &["\"/autonomy\""],
    );
}

#[test]
fn the_preset_editor_locates_a_repeated_name_and_takes_a_bom() {
    use persona_studio::persona::preset::catalog::{self, VersionRef};
    use persona_studio::persona::preset::editing;

    let home = TestHome::new();
    let store = home.init_core("Acme");
    let actor = persona_studio::tenant::current_actor(&store).unwrap();
    let official = catalog::get(
        &store,
        &actor.tenant_id,
        "executive_assistant",
        &VersionRef::Latest,
    )
    .unwrap();
    let texts = editing::texts_of(&official.bundle).unwrap();
    let clean = editing::check(&texts);
    let mut bom = texts.clone();
    bom.manifest = format!("\u{feff}{}", texts.manifest);
    assert_eq!(editing::check(&bom), clean);
    let mut twice = texts.clone();
    twice.manifest = texts.manifest.replacen(
        "\"autonomy\": ",
        "\"autonomy\": \"autonomous\",\n\"autonomy\": ",
        1,
    );
    let verdict = editing::check(&twice);
    assert_eq!(verdict.problems.len(), 1, "{verdict:?}");
    assert_eq!(verdict.problems[0].file, "preset.json");
    assert_eq!(
        verdict.problems[0].pointer,
        "/spec/decision_policy/autonomy"
    );
    assert!(verdict.content_hash.is_none());
}
