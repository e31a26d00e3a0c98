#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may panic: that is how they fail.

//! Unit tests of reading an OpenClaw install: where the config is, JSON5 and `$include`, the
//! agents and their workspaces, and the errors each bad input gets.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;

fn env(dir: &Path, vars: &[(&str, &str)]) -> Environment {
    let mut all = vec![("HOME".to_owned(), dir.join("home").display().to_string())];
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Environment::new(all, dir.join("cwd"))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn code(error: &crate::Error) -> &'static str {
    error.code()
}

/// `(case, --openclaw, variables, config, state folder, found by)`.
type LocateRow<'a> = (
    &'a str,
    Option<PathBuf>,
    Vec<(&'a str, &'a str)>,
    PathBuf,
    PathBuf,
    ConfigSource,
);

fn check_locate(d: &Path, rows: Vec<LocateRow<'_>>) {
    for (name, explicit, vars, config, state_dir, found_by) in rows {
        let got =
            locate(explicit.as_deref(), &env(d, &vars)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = Located {
            config,
            state_dir,
            found_by,
        };
        assert_eq!(got, want, "{name}");
    }
}

/// A folder with a config in every place `locate` may look.
fn every_place() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "given/openclaw.json",
        "cfg/custom.json5",
        "state/openclaw.json",
        "home/.openclaw/openclaw.json",
        ".openclaw/openclaw.json",
    ] {
        write(&dir.path().join(file), "{}");
    }
    dir
}

#[test]
fn locate_takes_the_folder_given_first() {
    let dir = every_place();
    let d = dir.path();
    let state = d.join("state").display().to_string();
    check_locate(
        d,
        vec![
            (
                "explicit folder wins",
                Some(d.join("given")),
                vec![("OPENCLAW_STATE_DIR", &state)],
                d.join("given/openclaw.json"),
                d.join("given"),
                ConfigSource::Explicit,
            ),
            (
                "explicit file",
                Some(d.join("cfg/custom.json5")),
                vec![],
                d.join("cfg/custom.json5"),
                d.join("cfg"),
                ConfigSource::Explicit,
            ),
        ],
    );
}

#[test]
fn locate_then_follows_openclaws_variables() {
    let dir = every_place();
    let d = dir.path();
    let state = d.join("state").display().to_string();
    let custom = d.join("cfg/custom.json5");
    let home_state = d.join("home/.openclaw");
    let config_path = |path: &'static str| ("OPENCLAW_CONFIG_PATH", path);
    check_locate(
        d,
        vec![
            (
                "config path, ~ expanded, state from home",
                None,
                vec![config_path("~/../cfg/custom.json5")],
                custom.clone(),
                home_state.clone(),
                ConfigSource::ConfigPathEnv,
            ),
            (
                "config path relative to the current folder, with a state dir",
                None,
                vec![
                    config_path("../cfg/custom.json5"),
                    ("OPENCLAW_STATE_DIR", &state),
                ],
                custom,
                d.join("state"),
                ConfigSource::ConfigPathEnv,
            ),
            (
                "state dir",
                None,
                vec![("OPENCLAW_STATE_DIR", &state)],
                d.join("state/openclaw.json"),
                d.join("state"),
                ConfigSource::StateDirEnv,
            ),
            (
                "blank variables are unset",
                None,
                vec![("OPENCLAW_STATE_DIR", "  "), config_path("")],
                home_state.join("openclaw.json"),
                home_state,
                ConfigSource::Default,
            ),
            (
                "OPENCLAW_HOME is the home",
                None,
                vec![("OPENCLAW_HOME", "~/../given/..")],
                d.join(".openclaw/openclaw.json"),
                d.join(".openclaw"),
                ConfigSource::Default,
            ),
        ],
    );
}

#[test]
fn locate_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let error = locate(Some(&d.join("nowhere")), &env(d, &[])).unwrap_err();
    assert_eq!(code(&error), "openclaw_not_found");
    assert!(!error.is_bad_input());
    let message = error.to_string();
    assert!(
        message.contains(&d.join("nowhere/openclaw.json").display().to_string()),
        "{message}"
    );
    assert!(message.contains("the folder given"), "{message}");
    let error = locate(None, &env(d, &[("OPENCLAW_STATE_DIR", "/no/such")])).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("/no/such/openclaw.json (found by OPENCLAW_STATE_DIR)"),
        "{error}"
    );
}

#[test]
fn substitute_follows_openclaws_rules() {
    let e = Environment::new(
        [
            ("BASE".to_owned(), "/srv".to_owned()),
            ("EMPTY".to_owned(), String::new()),
        ],
        PathBuf::from("/"),
    );
    for (input, expected) in [
        ("${BASE}/ws", "/srv/ws"),
        ("${BASE}${BASE}", "/srv/srv"),
        ("$${BASE}/ws", "${BASE}/ws"),
        ("${MISSING}/x", "${MISSING}/x"),
        ("${EMPTY}/x", "${EMPTY}/x"),
        ("${lower}", "${lower}"),
        ("${BASE", "${BASE"),
        ("plain", "plain"),
        ("€${BASE}€", "€/srv€"),
    ] {
        assert_eq!(e.substitute(input), expected, "{input}");
    }
}

#[test]
fn json5_with_comments_and_trailing_commas_keeps_var_references() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("openclaw.json");
    write(
        &config,
        "\u{feff}// OpenClaw\n{\n  /* block */ agents: { entries: { exec: { workspace: '${HOME}/ws', skills: [], }, }, },\n  gateway: { auth: { token: \"${OPENCLAW_GATEWAY_TOKEN}\" } },\n}\n",
    );
    let files = read_config(&config).unwrap();
    assert_eq!(
        files.value,
        json!({
            "agents": {"entries": {"exec": {"workspace": "${HOME}/ws", "skills": []}}},
            "gateway": {"auth": {"token": "${OPENCLAW_GATEWAY_TOKEN}"}}
        })
    );
    assert!(files.includes.is_empty());
}

#[test]
fn includes_replace_merge_and_nest_as_openclaw_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("openclaw.json"),
        r#"{
          agents: { $include: "./parts/agents.json5", defaults: { skills: ["c"] } },
          broadcast: { $include: ["a.json5", "b.json5"] },
          list: [{ $include: "item.json5" }],
        }"#,
    );
    write(
        &d.join("parts/agents.json5"),
        r#"{ defaults: { skills: ["a", "b"], model: "m" }, entries: { $include: "entries.json5" } }"#,
    );
    write(
        &d.join("parts/entries.json5"),
        r#"{ exec: { workspace: "~/ws" } }"#,
    );
    write(
        &d.join("a.json5"),
        r#"{ x: 1, tags: ["a"], nested: { keep: true } }"#,
    );
    write(
        &d.join("b.json5"),
        r#"{ x: 2, tags: ["b"], nested: { add: 1 } }"#,
    );
    write(&d.join("item.json5"), "'text'");
    let files = read_config(&d.join("openclaw.json")).unwrap();
    assert_eq!(
        files.value,
        json!({
            "agents": {
                "defaults": {"skills": ["a", "b", "c"], "model": "m"},
                "entries": {"exec": {"workspace": "~/ws"}}
            },
            "broadcast": {"x": 2, "tags": ["a", "b"], "nested": {"keep": true, "add": 1}},
            "list": ["text"]
        })
    );
    let names: Vec<String> = files
        .includes
        .iter()
        .map(|p| p.strip_prefix(d).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "parts/agents.json5",
            "parts/entries.json5",
            "a.json5",
            "b.json5",
            "item.json5"
        ]
    );
}

/// `(case, main config, extra files, expected code, words the message must hold)`.
type BadCase = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

#[test]
fn bad_configs_and_includes_are_refused_with_the_file_and_the_problem() {
    let cases: &[BadCase] = &[
        (
            "not JSON5",
            "{ agents: { entries: { exec: } } }",
            &[],
            "openclaw_not_json5",
            &["openclaw.json is not valid JSON5", "line 1"],
        ),
        (
            "not JSON5 on a later line",
            "{\n  a: 1,\n  b: ]\n}",
            &[],
            "openclaw_not_json5",
            &["line 3"],
        ),
        (
            "nested too deep",
            "",
            &[],
            "openclaw_not_json5",
            &["deeper than 256 levels", "line 1"],
        ),
        (
            "outside the folder",
            "{ a: { $include: '../outside.json5' } }",
            &[],
            "openclaw_include_refused",
            &["../outside.json5", "outside the config folder"],
        ),
        (
            "absolute outside",
            "{ a: { $include: '/etc/hostname' } }",
            &[],
            "openclaw_include_refused",
            &["outside the config folder"],
        ),
        (
            "missing include",
            "{ a: { $include: 'gone.json5' } }",
            &[],
            "openclaw_include_refused",
            &["gone.json5", "does not exist"],
        ),
        (
            "circular",
            "{ a: { $include: 'x.json5' } }",
            &[
                ("x.json5", "{ $include: 'y.json5' }"),
                ("y.json5", "{ b: { $include: 'x.json5' } }"),
            ],
            "openclaw_include_refused",
            &["includes itself", "x.json5 ->"],
        ),
        (
            "include value not a path",
            "{ a: { $include: 3 } }",
            &[],
            "openclaw_include_refused",
            &["must be a path or a list of paths"],
        ),
        (
            "include list with a number",
            "{ a: { $include: ['x.json5', 1] } }",
            &[("x.json5", "{}")],
            "openclaw_include_refused",
            &["only paths"],
        ),
        (
            "siblings beside a non-object",
            "{ a: { $include: 'x.json5', b: 1 } }",
            &[("x.json5", "[1]")],
            "openclaw_include_refused",
            &["need the included content to be an object"],
        ),
        (
            "include not JSON5",
            "{ a: { $include: 'x.json5' } }",
            &[("x.json5", "{ nope")],
            "openclaw_not_json5",
            &["x.json5 is not valid JSON5"],
        ),
        (
            "include is a folder",
            "{ a: { $include: 'dir' } }",
            &[("dir/keep.json5", "{}")],
            "openclaw_not_a_file",
            &["dir is not a regular file (it is a folder)"],
        ),
    ];
    for (name, main, extra, expected, words) in cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("state");
        let main = if *name == "nested too deep" {
            "[".repeat(300)
        } else {
            (*main).to_owned()
        };
        write(&d.join("openclaw.json"), &main);
        write(&dir.path().join("outside.json5"), "{}");
        for (file, text) in *extra {
            write(&d.join(file), text);
        }
        let error = read_config(&d.join("openclaw.json")).unwrap_err();
        assert_eq!(code(&error), *expected, "{name}: {error}");
        assert!(error.is_bad_input(), "{name}");
        let message = error.to_string();
        for word in *words {
            assert!(message.contains(word), "{name}: {message:?} lacks {word:?}");
        }
    }
}

#[test]
fn includes_are_nested_at_most_ten_deep() {
    for (levels, ok) in [(10, true), (11, false)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(&d.join("openclaw.json"), "{ a: { $include: 'i1.json5' } }");
        for level in 1..=levels {
            let text = if level == levels {
                "{ leaf: true }".to_owned()
            } else {
                format!("{{ $include: 'i{}.json5' }}", level + 1)
            };
            write(&d.join(format!("i{level}.json5")), &text);
        }
        match read_config(&d.join("openclaw.json")) {
            Ok(files) => {
                assert!(ok, "{levels} levels were read");
                assert_eq!(files.value, json!({"a": {"leaf": true}}));
            }
            Err(error) => {
                assert!(!ok, "{levels} levels: {error}");
                assert!(
                    error.to_string().contains("deeper than 10 levels"),
                    "{error}"
                );
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn files_that_are_not_plain_or_too_large_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A config over the limit is refused before it is read (a sparse file costs no disk).
    let big = d.join("big/openclaw.json");
    write(&big, "");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(MAX_FILE_BYTES + 1)
        .unwrap();
    let error = read_config(&big).unwrap_err();
    assert_eq!(code(&error), "openclaw_config_too_large");
    assert!(
        error
            .to_string()
            .contains("big/openclaw.json is larger than 2097152 bytes"),
        "{error}"
    );
    // A named pipe would block a reader forever.
    let fifo = d.join("fifo/openclaw.json");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let error = read_config(&fifo).unwrap_err();
    assert_eq!(code(&error), "openclaw_not_a_file");
    assert!(
        error.to_string().contains("(it is a named pipe)"),
        "{error}"
    );
    // Not UTF-8.
    let latin = d.join("latin/openclaw.json");
    write(&latin, "");
    std::fs::write(&latin, b"{ name: 'caf\xe9' }").unwrap();
    let error = read_config(&latin).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not UTF-8 text (invalid byte at offset 12)"),
        "{error}"
    );
    // A symlink out of the folder, and a hard link.
    let state = d.join("state");
    write(
        &state.join("openclaw.json"),
        "{ a: { $include: 'link.json5' }, b: { $include: 'hard.json5' } }",
    );
    write(&d.join("secret.json5"), "{}");
    std::os::unix::fs::symlink(d.join("secret.json5"), state.join("link.json5")).unwrap();
    let error = read_config(&state.join("openclaw.json")).unwrap_err();
    assert!(error.to_string().contains("through a symlink"), "{error}");
    std::fs::remove_file(state.join("link.json5")).unwrap();
    write(&state.join("link.json5"), "{}");
    write(&state.join("original.json5"), "{}");
    std::fs::hard_link(state.join("original.json5"), state.join("hard.json5")).unwrap();
    let error = read_config(&state.join("openclaw.json")).unwrap_err();
    assert!(
        error.to_string().contains("more than one hard link"),
        "{error}"
    );
}

fn roster_of(d: &Path, config: &str, vars: &[(&str, &str)]) -> crate::Result<Roster> {
    let state = d.join("state");
    write(&state.join("openclaw.json"), config);
    let state_text = state.display().to_string();
    let mut all = vec![("OPENCLAW_STATE_DIR", state_text.as_str())];
    all.extend_from_slice(vars);
    let env = env(d, &all);
    let located = locate(None, &env)?;
    let files = read_config(&located.config)?;
    roster(&files.value, &located, &env)
}

#[test]
fn agents_from_either_layout_with_effective_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let entries = roster_of(
        d,
        r#"{ agents: { ownership: "explicit",
            defaults: { model: { primary: "openai/gpt-5.4", fallbacks: [] }, thinkingDefault: "medium", skills: ["github"], workspace: "~/fleet" },
            entries: {
              exec: { name: "Exec", workspace: "${HOME}/exec-ws", model: "anthropic/claude-opus-4-6", thinkingDefault: "high", skills: [] },
              helper: {},
            } } }"#,
        &[],
    )
    .unwrap();
    assert_eq!(entries.layout, Layout::Entries);
    let [exec, helper] = entries.agents.as_slice() else {
        panic!("{entries:?}")
    };
    assert_eq!(exec.name.as_deref(), Some("Exec"));
    assert_eq!(exec.workspace, d.join("home/exec-ws").display().to_string());
    assert_eq!(exec.workspace_written.as_deref(), Some("${HOME}/exec-ws"));
    assert_eq!(exec.model.as_deref(), Some("anthropic/claude-opus-4-6"));
    assert_eq!(exec.thinking_default.as_deref(), Some("high"));
    assert_eq!(exec.skills, Some(vec![]));
    assert!(exec.inherited.is_empty());
    assert_eq!(helper.model.as_deref(), Some("openai/gpt-5.4"));
    assert_eq!(helper.thinking_default.as_deref(), Some("medium"));
    assert_eq!(helper.skills, Some(vec!["github".to_owned()]));
    assert_eq!(
        helper.workspace,
        d.join("home/fleet/helper").display().to_string()
    );
    assert_eq!(
        helper.inherited,
        ["model", "thinkingDefault", "skills", "workspace"]
    );

    let legacy = roster_of(
        d,
        "{ agents: { list: [ { id: 'one' }, { id: 'two', default: true }, { id: 'three', workspace: 'rel/ws' } ] } }",
        &[],
    )
    .unwrap();
    assert_eq!(legacy.layout, Layout::LegacyList);
    let workspaces: Vec<(&str, String)> = legacy
        .agents
        .iter()
        .map(|a| (a.id.as_str(), a.workspace.clone()))
        .collect();
    let state = d.join("state");
    assert_eq!(
        workspaces,
        [
            ("one", state.join("workspace-one").display().to_string()),
            ("two", state.join("workspace").display().to_string()),
            ("three", d.join("cwd/rel/ws").display().to_string()),
        ]
    );
    assert!(legacy
        .agents
        .iter()
        .all(|a| a.skills.is_none() && !a.implicit));
}

#[test]
fn a_sole_or_implicit_agent_uses_the_default_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let state = d.join("state");
    let sole = roster_of(d, "{ agents: { entries: { solo: {} } } }", &[]).unwrap();
    assert_eq!(
        sole.agents[0].workspace,
        state.join("workspace").display().to_string()
    );
    let moved = roster_of(
        d,
        "{ agents: { entries: { solo: {} } } }",
        &[("OPENCLAW_WORKSPACE_DIR", "elsewhere")],
    )
    .unwrap();
    assert_eq!(
        moved.agents[0].workspace,
        d.join("cwd/elsewhere").display().to_string()
    );
    let fallback = roster_of(
        d,
        "{ agents: { defaults: { workspace: '~/one' }, entries: { solo: {} } } }",
        &[],
    )
    .unwrap();
    assert_eq!(
        fallback.agents[0].workspace,
        d.join("home/one").display().to_string()
    );
    for config in [
        "{}",
        "{ agents: { defaults: { model: 'a/b' } } }",
        "{ agents: { entries: {} } }",
        "{ agents: { list: [] } }",
    ] {
        let implicit = roster_of(d, config, &[]).unwrap();
        assert_eq!(implicit.layout, Layout::Implicit, "{config}");
        let [main] = implicit.agents.as_slice() else {
            panic!("{config}: {implicit:?}")
        };
        assert_eq!((main.id.as_str(), main.implicit), ("main", true));
        assert_eq!(
            main.workspace,
            state.join("workspace").display().to_string()
        );
    }
}

#[test]
fn an_agent_id_in_capitals_is_read_as_openclaw_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(
        dir.path(),
        "{ agents: { entries: { Upper: {}, exec: {} } } }",
        &[],
    )
    .unwrap();
    let ids: Vec<&str> = roster.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["upper", "exec"]);
    let error = roster_of(
        dir.path(),
        "{ agents: { entries: { Exec: {}, exec: {} } } }",
        &[],
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("repeats the agent id \"exec\""),
        "{error}"
    );
}

#[test]
fn badly_shaped_agents_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (config, words) in [
        ("[]", "the config is not an object"),
        ("{ agents: [] }", "agents is not an object"),
        (
            "{ agents: { entries: {}, list: [] } }",
            "agents has both entries and the legacy list",
        ),
        (
            "{ agents: { entries: { 'Bad Id': {} } } }",
            "agents.entries.Bad Id \"Bad Id\" is not an agent id",
        ),
        (
            "{ agents: { entries: { exec: 1 } } }",
            "agents.entries.exec is not an object",
        ),
        (
            "{ agents: { list: [ { name: 'x' } ] } }",
            "agents.list[0].id is missing or not a string",
        ),
        (
            "{ agents: { list: [ { id: 'a' }, { id: 'a' } ] } }",
            "agents.list[1].id repeats the agent id \"a\"",
        ),
        (
            "{ agents: { entries: { exec: { skills: 'all' } } } }",
            "agents.entries.exec.skills is not a list",
        ),
        (
            "{ agents: { entries: { exec: { skills: [1] } } } }",
            "agents.entries.exec.skills[0] is not a string",
        ),
        (
            "{ agents: { defaults: { model: 3 }, entries: { exec: {} } } }",
            "agents.defaults.model is neither a model id",
        ),
        (
            "{ agents: { entries: { exec: { model: { fallbacks: [] } } } } }",
            "agents.entries.exec.model has no primary model",
        ),
    ] {
        let error = roster_of(d, config, &[]).unwrap_err();
        assert_eq!(code(&error), "openclaw_config_invalid", "{config}");
        assert!(error.to_string().contains(words), "{config}: {error}");
        assert!(
            error.to_string().contains("openclaw.json: "),
            "{config}: {error}"
        );
    }
}
