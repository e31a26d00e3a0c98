//! Customer-owned backups, as users use them: the core API and the CLI as a process, against
//! the real keyring, the real `age`, `tar` and `zstd` CLIs, and real folders.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use persona_studio::audit::{AuditEntry, GENESIS_PREV};
use persona_studio::backup::{
    self, destinations, ArchiveSource, ExportRequest, ExportTo, OsEntropy,
};
use persona_studio::clock::{FixedClock, Timestamp};
use persona_studio::ids::SequentialIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use rusqlite::{params, Connection};

use crate::support::{cli_with, CliRun, TestHome};

/// A fast scrypt work factor for tests that do not test the default.
pub const FAST: &str = "10";

pub fn unique(prefix: &str) -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{nanos:x}-{}", std::process::id())
}

/// The manifest of an archive with no entries, for hand-built archives.
pub fn empty_manifest() -> String {
    serde_json::json!({
        "format": "persona-studio-backup", "format_version": 1, "app_version": "0.1.0",
        "schema_version": 3, "tenant": {"id": "t", "name": "T"},
        "created_at": "2026-11-21T12:00:00.000Z", "counts": {}, "entries": []
    })
    .to_string()
}

/// `--json backup restore --file FILE --into DIR`, the restore the backup tests run.
pub fn restore_file_args<'a>(file: &'a Path, into: &'a Path) -> [&'a str; 7] {
    [
        "--json",
        "backup",
        "restore",
        "--file",
        file.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ]
}

/// A manual export (`backup export --out FILE`) at the fast work factor, which must succeed.
pub fn export_file(home: &TestHome, out: &std::path::Path) {
    home.cli(&[
        "backup",
        "export",
        "--out",
        out.to_str().unwrap(),
        "--work-factor",
        FAST,
    ])
    .expect_code(0);
}

/// A home initialized through the CLI (its owner unlocked: backups need proof of identity),
/// with some tenant files.
pub fn home_with_data(files_kib: usize) -> TestHome {
    let home = TestHome::new();
    home.init_unlocked(&["--tenant", &unique("Acme"), "--owner", "Ada"]);
    let tenant = tenant_id(&home);
    let dir = home.home().tenant_dir(&tenant);
    std::fs::create_dir_all(dir.join("agents/support-bot")).unwrap();
    std::fs::create_dir_all(dir.join("presets")).unwrap();
    std::fs::write(dir.join("agents/support-bot/SOUL.md"), "# Soul\nBe kind.\n").unwrap();
    std::fs::write(dir.join("presets/default.json"), "{\"tone\":\"warm\"}").unwrap();
    if files_kib > 0 {
        // Poorly compressible bytes, so the archive has some size.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut data = vec![0u8; files_kib * 1024];
        for b in data.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = (state >> 24) as u8;
        }
        std::fs::write(dir.join("agents/support-bot/memory.bin"), data).unwrap();
    }
    home
}

pub fn tenant_id(home: &TestHome) -> String {
    home.cli(&["--json", "tenant", "self"])
        .expect_code(0)
        .json()["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn add_local(home: &TestHome, label: &str, dir: &Path, keep: &str) {
    home.cli(&[
        "destination",
        "add",
        "--label",
        label,
        "--kind",
        "local",
        "--path",
        dir.to_str().unwrap(),
        "--keep",
        keep,
    ])
    .expect_code(0);
}

pub fn export_to(home: &TestHome, label: &str, extra: &[&str]) -> CliRun {
    let mut args = vec![
        "--json",
        "backup",
        "export",
        "--to",
        label,
        "--work-factor",
        FAST,
    ];
    args.extend_from_slice(extra);
    home.cli(&args)
}

pub fn passphrase_of(home: &TestHome) -> String {
    let run = home.cli(&["backup", "passphrase", "show"]).expect_code(0);
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("Backup passphrase: "))
        .unwrap()
        .trim()
        .to_owned()
}

pub fn complete_backups(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("index.json").is_file())
        .collect();
    out.sort();
    out
}

/// Concatenates a local backup's parts (the age file).
pub fn concat_parts(backup_dir: &Path) -> Vec<u8> {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup_dir.join("index.json")).unwrap()).unwrap();
    let mut bytes = Vec::new();
    for part in index["parts"].as_array().unwrap() {
        let n = part["n"].as_u64().unwrap();
        bytes.extend(std::fs::read(backup_dir.join(format!("part-{n:06}"))).unwrap());
    }
    bytes
}

/// Recomputes a tenant's audit chain.
pub fn audit_chain_verifies(db: &Path, tenant: &str) -> usize {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT seq, ts, actor, kind, data, prev, hash FROM audit_log WHERE tenant_id = ?1 ORDER BY seq")
        .unwrap();
    let rows: Vec<(i64, String, String, String, String, String, String)> = stmt
        .query_map(params![tenant], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = GENESIS_PREV.to_owned();
    for (seq, ts, actor, kind, data, p, hash) in &rows {
        assert_eq!(p, &prev, "chain link at seq {seq}");
        let entry = AuditEntry {
            seq: *seq,
            ts: Timestamp::parse(ts).unwrap(),
            tenant: tenant.to_owned(),
            actor: actor.clone(),
            kind: kind.clone(),
            data: serde_json::from_str(data).unwrap(),
            prev: p.clone(),
        };
        assert_eq!(
            &entry.hash().unwrap().to_string(),
            hash,
            "hash at seq {seq}"
        );
        prev = hash.clone();
    }
    rows.len()
}

fn audit_kinds(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind FROM audit_log ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn export_verify_restore_round_trip_through_the_cli() {
    let home = home_with_data(300);
    let tenant = tenant_id(&home);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "usb", dest.path(), "7");
    let run = export_to(&home, "usb", &["--part-size", "65536"]).expect_code(0);
    let outcome = run.json();
    assert_eq!(outcome["record"]["verified"], true);
    assert!(
        outcome["record"]["part_count"].as_u64().unwrap() >= 4,
        "{outcome}"
    );
    assert_eq!(outcome["passphrase_created"], true);
    // No secret in the JSON output.
    let pass = passphrase_of(&home);
    assert!(pass.len() >= 29);
    assert!(!run.stdout.contains(&pass) && !run.stderr.contains(&pass));
    assert_eq!(complete_backups(dest.path()).len(), 1);

    let verify = home
        .cli(&["--json", "backup", "verify", "--from", "usb"])
        .expect_code(0);
    assert_eq!(verify.json()["database_integrity"], "ok");

    // Preview writes nothing.
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("restored");
    let preview = home
        .cli(&[
            "--json",
            "backup",
            "restore",
            "--from",
            "usb",
            "--into",
            into.to_str().unwrap(),
            "--preview",
        ])
        .expect_code(0)
        .json();
    assert_eq!(preview["tenant_id"], tenant.as_str());
    assert_eq!(preview["files"], 3);
    assert!(preview["counts"]["members"].as_i64().unwrap() >= 1);
    assert!(!into.exists());

    let restored = home
        .cli(&[
            "--json",
            "backup",
            "restore",
            "--from",
            "usb",
            "--into",
            into.to_str().unwrap(),
        ])
        .expect_code(0)
        .json();
    assert!(restored["safety_copy"].is_null());
    // A working home: the CLI runs there, files are back, the audit chain verifies.
    let again = cli_with(Some(&into), &["--json", "tenant", "self"], None).expect_code(0);
    assert_eq!(again.json()["tenant"]["id"], tenant.as_str());
    let original = home.home().tenant_dir(&tenant);
    let copy = persona_studio::home::Home::new(&into).tenant_dir(&tenant);
    for file in [
        "agents/support-bot/SOUL.md",
        "presets/default.json",
        "agents/support-bot/memory.bin",
    ] {
        assert_eq!(
            std::fs::read(original.join(file)).unwrap(),
            std::fs::read(copy.join(file)).unwrap()
        );
    }
    let db = into.join("persona-studio.db");
    assert!(audit_chain_verifies(&db, &tenant) >= 3);
    assert_eq!(audit_kinds(&db).last().unwrap(), "backup.restored");

    // Restoring again over it keeps a safety copy of what was there.
    let second = home
        .cli(&[
            "--json",
            "backup",
            "restore",
            "--from",
            "usb",
            "--into",
            into.to_str().unwrap(),
        ])
        .expect_code(0)
        .json();
    let safety = PathBuf::from(second["safety_copy"].as_str().unwrap());
    assert!(safety.join("persona-studio.db").is_file());

    // Records: metadata only, verified, restore tested.
    let list = home
        .cli(&["--json", "backup", "list"])
        .expect_code(0)
        .json();
    let record = &list.as_array().unwrap()[0];
    assert_eq!(record["verified"], true);
    assert!(record["restore_tested_at"].is_string());
    let kinds = audit_kinds(&home.db_path());
    for kind in [
        "backup.destination_added",
        "backup.exported",
        "backup.verified",
        "backup.restore_tested",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    // No secret in SQLite.
    let raw = std::fs::read(home.db_path()).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(&pass));
}

#[test]
fn a_backup_holds_only_the_exporting_tenant() {
    let home = TestHome::new();
    let mut store = home.init_core(&unique("Initech"));
    let me = persona_studio::tenant::current_actor(&store)
        .unwrap()
        .tenant_id;
    // A second tenant in the same database, with rows in several tables.
    let other = "tenant-other-7f3a";
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO tenants (id, name, tier, created_at) VALUES (?1, 'Umbrella Secret Corp', 'pro', '2026-11-21T12:00:00.000Z')",
                params![other],
            )?;
            tx.execute(
                "INSERT INTO members (tenant_id, id, display_name, role, created_at) VALUES (?1, 'm-other', 'Wesker Hidden', 'owner', '2026-11-21T12:00:00.000Z')",
                params![other],
            )?;
            tx.execute(
                "INSERT INTO agents (tenant_id, name, created_at) VALUES (?1, 'other-agent', '2026-11-21T12:00:00.000Z')",
                params![other],
            )?;
            persona_studio::audit::append(tx, other, "m-other", "tenant.created", serde_json::json!({"name": "Umbrella Secret Corp"}), Timestamp::parse("2026-11-21T12:00:00Z").unwrap())?;
            Ok(())
        })
        .unwrap();
    let dir = home.home().tenant_dir(other);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("secret.md"), "other tenant file").unwrap();

    let out = home.path().join("export.age");
    let clock = FixedClock(Timestamp::parse("2026-11-21T12:00:00Z").unwrap());
    let ids = SequentialIds::new(unique("b"));
    let cancel = AtomicBool::new(false);
    let mut request = ExportRequest::to(ExportTo::File(out.clone()));
    request.work_factor = Some(10);
    let mut stages = Vec::new();
    let outcome = backup::export(
        &mut store,
        &request,
        &clock,
        &ids,
        &OsEntropy,
        &mut |p| stages.push(p.stage),
        &cancel,
    )
    .unwrap();
    assert!(outcome.record.verified);
    assert!(stages.contains(&backup::Stage::Snapshot) && stages.contains(&backup::Stage::Verify));

    // Restore and look at every row of every table.
    let into = home.path().join("restored");
    backup::restore(
        Some(&mut store),
        &backup::RestoreRequest {
            source: ArchiveSource::File(out),
            into: into.clone(),
            passphrase: None,
            force: false,
        },
        &clock,
        &ids,
        &mut |_| {},
        &cancel,
    )
    .unwrap();
    let db = into.join("persona-studio.db");
    let conn = Connection::open(&db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for table in &tables {
        let column = if table == "tenants" {
            "id"
        } else {
            "tenant_id"
        };
        let foreign: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM \"{table}\" WHERE {column} <> ?1"),
                params![me],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(foreign, 0, "table {table} holds another tenant's rows");
    }
    drop(conn);
    // Not even in free pages: the raw bytes never mention the other tenant.
    let raw = String::from_utf8_lossy(&std::fs::read(&db).unwrap()).into_owned();
    for needle in [other, "Umbrella Secret Corp", "Wesker Hidden"] {
        assert!(
            !raw.contains(needle),
            "{needle} found in the restored database"
        );
    }
    assert!(!persona_studio::home::Home::new(&into)
        .tenant_dir(other)
        .exists());
    // The live database still has both tenants.
    let n: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM tenants", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

/// Runs a command under a pseudo-terminal (`script`), typing `answers` at each passphrase prompt.
pub fn with_tty(command: &str, answers: &[&str]) -> std::process::ExitStatus {
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("`script` (bsdutils) runs commands under a pseudo-terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut seen = String::new();
    let mut answered = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: {command}\n{seen}"
        );
        if let Ok(bytes) = rx.recv_timeout(std::time::Duration::from_millis(50)) {
            seen.push_str(&String::from_utf8_lossy(&bytes));
        }
        let prompts = seen.to_lowercase().matches("passphrase").count();
        while answered < answers.len() && answered < prompts {
            std::thread::sleep(std::time::Duration::from_millis(100));
            stdin
                .write_all(format!("{}\n", answers[answered]).as_bytes())
                .unwrap();
            stdin.flush().unwrap();
            answered += 1;
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

#[test]
fn the_standard_age_and_tar_clis_open_an_archive() {
    let home = home_with_data(64);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "disk", dest.path(), "3");
    // The default scrypt work factor, as a user gets it.
    home.cli(&[
        "--json",
        "backup",
        "export",
        "--to",
        "disk",
        "--part-size",
        "16384",
    ])
    .expect_code(0);
    let pass = passphrase_of(&home);
    let backup_dir = complete_backups(dest.path()).pop().unwrap();
    let work = tempfile::tempdir().unwrap();
    let age_file = work.path().join("backup.age");
    let archive = concat_parts(&backup_dir);
    // The default work factor is the age CLI's (log2 N = 18).
    let header = String::from_utf8_lossy(&archive[..120]).into_owned();
    assert!(header.lines().nth(1).unwrap().ends_with(" 18"), "{header}");
    std::fs::write(&age_file, archive).unwrap();
    let tzst = work.path().join("backup.tar.zst");
    let status = with_tty(
        &format!("age -d -o {} {}", tzst.display(), age_file.display()),
        &[&pass],
    );
    assert!(status.success(), "age -d failed");
    let listing = Command::new("tar")
        .arg("--zstd")
        .arg("-tf")
        .arg(&tzst)
        .output()
        .unwrap();
    assert!(listing.status.success());
    let names: Vec<String> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(names[0], "manifest.json", "{names:?}");
    let extracted = work.path().join("x");
    std::fs::create_dir(&extracted).unwrap();
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-xf")
        .arg(&tzst)
        .arg("-C")
        .arg(&extracted)
        .status()
        .unwrap();
    assert!(status.success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(extracted.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    // The manifest, every file, and every folder (an entry of its own, so `tar -x` makes empty
    // ones too).
    let dirs = manifest["dirs"].as_array().unwrap();
    assert_eq!(entries.len() + dirs.len() + 1, names.len());
    for dir in dirs {
        let path = dir["path"].as_str().unwrap();
        assert!(names.contains(&format!("{path}/")), "{path} in {names:?}");
        assert!(extracted.join(path).is_dir());
    }
    for entry in entries {
        let bytes = std::fs::read(extracted.join(entry["path"].as_str().unwrap())).unwrap();
        assert_eq!(bytes.len() as u64, entry["size"].as_u64().unwrap());
        assert_eq!(sha256_hex(&bytes), entry["sha256"].as_str().unwrap());
    }
    assert_eq!(manifest["format_version"], 1);
    assert!(manifest["schema_version"].as_i64().unwrap() >= 3);

    // A manual export (`--out`) is a plain age file.
    let out = work.path().join("manual.age");
    export_file(&home, &out);
    let tar2 = work.path().join("manual.tar.zst");
    assert!(with_tty(
        &format!("age -d -o {} {}", tar2.display(), out.display()),
        &[&pass]
    )
    .success());
    let listing = Command::new("tar")
        .arg("--zstd")
        .arg("-tf")
        .arg(&tar2)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listing.stdout).starts_with("manifest.json\n"));
}

#[test]
fn a_wrong_passphrase_says_so() {
    let home = home_with_data(8);
    let out = home.path().join("b.age");
    export_file(&home, &out);
    let run = home
        .cli_stdin(
            &[
                "--json",
                "backup",
                "verify",
                "--file",
                out.to_str().unwrap(),
                "--passphrase-stdin",
            ],
            b"AAAA-BBBB-CCCC-DDDD-EEEE-FFFF\n",
        )
        .expect_code(1);
    let err: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(err["code"], "wrong_passphrase", "{}", run.stderr);
    assert!(err["message"]
        .as_str()
        .unwrap()
        .starts_with("Wrong passphrase"));
    // From a fresh machine: the right passphrase on stdin restores without any keyring entry.
    let pass = passphrase_of(&home);
    let into = home.path().join("fresh");
    let typed = pass.to_lowercase().replace('-', " ");
    cli_with(
        None,
        &[
            "--home",
            home.path().join("nowhere").to_str().unwrap(),
            "backup",
            "restore",
            "--file",
            out.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
            "--passphrase-stdin",
        ],
        Some(format!("{typed}\n").as_bytes()),
    )
    .expect_code(0);
    cli_with(Some(&into), &["tenant", "self"], None).expect_code(0);
}

pub fn seal(tar_bytes: &[u8], pass: &str) -> Vec<u8> {
    let compressed = zstd::encode_all(tar_bytes, 3).unwrap();
    let mut recipient =
        age::scrypt::Recipient::new(age::secrecy::SecretString::from(pass.to_owned()));
    recipient.set_work_factor(10);
    age::encrypt(&recipient, &compressed).unwrap()
}

pub fn raw_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    name: &[u8],
    kind: tar::EntryType,
    link: Option<&[u8]>,
    data: &[u8],
) {
    let mut header = tar::Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
        if let Some(link) = link {
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
    }
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

#[test]
fn unsafe_archives_are_refused_and_nothing_is_written() {
    let home = home_with_data(0);
    let pass = passphrase_of(&home);
    let manifest = empty_manifest();
    type AddEntry = Box<dyn Fn(&mut tar::Builder<Vec<u8>>)>;
    let cases: Vec<(&str, AddEntry)> = vec![
        (
            "dot-dot",
            Box::new(|b| {
                raw_entry(
                    b,
                    b"files/../../evil.txt",
                    tar::EntryType::Regular,
                    None,
                    b"pwned",
                )
            }),
        ),
        (
            "absolute",
            Box::new(|b| {
                raw_entry(
                    b,
                    b"/tmp/evil-abs.txt",
                    tar::EntryType::Regular,
                    None,
                    b"pwned",
                )
            }),
        ),
        (
            "link-out",
            Box::new(|b| {
                raw_entry(
                    b,
                    b"files/link",
                    tar::EntryType::Symlink,
                    Some(b"../../../../etc/passwd"),
                    b"",
                )
            }),
        ),
        (
            "abs-link",
            Box::new(|b| {
                raw_entry(
                    b,
                    b"files/link",
                    tar::EntryType::Symlink,
                    Some(b"/etc/passwd"),
                    b"",
                )
            }),
        ),
    ];
    for (name, add) in cases {
        let mut builder = tar::Builder::new(Vec::new());
        raw_entry(
            &mut builder,
            b"manifest.json",
            tar::EntryType::Regular,
            None,
            manifest.as_bytes(),
        );
        add(&mut builder);
        let archive = seal(&builder.into_inner().unwrap(), &pass);
        let file = home.path().join(format!("{name}.age"));
        std::fs::write(&file, archive).unwrap();
        let into = home.path().join(format!("into-{name}"));
        let run = home.cli(&restore_file_args(&file, &into)).expect_code(1);
        assert!(
            run.stderr.contains("backup_unsafe_entry"),
            "{name}: {}",
            run.stderr
        );
        assert!(!into.exists(), "{name}: something was written");
        assert!(!home.path().join("evil.txt").exists() && !Path::new("/tmp/evil-abs.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(home.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".restore-"))
            .collect();
        assert!(leftovers.is_empty(), "{name}: staging left behind");
    }
}

#[test]
fn truncated_archives_are_detected() {
    let home = home_with_data(200);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "d", dest.path(), "3");
    export_to(&home, "d", &["--part-size", "50000"]).expect_code(0);
    let backup_dir = complete_backups(dest.path()).pop().unwrap();
    let last = std::fs::read_dir(&backup_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .max()
        .unwrap();
    let bytes = std::fs::read(&last).unwrap();
    std::fs::write(&last, &bytes[..bytes.len() / 2]).unwrap();
    let run = home
        .cli(&["--json", "backup", "verify", "--from", "d"])
        .expect_code(1);
    assert!(run.stderr.contains("backup_damaged"), "{}", run.stderr);
    // The record now says not verified.
    let list = home
        .cli(&["--json", "backup", "list"])
        .expect_code(0)
        .json();
    assert_eq!(list[0]["verified"], false);

    // A truncated manual export: age notices the missing final chunk.
    let out = home.path().join("m.age");
    export_file(&home, &out);
    let bytes = std::fs::read(&out).unwrap();
    for cut in [bytes.len() - 1, bytes.len() - 100, bytes.len() / 2, 300] {
        std::fs::write(&out, &bytes[..cut]).unwrap();
        let run = home
            .cli(&[
                "--json",
                "backup",
                "verify",
                "--file",
                out.to_str().unwrap(),
            ])
            .expect_code(1);
        assert!(
            run.stderr.contains("backup_damaged"),
            "cut {cut}: {}",
            run.stderr
        );
    }
}

#[test]
fn retention_keeps_the_last_n_and_says_what_it_deleted() {
    let home = home_with_data(4);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "keep2", dest.path(), "2");
    let mut names = Vec::new();
    for day in 1..=3 {
        let run = cli_with(
            Some(home.path()),
            &[
                "--json",
                "backup",
                "export",
                "--to",
                "keep2",
                "--work-factor",
                FAST,
            ],
            None,
        );
        let _ = day;
        let outcome = run.expect_code(0).json();
        names.push(outcome["record"]["location"].as_str().unwrap().to_owned());
        if names.len() == 3 {
            assert_eq!(outcome["retention_deleted"], serde_json::json!([names[0]]));
        } else {
            assert_eq!(outcome["retention_deleted"], serde_json::json!([]));
        }
    }
    let remote = home
        .cli(&["--json", "backup", "list", "--remote", "keep2"])
        .expect_code(0)
        .json();
    let mut expected = vec![names[1].clone(), names[2].clone()];
    expected.sort();
    assert_eq!(remote, serde_json::json!(expected));
    assert_eq!(
        home.cli(&["--json", "backup", "list"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        home.cli(&["--json", "backup", "list", "--all"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(audit_kinds(&home.db_path())
        .iter()
        .any(|k| k == "backup.retention_deleted"));
}

#[test]
fn reminders_follow_the_injected_clock_and_work_from_cron() {
    let home = home_with_data(0);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "d", dest.path(), "3");
    let at = |now: &str, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_persona-studio"));
        command
            .env("PERSONA_STUDIO_NOW", now)
            .arg("--home")
            .arg(home.path())
            .args(args);
        let output = command.output().unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, text) = at("2026-11-01T08:00:00Z", &["backup", "remind", "--check"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Last verified backup: never"));
    assert_eq!(
        at(
            "2026-11-01T09:00:00Z",
            &[
                "--json",
                "backup",
                "export",
                "--to",
                "d",
                "--work-factor",
                FAST
            ]
        )
        .0,
        0
    );
    let (code, text) = at("2026-11-04T20:59:59Z", &["backup", "remind", "--check"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Last verified backup: 3 days ago"), "{text}");
    let (code, json) = at(
        "2026-11-04T21:00:00Z",
        &["--json", "backup", "remind", "--check"],
    );
    assert_eq!(code, 1);
    let status: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(status["due"], true);
    assert_eq!(status["last_verified_days_ago"], 3);
    // Snooze for a day: quiet until it ends.
    assert_eq!(
        at(
            "2026-11-04T21:00:00Z",
            &["backup", "remind", "--snooze", "24"]
        )
        .0,
        0
    );
    assert_eq!(
        at("2026-11-05T20:59:00Z", &["backup", "remind", "--check"]).0,
        0
    );
    assert_eq!(
        at("2026-11-05T21:00:00Z", &["backup", "remind", "--check"]).0,
        1
    );
    // Passphrase check: due until shown or confirmed.
    let (_, json) = at("2026-11-05T21:00:00Z", &["--json", "backup", "remind"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["passphrase_check_due"],
        true
    );
    let pass = passphrase_of(&home);
    let confirm = home.cli_stdin(
        &["backup", "passphrase", "confirm"],
        format!("{pass}\n").as_bytes(),
    );
    confirm.expect_code(0);
    home.cli_stdin(&["backup", "passphrase", "confirm"], b"not-it\n")
        .expect_code(1);
    home.cli(&["--json", "backup", "passphrase", "show"])
        .expect_code(2);
}

#[test]
fn a_missing_drive_or_folder_gets_an_actionable_message() {
    let home = home_with_data(0);
    home.cli(&[
        "destination",
        "add",
        "--label",
        "Blue USB",
        "--kind",
        "drive",
        "--uuid",
        "1234-ABCD",
        "--path",
        "backups",
    ])
    .expect_code(0);
    let run = home
        .cli(&["--json", "backup", "export", "--to", "Blue USB"])
        .expect_code(1);
    let err: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(err["code"], "drive_not_connected");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .starts_with("Drive \"Blue USB\" is not connected"));

    let gone = tempfile::tempdir().unwrap();
    let path = gone.path().join("share");
    add_local(&home, "nas", &path, "3");
    std::fs::remove_dir_all(&path).unwrap();
    let run = home
        .cli(&["--json", "backup", "export", "--to", "nas"])
        .expect_code(1);
    assert!(
        run.stderr.contains("destination_unavailable"),
        "{}",
        run.stderr
    );
    let list = home
        .cli(&["--json", "destination", "list"])
        .expect_code(0)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    home.cli(&["destination", "remove", "nas"]).expect_code(0);
}

/// A destination that fills up mid-export: the second part's write gets `ENOSPC` after half
/// its bytes reached the disk (the core's `backup.local.write` failpoint, so it runs without
/// root or a small tmpfs). The export fails with `destination_full`, removes what it wrote and
/// leaves the earlier backup complete and verifiable.
#[test]
fn a_full_destination_fails_cleanly_and_keeps_what_was_there() {
    let dest = tempfile::tempdir().unwrap();
    // About 400 KiB of poorly compressible data: a dozen parts of 32 KiB.
    let small = home_with_data(400);
    add_local(&small, "tiny", dest.path(), "5");
    export_to(&small, "tiny", &[]).expect_code(0);
    let before = complete_backups(dest.path());
    assert_eq!(before.len(), 1);
    let args = [
        "--json",
        "backup",
        "export",
        "--to",
        "tiny",
        "--part-size",
        "32768",
        "--work-factor",
        FAST,
    ];
    let run = crate::support::cli_env(
        Some(small.path()),
        &args,
        None,
        &[(
            "PERSONA_STUDIO_FAILPOINT",
            "backup.local.write=1*off->return(enospc)",
        )],
    )
    .expect_code(1);
    let err: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(err["code"], "destination_full", "{}", run.stderr);
    assert!(
        err["message"].as_str().unwrap().contains("part-000002"),
        "{}",
        run.stderr
    );
    assert_eq!(complete_backups(dest.path()), before);
    let leftovers: Vec<_> = std::fs::read_dir(dest.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
    small
        .cli(&["backup", "verify", "--from", "tiny"])
        .expect_code(0);
    // Once there is room again, the same export succeeds.
    small.cli(&args).expect_code(0);
}

#[test]
fn destinations_keep_secrets_out_of_sqlite() {
    let home = TestHome::new();
    let mut store = home.init_core(&unique("Vault"));
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock(Timestamp::parse("2026-11-21T12:00:00Z").unwrap());
    let ids = SequentialIds::new(unique("d"));
    destinations::add(
        &mut store,
        "local",
        destinations::DestinationSpec::Local {
            path: dir.path().display().to_string(),
        },
        Some(3),
        &clock,
        &ids,
    )
    .unwrap();
    // A WebDAV endpoint nobody listens on: refused, and no secret left behind.
    let err = destinations::add(
        &mut store,
        "dav",
        destinations::DestinationSpec::Webdav {
            endpoint: "http://127.0.0.1:9".to_owned(),
            root: "/".to_owned(),
            username: "u".to_owned(),
            password: Sensitive::new("hunter2-dav-password".to_owned()),
        },
        None,
        &clock,
        &ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "destination_unavailable", "{err}");
    assert!(!err.to_string().contains("hunter2"));
    assert_eq!(
        destinations::list(&store, crate::support::test_clock().0)
            .unwrap()
            .len(),
        1
    );
    drop(store);
    let raw = std::fs::read(home.db_path()).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("hunter2"));
    let _ = Store::open(&home.home()).unwrap();
}

#[test]
fn a_table_without_tenant_id_stops_the_export_instead_of_leaking() {
    let home = TestHome::new();
    let mut store = home.init_core(&unique("Leaky"));
    store
        .conn()
        .execute_batch(
            "CREATE TABLE notes (body TEXT NOT NULL) STRICT; INSERT INTO notes VALUES ('shared');",
        )
        .unwrap();
    let clock = FixedClock(Timestamp::parse("2026-11-21T12:00:00Z").unwrap());
    let ids = SequentialIds::new(unique("x"));
    let out = home.path().join("x.age");
    let mut request = ExportRequest::to(ExportTo::File(out.clone()));
    request.work_factor = Some(10);
    let err = backup::export(
        &mut store,
        &request,
        &clock,
        &ids,
        &OsEntropy,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert_eq!(err.code(), "snapshot_failed");
    assert!(err.to_string().contains("\"notes\""), "{err}");
    assert!(!out.exists());
    // A cancelled export leaves nothing either.
    store.conn().execute_batch("DROP TABLE notes").unwrap();
    let err = backup::export(
        &mut store,
        &request,
        &clock,
        &ids,
        &OsEntropy,
        &mut |_| {},
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert_eq!(err.code(), "cancelled");
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}

/// Export, verify and restore count the same things in the same words (the database and the
/// tenant's files; a manual export is one file, not "0 parts"), and only the export that
/// created the passphrase says so, naming the command that shows it.
#[test]
fn export_verify_and_restore_texts_agree_and_the_first_export_announces_the_passphrase() {
    let home = home_with_data(0);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "usb", dest.path(), "7");
    let export = |extra: &[&str]| {
        let mut args = vec!["backup", "export", "--work-factor", FAST];
        args.extend_from_slice(extra);
        home.cli(&args).expect_code(0).stdout
    };
    let first = export(&["--to", "usb"]);
    assert!(
        first.contains("the database and 2 files")
            && first.contains("in 1 part,")
            && first.contains("A backup passphrase was created")
            && first.contains("`persona-studio backup passphrase show`"),
        "{first}"
    );
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("manual.age");
    let manual = export(&["--out", file.to_str().unwrap()]);
    assert!(
        manual.contains("the database and 2 files") && manual.contains("in one file,"),
        "{manual}"
    );
    assert!(!manual.contains("passphrase was created"), "{manual}");
    // A manual export never replaces a file.
    let before = std::fs::read(&file).unwrap();
    let again = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--work-factor",
            FAST,
            "--out",
            file.to_str().unwrap(),
        ])
        .expect_code(1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let verify = home
        .cli(&["backup", "verify", "--file", file.to_str().unwrap()])
        .expect_code(0)
        .stdout;
    assert!(
        verify.contains("in one file,") && verify.contains("the database and 2 files"),
        "{verify}"
    );
    let into = out.path().join("restored");
    let restore = home
        .cli(&[
            "backup",
            "restore",
            "--file",
            file.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
        ])
        .expect_code(0)
        .stdout;
    assert!(restore.contains("the database and 2 files"), "{restore}");
    // Two restores into the same folder in the same millisecond keep both safety copies.
    let args = restore_file_args(&file, &into);
    const NOW: &str = "2026-11-21T12:00:00Z";
    let first = home.cli_at(NOW, &args, None).expect_code(0).json();
    let second = home.cli_at(NOW, &args, None).expect_code(0).json();
    let copies = [&first, &second].map(|r| r["safety_copy"].as_str().unwrap_or("").to_owned());
    assert!(
        copies[0].ends_with("before-restore-20261121120000000"),
        "{first}"
    );
    assert_eq!(copies[1], format!("{}-2", copies[0]), "{second}");
}
