//! Backups that are faithful (issue 17, section 4), through the CLI as a process: any name the
//! file system allows either comes back or is listed as skipped with the reason (in the
//! export's result and its manifest); a restore brings back file and folder modes, never wider,
//! and empty folders; archives of builds that recorded no modes still restore; an unsafe entry
//! is described in the words of the operation that met it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use persona_studio::home::Home;

use crate::backup::{
    add_local, complete_backups, concat_parts, empty_manifest, export_file, export_to,
    home_with_data, passphrase_of, raw_entry, restore_file_args, seal, tenant_id, FAST,
};
use crate::support::{cli_with, TestHome};

/// One tar entry of a decrypted archive.
pub struct Entry {
    pub kind: tar::EntryType,
    pub mode: u32,
    pub data: Vec<u8>,
}

/// Decrypts and unpacks an age archive: its tar entries by path, in order.
pub fn open_archive(bytes: &[u8], pass: &str) -> Vec<(String, Entry)> {
    let identity = age::scrypt::Identity::new(age::secrecy::SecretString::from(pass.to_owned()));
    let decryptor = age::Decryptor::new(bytes).unwrap();
    let mut plain = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let tar_bytes = zstd::decode_all(plain.as_slice()).unwrap();
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
        let (kind, mode) = (entry.header().entry_type(), entry.header().mode().unwrap());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.push((path, Entry { kind, mode, data }));
    }
    out
}

pub fn manifest_of(entries: &[(String, Entry)]) -> serde_json::Value {
    assert_eq!(entries[0].0, "manifest.json");
    serde_json::from_slice(&entries[0].1.data).unwrap()
}

/// Restores the newest backup at `label` into a new folder; returns the restored tenant folder.
fn restore_from(home: &TestHome, label: &str, tenant: &str, into: &Path) -> PathBuf {
    home.cli(&[
        "--json",
        "backup",
        "restore",
        "--from",
        label,
        "--into",
        into.to_str().unwrap(),
    ])
    .expect_code(0);
    Home::new(into).tenant_dir(tenant)
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

#[test]
fn every_name_either_round_trips_or_is_listed_as_skipped_with_the_reason() {
    let home = home_with_data(0);
    let tenant = tenant_id(&home);
    let dir = home.home().tenant_dir(&tenant);
    // The field report: one backslash in a name stopped every export.
    std::fs::write(dir.join("notes\\2026-01-01.md"), "journal\n").unwrap();
    std::fs::write(dir.join("line\nbreak.md"), "newline\n").unwrap();
    std::fs::write(dir.join("-dash *star? 'quote'.md"), "shell\n").unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"caf\xe9.md")), "latin-1\n").unwrap();
    mkfifo(&dir.join("pipe"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
    std::os::unix::fs::symlink("../../../etc/passwd", dir.join("passwd")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "usb", dest.path(), "7");

    // Never hangs on the pipe, never reads /dev/zero.
    let outcome = export_to(&home, "usb", &[]).expect_code(0).json();
    let skipped: Vec<(String, String)> = outcome["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("caf\\xE9.md", "name_not_utf8"),
        ("passwd", "symlink"),
        ("pipe", "fifo"),
        ("sock", "socket"),
        ("zero", "symlink"),
    ]
    .map(|(p, r)| (p.to_owned(), r.to_owned()));
    assert_eq!(skipped, expected);

    // The manifest lists the same, with the same reasons.
    let backup_dir = complete_backups(dest.path()).pop().unwrap();
    let pass = passphrase_of(&home);
    let entries = open_archive(&concat_parts(&backup_dir), &pass);
    assert_eq!(manifest_of(&entries)["skipped"], outcome["skipped"]);

    // The text output says why, for each.
    let text = home
        .cli(&["backup", "export", "--to", "usb", "--work-factor", FAST])
        .expect_code(0)
        .stdout;
    assert!(
        text.contains("Skipped pipe: a named pipe, not a regular file"),
        "{text}"
    );
    assert!(text.contains("Skipped caf\\xE9.md: its name is not UTF-8 text"));

    // Everything else comes back byte for byte, under the same names.
    let into = home.path().join("restored");
    let restored = restore_from(&home, "usb", &tenant, &into);
    for name in [
        "notes\\2026-01-01.md",
        "line\nbreak.md",
        "-dash *star? 'quote'.md",
    ] {
        assert_eq!(
            std::fs::read(restored.join(name)).unwrap(),
            std::fs::read(dir.join(name)).unwrap(),
            "{name:?}"
        );
    }
    for skipped in ["pipe", "zero", "passwd", "sock"] {
        assert!(std::fs::symlink_metadata(restored.join(skipped)).is_err());
    }
}

/// Sets `path`'s mode exactly (the umask does not apply).
fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn a_restore_returns_modes_and_folders_as_they_were_never_wider() {
    let home = home_with_data(0);
    let tenant = tenant_id(&home);
    let dir = home.home().tenant_dir(&tenant);
    let files: [(&str, u32); 6] = [
        ("bin/run.sh", 0o755),
        (".env", 0o600),
        ("notes/a.md", 0o644),
        ("notes/shared.md", 0o664),
        ("private/key", 0o400),
        // setuid: recorded and restored without it.
        ("bin/suid", 0o4755),
    ];
    for (path, _) in files {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), path).unwrap();
    }
    std::fs::create_dir_all(dir.join("empty/nested")).unwrap();
    let dirs: [(&str, u32); 6] = [
        ("", 0o750),
        ("bin", 0o755),
        ("private", 0o700),
        ("empty", 0o750),
        ("empty/nested", 0o711),
        ("notes", 0o2775),
    ];
    for (path, m) in files.iter().chain(dirs.iter()) {
        chmod(&dir.join(path), *m);
    }
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "usb", dest.path(), "7");
    export_to(&home, "usb", &[]).expect_code(0);

    // The manifest records what a restore needs: each file's and each folder's mode.
    let pass = passphrase_of(&home);
    let backup_dir = complete_backups(dest.path()).pop().unwrap();
    let entries = open_archive(&concat_parts(&backup_dir), &pass);
    let manifest = manifest_of(&entries);
    let recorded: BTreeMap<&str, u64> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .chain(manifest["dirs"].as_array().unwrap())
        .filter_map(|e| Some((e["path"].as_str()?, e["mode"].as_u64()?)))
        .collect();
    assert_eq!(recorded["files/bin/run.sh"], 0o755);
    assert_eq!(recorded["files/.env"], 0o600);
    assert_eq!(recorded["files/bin/suid"], 0o755);
    assert_eq!(recorded["files/empty/nested"], 0o711);
    assert_eq!(recorded["files"], 0o750);
    // The tar headers carry them too (`tar -x` restores them), and empty folders are entries.
    let kinds: BTreeMap<&str, (tar::EntryType, u32)> = entries
        .iter()
        .map(|(p, e)| (p.as_str(), (e.kind, e.mode)))
        .collect();
    assert_eq!(kinds["files/.env"], (tar::EntryType::Regular, 0o600));
    assert_eq!(
        kinds["files/empty/nested/"],
        (tar::EntryType::Directory, 0o711)
    );

    let into = home.path().join("restored");
    let restored = restore_from(&home, "usb", &tenant, &into);
    for (path, m) in files.iter().chain(dirs.iter()) {
        assert_eq!(
            mode(&restored.join(path)),
            m & 0o777,
            "{path:?}: {:o}",
            mode(&restored.join(path))
        );
    }
    assert!(restored.join("empty/nested").is_dir());
    // The data folder a restore creates is its owner's only.
    assert_eq!(mode(&into), 0o700);
}

/// An archive as builds before modes were recorded wrote it: the same files, a manifest
/// without `mode`, `dirs` or `skipped`, and no folder entries.
fn as_an_older_build_wrote_it(entries: &[(String, Entry)], pass: &str) -> Vec<u8> {
    let mut manifest = manifest_of(entries);
    let object = manifest.as_object_mut().unwrap();
    object.remove("dirs");
    object.remove("skipped");
    for entry in object["entries"].as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("mode");
    }
    let mut builder = tar::Builder::new(Vec::new());
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    raw_entry(
        &mut builder,
        b"manifest.json",
        tar::EntryType::Regular,
        None,
        &bytes,
    );
    for (path, entry) in &entries[1..] {
        if entry.kind == tar::EntryType::Regular {
            let mut header = tar::Header::new_gnu();
            header.set_size(entry.data.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, path, entry.data.as_slice())
                .unwrap();
        }
    }
    seal(&builder.into_inner().unwrap(), pass)
}

#[test]
fn backups_of_builds_that_recorded_no_modes_still_verify_and_restore() {
    let home = home_with_data(16);
    let tenant = tenant_id(&home);
    let out = home.path().join("new.age");
    export_file(&home, &out);
    let pass = passphrase_of(&home);
    let entries = open_archive(&std::fs::read(&out).unwrap(), &pass);
    let old = home.path().join("old.age");
    std::fs::write(&old, as_an_older_build_wrote_it(&entries, &pass)).unwrap();

    home.cli(&[
        "--json",
        "backup",
        "verify",
        "--file",
        old.to_str().unwrap(),
    ])
    .expect_code(0);
    let into = home.path().join("restored");
    home.cli(&[
        "--json",
        "backup",
        "restore",
        "--file",
        old.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ])
    .expect_code(0);
    let restored = Home::new(&into).tenant_dir(&tenant);
    let original = home.home().tenant_dir(&tenant);
    for file in [
        "agents/support-bot/SOUL.md",
        "agents/support-bot/memory.bin",
    ] {
        assert_eq!(
            std::fs::read(restored.join(file)).unwrap(),
            std::fs::read(original.join(file)).unwrap()
        );
        // No recorded mode: the default for a new file, as those builds restored it.
        assert_eq!(mode(&restored.join(file)) & 0o7111, 0, "{file}");
    }
    cli_with(Some(&into), &["tenant", "self"], None).expect_code(0);
}

#[test]
fn an_unsafe_entry_is_described_in_the_words_of_the_operation() {
    let home = home_with_data(0);
    let pass = passphrase_of(&home);
    let manifest = empty_manifest();
    let mut builder = tar::Builder::new(Vec::new());
    raw_entry(
        &mut builder,
        b"manifest.json",
        tar::EntryType::Regular,
        None,
        manifest.as_bytes(),
    );
    raw_entry(
        &mut builder,
        b"files/../../evil.txt",
        tar::EntryType::Regular,
        None,
        b"x",
    );
    let file = home.path().join("unsafe.age");
    std::fs::write(&file, seal(&builder.into_inner().unwrap(), &pass)).unwrap();
    let message = |args: &[&str]| -> String {
        let run = home.cli(args).expect_code(1);
        let error: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
        assert_eq!(error["code"], "backup_unsafe_entry", "{}", run.stderr);
        error["message"].as_str().unwrap().to_owned()
    };
    let verify = message(&[
        "--json",
        "backup",
        "verify",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(verify.contains("a restore would refuse it"), "{verify}");
    assert!(!verify.contains("Nothing was restored"), "{verify}");
    let into = home.path().join("into");
    let restore = message(&restore_file_args(&file, &into));
    assert!(restore.contains("Nothing was restored"), "{restore}");
}
