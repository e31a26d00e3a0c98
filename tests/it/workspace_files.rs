//! Workspace files that are not regular files, and writes that keep what the user had (issue
//! 17, sections 2 and 3), through the CLI as a process. Every command that reads a workspace
//! meets a named pipe, a link to `/dev/zero`, a link out of the workspace and a folder where a
//! file belongs, and must refuse each at once, naming the file and what it is; each run has a
//! timeout, so a read that blocks fails the test instead of hanging it. A preset apply keeps
//! each replaced file's mode, gives a new file the umask's default, and never replaces a link.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use crate::support::{CliRun, TestHome};

/// Far longer than any of these commands takes; a blocked read never ends.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the CLI against `home` (or none), killing it and failing after [`TIMEOUT`].
fn cli_within(home: Option<&Path>, args: &[&str]) -> CliRun {
    let mut command = Command::new(env!("CARGO_BIN_EXE_persona-studio"));
    command.env_remove("PERSONA_STUDIO_HOME");
    command.env_remove("PERSONA_STUDIO_NOW");
    if let Some(home) = home {
        command.arg("--home").arg(home);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let Some(status) = child.wait_timeout(TIMEOUT).unwrap() else {
        child.kill().unwrap();
        child.wait().unwrap();
        panic!(
            "`persona-studio {}` did not return within {TIMEOUT:?}: a read blocked",
            args.join(" ")
        );
    };
    let output = child.wait_with_output().unwrap();
    CliRun {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A workspace with IDENTITY.md, and SOUL.md made by `make`.
fn workspace(parent: &Path, name: &str, make: impl FnOnce(&Path)) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("IDENTITY.md"), "- **Name:** Wren\n").unwrap();
    make(&dir.join("SOUL.md"));
    dir
}

/// Each kind of SOUL.md that is not a regular file, and the words the refusal must use.
fn bad_souls(parent: &Path) -> Vec<(PathBuf, &'static str)> {
    let outside = parent.join("outside.md");
    std::fs::write(&outside, "a file of someone else\n").unwrap();
    vec![
        (workspace(parent, "fifo", mkfifo), "a named pipe"),
        (
            workspace(parent, "zero", |p| {
                std::os::unix::fs::symlink("/dev/zero", p).unwrap()
            }),
            "outside the workspace",
        ),
        (
            workspace(parent, "outside", |p| {
                std::os::unix::fs::symlink(&outside, p).unwrap()
            }),
            "outside the workspace",
        ),
        (
            workspace(parent, "inner-fifo", |p| {
                mkfifo(&p.with_file_name("pipe"));
                std::os::unix::fs::symlink("pipe", p).unwrap();
            }),
            "a named pipe",
        ),
        (
            workspace(parent, "folder", |p| std::fs::create_dir(p).unwrap()),
            "a folder",
        ),
    ]
}

fn assert_refused(run: &CliRun, words: &str, what: &str) {
    assert_eq!(
        run.code, 2,
        "{what}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("SOUL.md"), "{what}: {}", run.stderr);
    assert!(run.stderr.contains(words), "{what}: {}", run.stderr);
}

#[test]
fn every_workspace_reader_refuses_a_soul_md_that_is_not_a_regular_file_at_once() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let spec = home.path().join("spec.json");
    let sample = persona_studio::persona::spec::sample_spec();
    std::fs::write(&spec, serde_json::to_string_pretty(&sample).unwrap()).unwrap();
    let spec = spec.to_str().unwrap();
    let homed = Some(home.path());
    for (n, (ws, words)) in bad_souls(home.path()).iter().enumerate() {
        let ws = ws.to_str().unwrap();
        let run = cli_within(None, &["spec", "compile", spec, "--workspace", ws]);
        assert_refused(&run, words, &format!("spec compile {ws}"));
        let agent = format!("agent{n}");
        let apply = [
            "preset",
            "apply",
            "executive_assistant",
            "--agent",
            &agent,
            "--workspace",
            ws,
            "--var",
            "agent_name=Wren",
        ];
        let run = cli_within(homed, &[&apply[..], &["--dry-run"]].concat());
        assert_refused(&run, words, &format!("preset apply --dry-run {ws}"));
        let run = cli_within(homed, &apply);
        assert_refused(&run, words, &format!("preset apply {ws}"));
        let id = format!("imported{n}");
        let run = cli_within(homed, &["preset", "import", "--openclaw", ws, "--id", &id]);
        assert_refused(&run, words, &format!("preset import --openclaw {ws}"));
    }
    // Nothing was applied or imported.
    let listed = cli_within(homed, &["--json", "preset", "list", "--all"]);
    assert!(!listed.stdout.contains("imported"), "{}", listed.stdout);
}

#[test]
fn a_baseline_records_what_each_file_is_without_reading_it() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let homed = Some(home.path());
    for (n, (ws, _)) in bad_souls(home.path()).iter().enumerate() {
        let agent = format!("agent{n}");
        let ws = ws.to_str().unwrap();
        let run = cli_within(
            homed,
            &["--json", "integrity", "baseline", ws, "--agent", &agent],
        );
        assert_eq!(run.code, 0, "{ws}: {}", run.stderr);
        let recorded = run.json();
        let soul = recorded["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "SOUL.md")
            .unwrap()
            .clone();
        let expected = if ws.ends_with("fifo") && !ws.ends_with("inner-fifo") {
            "fifo"
        } else if ws.ends_with("folder") {
            "directory"
        } else {
            "symlink"
        };
        assert_eq!(soul["file_type"], expected, "{ws}: {soul}");
        assert_eq!(soul["size"], 0, "nothing read from {ws}: {soul}");
        let run = cli_within(homed, &["integrity", "check", ws]);
        assert_eq!(run.code, 0, "{ws}: {}", run.stderr);
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn preset_apply_keeps_each_files_mode_and_new_files_follow_the_umask() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let ws = home.path().join("modes");
    std::fs::create_dir_all(&ws).unwrap();
    for (name, bits) in [
        ("SOUL.md", 0o644),
        ("AGENTS.md", 0o664),
        ("IDENTITY.md", 0o755),
    ] {
        let path = ws.join(name);
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bits)).unwrap();
    }
    // What any new file gets under the umask the CLI inherits from this process.
    let plain = home.path().join("plain");
    std::fs::write(&plain, "").unwrap();
    let ws_arg = ws.to_str().unwrap();
    let run = cli_within(
        Some(home.path()),
        &[
            "preset",
            "apply",
            "executive_assistant",
            "--agent",
            "modes",
            "--workspace",
            ws_arg,
            "--var",
            "agent_name=Wren",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ne!(
        std::fs::read_to_string(ws.join("SOUL.md")).unwrap(),
        "old\n"
    );
    assert_eq!(mode(&ws.join("SOUL.md")), 0o644);
    assert_eq!(mode(&ws.join("AGENTS.md")), 0o664);
    assert_eq!(mode(&ws.join("IDENTITY.md")), 0o755);
    assert_eq!(mode(&ws.join("HEARTBEAT.md")), mode(&plain), "a new file");
}

#[test]
fn preset_apply_never_replaces_a_link_with_a_file() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let ws = home.path().join("linked");
    std::fs::create_dir_all(ws.join("souls")).unwrap();
    std::fs::write(ws.join("souls/wren.md"), "my own soul\n").unwrap();
    std::os::unix::fs::symlink("souls/wren.md", ws.join("SOUL.md")).unwrap();
    let ws_arg = ws.to_str().unwrap();
    let apply = [
        "preset",
        "apply",
        "executive_assistant",
        "--agent",
        "linked",
        "--workspace",
        ws_arg,
        "--var",
        "agent_name=Wren",
    ];
    for args in [&[&apply[..], &["--dry-run"]].concat(), &apply.to_vec()] {
        let run = cli_within(Some(home.path()), args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("symbolic link to souls/wren.md"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("Write to souls/wren.md itself"),
            "{}",
            run.stderr
        );
    }
    assert!(std::fs::symlink_metadata(ws.join("SOUL.md"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(ws.join("souls/wren.md")).unwrap(),
        "my own soul\n"
    );
    // A link inside the workspace is still read: compiling uses what it points at.
    let spec = home.path().join("spec.json");
    let sample = persona_studio::persona::spec::sample_spec();
    std::fs::write(&spec, serde_json::to_string_pretty(&sample).unwrap()).unwrap();
    let run = cli_within(
        None,
        &[
            "--json",
            "spec",
            "compile",
            spec.to_str().unwrap(),
            "--workspace",
            ws_arg,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A baseline recorded before file types were kept (schema 9) reads as regular files without
/// link targets after migration 0010, and checks as before.
#[test]
fn baselines_from_before_file_types_still_read() {
    let home = TestHome::new();
    std::fs::create_dir_all(home.path()).unwrap();
    let conn = crate::documents::database_at(&home.db_path(), 9);
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.execute_batch(
        "INSERT INTO baselines (tenant_id, agent, workspace, recorded_at, recorded_by)
           VALUES ('t-old', 'wren', '/nowhere', '2026-01-01T00:00:00Z', 'm-old');
         INSERT INTO baseline_files (tenant_id, agent, path, size, mtime_ns, mode, sha256)
           VALUES ('t-old', 'wren', 'SOUL.md', 9, 1, 33188,
             'sha256:0000000000000000000000000000000000000000000000000000000000000000');",
    )
    .unwrap();
    drop(conn);
    let store = persona_studio::store::Store::open(&home.home()).unwrap();
    let old = persona_studio::integrity::baseline::get(&store, "t-old", "wren")
        .unwrap()
        .unwrap();
    assert_eq!(old.files.len(), 1);
    assert_eq!(
        old.files[0].file_type,
        persona_studio::fsutil::FileKind::File
    );
    assert_eq!(old.files[0].link_target, None);
    // Only a link has a target.
    let refused = store.conn().execute(
        "UPDATE baseline_files SET lname = 'x' WHERE agent = 'wren'",
        [],
    );
    assert!(refused.is_err());
}
