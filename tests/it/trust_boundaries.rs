//! The threat model's privileged paths, tried through the CLI as a process: who may read a
//! secret or change governance (a role × command table), first passphrases that cannot be
//! claimed from the acting seat, restores the audit chain understands, restores that never move
//! someone else's files, and local destinations that are where they claim to be.

use std::path::Path;

use crate::support::{CliRun, TestHome, OWNER_PASSPHRASE};

const ADMIN_PASSPHRASE: &str = "admin passphrase for tests";
const CUSTOMER_PASSPHRASE: &str = "customer passphrase for tests";

/// The `code` of a `--json` failure on stderr, or `"ok"` when the command did not fail with one
/// (a command may still exit 1 with its answer on stdout, as `passphrase confirm` does).
fn outcome(run: &CliRun) -> String {
    serde_json::from_str::<serde_json::Value>(run.stderr.trim())
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "ok".to_owned())
}

fn add_member(home: &TestHome, name: &str, role: &str, passphrase: Option<&str>) -> String {
    let run = match passphrase {
        Some(p) => home.cli_stdin(
            &[
                "--json",
                "member",
                "add",
                "--name",
                name,
                "--role",
                role,
                "--passphrase-stdin",
            ],
            format!("{p}\n").as_bytes(),
        ),
        None => home.cli(&["--json", "member", "add", "--name", name, "--role", role]),
    };
    run.expect_code(0).json()["id"].as_str().unwrap().to_owned()
}

fn switch(home: &TestHome, member: &str) {
    home.cli(&["member", "switch", member]).expect_code(0);
}

fn unlock(home: &TestHome, passphrase: &str) {
    home.cli_stdin(&["member", "unlock"], format!("{passphrase}\n").as_bytes())
        .expect_code(0);
}

fn acting(home: &TestHome) -> String {
    home.cli(&["--json", "member", "status"])
        .expect_code(0)
        .json()["member_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn sit(home: &TestHome, member: &str, passphrase: Option<&str>) {
    switch(home, member);
    if let Some(p) = passphrase {
        unlock(home, p);
    }
}

#[test]
fn a_customer_cannot_claim_an_admins_first_passphrase() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let owner = acting(&home);
    let priya = add_member(&home, "Priya", "admin", None);
    let cass = add_member(&home, "Cass", "customer", Some(CUSTOMER_PASSPHRASE));
    sit(&home, &cass, Some(CUSTOMER_PASSPHRASE));
    let request = home
        .cli(&[
            "--json",
            "install",
            "request",
            "--capability",
            "web_research",
        ])
        .expect_code(0)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // From Priya's seat, whoever sits there cannot claim her first passphrase.
    switch(&home, &priya);
    let claim = home
        .cli_stdin(
            &["--json", "member", "set-passphrase"],
            b"anything-long-enough\n",
        )
        .expect_code(1);
    assert_eq!(outcome(&claim), "denied", "{}", claim.stderr);
    let unlock = home
        .cli_stdin(&["--json", "member", "unlock"], b"anything-long-enough\n")
        .expect_code(1);
    assert_eq!(outcome(&unlock), "locked");
    let approve = home
        .cli(&["--json", "install", "approve", &request])
        .expect_code(1);
    assert_eq!(outcome(&approve), "locked");
    let pending = home
        .cli(&["--json", "install", "list", "--state", "pending"])
        .expect_code(0)
        .json();
    assert_eq!(pending.as_array().unwrap().len(), 1, "still pending");

    // The unlocked owner sets it; then Priya unlocks with it and may approve.
    sit(&home, &owner, Some(OWNER_PASSPHRASE));
    home.cli_stdin(
        &["member", "set-passphrase", "--member", &priya],
        format!("{ADMIN_PASSPHRASE}\n").as_bytes(),
    )
    .expect_code(0);
    let again = home
        .cli_stdin(
            &["--json", "member", "set-passphrase", "--member", &priya],
            b"another passphrase here\n",
        )
        .expect_code(1);
    assert_eq!(outcome(&again), "conflict", "only Priya changes it now");
    sit(&home, &priya, Some(ADMIN_PASSPHRASE));
    home.cli(&["install", "approve", &request]).expect_code(0);
    let log = home
        .cli(&["--json", "audit", "list", "--kind", "member.passphrase_set"])
        .expect_code(0)
        .json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["entry"]["data"]["member"] == priya.as_str()
                && e["entry"]["data"]["by"] == owner.as_str()),
        "{log}"
    );
}

/// One seat of the role table: who sits there and with which passphrase they unlock.
struct Seat {
    name: &'static str,
    member: String,
    unlock: Option<&'static str>,
}

/// Members for every seat, made by the unlocked owner, plus a backup file to verify and restore.
fn role_table_home() -> (TestHome, Vec<Seat>, std::path::PathBuf) {
    let (home, file) = home_with_backup();
    let owner = acting(&home);
    let admin = add_member(&home, "Adam", "admin", Some(ADMIN_PASSPHRASE));
    let cass = add_member(&home, "Cass", "customer", Some(CUSTOMER_PASSPHRASE));
    let carl = add_member(&home, "Carl", "customer", Some(CUSTOMER_PASSPHRASE));
    let nia = add_member(&home, "Nia", "customer", None);
    let seat = |name, member: &String, unlock| Seat {
        name,
        member: member.clone(),
        unlock,
    };
    let seats = vec![
        seat("owner", &owner, Some(OWNER_PASSPHRASE)),
        seat("admin", &admin, Some(ADMIN_PASSPHRASE)),
        seat("customer unlocked", &cass, Some(CUSTOMER_PASSPHRASE)),
        seat("customer locked", &carl, None),
        seat("customer without passphrase", &nia, None),
    ];
    (home, seats, file)
}

/// A row of the table: name, arguments, stdin, and the outcome for each seat.
type Case = (
    &'static str,
    Vec<String>,
    Option<&'static str>,
    [&'static str; 5],
);

/// Every command that reads a secret or changes backup or member state, with the outcome
/// expected for owner, admin, unlocked customer, locked customer, customer without passphrase.
#[test]
fn role_by_command_table_for_secrets_backups_and_first_passphrases() {
    let (home, seats, file) = role_table_home();
    let file = file.to_str().unwrap().to_owned();
    let scratch = home.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let identity = ["ok", "ok", "ok", "locked", "locked"];
    let privileged = ["ok", "ok", "forbidden", "forbidden", "forbidden"];
    for (i, seat) in seats.iter().enumerate() {
        // Things some commands act on, made by the owner before taking the seat.
        sit(&home, &seats[0].member, Some(OWNER_PASSPHRASE));
        let removable = format!("remove-{i}");
        let dir = scratch.join(&removable);
        home.cli(&[
            "destination",
            "add",
            "--label",
            &removable,
            "--kind",
            "local",
            "--path",
            dir.to_str().unwrap(),
        ])
        .expect_code(0);
        let newcomer = add_member(&home, &format!("New {i}"), "customer", None);
        sit(&home, &seat.member, seat.unlock);

        let added = scratch.join(format!("added-{i}"));
        let out = scratch.join(format!("export-{i}.age"));
        let into = scratch.join(format!("restored-{i}"));
        let cases: Vec<Case> = vec![
            (
                "backup passphrase show",
                vec!["backup".into(), "passphrase".into(), "show".into()],
                None,
                privileged,
            ),
            (
                "backup passphrase confirm",
                vec!["backup".into(), "passphrase".into(), "confirm".into()],
                Some("WRONG-WRONG\n"),
                privileged,
            ),
            (
                "destination add",
                vec![
                    "destination".into(),
                    "add".into(),
                    "--label".into(),
                    format!("added-{i}"),
                    "--kind".into(),
                    "local".into(),
                    "--path".into(),
                    added.to_str().unwrap().into(),
                ],
                None,
                identity,
            ),
            (
                "destination list",
                vec!["destination".into(), "list".into()],
                None,
                identity,
            ),
            (
                "destination remove",
                vec!["destination".into(), "remove".into(), removable.clone()],
                None,
                identity,
            ),
            (
                "backup export",
                vec![
                    "backup".into(),
                    "export".into(),
                    "--out".into(),
                    out.to_str().unwrap().into(),
                    "--work-factor".into(),
                    "10".into(),
                ],
                None,
                identity,
            ),
            (
                "backup verify",
                vec![
                    "backup".into(),
                    "verify".into(),
                    "--file".into(),
                    file.clone(),
                ],
                None,
                identity,
            ),
            (
                "backup list",
                vec!["backup".into(), "list".into()],
                None,
                identity,
            ),
            (
                "backup restore --preview",
                vec![
                    "backup".into(),
                    "restore".into(),
                    "--file".into(),
                    file.clone(),
                    "--into".into(),
                    into.to_str().unwrap().into(),
                    "--preview".into(),
                ],
                None,
                privileged,
            ),
            (
                "backup restore",
                vec![
                    "backup".into(),
                    "restore".into(),
                    "--file".into(),
                    file.clone(),
                    "--into".into(),
                    into.to_str().unwrap().into(),
                ],
                None,
                privileged,
            ),
            (
                "member set-passphrase --member",
                vec![
                    "member".into(),
                    "set-passphrase".into(),
                    "--member".into(),
                    newcomer.clone(),
                ],
                Some("a first passphrase\n"),
                privileged,
            ),
            (
                "attest enforcement observe",
                vec!["attest".into(), "enforcement".into(), "observe".into()],
                None,
                privileged,
            ),
            (
                "backup remind",
                vec!["backup".into(), "remind".into()],
                None,
                ["ok"; 5],
            ),
        ];
        for (name, args, stdin, expected) in cases {
            // The passphrase is never printed as JSON, so that row reads the text error.
            let plain = name == "backup passphrase show";
            let mut argv = if plain { vec![] } else { vec!["--json"] };
            argv.extend(args.iter().map(String::as_str));
            let before = audit_entries(&home);
            let run = match stdin {
                Some(input) => home.cli_stdin(&argv, input.as_bytes()),
                None => home.cli(&argv),
            };
            let got = if plain {
                plain_outcome(&run)
            } else {
                outcome(&run)
            };
            assert_eq!(got, expected[i], "{name} as {}: {}", seat.name, run.stderr);
            if got != "ok" {
                assert_eq!(
                    audit_entries(&home),
                    before,
                    "{name} as {}: nothing written",
                    seat.name
                );
            }
        }
        assert!(
            !out.exists() || identity[i] == "ok",
            "no export file for a refused seat"
        );
        assert_eq!(
            into.exists(),
            privileged[i] == "ok",
            "restore folder only when allowed"
        );
    }
}

/// [`outcome`] for a command run without `--json`: its text error names the refusal.
fn plain_outcome(run: &CliRun) -> String {
    match run.code {
        0 => "ok".to_owned(),
        _ if run.stderr.contains("Only an owner or admin") => "forbidden".to_owned(),
        _ if run.stderr.contains("unlock") => "locked".to_owned(),
        _ => format!("exit {}: {}", run.code, run.stderr),
    }
}

fn audit_entries(home: &TestHome) -> i64 {
    let conn = rusqlite::Connection::open(home.db_path()).unwrap();
    conn.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .unwrap()
}

fn verify_json(home: &Path) -> (i32, serde_json::Value) {
    let run = crate::support::cli_with(Some(home), &["--json", "audit", "verify"], None);
    (
        run.code,
        serde_json::from_str(&run.stdout).unwrap_or_default(),
    )
}

fn restored_entry(home: &Path) -> serde_json::Value {
    let run = crate::support::cli_with(
        Some(home),
        &["--json", "audit", "list", "--kind", "backup.restored"],
        None,
    );
    run.expect_code(0).json()[0]["entry"].clone()
}

#[test]
fn a_restore_is_recorded_in_the_chain_and_raises_no_false_alarm() {
    let home = TestHome::new();
    home.init_unlocked(&["--tenant", "Restore Co"]);
    let file = home.path().join("b.age");
    let exported = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--out",
            file.to_str().unwrap(),
            "--work-factor",
            "10",
        ])
        .expect_code(0)
        .json();
    // More history after the backup, as on any day.
    home.cli(&["spec", "new", "--agent", "later"])
        .expect_code(0);

    // Into a new folder: its chain verifies and names the backup and its hash.
    let parent = tempfile::tempdir().unwrap();
    let fresh = parent.path().join("new-home");
    home.cli(&[
        "backup",
        "restore",
        "--file",
        file.to_str().unwrap(),
        "--into",
        fresh.to_str().unwrap(),
    ])
    .expect_code(0);
    let (code, report) = verify_json(&fresh);
    assert_eq!(code, 0, "{report}");
    let entry = restored_entry(&fresh);
    assert_eq!(
        entry["data"]["backup"]["sha256"],
        exported["record"]["sha256"]
    );
    assert!(entry["data"]["restored_head"]["hash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(entry["data"]["previous_head"], serde_json::Value::Null);
    assert_eq!(report["checkpoint_seq"], entry["seq"]);
    // The live folder's chain is untouched by the restore elsewhere.
    assert_eq!(verify_json(home.path()).0, 0);
    // The restored folder keeps its backup history: reminders count from the restored backup.
    let fresh_cli = |args: &[&str]| crate::support::cli_with(Some(&fresh), args, None);
    let remind = fresh_cli(&["--json", "backup", "remind"])
        .expect_code(0)
        .json();
    assert!(
        !remind["summary"].as_str().unwrap().contains("never"),
        "{remind}"
    );
    assert_eq!(remind["due"], false);
    // No unlock session survives: the owner must unlock again.
    let status = fresh_cli(&["--json", "member", "status"])
        .expect_code(0)
        .json();
    assert_eq!(status["unlocked"], false);

    // Over the live folder (disaster recovery): no "entries were deleted" alarm either, and
    // the entry names the head it replaced.
    let live_head = verify_json(home.path()).1["head"].clone();
    home.cli(&[
        "backup",
        "restore",
        "--file",
        file.to_str().unwrap(),
        "--into",
        home.path().to_str().unwrap(),
    ])
    .expect_code(0);
    let (code, report) = verify_json(home.path());
    assert_eq!(code, 0, "{report}");
    let entry = restored_entry(home.path());
    assert_eq!(entry["data"]["previous_head"]["hash"], live_head);
    let status = home
        .cli(&["--json", "member", "status"])
        .expect_code(0)
        .json();
    assert_eq!(
        status["unlocked"], false,
        "the earlier unlock ended with the restore"
    );
}

/// An unlocked owner's home and a backup of it in a file.
fn home_with_backup() -> (TestHome, std::path::PathBuf) {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let file = home.path().join("b.age");
    home.cli(&[
        "backup",
        "export",
        "--out",
        file.to_str().unwrap(),
        "--work-factor",
        "10",
    ])
    .expect_code(0);
    (home, file)
}

#[test]
fn a_rewrite_after_a_restore_is_still_caught() {
    let (home, file) = home_with_backup();
    let parent = tempfile::tempdir().unwrap();
    for (case, sql) in [
        (
            "edit",
            Some("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"),
        ),
        ("consistent rewrite", None),
    ] {
        let fresh = parent.path().join(case.replace(' ', "-"));
        home.cli(&[
            "backup",
            "restore",
            "--file",
            file.to_str().unwrap(),
            "--into",
            fresh.to_str().unwrap(),
        ])
        .expect_code(0);
        assert_eq!(verify_json(&fresh).0, 0);
        let db = fresh.join(persona_studio::home::DATABASE_FILE);
        match sql {
            Some(sql) => rusqlite::Connection::open(&db)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            None => crate::integrity::rewrite_chain_consistently(&db, 1),
        }
        let (code, report) = verify_json(&fresh);
        assert_eq!(code, 1, "{case} went unnoticed: {report}");
        assert!(report["broken_seq"].as_i64().is_some(), "{report}");
    }
}

#[test]
fn a_restore_never_moves_files_that_are_not_ours_without_confirmation() {
    let (home, file) = home_with_backup();
    let parent = tempfile::tempdir().unwrap();
    let docs = parent.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("notes.txt"), "mine").unwrap();
    let args = [
        "backup",
        "restore",
        "--file",
        file.to_str().unwrap(),
        "--into",
        docs.to_str().unwrap(),
    ];

    let preview = home
        .cli(&[&["--json"], &args[..], &["--preview"]].concat())
        .expect_code(0)
        .json();
    assert_eq!(preview["into"]["kind"], "other_files");
    assert_eq!(preview["into"]["entries"], 1);
    let aside = preview["into"]["safety_copy"].as_str().unwrap().to_owned();
    // The safety copy is named by the time of the restore (to the millisecond), so each run
    // reports its own name: compare what comes before the time.
    let stem = |p: &str| p.rsplit_once("before-restore-").unwrap().0.to_owned();
    let text = home
        .cli(&[&args[..], &["--preview"]].concat())
        .expect_code(0);
    assert!(
        text.stdout
            .contains(&format!("{}before-restore-", stem(&aside)))
            && text.stdout.contains("NOT a Persona Studio data folder"),
        "{}",
        text.stdout
    );

    let refused = home.cli(&[&["--json"], &args[..]].concat()).expect_code(1);
    assert_eq!(outcome(&refused), "not_a_data_folder");
    assert!(
        refused.stderr.contains("--force"),
        "the CLI names its fix: {}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(docs.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!Path::new(&aside).exists());

    let done = home
        .cli(&[&["--json"], &args[..], &["--force"]].concat())
        .expect_code(0)
        .json();
    let moved = done["safety_copy"].as_str().unwrap().to_owned();
    assert_eq!(
        stem(&moved),
        stem(&aside),
        "the preview named the same place"
    );
    assert_eq!(
        std::fs::read_to_string(Path::new(&moved).join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(docs.join(persona_studio::home::DATABASE_FILE).is_file());
}

#[test]
fn a_local_destination_on_an_unplugged_drive_is_refused_and_nothing_is_created() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let missing = format!("/media/persona-studio-test-{}/backups", std::process::id());
    let run = home
        .cli(&[
            "--json",
            "destination",
            "add",
            "--label",
            "usb",
            "--kind",
            "local",
            "--path",
            &missing,
        ])
        .expect_code(1);
    assert_eq!(outcome(&run), "destination_unavailable");
    assert!(run.stderr.contains("drive kind"), "{}", run.stderr);
    assert!(
        !Path::new(&missing).parent().unwrap().exists(),
        "nothing created under /media"
    );

    // A folder that goes away after it was added is never created again by an export.
    let parent = tempfile::tempdir().unwrap();
    let folder = parent.path().join("backups");
    home.cli(&[
        "destination",
        "add",
        "--label",
        "here",
        "--kind",
        "local",
        "--path",
        folder.to_str().unwrap(),
    ])
    .expect_code(0);
    std::fs::remove_dir(&folder).unwrap();
    let run = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--to",
            "here",
            "--work-factor",
            "10",
        ])
        .expect_code(1);
    assert_eq!(outcome(&run), "destination_unavailable", "{}", run.stderr);
    assert!(!folder.exists());
}
