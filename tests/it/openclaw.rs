//! `openclaw status` checked against the real OpenClaw CLI (openclaw 2026.9.6, installed by
//! `cargo xtask setup` and passed in as `PS_OPENCLAW_BIN`): each fixture is first proven valid
//! by `openclaw config validate`, then our report is compared with `openclaw agents list --json`
//! and `openclaw config get`. Every OpenClaw process gets its own state folder and HOME.

use std::path::{Path, PathBuf};
use std::process::Command;

use persona_studio::persona::preset::catalog::VersionRef;
use persona_studio::persona::{spec, versions};
use persona_studio::provision::apply::{self, ApplyOptions};
use persona_studio::store::Store;
use persona_studio::tenant;
use serde_json::Value;

use crate::support::{cli_in, test_clock, CliRun, TestHome};

/// The test clock (see `support::test_clock`), as `PERSONA_STUDIO_NOW`.
pub(crate) const TEST_NOW: &str = "2026-11-21T12:00:00Z";

/// Variables that would point OpenClaw (or us) at another install.
pub(crate) const FOREIGN: &[&str] = &[
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_HOME",
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_PROFILE",
    "OPENCLAW_INCLUDE_ROOTS",
];

/// The real OpenClaw CLI. Missing is a failure, never a skip.
pub(crate) fn openclaw_bin() -> PathBuf {
    match std::env::var_os("PS_OPENCLAW_BIN") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => panic!(
            "PS_OPENCLAW_BIN is not set. These tests run the real OpenClaw CLI: run `cargo xtask \
             setup` (it installs openclaw into target/openclaw-cli), then run the tests with \
             `cargo xtask test`, or set PS_OPENCLAW_BIN=target/openclaw-cli/openclaw."
        ),
    }
}

/// A temporary OpenClaw install: `state/` (with `openclaw.json`), `home/` and `cwd/`.
pub(crate) struct Install {
    dir: tempfile::TempDir,
}

impl Install {
    pub(crate) fn new(config: &str) -> Self {
        let install = Install {
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in ["state", "home", "cwd"] {
            std::fs::create_dir_all(install.path(sub)).unwrap();
        }
        install.write("state/openclaw.json", config);
        install
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub(crate) fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(crate) fn env(&self) -> [(&'static str, PathBuf); 2] {
        [
            ("OPENCLAW_STATE_DIR", self.path("state")),
            ("HOME", self.path("home")),
        ]
    }

    /// Runs the real `openclaw ARGS…` against this install.
    pub(crate) fn openclaw(&self, args: &[&str]) -> CliRun {
        self.openclaw_with(args, &[])
    }

    /// The same with `extra` variables (such as `OPENCLAW_EXPERIMENTAL_CLAWS`).
    pub(crate) fn openclaw_with(&self, args: &[&str], extra: &[(&str, &str)]) -> CliRun {
        let mut command = Command::new(openclaw_bin());
        for key in FOREIGN {
            command.env_remove(key);
        }
        for (key, value) in self.env() {
            command.env(key, value);
        }
        command.envs(extra.iter().copied());
        command.args(args).current_dir(self.path("cwd"));
        CliRun::from_output(crate::support::output_within_hang_guard(command, None))
    }

    pub(crate) fn validate(&self) {
        let run = self.openclaw(&["config", "validate"]).expect_code(0);
        assert!(run.stdout.contains("Config valid"), "{}", run.stdout);
    }

    /// `openclaw config get PATH --json`, as JSON.
    pub(crate) fn config_get(&self, path: &str) -> Value {
        let run = self
            .openclaw(&["config", "get", path, "--json"])
            .expect_code(0);
        serde_json::from_str(run.stdout.trim())
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", run.stdout))
    }

    /// Our `openclaw status ARGS…` for `home`, found through OPENCLAW_STATE_DIR like OpenClaw.
    pub(crate) fn status(&self, home: &TestHome, args: &[&str]) -> CliRun {
        self.ours(home, &[&["status"], args].concat())
    }

    /// Our `openclaw ARGS…` (with `--json`) against this install, at the test clock (the
    /// owner of a test home is unlocked then).
    pub(crate) fn ours(&self, home: &TestHome, args: &[&str]) -> CliRun {
        self.ours_with(home, args, &[])
    }

    /// [`Install::ours`] with more variables (such as `PATH`).
    pub(crate) fn ours_with(
        &self,
        home: &TestHome,
        args: &[&str],
        more: &[(&str, &str)],
    ) -> CliRun {
        let env = self.env();
        let mut envs: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
        envs.push(("PERSONA_STUDIO_NOW", Path::new(TEST_NOW)));
        envs.extend(more.iter().map(|(k, v)| (*k, Path::new(*v))));
        let mut all = vec!["--json", "openclaw"];
        all.extend_from_slice(args);
        cli_in(home.path(), &all, &envs, FOREIGN, &self.path("cwd"))
    }
}

/// A data folder whose owner applied the official `executive_assistant` preset to agent `exec`
/// in `workspace` (which records its baseline).
pub(crate) fn home_with_exec(workspace: &Path) -> TestHome {
    let home = TestHome::new();
    let mut store = home.init_core("Acme");
    let actor = tenant::current_actor(&store).unwrap();
    apply::apply(
        &mut store,
        &actor,
        "executive_assistant",
        &VersionRef::Latest,
        "exec",
        workspace,
        &ApplyOptions::default(),
        &test_clock(),
    )
    .unwrap();
    home
}

/// Our agents match what `openclaw agents list --json` reports, id by id.
fn assert_matches_openclaw(install: &Install, ours: &Value) {
    let listed = install
        .openclaw(&["agents", "list", "--json"])
        .expect_code(0);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let theirs = listed.as_array().unwrap();
    let ours = ours["agents"].as_array().unwrap();
    let ids = |agents: &[Value]| agents.iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(ours), ids(theirs));
    for (mine, their) in ours.iter().zip(theirs) {
        let id = &mine["id"];
        assert_eq!(mine["workspace"], their["workspace"], "{id} workspace");
        assert_eq!(mine["model"], their["model"], "{id} model");
        assert_eq!(mine["name"], their["name"], "{id} name");
    }
}

#[test]
fn status_of_a_legacy_list_matches_the_real_openclaw_and_sees_drift() {
    let install = Install::new("");
    let workspace = install.path("agents/exec");
    let home = home_with_exec(&workspace);
    install.write(
        "state/openclaw.json",
        &format!(
            r#"{{
  "agents": {{
    "list": [
      {{ "id": "exec", "default": true, "workspace": "{}", "model": "anthropic/claude-opus-4-6",
         "thinkingDefault": "high", "skills": [] }},
      {{ "id": "helper", "name": "Helper", "model": {{ "primary": "openai/gpt-5.4", "fallbacks": [] }} }}
    ]
  }}
}}
"#,
            workspace.display()
        ),
    );
    install.validate();
    let before = std::fs::read(install.path("state/openclaw.json")).unwrap();
    let status = install.status(&home, &[]).expect_code(0).json();
    assert_eq!(status["layout"], "legacy_list");
    assert_eq!(status["found_by"], "state_dir_env");
    assert_matches_openclaw(&install, &status);
    let exec = &status["agents"][0];
    assert_eq!(exec["state"], "in_sync", "{exec:#}");
    assert_eq!(exec["ours"]["preset"]["id"], "executive_assistant");
    assert_eq!(exec["thinking_default"], "high");
    assert_eq!(exec["skills"], serde_json::json!([]));
    let helper = &status["agents"][1];
    assert_eq!(
        (helper["state"].as_str(), helper["ours"].is_null()),
        (Some("not_managed"), true)
    );
    assert_eq!(helper["skills"], Value::Null, "no allowlist: every skill");
    assert_eq!(
        std::fs::read(install.path("state/openclaw.json")).unwrap(),
        before,
        "status writes nothing"
    );

    // A hand edit of SOUL.md is drift, with the lines it changed.
    let soul = workspace.join("SOUL.md");
    let edited = format!(
        "{}\nAlways answer in French.\n",
        std::fs::read_to_string(&soul).unwrap()
    );
    std::fs::write(&soul, edited).unwrap();
    let exec = install
        .status(&home, &["--agent", "exec"])
        .expect_code(0)
        .json()["agents"][0]
        .clone();
    assert_eq!(exec["state"], "drifted");
    assert_eq!(
        exec["drift"],
        serde_json::json!([{"kind": "file", "path": "SOUL.md", "change": "modified", "lines_added": 2, "lines_removed": 0}])
    );
    // A workspace that is gone.
    std::fs::remove_dir_all(&workspace).unwrap();
    let exec = install
        .status(&home, &["--agent", "exec"])
        .expect_code(0)
        .json()["agents"][0]
        .clone();
    assert_eq!(exec["state"], "missing_workspace");
}

#[test]
fn status_of_json5_with_comments_and_includes_matches_the_real_openclaw() {
    let install = Install::new(
        r#"// Written by hand, the way OpenClaw's docs show it.
{
  agents: {
    ownership: "explicit",
    defaults: { model: "openai/gpt-5.4", thinkingDefault: "medium", skills: ["github"], },
    entries: { $include: "./agents/entries.json5" },
  },
  gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}" } }, // kept as written
}
"#,
    );
    install.write(
        "state/agents/entries.json5",
        r#"{
  exec: {
    workspace: "${HOME}/exec",   /* resolved by OpenClaw when it loads the config */
    thinkingDefault: "high",
    skills: [],
  },
  "night-owl": { name: "Night Owl", },
}
"#,
    );
    let workspace = install.path("home/exec");
    let home = home_with_exec(&workspace);
    install.validate();
    let status = install.status(&home, &[]).expect_code(0).json();
    assert_eq!(status["layout"], "entries");
    assert_eq!(
        status["includes"],
        serde_json::json!([install
            .path("state/agents/entries.json5")
            .display()
            .to_string()])
    );
    assert_matches_openclaw(&install, &status);
    let exec = &status["agents"][0];
    assert_eq!(
        (exec["id"].as_str(), exec["state"].as_str()),
        (Some("exec"), Some("in_sync")),
        "{exec:#}"
    );
    assert_eq!(exec["workspace_written"], "${HOME}/exec");
    assert_eq!(
        exec["thinking_default"],
        install.config_get("agents.entries.exec.thinkingDefault")
    );
    assert_eq!(
        exec["skills"],
        install.config_get("agents.entries.exec.skills")
    );
    let owl = &status["agents"][1];
    assert_eq!(
        owl["inherited"],
        serde_json::json!(["model", "thinkingDefault", "skills"])
    );
    assert_eq!(
        owl["thinking_default"],
        install.config_get("agents.defaults.thinkingDefault")
    );
    assert_eq!(owl["skills"], install.config_get("agents.defaults.skills"));
    assert_eq!(owl["state"], "not_managed");
}

#[test]
fn bad_input_is_named_and_exits_2() {
    // Not JSON5: OpenClaw refuses it too, and we name the file and the place.
    let install = Install::new("{ agents: { entries: { exec: { workspace: } } } }\n");
    let theirs = install.openclaw(&["config", "validate"]);
    assert_ne!(theirs.code, 0, "OpenClaw accepted it: {}", theirs.stdout);
    let home = TestHome::new();
    home.init_core("Acme");
    let run = install.status(&home, &[]).expect_code(2);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["code"], "openclaw_not_json5");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("state/openclaw.json is not valid JSON5"),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");

    // An agent the config does not have.
    let install = Install::new("{ agents: { entries: { exec: {} } } }");
    install.validate();
    let run = install.status(&home, &["--agent", "ghost"]).expect_code(2);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["code"], "openclaw_unknown_agent");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no agent \"ghost\"; its agents are: exec"),
        "{}",
        run.stderr
    );

    // No config where it was pointed: exit 1, naming the path.
    let empty = tempfile::tempdir().unwrap();
    let run = cli_in(
        home.path(),
        &[
            "--json",
            "openclaw",
            "status",
            "--openclaw",
            empty.path().to_str().unwrap(),
        ],
        &[],
        FOREIGN,
        empty.path(),
    )
    .expect_code(1);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["code"], "openclaw_not_found");
    assert!(
        error["message"].as_str().unwrap().contains("openclaw.json"),
        "{}",
        run.stderr
    );
}

/// Publishes the sample spec (Ada, 🦊, reasoning `high`) as `agent`'s active version.
pub(crate) fn publish_sample_spec(home: &TestHome, agent: &str) {
    let mut store = Store::open(&home.home()).unwrap();
    let actor = tenant::current_actor(&store).unwrap();
    let mut spec = spec::sample_spec();
    spec.id = versions::spec_id_for(agent);
    let text = serde_json::to_string(&spec).unwrap();
    versions::create_draft(&mut store, &actor, agent, Some(&text), &test_clock()).unwrap();
    versions::publish(&mut store, &actor, agent, &test_clock()).unwrap();
}

#[test]
fn sync_dry_run_plans_files_and_the_entry_and_openclaw_accepts_the_planned_entry() {
    let install = Install::new("");
    let workspace = install.path("agents/exec");
    let home = home_with_exec(&workspace);
    publish_sample_spec(&home, "exec");
    let config = format!(
        r#"{{
  // exec runs our persona
  agents: {{
    entries: {{
      exec: {{ workspace: "{}", model: "anthropic/claude-opus-4-6", thinkingDefault: "low",
              identity: {{ theme: "calm fox" }}, skills: ["weather"], sandbox: {{ mode: "off" }}, }},
    }},
  }},
}}
"#,
        workspace.display()
    );
    install.write("state/openclaw.json", &config);
    install.validate();
    std::fs::write(workspace.join("SOUL.md"), "hand edit\n").unwrap();
    let sync = ["sync", "--agent", "exec", "--dry-run"];
    let levels = ["--model-levels", "off,low,medium,high"];
    let plan = install
        .ours(&home, &[&sync[..], &levels].concat())
        .expect_code(0)
        .json();

    assert_eq!(plan["format"], "persona-studio.openclawSyncPlan.v1");
    assert_eq!(plan["entry_path"], "agents.entries.exec");
    assert_eq!(plan["preset"]["id"], "executive_assistant");
    let soul = plan["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "SOUL.md")
        .unwrap();
    assert_eq!(soul["action"], "update");
    assert!(
        soul["diff"].as_str().unwrap().contains("-hand edit"),
        "{soul:#}"
    );
    assert_eq!(
        plan["reasoning"],
        serde_json::json!({"level": "high", "source": "preferred"})
    );
    let keys: Vec<&str> = plan["config"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "thinkingDefault",
            "identity",
            "skills",
            "bootstrapMaxChars",
            "bootstrapTotalMaxChars"
        ]
    );
    let after = &plan["config"]["after"];
    assert_eq!(after["thinkingDefault"], "high");
    assert_eq!(
        after["identity"],
        serde_json::json!({"theme": "calm fox", "name": "Ada", "emoji": "🦊"})
    );
    assert_eq!(
        after["skills"],
        serde_json::json!([]),
        "no skill is installed"
    );
    assert_eq!(
        after["sandbox"],
        serde_json::json!({"mode": "off"}),
        "other keys are kept"
    );
    // No file is cut; what writing the config without the OpenClaw CLI costs is said first.
    let warnings: Vec<&str> = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].starts_with("No OpenClaw CLI: Persona Studio writes"));
    assert!(warnings[1].contains("JSON5 comments") && warnings[1].contains("will not survive"));

    // The hash is the sha256 of the canonical plan without it, and the same inputs give it again.
    let mut body = plan.clone();
    let hash = body.as_object_mut().unwrap().remove("plan_hash").unwrap();
    assert_eq!(
        hash,
        persona_studio::canon::digest_of(&body).unwrap().to_string()
    );
    let again = install
        .ours(&home, &[&sync[..], &levels].concat())
        .expect_code(0)
        .json();
    assert_eq!(again["plan_hash"], hash);
    // Nothing was written.
    assert_eq!(
        std::fs::read_to_string(workspace.join("SOUL.md")).unwrap(),
        "hand edit\n"
    );
    assert_eq!(
        std::fs::read_to_string(install.path("state/openclaw.json")).unwrap(),
        config
    );

    // Without --model-levels the shipped table knows this model; the inputs differ, so does
    // the hash.
    let table = install.ours(&home, &sync).expect_code(0).json();
    assert_eq!(table["model_levels"]["source"], "table");
    assert_eq!(table["config"]["after"]["thinkingDefault"], "high");
    assert_ne!(table["plan_hash"], hash);
    // An unknown model keeps its default: the key is planned away.
    install.write(
        "state/openclaw.json",
        &config.replace("anthropic/claude-opus-4-6", "acme/private-model"),
    );
    let unknown = install.ours(&home, &sync).expect_code(0).json();
    assert_eq!(unknown["reasoning"]["source"], "model_default");
    assert_eq!(unknown["model_levels"]["source"], "unknown");
    assert_eq!(unknown["config"]["after"].get("thinkingDefault"), None);
    install.write("state/openclaw.json", &config);

    // The real OpenClaw accepts the planned entry and reads our values back.
    let planned =
        Install::new(&serde_json::json!({"agents": {"entries": {"exec": after}}}).to_string());
    planned.validate();
    assert_eq!(
        planned.config_get("agents.entries.exec.thinkingDefault"),
        "high"
    );
    assert_eq!(
        planned.config_get("agents.entries.exec.identity"),
        after["identity"]
    );
    assert_eq!(
        planned.config_get("agents.entries.exec.skills"),
        serde_json::json!([])
    );
}

#[test]
fn sync_needs_dry_run_and_a_known_agent() {
    let install = Install::new("{ agents: { entries: { exec: {} } } }");
    let home = TestHome::new();
    home.init_core("Acme");
    let run = install
        .ours(&home, &["sync", "--agent", "exec"])
        .expect_code(2);
    assert!(run.stderr.contains("--dry-run"), "{}", run.stderr);
    let run = install
        .ours(&home, &["sync", "--agent", "ghost", "--dry-run"])
        .expect_code(2);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["code"], "openclaw_unknown_agent");
    // An agent we never applied a preset to has nothing to sync.
    let run = install
        .ours(&home, &["sync", "--agent", "exec", "--dry-run"])
        .expect_code(1);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["code"], "invalid_transition");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("Agent exec has no applied preset"),
        "{}",
        run.stderr
    );
}
