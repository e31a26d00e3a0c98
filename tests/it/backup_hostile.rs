//! Archives from someone else (issue 17, section 5): an archive this app did not write is
//! refused, before it costs memory or disk, by every entry point that reads one (`verify`,
//! `restore --preview`, `restore`) from a file and from a destination: a scrypt work factor
//! above 20, an endless age header, a manifest too large or listing too many entries, sizes
//! that do not add up or do not fit on the disk, paths too long or too deep, tar headers that
//! run past what the manifest declares, data after the end, and indexes or parts larger than
//! an export writes. Every hostile archive is built here, by hand.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::backup::{
    add_local, complete_backups, export_file, home_with_data, passphrase_of, raw_entry,
    restore_file_args, seal,
};
use crate::backup_fidelity::open_archive;
use crate::support::TestHome;

const EMPTY_SHA: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An age file whose only stanza is scrypt at work factor `log_n`, written by hand (the age v1
/// format, https://age-encryption.org/v1): encrypting at 24 would itself cost 16 GiB. The
/// salt, wrapped key and MAC are zeros: the refusal comes before any of them is used.
fn scrypt_file(log_n: u8) -> Vec<u8> {
    let zeros = |n: usize| "A".repeat(n);
    let mut bytes = format!(
        "age-encryption.org/v1\n-> scrypt {} {log_n}\n{}\n--- {}\n",
        zeros(22),
        zeros(43),
        zeros(43)
    )
    .into_bytes();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

/// A manifest for tenant `t` listing `entries` (JSON objects).
fn manifest(entries: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "format": "persona-studio-backup", "format_version": 1, "app_version": "0.1.0",
        "schema_version": 3, "tenant": {"id": "t", "name": "T"},
        "created_at": "2026-11-21T12:00:00.000Z", "counts": {}, "entries": entries
    }))
    .unwrap()
}

/// A sealed archive holding `manifest` as its first entry, then what `more` adds.
fn archive(pass: &str, manifest: &[u8], more: impl Fn(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(
        &mut builder,
        b"manifest.json",
        tar::EntryType::Regular,
        None,
        manifest,
    );
    more(&mut builder);
    seal(&builder.into_inner().unwrap(), pass)
}

/// The error of a CLI run that must fail with exit code 1, as `(code, message)`.
fn failure(home: &TestHome, args: &[&str]) -> (String, String) {
    let started = Instant::now();
    let run = home.cli(args).expect_code(1);
    // A refusal is prompt: nothing was derived, allocated or unpacked first.
    assert!(started.elapsed() < Duration::from_secs(60), "{args:?}");
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim())
        .unwrap_or_else(|_| panic!("not a JSON error: {}", run.stderr));
    (
        error["code"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// Which readers refuse: all three, or (for a fault after the manifest, which a preview does
/// not read past) `verify` and `restore`.
#[derive(Clone, Copy, PartialEq)]
enum Readers {
    All,
    PastTheManifest,
}

/// Every reader refuses `source` (`["--file", F]` or `["--from", DEST]`) with `code` and a
/// message holding `phrase`, and nothing is restored.
fn refused_by(readers: Readers, home: &TestHome, source: &[&str], code: &str, phrase: &str) {
    let into = home.path().join("into");
    let into_text = into.to_str().unwrap();
    let mut runs: Vec<Vec<&str>> = vec![vec!["--json", "backup", "verify"]];
    if readers == Readers::All {
        runs.push(vec![
            "--json",
            "backup",
            "restore",
            "--into",
            into_text,
            "--preview",
        ]);
    }
    runs.push(vec!["--json", "backup", "restore", "--into", into_text]);
    for mut args in runs {
        args.extend_from_slice(source);
        let (found, message) = failure(home, &args);
        assert_eq!(found, code, "{args:?}: {message}");
        assert!(message.contains(phrase), "{args:?}: {message}");
        assert!(!into.exists(), "{args:?}: something was restored");
    }
    let leftovers = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".restore-"))
        .count();
    assert_eq!(leftovers, 0, "staging left behind");
}

/// Refused from a file, and from a local destination holding the same bytes as one part.
fn refused_from_file_and_destination(
    home: &TestHome,
    name: &str,
    bytes: &[u8],
    code: &str,
    phrase: &str,
) {
    refused_from_both(Readers::All, home, name, bytes, code, phrase);
}

fn refused_from_both(
    readers: Readers,
    home: &TestHome,
    name: &str,
    bytes: &[u8],
    code: &str,
    phrase: &str,
) {
    let file = home.path().join(format!("{name}.age"));
    std::fs::write(&file, bytes).unwrap();
    refused_by(
        readers,
        home,
        &["--file", file.to_str().unwrap()],
        code,
        phrase,
    );
    let dest = home.path().join(format!("dest-{name}"));
    std::fs::create_dir(&dest).unwrap();
    write_backup_folder(&dest, bytes, bytes.len() as u64);
    add_local(home, name, &dest, "3");
    refused_by(readers, home, &["--from", name], code, phrase);
}

/// A complete-looking backup folder at a local destination: `bytes` as its one part, with an
/// index declaring `part_size`.
fn write_backup_folder(dest: &Path, bytes: &[u8], part_size: u64) {
    use sha2::Digest;
    let name = "persona-backup-20261121120000-hostile";
    let folder = dest.join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("part-000001"), bytes).unwrap();
    let sha = format!("sha256:{:x}", sha2::Sha256::digest(bytes));
    let index = serde_json::json!({
        "format": "persona-studio-backup-index", "format_version": 1, "name": name,
        "tenant": "t", "created_at": "2026-11-21T12:00:00.000Z", "part_size": part_size,
        "size": bytes.len(), "sha256": sha,
        "parts": [{"n": 1, "size": bytes.len(), "sha256": sha}]
    });
    std::fs::write(folder.join("index.json"), index.to_string()).unwrap();
}

const FOREIGN: &str = "backup_foreign";
const NOT_OURS: &str = "not made with this app's settings";

#[test]
fn a_work_factor_above_what_this_app_writes_is_refused_before_any_allocation() {
    let home = home_with_data(0);
    passphrase_of(&home);
    // The field report: 24 made verify allocate 16 GiB and abort. 21 is the first refused.
    for log_n in [24, 21, 40] {
        refused_from_file_and_destination(
            &home,
            &format!("wf{log_n}"),
            &scrypt_file(log_n),
            FOREIGN,
            &format!("its scrypt work factor is {log_n}"),
        );
    }
    let (_, message) = failure(
        &home,
        &[
            "--json",
            "backup",
            "verify",
            "--file",
            home.path().join("wf24.age").to_str().unwrap(),
        ],
    );
    assert!(message.contains(NOT_OURS), "{message}");
    // An export never writes what a restore would refuse.
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "usb", dest.path(), "3");
    let run = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--to",
            "usb",
            "--work-factor",
            "21",
        ])
        .expect_code(2);
    assert!(run.stderr.contains("invalid_input"), "{}", run.stderr);
    assert!(complete_backups(dest.path()).is_empty());
}

#[test]
fn an_endless_age_header_or_a_file_that_is_not_age_is_refused() {
    let home = home_with_data(0);
    passphrase_of(&home);
    let mut endless = b"age-encryption.org/v1\n-> scrypt ".to_vec();
    endless.extend(std::iter::repeat_n(b'A', 200_000));
    refused_from_file_and_destination(&home, "endless", &endless, FOREIGN, "age header is longer");
    let not_age = vec![0x28u8; 200_000];
    refused_from_file_and_destination(
        &home,
        "notage",
        &not_age,
        "backup_damaged",
        "not an age file",
    );
}

#[test]
fn a_manifest_beyond_the_limits_is_refused_before_anything_is_unpacked() {
    let home = home_with_data(0);
    let pass = passphrase_of(&home);
    let entry = |path: &str, size: u64| serde_json::json!({"path": path, "size": size, "sha256": EMPTY_SHA});
    let many: Vec<serde_json::Value> = (0..200_001)
        .map(|n| entry(&format!("files/f{n}"), 0))
        .collect();
    let deep = format!("files{}", "/d".repeat(300));
    let long_name = format!("files/{}", "n".repeat(300));
    let long_path = format!("files{}", "/dddddddddd".repeat(450));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("count", manifest(many.into()), "200001 entries"),
        (
            "overflow",
            manifest(serde_json::json!([
                entry("files/a", u64::MAX / 2 + 1),
                entry("files/b", u64::MAX / 2 + 1)
            ])),
            "more bytes than a disk can hold",
        ),
        (
            "deep",
            manifest(serde_json::json!([entry(&deep, 0)])),
            "folders deep",
        ),
        (
            "name",
            manifest(serde_json::json!([entry(&long_name, 0)])),
            "name is longer",
        ),
        (
            "path",
            manifest(serde_json::json!([entry(&long_path, 0)])),
            "path is longer",
        ),
    ];
    for (name, manifest, phrase) in cases {
        let bytes = archive(&pass, &manifest, |_| {});
        refused_from_file_and_destination(&home, name, &bytes, FOREIGN, phrase);
    }
    // A manifest entry larger than a manifest may be: refused from its tar header alone.
    let mut header = tar::Header::new_gnu();
    header.set_path("manifest.json").unwrap();
    header.set_size(64 * 1024 * 1024 + 1);
    header.set_mode(0o644);
    header.set_cksum();
    let bytes = seal(header.as_bytes(), &pass);
    refused_from_file_and_destination(&home, "huge", &bytes, FOREIGN, "manifest is larger");
}

#[test]
fn tar_headers_and_data_never_run_past_what_the_manifest_declares() {
    let home = home_with_data(0);
    let pass = passphrase_of(&home);
    // A GNU long name of 1 MiB before the manifest: tar reads long names into memory.
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(
        &mut builder,
        b"././@LongLink",
        tar::EntryType::GNULongName,
        None,
        &vec![b'a'; 1 << 20],
    );
    raw_entry(
        &mut builder,
        b"manifest.json",
        tar::EntryType::Regular,
        None,
        &manifest(serde_json::json!([])),
    );
    let bytes = seal(&builder.into_inner().unwrap(), &pass);
    refused_from_file_and_destination(
        &home,
        "longname",
        &bytes,
        FOREIGN,
        "more than its manifest declares",
    );

    // An entry whose header declares more than the manifest: refused at the header.
    let listed = manifest(serde_json::json!([{"path": "files/a", "size": 1, "sha256": EMPTY_SHA}]));
    let bytes = archive(&pass, &listed, |b| {
        raw_entry(
            b,
            b"files/a",
            tar::EntryType::Regular,
            None,
            &vec![0u8; 4 << 20],
        )
    });
    refused_from_both(
        Readers::PastTheManifest,
        &home,
        "bigger",
        &bytes,
        "backup_damaged",
        "the manifest says 1",
    );

    // A real backup with data after the end of its tar stream.
    let out = home.path().join("real.age");
    export_file(&home, &out);
    let mut builder = tar::Builder::new(Vec::new());
    for (path, entry) in open_archive(&std::fs::read(&out).unwrap(), &pass) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(entry.kind);
        header.set_size(entry.data.len() as u64);
        header.set_mode(entry.mode);
        builder
            .append_data(&mut header, &path, entry.data.as_slice())
            .unwrap();
    }
    let mut tar_bytes = builder.into_inner().unwrap();
    let intact = seal(&tar_bytes, &pass);
    let file = home.path().join("intact.age");
    std::fs::write(&file, intact).unwrap();
    home.cli(&[
        "--json",
        "backup",
        "verify",
        "--file",
        file.to_str().unwrap(),
    ])
    .expect_code(0);
    tar_bytes.extend(vec![0u8; 1 << 20]);
    let bytes = seal(&tar_bytes, &pass);
    refused_from_both(
        Readers::PastTheManifest,
        &home,
        "trailing",
        &bytes,
        FOREIGN,
        "more than its manifest declares",
    );
}

#[test]
fn an_archive_that_would_not_fit_on_the_disk_is_refused_before_writing() {
    let home = home_with_data(0);
    let pass = passphrase_of(&home);
    let listed = manifest(serde_json::json!([
        {"path": "database/persona-studio.db", "size": 1u64 << 60, "sha256": EMPTY_SHA}
    ]));
    let bytes = archive(&pass, &listed, |_| {});
    let file = home.path().join("vast.age");
    std::fs::write(&file, bytes).unwrap();
    let into = home.path().join("into");
    for args in [
        vec![
            "--json",
            "backup",
            "verify",
            "--file",
            file.to_str().unwrap(),
        ],
        restore_file_args(&file, &into).to_vec(),
    ] {
        let (code, message) = failure(&home, &args);
        assert_eq!(code, "io", "{message}");
        assert!(message.contains("are free there"), "{message}");
        assert!(!into.exists());
    }
}

#[test]
fn indexes_and_parts_larger_than_an_export_writes_are_refused() {
    let home = home_with_data(0);
    passphrase_of(&home);
    let dest = home.path().join("dest-index");
    std::fs::create_dir(&dest).unwrap();
    write_backup_folder(&dest, &scrypt_file(18), 2 << 30);
    add_local(&home, "bigparts", &dest, "3");
    refused_by(
        Readers::All,
        &home,
        &["--from", "bigparts"],
        FOREIGN,
        "parts larger than",
    );

    let dest = home.path().join("dest-huge-index");
    std::fs::create_dir(&dest).unwrap();
    write_backup_folder(&dest, &scrypt_file(18), 65536);
    let index = dest.join("persona-backup-20261121120000-hostile/index.json");
    std::fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_len(65 * 1024 * 1024)
        .unwrap();
    add_local(&home, "hugeindex", &dest, "3");
    refused_by(
        Readers::All,
        &home,
        &["--from", "hugeindex"],
        FOREIGN,
        "index is larger",
    );
}
