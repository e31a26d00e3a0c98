//! The keyring audit checkpoint keeps up with the chain: after every CLI command that writes,
//! run as a process against the real keyring, the checkpoint equals the chain's head. A store
//! opened without the checkpoint hook would leave it behind; `audit verify` would then move it
//! (so it is not used to look), and the keyring entry is read directly instead.

use std::path::Path;

use persona_studio::audit;
use persona_studio::secrets::Keyring;
use rusqlite::{Connection, OpenFlags};

use crate::backup::FAST;
use crate::support::{cli_with, TestHome, OWNER_PASSPHRASE};

/// The head of the acting tenant's chain and the checkpoint the keyring holds for it, read
/// without writing anything.
fn head_and_checkpoint(home: &Path) -> (Option<audit::Checkpoint>, Option<audit::Checkpoint>) {
    let conn = Connection::open_with_flags(
        persona_studio::home::Home::new(home).database_path(),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let (install_id, tenant): (String, String) = conn
        .query_row(
            "SELECT install_id, tenant_id FROM local_profile WHERE singleton = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let head = audit::head(&conn, &tenant).unwrap();
    let checkpoint = audit::read_checkpoint(&Keyring::new(install_id), &tenant).unwrap();
    (head, checkpoint)
}

/// Runs one CLI command in `home` (stdin optional), expects success and a checkpoint at the
/// head afterwards; returns its `--json` output when it printed JSON.
fn step(home: &Path, args: &[&str], stdin: Option<&[u8]>) -> serde_json::Value {
    let run = cli_with(Some(home), args, stdin);
    assert_eq!(run.code, 0, "{args:?}\n{}\n{}", run.stdout, run.stderr);
    let (head, checkpoint) = head_and_checkpoint(home);
    assert!(head.is_some(), "{args:?}: no audit entries");
    assert_eq!(
        checkpoint, head,
        "{args:?}: the keyring checkpoint is not at the chain's head"
    );
    serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null)
}

/// `args` with `--json` in front.
fn json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&["--json"][..], args].concat()
}

#[test]
fn every_writing_command_leaves_the_checkpoint_at_the_head() {
    let home = TestHome::new();
    let h = home.path();
    let pw = format!("{OWNER_PASSPHRASE}\n");
    let pw = pw.as_bytes();
    let owner = step(h, &json(&["init", "--passphrase-stdin"]), Some(pw))["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    step(h, &["member", "unlock"], Some(pw));
    // Persona specs and presets.
    step(h, &["spec", "new", "--agent", "helper"], None);
    step(h, &["spec", "publish", "--agent", "helper"], None);
    step(h, &["preset", "draft", "executive_assistant"], None);
    let published = step(
        h,
        &json(&["preset", "publish", "executive_assistant"]),
        None,
    );
    let version = published["version"].to_string();
    step(
        h,
        &[
            "preset",
            "label",
            "executive_assistant",
            "staging",
            &version,
        ],
        None,
    );
    let workspace = h.join("agent");
    std::fs::create_dir_all(&workspace).unwrap();
    let ws = workspace.to_str().unwrap();
    step(
        h,
        &[
            "preset",
            "apply",
            "executive_assistant",
            "--agent",
            "exec",
            "--workspace",
            ws,
            "--var",
            "agent_name=Juniper",
        ],
        None,
    );
    let other = h.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("SOUL.md"), "Be brief.\n").unwrap();
    let other = other.to_str().unwrap();
    step(
        h,
        &["integrity", "baseline", other, "--agent", "other"],
        None,
    );
    std::fs::write(h.join("other/SOUL.md"), "Be very brief.\n").unwrap();
    step(h, &["integrity", "accept", other], None);
    // Governance: a customer asks, the owner approves; break-glass.
    let customer = step(
        h,
        &json(&["member", "add", "--name", "Cass", "--role", "customer"]),
        None,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    step(h, &["member", "switch", &customer], None);
    let request = step(
        h,
        &json(&[
            "install",
            "request",
            "--capability",
            "web_research",
            "--reason",
            "research for me",
        ]),
        None,
    );
    let request = request["id"].as_str().unwrap().to_owned();
    step(h, &["member", "switch", &owner], None);
    step(h, &["member", "unlock"], Some(pw));
    step(h, &["install", "approve", &request], None);
    step(
        h,
        &[
            "breakglass",
            "open",
            "--reason",
            "the on-call needs this now",
        ],
        None,
    );
    step(h, &["breakglass", "close"], None);
    step(h, &["tenant", "tier", "business"], None);
    step(h, &["attest", "enforcement", "enforce"], None);
    // The change board: submitted, triaged, approved, applied.
    let change = step(
        h,
        &json(&[
            "change",
            "submit",
            "--title",
            "Friendlier greeting",
            "--description",
            "Say hi first",
            "--agent",
            "helper",
        ]),
        None,
    );
    let change = change["id"].as_str().unwrap().to_owned();
    step(
        h,
        &["change", "comment", &change, "--body", "Any news?"],
        None,
    );
    for action in ["triage", "approve", "apply"] {
        step(h, &["change", action, &change], None);
    }
    // Onboarding.
    let answers =
        br#"{"goal": ["companion"], "audience": ["individual"], "autonomy": ["ask_first"],
        "style": ["balanced"], "channels": ["app_only"], "sensitivity": ["personal"],
        "voice": ["yes"], "browser": ["no"], "agent_name": "Wren"}"#;
    step(
        h,
        &["onboard", "--answers", "-", "--accept", "--agent", "wren"],
        Some(answers),
    );
    // Backups: export, verify, restore (into another folder, and over this one).
    let dest = tempfile::tempdir().unwrap();
    let dest_path = dest.path().to_str().unwrap();
    step(
        h,
        &[
            "destination",
            "add",
            "--label",
            "usb",
            "--kind",
            "local",
            "--path",
            dest_path,
        ],
        None,
    );
    step(
        h,
        &["backup", "export", "--to", "usb", "--work-factor", FAST],
        None,
    );
    step(h, &["backup", "verify", "--from", "usb"], None);
    step(h, &["backup", "passphrase", "show"], None);
    step(h, &["backup", "remind", "--snooze", "24"], None);
    let elsewhere = tempfile::tempdir().unwrap();
    let into = elsewhere.path().join("restored");
    let into_arg = into.to_str().unwrap();
    step(
        h,
        &["backup", "restore", "--from", "usb", "--into", into_arg],
        None,
    );
    let (head, checkpoint) = head_and_checkpoint(&into);
    assert_eq!(checkpoint, head, "the restored folder's checkpoint");
    step(
        h,
        &[
            "backup",
            "restore",
            "--from",
            "usb",
            "--into",
            h.to_str().unwrap(),
        ],
        None,
    );
    // The restored folder goes on: a write there keeps its checkpoint at its head too.
    step(&into, &["member", "unlock"], Some(pw));
    step(&into, &["backup", "verify", "--from", "usb"], None);
    step(&into, &["member", "lock"], None);
}
