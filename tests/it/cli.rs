//! The CLI as a process: init, doctor, tenant self, exit codes and error shapes.

use crate::support::{cli_with, TestHome};

#[test]
fn init_then_doctor_reports_every_check_ok() {
    let home = TestHome::new();
    let init = home
        .cli(&[
            "--json",
            "init",
            "--tenant",
            "Acme Robotics",
            "--owner",
            "Ada",
            "--tier",
            "pro",
        ])
        .expect_code(0);
    let context = init.json();
    assert_eq!(context["tenant"]["name"], "Acme Robotics");
    assert_eq!(context["tenant"]["tier"], "pro");
    assert_eq!(context["member"]["role"], "owner");

    let doctor = home.cli(&["--json", "doctor"]).expect_code(0);
    let report = doctor.json();
    assert_eq!(report["ok"], true, "{}", doctor.stdout);
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "data_folder",
            "database",
            "schema_version",
            "tenant",
            "keyring"
        ]
    );
    assert!(report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["ok"] == true));
}

#[test]
fn tenant_self_shows_the_context_from_sqlite() {
    let home = TestHome::new();
    home.cli(&["init", "--tenant", "Globex", "--owner", "Hank"])
        .expect_code(0);
    let run = home.cli(&["--json", "tenant", "self"]).expect_code(0);
    let context = run.json();
    assert_eq!(context["tenant"]["name"], "Globex");
    assert_eq!(context["tenant"]["tier"], "free");
    assert_eq!(context["member"]["display_name"], "Hank");
    assert_eq!(context["counts"]["members"], 1);
    assert_eq!(context["counts"]["audit_entries"], 1);

    let text = home.cli(&["tenant", "self"]).expect_code(0);
    assert!(text.stdout.contains("Globex"), "{}", text.stdout);
}

#[test]
fn init_twice_is_refused_and_keeps_the_first_tenant() {
    let home = TestHome::new();
    home.cli(&["init", "--tenant", "First"]).expect_code(0);
    let again = home
        .cli(&["--json", "init", "--tenant", "Second"])
        .expect_code(1);
    let error: serde_json::Value = serde_json::from_str(again.stderr.trim()).unwrap();
    assert_eq!(error["code"], "already_initialized");
    assert!(error["message"].as_str().unwrap().contains("First"));
    let context = home
        .cli(&["--json", "tenant", "self"])
        .expect_code(0)
        .json();
    assert_eq!(context["tenant"]["name"], "First");
}

#[test]
fn bad_input_exits_2_with_a_message_naming_the_problem() {
    let home = TestHome::new();
    let blank = home.cli(&["init", "--tenant", "   "]).expect_code(2);
    assert!(blank.stderr.contains("tenant name"), "{}", blank.stderr);
    let tier = home.cli(&["init", "--tier", "platinum"]).expect_code(2);
    assert!(tier.stderr.contains("platinum"), "{}", tier.stderr);
    let unknown = home.cli(&["frobnicate"]).expect_code(2);
    assert!(unknown.stderr.contains("frobnicate"), "{}", unknown.stderr);
    let long_name = "x".repeat(201);
    let long = home.cli(&["init", "--tenant", &long_name]).expect_code(2);
    assert!(long.stderr.contains("200"), "{}", long.stderr);
}

#[test]
fn a_value_off_an_arguments_list_is_refused_naming_the_list() {
    let home = TestHome::new();
    let text = home.cli(&["init", "--tier", "platinum"]).expect_code(2);
    assert!(
        text.stderr
            .contains("[possible values: free, pro, business]"),
        "{}",
        text.stderr
    );
    let json = home
        .cli(&["--json", "init", "--tier", "platinum"])
        .expect_code(2);
    let body: serde_json::Value = serde_json::from_str(json.stderr.trim()).unwrap();
    assert_eq!(body["code"], "invalid_input");
    assert_eq!(
        body["message"],
        "Invalid --tier: \"platinum\" is not one of: free, pro, business"
    );
    assert!(!home.db_path().exists(), "nothing is created");
}

#[test]
fn commands_on_an_empty_home_say_to_run_init() {
    let home = TestHome::new();
    let run = home.cli(&["tenant", "self"]).expect_code(1);
    assert!(run.stderr.contains("init"), "{}", run.stderr);
    assert!(
        !home.db_path().exists(),
        "tenant self must not create a database"
    );
    let doctor = home.cli(&["--json", "doctor"]).expect_code(1);
    let report = doctor.json();
    assert_eq!(report["ok"], false);
    let failed = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ok"] == false)
        .unwrap();
    assert!(failed["fix"].as_str().unwrap().contains("init"));
}

#[test]
fn a_newer_database_is_refused_with_exit_1_and_left_unchanged() {
    let home = TestHome::new();
    home.cli(&["init"]).expect_code(0);
    {
        let conn = rusqlite::Connection::open(home.db_path()).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; PRAGMA user_version = 4242;")
            .unwrap();
    }
    let before = std::fs::read(home.db_path()).unwrap();
    let run = home.cli(&["tenant", "self"]).expect_code(1);
    assert!(
        run.stderr.contains("newer Persona Studio"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("4242"), "{}", run.stderr);
    assert_eq!(std::fs::read(home.db_path()).unwrap(), before);
    let doctor = home.cli(&["--json", "doctor"]).expect_code(1).json();
    let schema = doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "schema_version")
        .unwrap()
        .clone();
    assert_eq!(schema["ok"], false);
    assert_eq!(std::fs::read(home.db_path()).unwrap(), before);
}

#[test]
fn the_home_can_come_from_the_environment() {
    let home = TestHome::new();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_persona-studio"))
        .env("PERSONA_STUDIO_HOME", home.path())
        .args(["--json", "init", "--tenant", "Env Co"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(home.db_path().is_file());
    let run = cli_with(Some(home.path()), &["--json", "tenant", "self"], None).expect_code(0);
    assert_eq!(run.json()["tenant"]["name"], "Env Co");
}
