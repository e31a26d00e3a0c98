//! The CLI's surface as scripts meet it: one error shape under `--json`, one exit-code rule,
//! durations with units, and every command the CLI suggests in its own messages parses.

use crate::support::{cli_env, TestHome};

fn json_error(run: &crate::support::CliRun) -> serde_json::Value {
    serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not one JSON error ({e}): {}", run.stderr))
}

#[test]
fn command_lines_clap_cannot_parse_answer_in_json_under_json() {
    let home = TestHome::new();
    for args in [
        &["--json", "bogus"][..],
        &["--json", "preset", "label"],
        &["preset", "label", "--json", "--no-such-flag"],
        &["--json", "backup", "list", "--from", "usb"],
        &["--json", "quota"],
        &["backup", "passphrase", "--json"],
    ] {
        let run = home.cli(args).expect_code(2);
        let body = json_error(&run);
        assert_eq!(body["code"], "usage", "{args:?}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.starts_with("error:"),
            "{args:?}: {message}"
        );
        assert!(!message.contains('\n'), "{args:?}: one line: {message}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    let missing = json_error(&home.cli(&["--json", "quota"]));
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("one of: show"),
        "{missing}"
    );
    let unknown = home.cli(&["--json", "bogus"]);
    assert!(json_error(&unknown)["message"]
        .as_str()
        .unwrap()
        .contains("bogus"));
    // Help stays text: it is what was asked for.
    let help = home.cli(&["--json", "--help"]).expect_code(0);
    assert!(help.stdout.contains("Usage"), "{}", help.stdout);
}

#[test]
fn an_empty_persona_studio_home_is_as_good_as_unset() {
    let home = TestHome::new();
    let path = home.path().to_str().unwrap();
    let explicit = cli_env(
        None,
        &["--home", path, "--json", "init", "--tenant", "Empty Env"],
        None,
        &[("PERSONA_STUDIO_HOME", "")],
    )
    .expect_code(0);
    assert_eq!(explicit.json()["tenant"]["name"], "Empty Env");
    let from_env = cli_env(
        None,
        &["--json", "tenant", "self"],
        None,
        &[("PERSONA_STUDIO_HOME", path)],
    )
    .expect_code(0);
    assert_eq!(from_env.json()["tenant"]["name"], "Empty Env");
}

#[test]
fn durations_need_a_unit_and_the_error_names_the_flag() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    for (args, flag) in [
        (
            &[
                "breakglass",
                "open",
                "--reason",
                "the pager went off at three am",
                "--ttl",
                "90",
            ][..],
            "--ttl",
        ),
        (&["member", "unlock", "--timeout", "90"], "--timeout"),
    ] {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        // More input than a pipe holds, so a command that refuses its arguments before reading
        // always breaks the pipe: the harness must take that as the command's answer.
        let mut input = b"correct horse battery staple\n".to_vec();
        input.resize(1 << 20, b'x');
        let run = home.cli_stdin(&full, &input).expect_code(2);
        let body = json_error(&run);
        assert_eq!(body["code"], "invalid_input", "{args:?}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(flag) && message.contains("90m"),
            "{message}"
        );
    }
}

/// One rule for every command: an id that names nothing is bad input, exit 2, `not_found`
/// under `--json` (`openclaw_unknown_agent` for an agent of the OpenClaw config), and the
/// message names what was looked for.
#[test]
fn every_command_given_an_id_that_names_nothing_exits_2_with_not_found() {
    const BAD: &str = "nosuchthing";
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let dir = home.path().join("scratch");
    let dir = dir.to_str().unwrap();
    // A real preset folder, so that `preset edit` reaches the id.
    home.cli(&["preset", "export", "executive_assistant", dir])
        .expect_code(0);
    // An OpenClaw config with no agents, so that `openclaw sync` reaches the agent.
    let openclaw = home.path().join("openclaw.json");
    std::fs::write(&openclaw, "{}").unwrap();
    let openclaw = openclaw.to_str().unwrap().to_owned();
    let restored = home.path().join("restored").to_str().unwrap().to_owned();
    // A finished wizard, so that `onboard customize` reaches the capability.
    for (question, value) in [
        ("goal", "companion"),
        ("audience", "individual"),
        ("autonomy", "ask_first"),
        ("style", "balanced"),
        ("channels", "app_only"),
        ("sensitivity", "personal"),
        ("voice", "no"),
        ("browser", "no"),
        ("agent_name", "Wren"),
    ] {
        home.cli(&["onboard", "answer", question, value])
            .expect_code(0);
    }
    let table: &[&[&str]] = &[
        &["preset", "show", BAD],
        &["preset", "history", BAD],
        &["preset", "draft", BAD],
        &["preset", "edit", BAD, dir],
        &["preset", "publish", BAD],
        &["preset", "label", BAD, "production", "1"],
        &["preset", "deprecate", BAD],
        &["preset", "diff", BAD, "1", "2"],
        &["preset", "export", BAD, dir],
        &["preset", "release", BAD, dir],
        &[
            "preset",
            "apply",
            BAD,
            "--agent",
            "wren",
            "--workspace",
            dir,
        ],
        &["capability", "show", BAD],
        &["install", "request", "--capability", BAD],
        &["install", "approve", BAD],
        &["install", "reject", BAD],
        &["install", "apply", BAD],
        &["install", "uninstall", "--capability", BAD],
        &["change", "triage", BAD],
        &["change", "approve", BAD],
        &["change", "reject", BAD],
        &["change", "apply", BAD],
        &["change", "comment", BAD, "--body", "hello"],
        &["change", "show", BAD],
        &["member", "switch", BAD],
        &["destination", "remove", BAD],
        &["backup", "verify", "--from", BAD],
        &["backup", "list", "--remote", BAD],
        &["backup", "restore", "--from", BAD, "--into", &restored],
        &["onboard", "answer", BAD, "x"],
        &["onboard", "revisit", BAD],
        &["onboard", "customize", "--add", BAD],
        &["spec", "show", "--agent", BAD],
        &["spec", "publish", "--agent", BAD],
        &["spec", "active", "--agent", BAD],
        &["openclaw", "sync", "--agent", BAD, "--dry-run"],
    ];
    let mut wrong = Vec::new();
    for args in table {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let run = cli_env(
            Some(home.path()),
            &full,
            None,
            &[("OPENCLAW_CONFIG_PATH", &openclaw)],
        );
        let body: Option<serde_json::Value> = serde_json::from_str(run.stderr.trim()).ok();
        let code = body
            .as_ref()
            .and_then(|b| b["code"].as_str())
            .unwrap_or("(no JSON)");
        let message = body
            .as_ref()
            .and_then(|b| b["message"].as_str())
            .unwrap_or("");
        // OpenClaw's own agents have their own code, as the app's hint for it differs.
        let expected = if args[0] == "openclaw" {
            "openclaw_unknown_agent"
        } else {
            "not_found"
        };
        if run.code != 2 || code != expected || !message.contains(BAD) {
            wrong.push(format!(
                "{args:?}: exit {}, {}",
                run.code,
                run.stderr.trim()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} commands break the rule:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The commands our messages tell people to run: each backticked text in a string literal
/// of `src/` whose first word is one of our commands (`persona-studio ` in front or not), with
/// its placeholders (`NAME`, `{agent}`, …) filled with sample values.
fn suggested_commands() -> Vec<(String, Vec<String>)> {
    const COMMANDS: &[&str] = &[
        "init",
        "doctor",
        "tenant",
        "canon",
        "hash",
        "spec",
        "onboard",
        "openclaw",
        "reasoning",
        "preset",
        "integrity",
        "attest",
        "registry",
        "audit",
        "capability",
        "install",
        "breakglass",
        "quota",
        "change",
        "member",
        "backup",
        "destination",
    ];
    let sample = |word: &str| -> String {
        let value = match word.trim_matches(|c| c == '{' || c == '}') {
            "DIR" | "dir" => "some-folder",
            "FILE" | "file" => "some-file.json",
            "DEST" | "LABEL" | "label" => "usb",
            "QUESTION" => "goal",
            "VALUE" => "1",
            "SHA256" => "0000000000000000000000000000000000000000000000000000000000000000",
            "" | "home" => "some-home",
            _ => "wren",
        };
        value.to_owned()
    };
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || !line.contains('"') {
                continue;
            }
            for snippet in line.split('`').skip(1).step_by(2) {
                let words: Vec<&str> = snippet.split_whitespace().collect();
                let words = match words.first() {
                    Some(&"persona-studio") => &words[1..],
                    _ => &words[..],
                };
                // `openclaw config …` is OpenClaw's own CLI, not ours.
                let ours = words.first().is_some_and(|w| COMMANDS.contains(w))
                    && !(words[0] == "openclaw"
                        && words
                            .get(1)
                            .is_some_and(|w| ["config", "claws", "doctor"].contains(w)));
                if !ours || words.len() < 2 && !["init", "doctor", "onboard"].contains(&words[0]) {
                    continue;
                }
                let args = words
                    .iter()
                    .map(|w| {
                        let placeholder = w.starts_with('{')
                            || (w.len() > 1
                                && w.chars()
                                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
                        if placeholder {
                            sample(w)
                        } else {
                            (*w).to_owned()
                        }
                    })
                    .collect();
                let place = format!(
                    "{}:{}: `{snippet}`",
                    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .display(),
                    number + 1
                );
                found.push((place, args));
            }
        }
    }
    found
}

/// A message that tells people to run a command must name one that parses: each suggestion
/// runs (in a scratch data folder, with no terminal) and must fail, if at all, for any reason
/// but its command line.
#[test]
fn every_command_our_messages_suggest_parses() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let cwd = home.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let suggestions = suggested_commands();
    assert!(suggestions.len() > 30, "found only {suggestions:?}");
    let mut broken = Vec::new();
    for (place, args) in &suggestions {
        let mut full = vec!["--json"];
        full.extend(args.iter().map(String::as_str));
        let run = crate::support::cli_in(home.path(), &full, &[], &[], &cwd);
        let body: Option<serde_json::Value> = serde_json::from_str(run.stderr.trim()).ok();
        if body.as_ref().is_some_and(|b| b["code"] == "usage") {
            broken.push(format!("{place}: {}", run.stderr.trim()));
        }
    }
    assert!(
        broken.is_empty(),
        "{} suggestions do not parse:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn init_without_a_passphrase_says_how_to_set_one_and_that_works() {
    let home = TestHome::new();
    let created = home.cli(&["init", "--tenant", "Hintco"]).expect_code(0);
    assert!(
        created
            .stdout
            .contains("`persona-studio member set-passphrase`"),
        "{}",
        created.stdout
    );
    home.cli_stdin(
        &["member", "set-passphrase"],
        b"correct horse battery staple\n",
    )
    .expect_code(0);
    home.cli_stdin(&["member", "unlock"], b"correct horse battery staple\n")
        .expect_code(0);
    let with = TestHome::new()
        .cli_stdin(
            &["init", "--passphrase-stdin"],
            b"correct horse battery staple\n",
        )
        .expect_code(0);
    assert!(
        with.stdout.contains("Created tenant") && !with.stdout.contains("set-passphrase"),
        "{}",
        with.stdout
    );
}
