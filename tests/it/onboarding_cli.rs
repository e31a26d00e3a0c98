//! `persona-studio onboard` as processes: accepting from an answers file (twice), refusing to
//! ask without a terminal, the step-by-step commands resuming between processes with
//! byte-identical `--json`, the quota meter, and the interactive wizard in a pseudo-terminal.

use crate::support::{CliRun, TestHome};

const NOW: &str = "2026-11-21T12:00:00Z";

const COMPANION: &[u8] =
    br#"{"goal": ["companion"], "audience": ["individual"], "autonomy": ["ask_first"],
    "style": ["balanced"], "channels": ["app_only"], "sensitivity": ["personal"],
    "voice": ["yes"], "browser": ["no"], "agent_name": "Wren"}"#;

fn home(tier: &str) -> TestHome {
    let home = TestHome::new();
    home.init_unlocked(&["--tier", tier]);
    home
}

fn run(home: &TestHome, args: &[&str]) -> CliRun {
    home.cli_at(NOW, args, None)
}

/// Asserts that `text` contains every needle, showing it when one is missing.
fn says(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}

/// `onboard` in a pseudo-terminal, typing `input`; what the terminal showed.
fn in_terminal(home: &TestHome, input: &[u8]) -> String {
    let run = home.cli_in_terminal(NOW, &["onboard"], input);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.stdout
}

/// `onboard status --json`.
fn status(home: &TestHome) -> serde_json::Value {
    run(home, &["--json", "onboard", "status"])
        .expect_code(0)
        .json()
}

/// A wizard state's current question and how many answers it has.
fn position(state: &serde_json::Value) -> (Option<i64>, usize) {
    (
        state["current"].as_i64(),
        state["answers"].as_object().unwrap().len(),
    )
}

/// How many `onboarding.accepted` audit entries `audit list` shows.
fn accepted_entries(home: &TestHome) -> usize {
    let kind = ["--json", "audit", "list", "--kind", "onboarding.accepted"];
    let entries = run(home, &kind).expect_code(0).json();
    entries.as_array().unwrap().len()
}

#[test]
fn answers_and_accept_create_the_agent_and_requests_and_running_it_again_changes_nothing() {
    let home = home("pro");
    let args = [
        "--json",
        "onboard",
        "--answers",
        "-",
        "--accept",
        "--agent",
        "wren",
    ];
    let first = home
        .cli_at(NOW, &args, Some(COMPANION))
        .expect_code(0)
        .json();
    assert_eq!(first["agent"], "wren");
    assert_eq!(first["draft_version"], 1);
    assert_eq!(first["already_accepted"], false);
    let opened: Vec<&str> = first["install_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    assert!(!opened.is_empty());

    let pending = run(&home, &["--json", "install", "list", "--state", "pending"])
        .expect_code(0)
        .json();
    let mut pending: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut expected = opened.clone();
    pending.sort();
    expected.sort();
    assert_eq!(pending, expected);
    let versions = run(&home, &["--json", "spec", "list", "--agent", "wren"])
        .expect_code(0)
        .json();
    assert_eq!(versions[0]["state"], "draft");
    assert_eq!(versions[0]["persona_hash"], first["persona_hash"]);
    assert_eq!(accepted_entries(&home), 1);

    let again = home
        .cli_at(NOW, &args, Some(COMPANION))
        .expect_code(0)
        .json();
    assert_eq!(again["already_accepted"], true);
    assert_eq!(again["install_requests"], first["install_requests"]);
    let text = home
        .cli_at(NOW, &["onboard", "--accept", "--agent", "wren"], None)
        .expect_code(0);
    assert!(
        text.stdout.starts_with("Already accepted earlier"),
        "{}",
        text.stdout
    );
    let other = home
        .cli_at(
            NOW,
            &["--json", "onboard", "--accept", "--agent", "robin"],
            None,
        )
        .expect_code(1);
    says(&other.stderr, &["\"invalid_transition\""]);
    assert_eq!(accepted_entries(&home), 1);
}

#[test]
fn without_a_terminal_or_answers_it_exits_2_and_bad_input_names_the_problem() {
    let home = home("free");
    let refused = run(&home, &["onboard"]).expect_code(2);
    says(&refused.stderr, &["--answers FILE"]);
    run(&home, &["--json", "onboard"]).expect_code(2);
    let flags = run(&home, &["onboard", "--preset", "research_analyst"]).expect_code(2);
    says(&flags.stderr, &["--accept"]);
    let unknown = run(&home, &["onboard", "answer", "mood", "happy"]).expect_code(2);
    says(&unknown.stderr, &["\"mood\""]);
    let bad = run(&home, &["onboard", "answer", "goal", "9"]).expect_code(2);
    assert!(
        bad.stderr.contains("\"goal\"") && bad.stderr.contains("1 to 5"),
        "{}",
        bad.stderr
    );
    let hidden = home
        .cli_at(
            NOW,
            &["onboard", "--answers", "-", "--accept", "--agent", "wren"],
            Some(br#"{"audience": ["team"], "voice": ["yes"]}"#),
        )
        .expect_code(2);
    says(&hidden.stderr, &["\"voice\""]);
    let unfinished = home
        .cli_at(
            NOW,
            &["onboard", "--answers", "-", "--accept", "--agent", "wren"],
            Some(br#"{"goal": ["research"]}"#),
        )
        .expect_code(1);
    says(&unfinished.stderr, &["not finished"]);
}

#[test]
fn step_by_step_resumes_between_processes_with_byte_identical_json() {
    let homes = [home("free"), home("free")];
    for home in &homes {
        run(home, &["onboard", "answer", "goal", "5"]).expect_code(0);
        let state = run(
            home,
            &["--json", "onboard", "answer", "audience", "individual"],
        )
        .expect_code(0)
        .json();
        assert_eq!(state["current"], 2);
        let back = run(home, &["--json", "onboard", "back"])
            .expect_code(0)
            .json();
        assert_eq!(position(&back), (Some(1), 2));
        for (question, value) in [
            ("audience", "1"),
            ("autonomy", "ask_first"),
            ("style", "2"),
            ("channels", "5"),
            ("sensitivity", "personal"),
            ("voice", "yes"),
            ("browser", "no"),
        ] {
            run(home, &["onboard", "answer", question, value]).expect_code(0);
        }
        let text = run(
            home,
            &["onboard", "answer", "agent_name", "Wren", "the", "Wise"],
        )
        .expect_code(0);
        says(&text.stdout, &["Recommended preset: personal_companion"]);
    }
    let bytes = |home: &TestHome| {
        run(home, &["--json", "onboard", "status"])
            .expect_code(0)
            .stdout
    };
    let first = bytes(&homes[0]);
    assert_eq!(first, bytes(&homes[0]), "same state, same bytes");
    assert_eq!(
        first,
        bytes(&homes[1]),
        "same answers in another data folder, same bytes"
    );
    let state = status(&homes[0]);
    assert_eq!(state["complete"], true);
    assert_eq!(state["answers"]["agent_name"], "Wren the Wise");

    // Revisiting an earlier question keeps the answers; an unasked question is refused.
    let revisited = run(&homes[1], &["--json", "onboard", "revisit", "audience"])
        .expect_code(0)
        .json();
    assert_eq!(revisited["current"], 1);
    assert_eq!(revisited["answers"], state["answers"]);
    let unasked = run(&homes[1], &["onboard", "revisit", "pets"]);
    assert_eq!(unasked.code, 2, "{}", unasked.stderr);
    says(&unasked.stderr, &["pets", "goal"]);

    // The quota meter: voice does not fit Free's storage; exit 1 says it does not fit.
    let meter = run(
        &homes[0],
        &["--json", "onboard", "customize", "--add", "voice_tts_stt"],
    )
    .expect_code(1)
    .json();
    assert_eq!(
        (meter["fits"].as_bool(), meter["upgrade"].as_str()),
        (Some(false), Some("pro"))
    );
    let fits = run(
        &homes[0],
        &[
            "--json",
            "onboard",
            "customize",
            "--community",
            "usb_storage",
        ],
    )
    .expect_code(0)
    .json();
    assert!(
        fits["warnings"][0].as_str().unwrap().contains("community"),
        "{fits}"
    );
    let refused = run(
        &homes[0],
        &[
            "onboard",
            "--accept",
            "--agent",
            "wren",
            "--add",
            "voice_tts_stt",
        ],
    )
    .expect_code(1);
    says(&refused.stderr, &["Free"]);

    let reset = run(&homes[0], &["--json", "onboard", "reset"])
        .expect_code(0)
        .json();
    assert_eq!(reset["answers"], serde_json::json!({}));
}

#[test]
fn the_interactive_wizard_asks_in_a_terminal_goes_back_resumes_and_accepts() {
    let home = home("pro");
    // Companion, one person, then back to the first question and quit.
    let first = in_terminal(&home, b"5\n1\nb\nb\nq\n");
    // Goal and audience answered: the browser and voice questions appear.
    says(
        &first,
        &[
            "Question 1 of 7: What should your agent mainly do?",
            "Question 3 of 9",
            "Saved.",
        ],
    );
    assert_eq!(position(&status(&home)), (Some(0), 2));

    // Enter keeps the answers already given; a bad choice is explained and asked again.
    let second = in_terminal(&home, b"\n\n1\n2\n5\n7\n2\n1\n2\nWren\nwren\n");
    says(
        &second,
        &[
            "Resuming",
            "has no option \"7\"",
            "Recommended preset: personal_companion",
            "Accepted: agent wren",
        ],
    );
    let state = status(&home);
    assert_eq!(state["status"], "accepted");
    assert_eq!(state["accepted"]["agent"], "wren");
}

/// Scripts write answers in every form `onboard answer` takes, get every problem at once,
/// preview a changed choice without accepting, and may leave the agent id to the name.
#[test]
fn scripted_answers_take_every_form_report_every_problem_preview_and_name_the_agent() {
    let home = home("pro");
    let recommend =
        |answers: &[u8]| home.cli_at(NOW, &["--json", "onboard", "--answers", "-"], Some(answers));
    let by_id = recommend(br#"{"goal": "research"}"#).expect_code(0).json();
    // research is the goal's option 3.
    for form in [
        &br#"{"goal": [3]}"#[..],
        br#"{"goal": 3}"#,
        br#"{"goal": "3"}"#,
        br#"{"goal": ["research"]}"#,
    ] {
        let same = recommend(form).expect_code(0).json();
        assert_eq!(same, by_id, "{}", String::from_utf8_lossy(form));
    }
    let problems =
        recommend(br#"{"goal": "nope", "pets": ["cat"], "audience": ["team"], "voice": ["yes"]}"#)
            .expect_code(2);
    let problems: serde_json::Value = serde_json::from_str(problems.stderr.trim()).unwrap();
    says(
        problems["message"].as_str().unwrap(),
        &["3 problems", "\"goal\"", "\"pets\"", "\"voice\""],
    );

    let broken = recommend(b"{\"goal\": ").expect_code(2);
    assert!(broken.stderr.contains("stdin"), "{}", broken.stderr);

    // A preview of a changed choice writes nothing.
    let preview = home
        .cli_at(
            NOW,
            &[
                "--json",
                "onboard",
                "--answers",
                "-",
                "--add",
                "code_review",
            ],
            Some(COMPANION),
        )
        .json();
    let added = preview["capabilities"].as_array().unwrap();
    assert!(added.iter().any(|c| c["id"] == "code_review"), "{preview}");
    assert_eq!(status(&home)["answers"], serde_json::json!({}));

    // No --agent: the id comes from the agent_name answer.
    let named = String::from_utf8(COMPANION.to_vec())
        .unwrap()
        .replace("\"Wren\"", "\"Wren the Wise\"");
    let accepted = home
        .cli_at(
            NOW,
            &["--json", "onboard", "--answers", "-", "--accept"],
            Some(named.as_bytes()),
        )
        .expect_code(0)
        .json();
    assert_eq!(accepted["agent"], "wren-the-wise");

    // Waiting requests count: the same bundle again fits (nothing new), a bigger one on the
    // next wizard counts what the first accept requested.
    run(&home, &["onboard", "reset"]).expect_code(0);
    let next = home
        .cli_at(
            NOW,
            &[
                "--json",
                "onboard",
                "--answers",
                "-",
                "--add",
                "code_review",
                "--add",
                "web_research",
            ],
            Some(COMPANION),
        )
        .json();
    assert!(next["slots_requested"].as_i64().unwrap() > 0, "{next}");
    assert_eq!(
        next["slots_used"].as_i64().unwrap(),
        next["slots_installed"].as_i64().unwrap()
            + next["slots_requested"].as_i64().unwrap()
            + next["capabilities"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["installed"] == false && c["requested"] == false)
                .map(|c| c["slots"].as_i64().unwrap())
                .sum::<i64>(),
        "{next}"
    );
}

#[test]
fn a_refused_accept_from_an_answers_file_keeps_the_wizard_as_it_was() {
    let home = home("pro");
    for (question, value) in [
        ("goal", "research"),
        ("audience", "team"),
        ("autonomy", "1"),
    ] {
        run(&home, &["onboard", "answer", question, value]).expect_code(0);
    }
    let before = status(&home);
    // No agent name among these answers and none given: the accept is refused.
    let refused = home
        .cli_stdin(
            &["onboard", "--answers", "-", "--accept"],
            br#"{"goal": ["software"]}"#,
        )
        .expect_code(2);
    assert!(refused.stderr.contains("agent"), "{}", refused.stderr);
    let after = status(&home);
    assert_eq!(after["answers"], before["answers"], "{after}");
    assert_eq!(after["current"], before["current"], "{after}");
    // A refused --remove is put back the same way.
    home.cli_stdin(
        &[
            "onboard",
            "--answers",
            "-",
            "--accept",
            "--remove",
            "nothing_like_it",
        ],
        COMPANION,
    )
    .expect_code(2);
    assert_eq!(status(&home)["answers"], before["answers"]);
}

#[test]
fn removing_what_the_quota_left_out_is_no_error() {
    let home = home("free");
    let answers = br#"{"goal": ["software"], "audience": ["individual"], "voice": ["yes"]}"#;
    let preview = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], answers)
        .expect_code(0)
        .json();
    let trimmed: Vec<&str> = preview["trimmed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["capability"]["id"].as_str())
        .collect();
    assert!(trimmed.contains(&"uplay_chromium"), "{preview}");
    home.cli_stdin(
        &["onboard", "--answers", "-", "--remove", "uplay_chromium"],
        answers,
    )
    .expect_code(0);
    // Something neither in the bundle nor left out is still refused.
    let refused = home
        .cli_stdin(
            &["onboard", "--answers", "-", "--remove", "crm_sync_typo"],
            answers,
        )
        .expect_code(2);
    assert!(
        refused.stderr.contains("crm_sync_typo"),
        "{}",
        refused.stderr
    );
}
