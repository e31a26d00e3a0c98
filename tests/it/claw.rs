//! `preset export --format claw` and `preset import --claw` from the CLI, checked against the
//! real OpenClaw CLI (openclaw 2026.9.6, `PS_OPENCLAW_BIN`): every official preset exported as a
//! Claw passes `openclaw claws validate`, plans with nothing blocked in `openclaw claws add
//! --dry-run` for a fresh workspace, and our tarball holds exactly what `openclaw claws build`
//! packs. Bad packages are refused by us (and, where OpenClaw reads the same file, by OpenClaw
//! too) with a clear error, and nothing is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use persona_studio::persona::preset::catalog::official_bundles;
use serde_json::Value;

use crate::openclaw::Install;
use crate::support::{CliRun, TestHome};

const CLAWS: &[(&str, &str)] = &[("OPENCLAW_EXPERIMENTAL_CLAWS", "1")];

fn claws(install: &Install, args: &[&str]) -> CliRun {
    let mut all = vec!["claws"];
    all.extend_from_slice(args);
    install.openclaw_with(&all, CLAWS)
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A tarball's entries: path → (mode, mtime, bytes). OpenClaw leaves uid and gid empty; ours
/// are 0 (checked by the core's tests).
fn entries(tgz: &Path) -> BTreeMap<String, (u32, u64, String)> {
    let file = std::fs::File::open(tgz).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let (mode, mtime) = (
            entry.header().mode().unwrap(),
            entry.header().mtime().unwrap(),
        );
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        out.insert(
            entry.path().unwrap().display().to_string(),
            (mode, mtime, String::from_utf8(bytes).unwrap()),
        );
    }
    out
}

/// `preset export ID DIR --format claw --tgz TGZ`, as JSON.
fn export(home: &TestHome, id: &str, dir: &Path, tgz: &Path) -> Value {
    let args = [
        "--json",
        "preset",
        "export",
        id,
        text(dir),
        "--format",
        "claw",
    ];
    home.cli(&[&args[..], &["--tgz", text(tgz)]].concat())
        .expect_code(0)
        .json()
}

/// `openclaw claws validate` accepts the folder, with every file part of the Claw.
fn assert_openclaw_validates(install: &Install, id: &str, dir: &Path) {
    let valid = claws(install, &["validate", text(dir), "--json"])
        .expect_code(0)
        .json();
    assert_eq!(valid["ok"], true, "{id}: {valid:#}");
    assert_eq!(valid["diagnostics"], serde_json::json!([]), "{id}");
    assert_eq!(valid["excludedPaths"], serde_json::json!([]), "{id}");
}

/// `openclaw claws add --dry-run` for a fresh workspace: nothing blocked, the body as SOUL.md,
/// nothing written.
fn assert_openclaw_plans_nothing_blocked(install: &Install, id: &str, dir: &Path) {
    let workspace = install.path(&format!("workspaces/{id}"));
    let args = ["add", text(dir), "--dry-run", "--json", "--workspace"];
    let plan = claws(install, &[&args[..], &[text(&workspace)]].concat())
        .expect_code(0)
        .json();
    assert_eq!(plan["summary"]["blockedActions"], 0, "{id}: {plan:#}");
    assert_eq!(plan["blockers"], serde_json::json!([]), "{id}");
    assert_eq!(plan["agent"]["finalId"], id);
    let integrity = plan["planIntegrity"].as_str().unwrap();
    assert!(integrity.starts_with("sha256:"), "{integrity}");
    let actions = plan["actions"].as_array().unwrap();
    let soul = actions.iter().find(|a| a["id"] == "SOUL.md").unwrap();
    assert_eq!(soul["sourceKind"], "clawMarkdownBody", "{id}");
    assert!(!workspace.exists(), "a dry run writes nothing");
}

/// `openclaw claws build` of the folder packs the same files, modes and times as our tarball.
fn assert_same_as_openclaw_build(install: &Install, id: &str, dir: &Path, tgz: &Path) -> PathBuf {
    let built = dir.with_extension("openclaw.tgz");
    let args = ["build", text(dir), "--out", text(&built), "--json"];
    claws(install, &args).expect_code(0);
    let (ours, theirs) = (entries(tgz), entries(&built));
    let paths = |e: &BTreeMap<String, _>| e.keys().cloned().collect::<Vec<_>>();
    assert_eq!(paths(&ours), paths(&theirs), "{id}");
    for (path, entry) in &ours {
        assert_eq!(entry, &theirs[path], "{id}: {path}");
    }
    built
}

#[test]
fn every_official_preset_exports_as_a_claw_the_real_openclaw_accepts() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let install = Install::new("{}\n");
    let out = tempfile::tempdir().unwrap();
    for bundle in official_bundles().unwrap() {
        let id = bundle.manifest.id.as_str();
        let (dir, tgz) = (out.path().join(id), out.path().join(format!("{id}.tgz")));
        let exported = export(&home, id, &dir, &tgz);
        assert_eq!(exported["name"], id);
        assert_eq!(exported["version"], "1.0.0");
        assert_openclaw_validates(&install, id, &dir);
        assert_openclaw_plans_nothing_blocked(&install, id, &dir);
        let built = assert_same_as_openclaw_build(&install, id, &dir, &tgz);

        // We read OpenClaw's tarball back as the preset we exported.
        let read = home
            .cli(&["--json", "preset", "import", "--claw", text(&built)])
            .expect_code(0)
            .json();
        let hash = bundle.content_hash().unwrap().to_string();
        assert_eq!(read["exported_hash"], hash.as_str(), "{id}");
        assert_eq!(read["package"], format!("{id}@1.0.0"));

        // The same preset gives the same bytes.
        let again = out.path().join(format!("{id}-again.tgz"));
        export(&home, id, &out.path().join("again"), &again);
        assert_eq!(
            std::fs::read(&again).unwrap(),
            std::fs::read(&tgz).unwrap(),
            "{id}"
        );
    }
}

#[test]
fn a_published_preset_comes_back_from_its_claw_with_the_same_content_hash() {
    let source = TestHome::new();
    source.init_unlocked(&[]);
    let workspace = tempfile::tempdir().unwrap();
    std::fs::write(
        workspace.path().join("SOUL.md"),
        "# Soul\n\nI am {{agent_name}}.\n",
    )
    .unwrap();
    std::fs::write(workspace.path().join("USER.md"), "# Owner\n").unwrap();
    std::fs::write(workspace.path().join("AGENTS.md"), "# Rules\n").unwrap();
    source
        .cli(&[
            "preset",
            "import",
            text(workspace.path()),
            "--openclaw",
            "--id",
            "night_owl",
        ])
        .expect_code(0);
    let published = source
        .cli(&["--json", "preset", "publish", "night_owl"])
        .expect_code(0)
        .json();
    let hash = published["content_hash"].as_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (dir, tgz) = (
        out.path().join("claw"),
        out.path().join("night_owl-1.0.0.tgz"),
    );
    source
        .cli(&[
            "preset",
            "export",
            "night_owl",
            text(&dir),
            "--format",
            "claw",
            "--version",
            "1",
            "--tgz",
            text(&tgz),
        ])
        .expect_code(0);
    assert!(std::fs::read_to_string(dir.join("CLAW.md"))
        .unwrap()
        .ends_with("---\n# Soul\n\nI am {{agent_name}}.\n"));

    for package in [&dir, &tgz] {
        let target = TestHome::new();
        target.init_unlocked(&[]);
        let imported = target
            .cli(&["--json", "preset", "import", "--claw", text(package)])
            .expect_code(0)
            .json();
        assert_eq!(
            imported["draft"]["content_hash"],
            hash,
            "{}",
            package.display()
        );
        assert_eq!(imported["draft"]["state"], "draft");
        assert_eq!(imported["package"], "night_owl@1.0.0");
        assert_eq!(imported["exported_hash"], hash);
        let said = target
            .cli(&["preset", "history", "night_owl"])
            .expect_code(0);
        assert!(said.stdout.contains(hash), "{}", said.stdout);
    }

    // A draft is not a release; --version and ID@N are one choice.
    source.cli(&["preset", "draft", "night_owl"]).expect_code(0);
    let draft = source
        .cli(&[
            "--json",
            "preset",
            "export",
            "night_owl@draft",
            text(&out.path().join("d")),
            "--format",
            "claw",
        ])
        .expect_code(0)
        .json();
    assert_eq!(draft["version"], "2.0.0-draft");
    let both = source.cli(&[
        "preset",
        "export",
        "night_owl@1",
        text(&dir),
        "--format",
        "claw",
        "--version",
        "1",
    ]);
    assert!(both.expect_code(2).stderr.contains("drop --version"));
    let folder_tgz = source.cli(&[
        "preset",
        "export",
        "night_owl",
        text(&dir),
        "--tgz",
        text(&tgz),
    ]);
    assert!(folder_tgz.expect_code(2).stderr.contains("--format claw"));
}

/// A Claw of the official executive assistant in `dir`, then changed by `edit`.
fn bad_claw(home: &TestHome, dir: &Path, edit: impl FnOnce(&Path)) {
    let args = [
        "preset",
        "export",
        "executive_assistant",
        text(dir),
        "--format",
        "claw",
    ];
    home.cli(&args).expect_code(0);
    edit(dir);
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

type Edit = Box<dyn FnOnce(&Path)>;

#[cfg(unix)]
#[test]
fn bad_claws_are_refused_by_name_and_nothing_is_written() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let install = Install::new("{}\n");
    let before = home
        .cli(&["--json", "preset", "list", "--all"])
        .expect_code(0)
        .stdout;
    let audit_before = home.cli(&["--json", "audit", "list"]).expect_code(0).stdout;
    let sidecar = "bootstrapFiles:\n    SOUL.md:\n      source: \"workspace/SOUL.md\"\n";
    let cases: Vec<(&str, Edit, &str, &str, bool)> = vec![
        (
            "dotdot",
            Box::new(|d: &Path| {
                replace_in(
                    &d.join("CLAW.md"),
                    "\"workspace/AGENTS.md\"",
                    "\"../AGENTS.md\"",
                )
            }),
            "claw_unsafe_path",
            "\"../AGENTS.md\"",
            true,
        ),
        (
            "symlink",
            Box::new(|d: &Path| {
                std::fs::remove_file(d.join("workspace/AGENTS.md")).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", d.join("workspace/AGENTS.md")).unwrap();
            }),
            "claw_symlink",
            "\"workspace/AGENTS.md\" in the Claw is a symbolic link",
            true,
        ),
        (
            "oversize",
            Box::new(|d: &Path| {
                std::fs::write(d.join("workspace/USER.md"), vec![b'x'; (1 << 20) + 1]).unwrap()
            }),
            "claw_too_large",
            "\"workspace/USER.md\" in the Claw is larger than 1048576 bytes",
            true,
        ),
        (
            "sidecar",
            Box::new(move |d: &Path| {
                replace_in(&d.join("CLAW.md"), "bootstrapFiles:\n", sidecar);
                std::fs::write(d.join("workspace/SOUL.md"), "# Another soul\n").unwrap();
            }),
            "claw_soul_conflict",
            "SOUL.md sidecar (\"workspace/SOUL.md\")",
            true,
        ),
    ];
    let out = tempfile::tempdir().unwrap();
    for (name, edit, code, needle, openclaw_refuses) in cases {
        let dir = out.path().join(name);
        bad_claw(&home, &dir, edit);
        let run = home
            .cli(&["--json", "preset", "import", "--claw", text(&dir)])
            .expect_code(2);
        let error: Value = serde_json::from_str(run.stderr.trim()).unwrap();
        assert_eq!(error["code"], code, "{name}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(needle), "{name}: {message}");
        if openclaw_refuses {
            let theirs = claws(&install, &["validate", text(&dir), "--json"]);
            assert_eq!(
                theirs.code, 1,
                "{name}: OpenClaw refuses it too\n{}",
                theirs.stdout
            );
        }
    }
    assert_eq!(
        home.cli(&["--json", "preset", "list", "--all"])
            .expect_code(0)
            .stdout,
        before
    );
    let audit_after = home.cli(&["--json", "audit", "list"]).expect_code(0).stdout;
    assert_eq!(audit_after, audit_before, "no audit entry, no draft");
}
