//! Issue 18: every command means what it says. A bare preset id follows the `production` label
//! everywhere (show, apply, onboarding's draft and harness profile) and says which version it
//! read; versions are written `2` or `v2`; a removed workspace is recreated; `spec new` starts
//! from the applied preset (or says it is a placeholder); a saved draft lists its problems and
//! one whose id names another agent is not published; members, install requests and change
//! requests are named by a unique id prefix or a member's name, and lists show names.

use std::path::Path;

use crate::support::{test_clock, CliRun, TestHome};
use persona_studio::ids::SequentialIds;
use persona_studio::tenant::{self, members};

const NOW: &str = "2026-11-21T12:00:00Z";

/// Answers whose recommendation is `executive_assistant`.
const EXEC: &[u8] = br#"{"goal": ["inbox_calendar"], "audience": ["individual"],
    "autonomy": ["balanced"], "style": ["terse"], "channels": ["email"],
    "sensitivity": ["personal"], "voice": ["no"], "browser": ["no"], "agent_name": "Ledger"}"#;

/// Asserts that the command failed (the exit code rule is the CLI's, tested on its own).
fn failed(run: CliRun) -> CliRun {
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run
}

fn says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}

/// Publishes the next version of `preset` with one more line in its SOUL.md.
fn publish_next(home: &TestHome, preset: &str) {
    home.cli(&["preset", "draft", preset]).expect_code(0);
    let dir = home.path().join(format!("{preset}-next"));
    let draft = format!("{preset}@draft");
    home.cli(&["preset", "export", &draft, dir.to_str().unwrap()])
        .expect_code(0);
    let soul = dir.join("SOUL.md");
    let text = std::fs::read_to_string(&soul).unwrap();
    std::fs::write(&soul, format!("{text}\nA newer version.\n")).unwrap();
    home.cli(&["preset", "edit", preset, dir.to_str().unwrap()])
        .expect_code(0);
    home.cli(&["preset", "publish", preset]).expect_code(0);
    std::fs::remove_dir_all(dir).unwrap();
}

fn json(home: &TestHome, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    home.cli_at(NOW, &all, None).expect_code(0).json()
}

fn apply(home: &TestHome, preset: &str, agent: &str, workspace: &Path) -> CliRun {
    let ws = workspace.to_str().unwrap();
    home.cli(&[
        "preset",
        "apply",
        preset,
        "--agent",
        agent,
        "--workspace",
        ws,
    ])
}

#[test]
fn a_bare_id_follows_the_production_label_in_every_command() {
    let home = TestHome::new();
    home.init_unlocked(&["--tier", "pro"]);
    publish_next(&home, "executive_assistant");
    // Rolling back: `v1` and `1` both name version 1.
    home.cli(&["preset", "label", "executive_assistant", "production", "v1"])
        .expect_code(0);
    let show = home
        .cli(&["preset", "show", "executive_assistant"])
        .expect_code(0);
    says(&show.stdout, &["executive_assistant:production → v1"]);
    assert_eq!(
        json(&home, &["preset", "show", "executive_assistant"])["version"],
        1
    );
    for (reference, version) in [("@latest", 2), ("@v2", 2), ("@2", 2), (":production", 1)] {
        let shown = json(
            &home,
            &["preset", "show", &format!("executive_assistant{reference}")],
        );
        assert_eq!(shown["version"], version, "{reference}");
    }
    // preset apply with a bare id applies the labelled version, and says so.
    let workspace = home.path().join("exec");
    let applied = apply(&home, "executive_assistant", "exec", &workspace).expect_code(0);
    says(
        &applied.stdout,
        &["Applied executive_assistant:production → v1 to exec"],
    );
    let entries = json(&home, &["audit", "list", "--kind", "preset.applied"]);
    assert_eq!(entries[0]["entry"]["data"]["version"], 1);
    // Onboarding builds the draft from the labelled version, and its profile follows the label.
    let accept = [
        "--json",
        "onboard",
        "--answers",
        "-",
        "--accept",
        "--agent",
        "ledger",
    ];
    let outcome = home.cli_at(NOW, &accept, Some(EXEC)).expect_code(0).json();
    assert_eq!(outcome["preset"], "executive_assistant");
    assert_eq!(outcome["preset_version"], 1);
    assert_eq!(
        outcome["preset_resolved"],
        "executive_assistant:production → v1"
    );
    assert_eq!(
        outcome["harness_profile"]["persona"]["presetRef"],
        "executive_assistant:production"
    );
    // Moving the label forward moves every bare reference with it.
    home.cli(&["preset", "label", "executive_assistant", "production", "2"])
        .expect_code(0);
    let dry = home
        .cli(&[
            "preset",
            "apply",
            "executive_assistant",
            "--agent",
            "exec",
            "--workspace",
            workspace.to_str().unwrap(),
            "--dry-run",
        ])
        .expect_code(0);
    says(
        &dry.stdout,
        &[
            "Would apply executive_assistant:production → v2",
            "+A newer version.",
        ],
    );
}

#[test]
fn a_preset_without_a_production_label_resolves_to_its_newest_published_version() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let dir = home.path().join("owl");
    home.cli(&[
        "preset",
        "export",
        "executive_assistant",
        dir.to_str().unwrap(),
    ])
    .expect_code(0);
    let manifest_path = dir.join("preset.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["id"] = "night_owl".into();
    manifest["trust"] = "local".into();
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    home.cli(&["preset", "import", dir.to_str().unwrap()])
        .expect_code(0);
    home.cli(&["preset", "publish", "night_owl"]).expect_code(0);
    publish_next(&home, "night_owl");
    let show = home.cli(&["preset", "show", "night_owl"]).expect_code(0);
    says(
        &show.stdout,
        &["night_owl (newest published; no production label) → v2"],
    );
}

#[test]
fn versions_are_written_either_way_and_a_bad_one_is_explained() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    publish_next(&home, "executive_assistant");
    let diff = home
        .cli(&["preset", "diff", "executive_assistant", "v1", "v2"])
        .expect_code(0);
    says(&diff.stdout, &["+A newer version."]);
    let out = home.path().join("export");
    home.cli(&[
        "preset",
        "export",
        "executive_assistant",
        out.to_str().unwrap(),
        "--version",
        "v1",
    ])
    .expect_code(0);
    let bad = home
        .cli(&[
            "--json",
            "preset",
            "label",
            "executive_assistant",
            "production",
            "one",
        ])
        .expect_code(2);
    says(&bad.stderr, &["2 or v2"]);
    assert!(!bad.stderr.contains("invalid digit"), "{}", bad.stderr);
    let bad_ref = home
        .cli(&["preset", "show", "executive_assistant@vv1"])
        .expect_code(2);
    says(&bad_ref.stderr, &["2 or v2"]);
}

#[test]
fn applying_again_recreates_a_removed_workspace_and_the_audit_names_it_absolutely() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let parent = home.path().join("agents");
    std::fs::create_dir_all(&parent).unwrap();
    let apply_in = |cwd: &Path| {
        crate::support::cli_in(
            home.path(),
            &[
                "--json",
                "preset",
                "apply",
                "executive_assistant",
                "--agent",
                "wren",
                "--workspace",
                "ws",
            ],
            &[],
            &[],
            cwd,
        )
    };
    let first = apply_in(&parent).expect_code(0).json();
    let absolute = std::fs::canonicalize(parent.join("ws")).unwrap();
    assert_eq!(first["workspace"], absolute.to_str().unwrap());
    std::fs::remove_dir_all(parent.join("ws")).unwrap();
    let again = apply_in(&parent).expect_code(0).json();
    assert_eq!(again["workspace"], absolute.to_str().unwrap());
    assert!(absolute.join("SOUL.md").is_file());
    let entries = json(&home, &["audit", "list", "--kind", "preset.applied"]);
    for entry in entries.as_array().unwrap() {
        assert_eq!(
            entry["entry"]["data"]["workspace"],
            absolute.to_str().unwrap()
        );
    }
    home.cli(&["integrity", "check", absolute.to_str().unwrap()])
        .expect_code(0);
    // Another folder is still refused: the agent's baseline names this one.
    let other = home.path().join("elsewhere");
    let refused = failed(apply(&home, "executive_assistant", "wren", &other));
    says(&refused.stderr, &[absolute.to_str().unwrap()]);
}

#[test]
fn deprecated_presets_are_marked_and_applying_one_warns() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    home.cli(&["preset", "deprecate", "executive_assistant"])
        .expect_code(0);
    let list = home.cli(&["preset", "list", "--all"]).expect_code(0);
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with("executive_assistant"))
        .unwrap();
    says(line, &["[deprecated]"]);
    let applied = apply(
        &home,
        "executive_assistant",
        "wren",
        &home.path().join("ws"),
    )
    .expect_code(0);
    says(
        &applied.stdout,
        &["warning: Preset executive_assistant is deprecated"],
    );
}

#[test]
fn a_locally_edited_version_of_an_official_preset_is_listed_as_local() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    publish_next(&home, "executive_assistant");
    let list = json(&home, &["preset", "list"]);
    let exec = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "executive_assistant")
        .unwrap();
    assert_eq!(exec["trust"], "local");
    let other = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] != "executive_assistant");
    assert_eq!(other.unwrap()["trust"], "official");
}

#[test]
fn spec_new_starts_from_the_applied_preset_or_says_it_is_a_placeholder() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    publish_next(&home, "executive_assistant");
    home.cli(&["preset", "label", "executive_assistant", "production", "2"])
        .expect_code(0);
    apply(
        &home,
        "executive_assistant",
        "juniper",
        &home.path().join("ws"),
    )
    .expect_code(0);
    let created = home
        .cli(&["spec", "new", "--agent", "juniper"])
        .expect_code(0);
    says(
        &created.stdout,
        &["from preset executive_assistant v2, the one applied to juniper"],
    );
    let draft = json(
        &home,
        &["spec", "show", "--agent", "juniper", "--version", "v1"],
    );
    let spec: serde_json::Value =
        serde_json::from_str(draft["spec_json"].as_str().unwrap()).unwrap();
    assert_eq!(spec["id"], "juniper");
    assert_eq!(spec["version"], 1);
    assert!(draft["summary"]["persona_hash"].is_string(), "{draft}");
    home.cli(&["spec", "publish", "--agent", "juniper"])
        .expect_code(0);
    // No applied preset: the sample says it is a placeholder.
    let placeholder = home
        .cli(&["spec", "new", "--agent", "robin"])
        .expect_code(0);
    says(&placeholder.stdout, &["PLACEHOLDER"]);
    let json = json(&home, &["spec", "list", "--agent", "robin"]);
    assert_eq!(json[0]["version"], 1);
}

#[test]
fn saving_an_invalid_draft_lists_why_and_another_agents_id_is_never_published() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    home.cli(&["spec", "new", "--agent", "x"]).expect_code(0);
    let yaml = home.path().join("notjson.yaml");
    std::fs::write(&yaml, "id: x\nversion: 1\n").unwrap();
    let validate = home
        .cli(&["spec", "validate", yaml.to_str().unwrap()])
        .expect_code(2);
    let saved = home
        .cli(&["spec", "edit", "--agent", "x", yaml.to_str().unwrap()])
        .expect_code(0);
    says(
        &saved.stdout,
        &["(invalid draft: no hash)", validate.stdout.trim()],
    );
    let saved_json = json(
        &home,
        &["spec", "edit", "--agent", "x", yaml.to_str().unwrap()],
    );
    assert_eq!(saved_json["problems"][0]["rule"], "json_syntax");
    // A valid spec of another agent: saved with the problem, refused at publish.
    let draft = json(&home, &["spec", "show", "--agent", "x", "--version", "1"]);
    home.cli(&["spec", "new", "--agent", "y"]).expect_code(0);
    let other = json(&home, &["spec", "show", "--agent", "y", "--version", "1"]);
    let other_file = home.path().join("y.json");
    std::fs::write(&other_file, other["spec_json"].as_str().unwrap()).unwrap();
    let _ = draft;
    let saved = home
        .cli(&["spec", "edit", "--agent", "x", other_file.to_str().unwrap()])
        .expect_code(0);
    says(
        &saved.stdout,
        &["/id", "agent_mismatch", "names another agent"],
    );
    let refused = home
        .cli(&["--json", "spec", "publish", "--agent", "x"])
        .expect_code(2);
    says(
        &refused.stderr,
        &["\"code\":\"spec_invalid\"", "agent_mismatch"],
    );
}

#[test]
fn members_are_named_by_name_or_unique_prefix_and_duplicates_are_refused() {
    let home = TestHome::new();
    home.init_unlocked(&["--owner", "Olive"]);
    let sam = json(
        &home,
        &["member", "add", "--name", "Sam Ortiz", "--role", "customer"],
    );
    let sam_id = sam["id"].as_str().unwrap();
    let dup = home
        .cli(&[
            "--json",
            "member",
            "add",
            "--name",
            "sam ortiz",
            "--role",
            "customer",
        ])
        .expect_code(1);
    says(&dup.stderr, &["\"code\":\"conflict\"", "Sam Ortiz"]);
    let switched = json(&home, &["member", "switch", "Sam Ortiz"]);
    assert_eq!(switched["id"], sam_id);
    let back = json(&home, &["member", "switch", "olive"]);
    assert_eq!(back["display_name"], "Olive");
    let by_prefix = json(&home, &["member", "switch", &sam_id[..8]]);
    assert_eq!(by_prefix["id"], sam_id);
    let short = failed(home.cli(&["--json", "member", "switch", &sam_id[..3]]));
    says(&short.stderr, &["\"code\":\"not_found\"", "at least 4"]);
}

#[test]
fn a_prefix_shared_by_several_members_lists_them() {
    let home = TestHome::new();
    let mut store = home.init_core("acme");
    let owner = tenant::current_actor(&store).unwrap();
    let ids = SequentialIds::new("cust");
    for name in ["Cass", "Cody"] {
        let new = members::NewMember {
            display_name: name.to_owned(),
            role: tenant::Role::Customer,
            passphrase: None,
        };
        members::add_member(&mut store, &owner, &new, &test_clock(), &ids).unwrap();
    }
    drop(store);
    let several = failed(home.cli(&["--json", "member", "switch", "cust"]));
    says(
        &several.stderr,
        &[
            "\"code\":\"ambiguous\"",
            "cust-1 (Cass, customer)",
            "cust-2 (Cody, customer)",
        ],
    );
}

#[test]
fn requests_and_changes_take_a_unique_prefix_and_lists_show_names() {
    let home = TestHome::new();
    home.init_unlocked(&["--owner", "Olive", "--tier", "pro"]);
    let sam = json(
        &home,
        &["member", "add", "--name", "Sam Ortiz", "--role", "customer"],
    );
    json(&home, &["member", "switch", "Sam Ortiz"]);
    let request = json(
        &home,
        &["install", "request", "--capability", "web_research"],
    );
    let request_id = request["id"].as_str().unwrap().to_owned();
    let change = json(&home, &["change", "submit", "--title", "Shorter answers"]);
    let change_id = change["id"].as_str().unwrap().to_owned();
    json(&home, &["member", "switch", "Olive"]);
    home.cli_stdin(
        &["member", "unlock"],
        format!("{}\n", crate::support::OWNER_PASSPHRASE).as_bytes(),
    )
    .expect_code(0);
    let installed = json(&home, &["install", "approve", &request_id[..8]]);
    assert_eq!(installed["state"], "installed");
    let listed = home.cli(&["install", "list"]).expect_code(0);
    says(
        &listed.stdout,
        &[&format!(
            "requested by Sam Ortiz ({})",
            sam["id"].as_str().unwrap()
        )],
    );
    let triaged = json(&home, &["change", "triage", &change_id[..6]]);
    assert_eq!(triaged["state"], "triage");
    let shown = home
        .cli(&["change", "show", &change_id[..6]])
        .expect_code(0);
    says(&shown.stdout, &["by Sam Ortiz ("]);
    let audit = home
        .cli(&["audit", "list", "--actor", "Sam Ortiz"])
        .expect_code(0);
    says(&audit.stdout, &["install.requested", "Sam Ortiz ("]);
    assert!(
        !audit.stdout.contains("install.approved"),
        "{}",
        audit.stdout
    );
    let missing = failed(home.cli(&["--json", "install", "approve", "ffffffff"]));
    says(
        &missing.stderr,
        &["\"code\":\"not_found\"", "Install request \\\"ffffffff\\\""],
    );
}
