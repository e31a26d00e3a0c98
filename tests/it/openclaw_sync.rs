//! `openclaw sync` (applying a plan) and `openclaw import`, checked against the real OpenClaw
//! CLI (`PS_OPENCLAW_BIN`, openclaw 2026.9.6): after a sync, `openclaw config validate` passes
//! and `openclaw config get` / `openclaw agents list --json` read our values back, whether the
//! write went through OpenClaw's own `config patch` or through ours. Every OpenClaw process gets
//! its own state folder and HOME (see `openclaw::Install`).

use std::path::Path;

use persona_studio::openclaw::{self, Environment, SyncOptions, SyncRequest};
use persona_studio::persona::spec::{self, PersonaSpec, ReasoningVisibility};
use persona_studio::persona::versions;
use persona_studio::store::Store;
use persona_studio::tenant;
use serde_json::{json, Value};

use crate::openclaw::{home_with_exec, openclaw_bin, Install, TEST_NOW};
use crate::support::{test_clock, CliRun, TestHome};

/// A PATH without any `openclaw` on it.
const NO_OPENCLAW: (&str, &str) = ("PATH", "/usr/bin:/bin");

/// Publishes the sample spec, changed by `edit`, as `agent`'s active version.
fn publish(home: &TestHome, agent: &str, edit: impl FnOnce(&mut PersonaSpec)) {
    let mut store = Store::open(&home.home()).unwrap();
    let actor = tenant::current_actor(&store).unwrap();
    let mut spec = spec::sample_spec();
    spec.id = versions::spec_id_for(agent);
    edit(&mut spec);
    let text = serde_json::to_string(&spec).unwrap();
    versions::create_draft(&mut store, &actor, agent, Some(&text), &test_clock()).unwrap();
    versions::publish(&mut store, &actor, agent, &test_clock()).unwrap();
}

/// An install whose agent `exec` runs our executive assistant (preset applied, its spec
/// published with reasoning shown), with `config` (where `WORKSPACE` is its folder).
fn synced_setup(config: &str) -> (Install, TestHome, std::path::PathBuf) {
    synced_setup_with(config, &[])
}

/// [`synced_setup`] with more files in the state folder (`WORKSPACE` replaced likewise).
fn synced_setup_with(
    config: &str,
    more: &[(&str, &str)],
) -> (Install, TestHome, std::path::PathBuf) {
    let install = Install::new("");
    let workspace = install.path("agents/exec");
    let home = home_with_exec(&workspace);
    publish(&home, "exec", |spec| {
        spec.reasoning.visibility = Some(ReasoningVisibility::On)
    });
    let place = |text: &str| text.replace("WORKSPACE", &workspace.display().to_string());
    install.write("state/openclaw.json", &place(config));
    for (file, text) in more {
        install.write(&format!("state/{file}"), &place(text));
    }
    install.validate();
    (install, home, workspace)
}

fn error_of(run: &CliRun) -> (String, String) {
    let error: Value = serde_json::from_str(&run.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stderr, run.stdout));
    (
        error["code"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

fn warnings(plan: &Value) -> Vec<String> {
    plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect()
}

/// The `openclaw.synced` audit entries, newest first.
fn synced_entries(home: &TestHome) -> Vec<Value> {
    let list = home
        .cli(&["--json", "audit", "list", "--kind", "openclaw.synced"])
        .expect_code(0)
        .json();
    list.as_array().unwrap().to_vec()
}

/// Dry run, then apply with the hash it printed; returns (plan, outcome).
fn dry_run_then_apply(
    install: &Install,
    home: &TestHome,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Value, Value) {
    let sync = [&["sync", "--agent", "exec"][..], extra].concat();
    let plan = install
        .ours_with(home, &[&sync[..], &["--dry-run"]].concat(), env)
        .expect_code(0)
        .json();
    let hash = plan["plan_hash"].as_str().unwrap().to_owned();
    let outcome = install
        .ours_with(home, &[&sync[..], &["--plan", &hash]].concat(), env)
        .expect_code(0)
        .json();
    assert_eq!(outcome["plan"]["plan_hash"], hash);
    (plan, outcome)
}

/// What OpenClaw reads back for agent exec, checked against what the spec says.
fn assert_openclaw_reads_our_values(install: &Install) {
    install.validate();
    let get = |key: &str| install.config_get(&format!("agents.entries.exec.{key}"));
    assert_eq!(get("thinkingDefault"), "high");
    assert_eq!(get("reasoningDefault"), "on");
    assert_eq!(get("skills"), json!([]));
    assert_eq!(get("identity.name"), "Ada");
    assert_eq!(get("identity.emoji"), "🦊");
    assert_eq!(get("bootstrapMaxChars"), 20000);
    assert_eq!(get("bootstrapTotalMaxChars"), 60000);
    let listed = install
        .openclaw(&["agents", "list", "--json"])
        .expect_code(0);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let exec = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "exec")
        .unwrap();
    assert_eq!(exec["identityName"], "Ada", "{listed:#}");
}

const LEGACY: &str = r#"{
  "agents": {
    "list": [
      { "id": "exec", "default": true, "workspace": "WORKSPACE", "model": "anthropic/claude-opus-4-6",
        "thinkingDefault": "low", "identity": { "theme": "calm fox" }, "skills": ["weather"] },
      { "id": "helper", "name": "Helper" }
    ]
  }
}
"#;

#[test]
fn sync_through_the_real_cli_migrates_a_legacy_list_and_openclaw_reads_our_values() {
    let (install, home, workspace) = synced_setup(LEGACY);
    // The agent's own notes in USER.md survive a sync.
    std::fs::write(workspace.join("USER.md"), "Prefers mornings.\n").unwrap();
    let bin = openclaw_bin();
    let cli = ["--openclaw-bin", bin.to_str().unwrap()];
    let (plan, outcome) = dry_run_then_apply(&install, &home, &cli, &[]);
    assert_eq!(plan["writer"]["kind"], "openclaw_cli");
    assert_eq!(plan["model_levels"]["source"], "table");
    assert_eq!(plan["entry_path"], "agents.list[0]");
    let said = warnings(&plan);
    assert!(
        said.iter()
            .any(|w| w.contains("moves the legacy agents.list")),
        "{said:#?}"
    );
    assert_eq!(outcome["config_written"], true);

    assert_openclaw_reads_our_values(&install);
    assert_eq!(
        install.config_get("agents.entries.exec.identity.theme"),
        "calm fox"
    );
    let text = std::fs::read_to_string(install.path("state/openclaw.json")).unwrap();
    assert!(
        !text.contains("\"list\""),
        "OpenClaw migrated the list: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("USER.md")).unwrap(),
        "Prefers mornings.\n"
    );

    // Both baselines now hold what was written: in sync, and one audit entry says so.
    let status = install
        .status(&home, &["--agent", "exec"])
        .expect_code(0)
        .json();
    let exec = &status["agents"][0];
    assert_eq!(exec["state"], "in_sync", "{exec:#}");
    let entries = synced_entries(&home);
    assert_eq!(entries.len(), 1);
    let data = &entries[0]["entry"]["data"];
    assert_eq!(data["plan_hash"], plan["plan_hash"]);
    assert_eq!(data["persona_hash"], plan["persona_hash"]);
    assert_eq!(data["preset"], "executive_assistant");
    assert_eq!(data["preset_version"], 1);
    assert_eq!(data["writer"], "openclaw_cli");
    assert!(data["entry"]["new"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));

    // Syncing again finds nothing to write.
    let (again, outcome) = dry_run_then_apply(&install, &home, &cli, &[]);
    assert_eq!(again["config"]["changes"], json!([]));
    assert_eq!(outcome["config_written"], false);
    assert_eq!(outcome["files_written"], json!([]));
}

const COMMENTED: &str = r#"// Written by hand.
{
  agents: {
    ownership: "explicit",
    entries: {
      exec: {
        workspace: "WORKSPACE", // ours
        model: "anthropic/claude-opus-4-6",
        sandbox: { mode: "off" },
      },
      /* a second agent */
      helper: { name: "Helper", },
    },
  },
  gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}" } },
}
"#;

#[test]
fn sync_through_the_real_cli_on_a_file_with_comments() {
    let (install, home, _workspace) = synced_setup(COMMENTED);
    let bin = openclaw_bin();
    let cli = ["--openclaw-bin", bin.to_str().unwrap()];
    let (plan, _) = dry_run_then_apply(&install, &home, &cli, &[]);
    let said = warnings(&plan);
    assert!(
        said.iter()
            .any(|w| w.starts_with("OpenClaw's writer drops JSON5 comments")),
        "{said:#?}"
    );
    assert_openclaw_reads_our_values(&install);
    assert_eq!(
        install.config_get("agents.entries.exec.sandbox.mode"),
        "off"
    );
    let text = std::fs::read_to_string(install.path("state/openclaw.json")).unwrap();
    assert!(text.contains("${OPENCLAW_GATEWAY_TOKEN}"), "{text}");
}

#[test]
fn sync_without_the_cli_writes_the_file_itself_and_the_real_openclaw_accepts_it() {
    let (install, home, _workspace) = synced_setup(COMMENTED);
    let before = std::fs::read(install.path("state/openclaw.json")).unwrap();
    let (plan, outcome) = dry_run_then_apply(&install, &home, &[], &[NO_OPENCLAW]);
    assert_eq!(plan["writer"]["kind"], "persona_studio");
    let said = warnings(&plan);
    assert!(
        said.iter()
            .any(|w| w.contains("keeps the previous file as") && w.contains("openclaw.json.bak")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|w| w.contains("JSON5 comments") && w.contains("will not survive")),
        "{said:#?}"
    );
    assert_eq!(outcome["config_written"], true);
    assert_eq!(
        std::fs::read(install.path("state/openclaw.json.bak")).unwrap(),
        before
    );
    let text = std::fs::read_to_string(install.path("state/openclaw.json")).unwrap();
    assert!(text.contains("\"${OPENCLAW_GATEWAY_TOKEN}\""), "{text}");
    assert_openclaw_reads_our_values(&install);
    assert_eq!(install.config_get("agents.entries.helper.name"), "Helper");
    assert_eq!(
        synced_entries(&home)[0]["entry"]["data"]["writer"],
        "persona_studio"
    );
}

#[test]
fn without_the_cli_an_entry_from_an_included_file_is_refused_and_nothing_is_written() {
    let (install, home, workspace) = synced_setup_with(
        "{ agents: { ownership: \"explicit\", entries: { $include: \"./agents.json5\" } } }\n",
        &[(
            "agents.json5",
            "{ exec: { workspace: \"WORKSPACE\", model: \"anthropic/claude-opus-4-6\" } }\n",
        )],
    );
    let config = std::fs::read(install.path("state/openclaw.json")).unwrap();
    let included = std::fs::read(install.path("state/agents.json5")).unwrap();
    let soul = std::fs::read(workspace.join("SOUL.md")).unwrap();
    let sync = ["sync", "--agent", "exec"];
    let plan = install
        .ours_with(&home, &[&sync[..], &["--dry-run"]].concat(), &[NO_OPENCLAW])
        .expect_code(0)
        .json();
    assert!(
        warnings(&plan)
            .iter()
            .any(|w| w.contains("comes from an included file")),
        "{plan:#}"
    );
    let hash = plan["plan_hash"].as_str().unwrap();
    let run = install
        .ours_with(
            &home,
            &[&sync[..], &["--plan", hash]].concat(),
            &[NO_OPENCLAW],
        )
        .expect_code(2);
    let (code, message) = error_of(&run);
    assert_eq!(code, "openclaw_entry_included");
    assert!(message.contains("$include at agents.entries"), "{message}");
    assert_eq!(
        std::fs::read(install.path("state/openclaw.json")).unwrap(),
        config
    );
    assert_eq!(
        std::fs::read(install.path("state/agents.json5")).unwrap(),
        included
    );
    assert_eq!(std::fs::read(workspace.join("SOUL.md")).unwrap(), soul);
    assert!(synced_entries(&home).is_empty());
}

#[test]
fn status_reports_drift_after_hand_edits_of_soul_md_and_of_the_config_entry() {
    let (install, home, workspace) = synced_setup(LEGACY);
    dry_run_then_apply(&install, &home, &[], &[NO_OPENCLAW]);
    let exec = |install: &Install| {
        install
            .status(&home, &["--agent", "exec"])
            .expect_code(0)
            .json()["agents"][0]
            .clone()
    };
    assert_eq!(exec(&install)["state"], "in_sync");

    let soul = workspace.join("SOUL.md");
    let synced = std::fs::read_to_string(&soul).unwrap();
    std::fs::write(&soul, format!("{synced}Swear a lot.\n")).unwrap();
    let drifted = exec(&install);
    assert_eq!(drifted["state"], "drifted");
    assert_eq!(
        drifted["drift"],
        json!([{"kind": "file", "path": "SOUL.md", "change": "modified", "lines_added": 1, "lines_removed": 0}])
    );
    std::fs::write(&soul, synced).unwrap();
    assert_eq!(exec(&install)["state"], "in_sync", "same bytes again");

    // A hand edit of the entry OpenClaw reads (our write kept the legacy list).
    let path = install.path("state/openclaw.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"thinkingDefault\": \"high\""), "{text}");
    std::fs::write(
        &path,
        text.replace(
            "\"thinkingDefault\": \"high\"",
            "\"thinkingDefault\": \"low\"",
        ),
    )
    .unwrap();
    install.validate();
    let drifted = exec(&install);
    assert_eq!(drifted["state"], "drifted");
    assert_eq!(
        drifted["drift"],
        json!([{"kind": "config_entry", "entry_path": "agents.list[0]",
                "changes": [{"key": "thinkingDefault", "before": "high", "after": "low"}]}])
    );
}

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let (install, home, workspace) = synced_setup(LEGACY);
    let config_path = install.path("state/openclaw.json");
    let config = std::fs::read(&config_path).unwrap();
    let soul = workspace.join("SOUL.md");
    let sync =
        |args: &[&str]| install.ours_with(&home, &[&["sync"][..], args].concat(), &[NO_OPENCLAW]);
    let plan = sync(&["--agent", "exec", "--dry-run"])
        .expect_code(0)
        .json();
    let hash = plan["plan_hash"].as_str().unwrap().to_owned();
    let apply = ["--agent", "exec", "--plan", &hash];

    // A stale plan: the workspace and the config entry changed since it was shown.
    std::fs::write(&soul, "hand edit\n").unwrap();
    let edited = String::from_utf8(config.clone())
        .unwrap()
        .replace("\"low\"", "\"medium\"");
    std::fs::write(&config_path, &edited).unwrap();
    let (code, message) = error_of(&sync(&apply).expect_code(2));
    assert_eq!(code, "openclaw_plan_changed");
    for part in [
        "SOUL.md would now be update (was unchanged)",
        "the config entry changed: thinkingDefault",
        "Nothing was written",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert_eq!(std::fs::read_to_string(&soul).unwrap(), "hand edit\n");
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), edited);
    std::fs::write(&config_path, &config).unwrap();

    // A hash no dry run showed, and one that is not a hash.
    let zeros = format!("sha256:{}", "0".repeat(64));
    let (code, message) = error_of(&sync(&["--agent", "exec", "--plan", &zeros]).expect_code(2));
    assert_eq!(code, "openclaw_plan_unknown");
    assert!(message.contains(&zeros), "{message}");
    let (code, _) = error_of(&sync(&["--agent", "exec", "--plan", "abc"]).expect_code(2));
    assert_eq!(code, "invalid_input");
    // No terminal and no --plan: nothing is asked, nothing is written.
    let run = sync(&["--agent", "exec"]).expect_code(2);
    assert!(run.stderr.contains("--plan"), "{}", run.stderr);

    // An agent the config does not have.
    let (code, message) = error_of(&sync(&["--agent", "ghost", "--plan", &hash]).expect_code(2));
    assert_eq!(code, "openclaw_unknown_agent");
    assert!(message.contains("no agent \"ghost\""), "{message}");

    // A config that is not JSON5 (OpenClaw refuses it too).
    std::fs::write(&config_path, "{ agents: { list: [ }\n").unwrap();
    assert_ne!(install.openclaw(&["config", "validate"]).code, 0);
    let (code, message) = error_of(&sync(&apply).expect_code(2));
    assert_eq!(code, "openclaw_not_json5");
    assert!(
        message.contains("openclaw.json is not valid JSON5"),
        "{message}"
    );
    std::fs::write(&config_path, &config).unwrap();

    // A workspace that is gone.
    std::fs::remove_dir_all(&workspace).unwrap();
    let (code, message) = error_of(&sync(&apply).expect_code(2));
    assert_eq!(code, "openclaw_workspace_missing");
    assert!(
        message.contains(&workspace.display().to_string()),
        "{message}"
    );
    assert!(!workspace.exists());

    assert_eq!(std::fs::read(&config_path).unwrap(), config);
    assert!(!install.path("state/openclaw.json.bak").exists());
    assert!(synced_entries(&home).is_empty());
}

#[test]
fn a_terminal_asks_before_applying() {
    let (install, home, workspace) = synced_setup(LEGACY);
    std::fs::write(workspace.join("SOUL.md"), "hand edit\n").unwrap();
    let state = install.path("state");
    let args = [
        "openclaw",
        "sync",
        "--agent",
        "exec",
        "--openclaw",
        state.to_str().unwrap(),
    ];
    let declined = home.cli_in_terminal(TEST_NOW, &args, b"no\n");
    assert!(
        declined.stdout.contains("Plan hash: sha256:"),
        "{}",
        declined.stdout
    );
    assert!(
        declined.stdout.contains("Nothing was written"),
        "{}",
        declined.stdout
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("SOUL.md")).unwrap(),
        "hand edit\n"
    );
    let accepted = home.cli_in_terminal(TEST_NOW, &args, b"yes\n");
    assert!(
        accepted.stdout.contains("Synced exec"),
        "{}",
        accepted.stdout
    );
    assert_ne!(
        std::fs::read_to_string(workspace.join("SOUL.md")).unwrap(),
        "hand edit\n"
    );
    install.validate();
}

#[test]
fn only_an_unlocked_owner_or_admin_syncs_or_imports() {
    let (install, home, _workspace) = synced_setup(LEGACY);
    let mut store = Store::open(&home.home()).unwrap();
    let customer = home.add_customer(&mut store);
    let env = Environment::new(
        [(
            "HOME".to_owned(),
            install.path("home").display().to_string(),
        )],
        install.path("cwd"),
    );
    let state = install.path("state");
    let install_ref = (Some(state.as_path()), &env);
    let options = SyncOptions::default();
    // Anyone may look at the plan.
    let plan = openclaw::plan(
        &mut store,
        &customer,
        install_ref,
        "exec",
        &options,
        &test_clock(),
    )
    .unwrap();
    let request = SyncRequest {
        agent: "exec",
        options: &options,
        plan_hash: &plan.plan_hash,
    };
    let refused = openclaw::sync(&mut store, &customer, install_ref, &request, &test_clock());
    assert_eq!(refused.unwrap_err().code(), "forbidden");
    let refused = openclaw::import(
        &mut store,
        &customer,
        install_ref,
        None,
        false,
        &test_clock(),
    );
    assert_eq!(refused.unwrap_err().code(), "forbidden");
    // The owner, once the unlock has ended, is asked to unlock.
    let owner = tenant::current_actor(&store).unwrap();
    let later = persona_studio::clock::FixedClock(
        persona_studio::clock::Timestamp::parse("2026-11-30T12:00:00Z").unwrap(),
    );
    let locked = openclaw::sync(&mut store, &owner, install_ref, &request, &later);
    assert_eq!(locked.unwrap_err().code(), "locked");
    assert!(!Path::new(&install.path("state/openclaw.json.bak")).exists());
}

#[test]
fn import_brings_existing_agents_in_once() {
    let install = Install::new("");
    let night = install.path("agents/night-owl");
    std::fs::create_dir_all(&night).unwrap();
    std::fs::write(night.join("SOUL.md"), "# Night Owl\nCalm at 3am.\n").unwrap();
    std::fs::write(night.join("IDENTITY.md"), "- **Name:** Night Owl\n").unwrap();
    install.write(
        "state/openclaw.json",
        &format!(
            r#"{{ agents: {{ ownership: "explicit", entries: {{
                "night-owl": {{ workspace: "{}", thinkingDefault: "medium" }},
                ghost: {{ workspace: "{}" }},
            }} }} }}"#,
            night.display(),
            install.path("agents/gone").display()
        ),
    );
    install.validate();
    let home = TestHome::new();
    home.init_core("Acme");
    let audit_count = |home: &TestHome| {
        home.cli(&["--json", "audit", "list", "--kind", "openclaw.imported"])
            .expect_code(0)
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let owl_state = |home: &TestHome| {
        install
            .status(home, &["--agent", "night-owl"])
            .expect_code(0)
            .json()["agents"][0]
            .clone()
    };

    // Entries are keyed by id, so they come sorted: ghost, then night-owl.
    let dry = install
        .ours(&home, &["import", "--dry-run"])
        .expect_code(0)
        .json();
    assert_eq!(dry["dry_run"], true);
    let (ghost, owl) = (&dry["agents"][0], &dry["agents"][1]);
    assert_eq!(owl["action"], "would_import", "{dry:#}");
    assert_eq!(owl["preset"], "night_owl");
    assert_eq!(owl["files"], json!(["IDENTITY.md", "SOUL.md"]));
    assert_eq!(ghost["action"], "skipped");
    assert!(
        ghost["reason"].as_str().unwrap().contains("does not exist"),
        "{dry:#}"
    );
    assert_eq!(audit_count(&home), 0);
    assert_eq!(owl_state(&home)["state"], "not_managed");

    let done = install.ours(&home, &["import"]).expect_code(0).json();
    assert_eq!(done["agents"][0]["action"], "skipped");
    assert_eq!(done["agents"][1]["action"], "imported");
    assert_eq!(audit_count(&home), 1);
    let draft = home
        .cli(&["--json", "preset", "show", "night_owl@draft"])
        .expect_code(0)
        .json();
    assert!(draft.to_string().contains("Calm at 3am."), "{draft:#}");
    assert_eq!(owl_state(&home)["state"], "in_sync");

    // Imported once: a second import reports it, and its entry is now watched.
    let again = install
        .ours(&home, &["import", "--agent", "night-owl"])
        .expect_code(0)
        .json();
    assert_eq!(again["agents"][0]["action"], "already_managed");
    assert_eq!(audit_count(&home), 1);
    let path = install.path("state/openclaw.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"medium\"", "\"high\"")).unwrap();
    let drifted = owl_state(&home);
    assert_eq!(drifted["state"], "drifted");
    assert_eq!(
        drifted["drift"],
        json!([{"kind": "config_entry", "entry_path": "agents.entries.night-owl",
                "changes": [{"key": "thinkingDefault", "before": "medium", "after": "high"}]}])
    );
    // One agent that cannot be imported is an error, not a skip.
    let run = install
        .ours(&home, &["import", "--agent", "ghost"])
        .expect_code(2);
    assert_eq!(error_of(&run).0, "openclaw_workspace_missing");
}
