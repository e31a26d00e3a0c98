use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::persona::preset::catalog::official_bundles;

fn official(id: &str) -> PresetBundle {
    official_bundles()
        .unwrap()
        .into_iter()
        .find(|b| b.manifest.id == id)
        .unwrap()
}

fn write_package(package: &ClawPackage) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_folder(package, dir.path()).unwrap();
    dir
}

fn write_files(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
}

/// Asserts `result` failed with `code` and a message containing each of `needles`.
fn refused<T: std::fmt::Debug>(result: Result<T>, code: &str, needles: &[&str]) {
    let error = result.unwrap_err();
    assert_eq!(error.code(), code, "{error}");
    assert!(error.is_bad_input(), "{error}");
    let message = error.to_string();
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn every_official_preset_survives_the_round_trip_as_a_folder_and_as_a_tarball() {
    for bundle in official_bundles().unwrap() {
        let hash = bundle.content_hash().unwrap().to_string();
        let package = build(&bundle, "1.0.0").unwrap();
        assert_eq!(package, build(&bundle, "1.0.0").unwrap());
        let dir = write_package(&package);
        let back = import(dir.path(), None).unwrap();
        assert_eq!(back.bundle, bundle, "{}", bundle.manifest.id);
        assert_eq!(back.content_hash, hash);
        assert_eq!(back.exported_hash.as_deref(), Some(hash.as_str()));
        assert_eq!(back.package, Some(format!("{}@1.0.0", bundle.manifest.id)));

        let tgz = archive::pack(&package.files).unwrap();
        assert_eq!(tgz, archive::pack(&package.files).unwrap());
        let file = dir.path().join("claw.tgz");
        std::fs::write(&file, &tgz).unwrap();
        assert_eq!(archive::unpack(&file).unwrap(), package.files);
        assert_eq!(import(&file, None).unwrap().content_hash, hash);
    }
}

#[test]
fn the_package_has_the_layout_openclaw_documents() {
    let bundle = official("executive_assistant");
    let package = build(&bundle, &package_version(3, VersionState::Published)).unwrap();
    let names: Vec<&str> = package.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "CLAW.md",
            "package.json",
            "workspace/AGENTS.md",
            "workspace/HEARTBEAT.md",
            "workspace/IDENTITY.md",
            "workspace/USER.md"
        ]
    );
    let json: serde_json::Value = serde_json::from_slice(&package.files["package.json"]).unwrap();
    assert_eq!(json["name"], "executive_assistant");
    assert_eq!(json["version"], "3.0.0");
    assert_eq!(json["openclaw"], serde_json::json!({"claw": "CLAW.md"}));
    let claw = String::from_utf8(package.files["CLAW.md"].clone()).unwrap();
    let soul = &bundle.files["SOUL.md"];
    assert!(claw.starts_with("---\nagent:\n  description: "), "{claw}");
    assert!(claw.ends_with(&format!("\n---\n{soul}")));
    for expected in [
        "  id: \"executive_assistant\"\n",
        "    \"AGENTS.md\":\n      source: \"workspace/AGENTS.md\"\n",
        "  files:\n    - path: \"USER.md\"\n      source: \"workspace/USER.md\"\n",
        "cronJobs: []\nmcpServers: {}\nmetadata:\n",
        "schemaVersion: 1\n",
    ] {
        assert!(claw.contains(expected), "{expected:?} in {claw}");
    }
    let error = build(&bundle, "1.0").unwrap_err();
    assert_eq!(error.code(), "invalid_input", "{error}");
    assert_eq!(
        package_version(2, VersionState::Draft),
        "2.0.0-draft",
        "a draft is not a release"
    );
}

#[test]
fn a_blank_or_missing_soul_round_trips_too() {
    let mut bundle = official("research_analyst");
    for soul in [Some("  \n"), None] {
        match soul {
            Some(text) => bundle.files.insert("SOUL.md".to_owned(), text.to_owned()),
            None => bundle.files.remove("SOUL.md"),
        };
        let package = build(&bundle, "1.0.0").unwrap();
        assert_eq!(
            package.files.contains_key("workspace/SOUL.md"),
            soul.is_some()
        );
        let dir = write_package(&package);
        assert_eq!(import(dir.path(), None).unwrap().bundle, bundle);
    }
}

#[test]
fn exporting_again_removes_templates_the_preset_no_longer_has() {
    let mut bundle = official("software_engineering_agent");
    let dir = write_package(&build(&bundle, "1.0.0").unwrap());
    assert!(dir.path().join("workspace/TOOLS.md").is_file());
    bundle.files.remove("TOOLS.md");
    write_folder(&build(&bundle, "2.0.0").unwrap(), dir.path()).unwrap();
    assert!(!dir.path().join("workspace/TOOLS.md").exists());
    assert_eq!(import(dir.path(), None).unwrap().bundle, bundle);
}

/// OpenClaw's own role Claws have no package.json and no preset: they become a new draft.
#[test]
fn a_foreign_claw_becomes_a_new_local_draft() {
    let dir = tempfile::tempdir().unwrap();
    let claw = "---\nschemaVersion: 1\nagent:\n  id: \"field-writer\"\n  name: \"Writer\"\n  identity:\n    emoji: \"✍️\"\nworkspace:\n  bootstrapFiles:\n    AGENTS.md:\n      source: workspace/AGENTS.md\n---\n\n# Writer soul\n\nWrite with care.\n";
    write_files(
        dir.path(),
        &[
            ("CLAW.md", claw.as_bytes()),
            ("workspace/AGENTS.md", b"# Operating program\n"),
            ("notes.txt", b"not declared, not read"),
        ],
    );
    let back = import(dir.path(), None).unwrap();
    let m = &back.bundle.manifest;
    assert_eq!((m.id.as_str(), m.name.as_str()), ("field_writer", "Writer"));
    assert_eq!(m.trust, crate::persona::preset::Trust::Local);
    assert_eq!(
        back.bundle.files["SOUL.md"],
        "\n# Writer soul\n\nWrite with care.\n"
    );
    assert_eq!(back.bundle.files["AGENTS.md"], "# Operating program\n");
    assert_eq!((back.package, back.exported_hash), (None, None));
    let renamed = import(dir.path(), Some("my_writer")).unwrap();
    assert_eq!(renamed.bundle.manifest.id, "my_writer");
}

/// A change made to a package folder.
type Edit<'a> = Box<dyn FnOnce(&Path) + 'a>;

/// A package folder made from an official preset, then changed by `edit`.
fn edited(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = write_package(&build(&official("executive_assistant"), "1.0.0").unwrap());
    edit(dir.path());
    dir
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[cfg(unix)]
#[test]
fn folders_that_leave_the_package_or_link_out_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    write_files(outside.path(), &[("AGENTS.md", b"secret")]);
    let secret = outside.path().join("AGENTS.md");
    let absolute = secret.display().to_string();
    let cases: Vec<(Edit, &str, Vec<&str>)> = vec![
        (
            Box::new(|d| {
                replace_in(
                    &d.join("CLAW.md"),
                    "\"workspace/AGENTS.md\"",
                    "\"../AGENTS.md\"",
                )
            }),
            "claw_unsafe_path",
            vec!["\"../AGENTS.md\"", "\"..\""],
        ),
        (
            Box::new(|d| {
                replace_in(
                    &d.join("CLAW.md"),
                    "\"workspace/AGENTS.md\"",
                    &format!("{absolute:?}"),
                )
            }),
            "claw_unsafe_path",
            vec!["is absolute"],
        ),
        (
            Box::new(|d| {
                std::fs::remove_file(d.join("workspace/AGENTS.md")).unwrap();
                std::os::unix::fs::symlink(&secret, d.join("workspace/AGENTS.md")).unwrap();
            }),
            "claw_symlink",
            vec!["\"workspace/AGENTS.md\"", "symbolic link"],
        ),
        (
            Box::new(|d| {
                std::fs::rename(d.join("workspace"), d.join("real")).unwrap();
                std::os::unix::fs::symlink(d.join("real"), d.join("workspace")).unwrap();
            }),
            "claw_symlink",
            vec!["\"workspace\""],
        ),
        (
            Box::new(|d| {
                std::fs::remove_file(d.join("workspace/AGENTS.md")).unwrap();
                std::fs::hard_link(&secret, d.join("workspace/AGENTS.md")).unwrap();
            }),
            "claw_not_regular_file",
            vec!["\"workspace/AGENTS.md\"", "a hard link"],
        ),
        (
            Box::new(|d| {
                std::fs::remove_file(d.join("workspace/AGENTS.md")).unwrap();
                std::fs::create_dir(d.join("workspace/AGENTS.md")).unwrap();
            }),
            "claw_not_regular_file",
            vec!["a folder"],
        ),
    ];
    for (edit, code, needles) in cases {
        refused(import(edited(edit).path(), None), code, &needles);
    }
}

#[test]
fn oversize_files_and_packages_are_refused_without_reading_them() {
    let big = vec![b'a'; (MAX_FILE_BYTES + 1) as usize];
    let dir = edited(|d| std::fs::write(d.join("workspace/USER.md"), &big).unwrap());
    refused(
        import(dir.path(), None),
        "claw_too_large",
        &["\"workspace/USER.md\"", "1048576"],
    );

    let near = vec![b'a'; (MAX_FILE_BYTES - 10) as usize];
    let dir = edited(|d| {
        for name in ["AGENTS.md", "HEARTBEAT.md", "IDENTITY.md", "USER.md"] {
            std::fs::write(d.join("workspace").join(name), &near).unwrap();
        }
        replace_in(
            &d.join("CLAW.md"),
            "bootstrapFiles:\n",
            "bootstrapFiles:\n    TOOLS.md:\n      source: \"workspace/TOOLS.md\"\n",
        );
        std::fs::write(d.join("workspace/TOOLS.md"), &near).unwrap();
    });
    refused(
        import(dir.path(), None),
        "claw_total_too_large",
        &["workspace files", "4194304"],
    );

    let dir = edited(|d| {
        std::fs::write(
            d.join("CLAW.md"),
            vec![b'-'; (MAX_MANIFEST_BYTES + 1) as usize],
        )
        .unwrap()
    });
    refused(import(dir.path(), None), "claw_too_large", &["\"CLAW.md\""]);
}

#[test]
fn a_soul_sidecar_next_to_a_body_is_refused() {
    let declare = "bootstrapFiles:\n    SOUL.md:\n      source: \"workspace/SOUL.md\"\n";
    let declared = edited(|d| {
        replace_in(&d.join("CLAW.md"), "bootstrapFiles:\n", declare);
        write_files(d, &[("workspace/SOUL.md", b"# Another soul\n")]);
    });
    refused(
        import(declared.path(), None),
        "claw_soul_conflict",
        &["\"workspace/SOUL.md\"", "Remove the sidecar"],
    );
    let lying = edited(|d| write_files(d, &[("SOUL.md", b"# Another soul\n")]));
    refused(
        import(lying.path(), None),
        "claw_soul_conflict",
        &["\"SOUL.md\""],
    );
}

#[test]
fn what_a_preset_cannot_carry_or_a_broken_manifest_is_refused() {
    let claw = |from: &'static str, to: &'static str| {
        move |d: &Path| replace_in(&d.join("CLAW.md"), from, to)
    };
    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            Box::new(claw(
                "packages: []",
                "packages: [{kind: skill, source: clawhub, ref: x, version: 1.0.0}]",
            )),
            "claw_unsupported",
            "packages",
        ),
        (
            Box::new(claw("cronJobs: []", "cronJobs: [{id: a}]")),
            "claw_unsupported",
            "cronJobs",
        ),
        (
            Box::new(claw("\"USER.md\"", "\"notes/USER.md\"")),
            "claw_unsupported",
            "\"notes/USER.md\"",
        ),
        (
            Box::new(claw("schemaVersion: 1", "schemaVersion: 1\nsurprise: true")),
            "claw_invalid",
            "unknown field `surprise`",
        ),
        (
            Box::new(claw("schemaVersion: 1", "schemaVersion: 2")),
            "claw_invalid",
            "schemaVersion is 2",
        ),
        (
            Box::new(claw("---\nagent", "agent")),
            "claw_invalid",
            "frontmatter",
        ),
        (
            Box::new(claw("mcpServers: {}", "mcpServers: &a {}\nx: *a")),
            "claw_invalid",
            "anchors",
        ),
        (
            Box::new(|d: &Path| {
                write_files(d, &[("profiles/openclaw.yml", b"schemaVersion: 1\n")])
            }),
            "claw_unsupported",
            "profiles/openclaw.yml",
        ),
        (
            Box::new(|d: &Path| write_files(d, &[("BOOTSTRAP.md", b"Hello\n")])),
            "claw_unsupported",
            "BOOTSTRAP.md",
        ),
        (
            Box::new(|d: &Path| std::fs::remove_file(d.join("workspace/IDENTITY.md")).unwrap()),
            "claw_missing_file",
            "\"workspace/IDENTITY.md\"",
        ),
        (
            Box::new(|d: &Path| write_files(d, &[("workspace/USER.md", b"\xff\xfe")])),
            "claw_invalid",
            "UTF-8",
        ),
        (
            Box::new(|d: &Path| {
                write_files(
                    d,
                    &[("package.json", b"{\"name\": \"X\", \"version\": \"1\"}")],
                )
            }),
            "claw_invalid",
            "package.json",
        ),
        (
            Box::new(|d: &Path| std::fs::remove_file(d.join("CLAW.md")).unwrap()),
            "claw_missing_file",
            "\"CLAW.md\"",
        ),
    ];
    for (edit, code, needle) in cases {
        refused(import(edited(edit).path(), None), code, &[needle]);
    }
}

/// A tarball entry written byte by byte, so it can hold what `tar::Builder` would refuse.
fn raw_entry(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    let field = &mut header.as_old_mut().name;
    field[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    if kind == tar::EntryType::Symlink || kind == tar::EntryType::Link {
        header.set_link_name("/etc/passwd").unwrap();
    }
    header.set_cksum();
    header
}

fn tarball(entries: impl IntoIterator<Item = (tar::Header, Vec<u8>)>) -> tempfile::NamedTempFile {
    let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gzip);
    for (header, data) in entries {
        builder.append(&header, data.as_slice()).unwrap();
    }
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file
}

#[test]
fn hostile_tarballs_are_refused_within_bounded_memory() {
    use tar::EntryType::{Char, Link, Regular, Symlink};
    let one = |name: &str, kind| tarball([(raw_entry(name, kind, 0), Vec::new())]);
    for (file, code, needle) in [
        (
            one("package/../evil.md", Regular),
            "claw_unsafe_path",
            "\"..\"",
        ),
        (
            one("/etc/cron.d/evil", Regular),
            "claw_unsafe_path",
            "package/ folder",
        ),
        (
            one("other/CLAW.md", Regular),
            "claw_unsafe_path",
            "package/ folder",
        ),
        (
            one("package/workspace/AGENTS.md", Symlink),
            "claw_symlink",
            "\"workspace/AGENTS.md\"",
        ),
        (
            one("package/CLAW.md", Link),
            "claw_not_regular_file",
            "a hard link",
        ),
        (
            one("package/dev", Char),
            "claw_not_regular_file",
            "a device",
        ),
    ] {
        refused(import(file.path(), None), code, &[needle]);
    }
    // A header that claims a huge file is refused before a byte of it is read.
    let claims = tempfile::NamedTempFile::new().unwrap();
    let header = raw_entry("package/CLAW.md", Regular, 1 << 32);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gzip, header.as_bytes()).unwrap();
    std::fs::write(claims.path(), gzip.finish().unwrap()).unwrap();
    refused(
        import(claims.path(), None),
        "claw_too_large",
        &["\"CLAW.md\""],
    );
    // A gzip bomb: 12 MiB of zeros in files under the per-file limit.
    let zeros = vec![0u8; (MAX_FILE_BYTES - 1024) as usize];
    let bomb = tarball((0..12).map(|n| {
        let name = format!("package/pad{n}.bin");
        (raw_entry(&name, Regular, zeros.len() as u64), zeros.clone())
    }));
    assert!(std::fs::metadata(bomb.path()).unwrap().len() < 200_000);
    refused(
        import(bomb.path(), None),
        "claw_total_too_large",
        &["unpacked"],
    );
    let many = tarball(
        (0..=MAX_ENTRIES).map(|n| (raw_entry(&format!("package/f{n}"), Regular, 0), Vec::new())),
    );
    refused(import(many.path(), None), "claw_too_many_entries", &["256"]);
    let junk = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(junk.path(), b"not a tarball").unwrap();
    refused(
        import(junk.path(), None),
        "claw_not_a_package",
        &["gzip tarball"],
    );
}

#[test]
fn the_tarball_matches_openclaws_build_layout() {
    let package = build(&official("customer_support_agent"), "1.0.0").unwrap();
    let bytes = archive::pack(&package.files).unwrap();
    assert_eq!(&bytes[..10], b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let mut seen = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header();
        assert_eq!(
            (
                header.mode().unwrap(),
                header.mtime().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap()
            ),
            (0o644, 0, 0, 0)
        );
        assert!(header.as_ustar().is_some());
        let path = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        seen.insert(path.strip_prefix("package/").unwrap().to_owned(), data);
    }
    assert_eq!(seen, package.files);
}
