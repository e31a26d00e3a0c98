//! `cargo xtask test`: every suite, fastest feedback first. Rust tests and the end-to-end tests
//! run inside a private D-Bus session with an unlocked gnome-keyring (the real Secret Service),
//! and the end-to-end tests drive the real app binary under Xvfb through tauri-driver. Last,
//! the user guide is built with its screenshots, link-checked, and its examples run.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::deps;
use crate::process::{capture, root, run_in, sh, step};

/// Starts a private session bus whose Secret Service is an unlocked gnome-keyring, waits until
/// it stores secrets, then runs the rest of the arguments. The daemon is started by D-Bus
/// activation from the service file [`Scratch::new`] puts first on the session's service path
/// (`$XDG_DATA_HOME/dbus-1/services`), which unlocks it with the test password: if the daemon
/// ever exits mid-run, the next keyring call starts an unlocked one, never the system's
/// locked one (which made every later keyring call fail with "locked collection").
pub const KEYRING_SESSION: &str = r#"dbus-run-session -- bash -c 'for i in $(seq 100); do echo -n ready | secret-tool store --label=persona-studio-ready persona-studio-ready 1 2>/dev/null && break; sleep 0.1; done; "$@"' --"#;

/// The D-Bus service file for `org.freedesktop.secrets` in a test session: gnome-keyring,
/// unlocked with the test password read from stdin (`--unlock`).
const SECRETS_SERVICE: &str = "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/sh -c \"echo -n persona-studio-test | exec gnome-keyring-daemon --replace --foreground --unlock --components=secrets\"\n";

/// A scratch folder for XDG data (the test keyring lives there), removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Result<Self> {
        let dir = root()
            .join("target/xtask-scratch")
            .join(format!("{name}-{}", std::process::id()));
        for sub in ["data", "config", "cache"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        let services = dir.join("data/dbus-1/services");
        std::fs::create_dir_all(&services)
            .and_then(|()| {
                std::fs::write(
                    services.join("org.freedesktop.secrets.service"),
                    SECRETS_SERVICE,
                )
            })
            .with_context(|| format!("could not write {}", services.display()))?;
        Ok(Scratch(dir))
    }

    pub fn xdg_env(&self) -> [(&'static str, PathBuf); 3] {
        [
            ("XDG_DATA_HOME", self.0.join("data")),
            ("XDG_CONFIG_HOME", self.0.join("config")),
            ("XDG_CACHE_HOME", self.0.join("cache")),
        ]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `script` from the repository root with the scratch folder's XDG variables and `extra`
/// set; `{KEYRING}` in it stands for [`KEYRING_SESSION`].
pub fn with_keyring_session(
    scratch: &Scratch,
    extra: &[(&'static str, PathBuf)],
    script: &str,
) -> Result<()> {
    with_env(scratch, extra, |env| {
        sh(&script.replace("{KEYRING}", KEYRING_SESSION), env)
    })
}

fn with_env<T>(
    scratch: &Scratch,
    extra: &[(&'static str, PathBuf)],
    f: impl FnOnce(&[(&str, &Path)]) -> T,
) -> T {
    let xdg = scratch.xdg_env();
    let env: Vec<(&str, &Path)> = xdg
        .iter()
        .chain(extra.iter())
        .map(|(k, v)| (*k, v.as_path()))
        .collect();
    f(&env)
}

/// Builds the app and the CLI (debug) into `target/debug/`.
pub fn build_binaries() -> Result<()> {
    let _step = step("build the app and the CLI");
    run_in(
        &root(),
        "cargo",
        &[
            "build",
            "-p",
            "persona-studio-app",
            "-p",
            "persona-studio",
            "--bins",
        ],
    )
}

pub fn build_ui() -> Result<()> {
    let _step = step("UI: build (vite)");
    run_in(&root().join("ui"), "npm", &["run", "--silent", "build"])
}

/// Every suite, in the order the module doc gives. Installs overlap the work that does not
/// need them: the downloads run beside the UI checks and the compile, and the tools that are
/// compiled (tauri-driver, mdBook) run at the lowest priority beside everything else.
pub fn test() -> Result<()> {
    // Before any thread starts: it sets this process's environment.
    lint_every_workspace_compile()?;
    deps::setup_for_build()?;
    let downloads = deps::downloads_beside();
    let tauri_driver = deps::tauri_driver_beside();
    let guide_tools = deps::mdbook_beside();
    quick_checks()?;
    {
        // Every target at once, the programs too: one feature set for the tests and the
        // programs the end-to-end tests drive. A separate `cargo build -p …` would leave out
        // the dev-dependencies' features and compile about 30 crates again (Tauri among them);
        // what they add (`fail/failpoints` among them) does nothing until a test sets it up.
        // Not xtask: building its program would replace `target/debug/xtask`, which is running
        // this task and runs itself again for the guide's examples. Clippy checks it instead
        // (its two dependencies are checked, not built), and `cargo test` builds its tests.
        let _step = step("Rust: build every target and program, linted by clippy -D warnings");
        let every_target = [
            "build",
            "--workspace",
            "--exclude",
            "xtask",
            "--all-targets",
        ];
        run_in(&root(), "cargo", &every_target)?;
        let xtask = [
            "clippy",
            "-p",
            "xtask",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ];
        run_in(&root(), "cargo", &xtask)?;
    }
    let (python, openclaw) = joined(downloads, "installing the Python venv and OpenClaw")?;
    let aide = deps::aide()?;
    let scratch = Scratch::new("test")?;
    {
        let _step =
            step("Rust: unit, integration and CLI tests (real keyring, real OpenClaw, AIDE)");
        let extra = [("PS_OPENCLAW_BIN", openclaw.clone()), ("PS_AIDE_BIN", aide)];
        with_keyring_session(&scratch, &extra, "{KEYRING} cargo test --workspace")?;
    }
    let tauri_driver = joined(tauri_driver, "installing tauri-driver")?;
    {
        let _step = step("end to end: the real app under Xvfb via tauri-driver");
        let target = root().join("target/debug");
        let extra = [
            ("PS_APP_BINARY", target.join("persona-studio-app")),
            ("PS_CLI_BINARY", target.join("persona-studio")),
            ("PS_TAURI_DRIVER", tauri_driver),
            ("PS_ARTIFACTS", root().join("artifacts/e2e")),
            ("PS_PYTHON", python),
            ("PS_OPENCLAW_BIN", openclaw),
        ];
        // e2e/packaging/ installs packages: it is the packaging stage's, below.
        with_keyring_session(
            &scratch,
            &extra,
            r#"xvfb-run -a -s "-screen 0 1280x800x24" {KEYRING} "$PS_PYTHON" -m pytest e2e --ignore=e2e/packaging -v -p no:cacheprovider --timeout=600 --durations=10"#,
        )?;
    }
    joined(guide_tools, "installing the guide's tools")?;
    // After the end-to-end tests, which took the screenshots the guide shows.
    crate::docs::docs(crate::docs::Screenshots::Required)?;
    // The packages ship the guide just built.
    crate::bundle::test_bundle()?;
    println!("\nAll test suites passed.");
    Ok(())
}

/// The checks that give the fastest feedback: `cargo fmt --check`, the UI build, svelte-check
/// and Vitest.
fn quick_checks() -> Result<()> {
    {
        let _step = step("Rust: cargo fmt --check");
        run_in(&root(), "cargo", &["fmt", "--all", "--", "--check"])?;
    }
    build_ui()?;
    let ui = root().join("ui");
    {
        let _step = step("UI: svelte-check (types)");
        run_in(&ui, "npm", &["run", "--silent", "check"])?;
    }
    let _step = step("UI: unit tests (vitest)");
    run_in(&ui, "npm", &["run", "--silent", "test"])
}

/// The result of a helper thread; `what` names its work when it panicked.
fn joined<T>(handle: std::thread::JoinHandle<Result<T>>, what: &str) -> Result<T> {
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("{what} panicked"))?
}

/// Makes clippy the compiler of the workspace's own crates for every cargo this process starts,
/// the way `cargo clippy -- -D warnings` does it (`RUSTC_WORKSPACE_WRAPPER` set to
/// `clippy-driver`, its arguments in `CLIPPY_ARGS`): one compile then builds the tests and
/// lints them, where a separate `cargo clippy` would check every dependency a second time.
/// Cargo hashes the wrapper into the artifacts' names, so plain `cargo build`s keep their own.
/// Must run before any thread starts.
fn lint_every_workspace_compile() -> Result<()> {
    let sysroot = capture("rustc", &["--print", "sysroot"])
        .context("`rustc --print sysroot` failed: is a Rust toolchain installed?")?;
    let driver = Path::new(&sysroot).join("bin/clippy-driver");
    if !driver.is_file() {
        bail!(
            "clippy is not installed for this toolchain ({} is missing): run `rustup component add clippy`",
            driver.display()
        );
    }
    std::env::set_var("RUSTC_WORKSPACE_WRAPPER", &driver);
    std::env::set_var(
        "CLIPPY_ARGS",
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
    );
    Ok(())
}

/// Regenerates the committed TypeScript bindings from the Rust types.
pub fn bindings() -> Result<()> {
    if !root().join("ui/dist/index.html").is_file() {
        deps::node_packages()?;
        build_ui()?;
    }
    let _step = step("regenerating ui/src/lib/bindings.ts and commands.ts");
    sh(
        "UPDATE_BINDINGS=1 cargo test --quiet -p persona-studio-app --lib bindings",
        &[],
    )
}

/// Runs every benchmark in release mode.
pub fn bench() -> Result<()> {
    for name in ["canon", "compile", "integrity", "dashboard"] {
        let _step = step(&format!("benchmark: {name}"));
        run_in(
            &root(),
            "cargo",
            &["bench", "--quiet", "-p", "persona-studio", "--bench", name],
        )?;
    }
    let scratch = Scratch::new("bench")?;
    // The OpenClaw sync benchmark's peer is the real OpenClaw CLI.
    let openclaw = deps::openclaw_cli()?;
    {
        let _step = step("benchmark: openclaw_sync (sync --dry-run vs openclaw config get)");
        with_env(&scratch, &[("PS_OPENCLAW_BIN", openclaw)], |env| {
            sh(
                "cargo bench --quiet -p persona-studio --bench openclaw_sync",
                env,
            )
        })?;
    }
    // The backup benchmark stores its passphrase in the keyring and runs restic and age.
    let _step =
        step("benchmark: backup (about 1 GiB; export, verify, restore vs tar|zstd|age and restic)");
    with_keyring_session(
        &scratch,
        &[],
        "{KEYRING} cargo bench --quiet -p persona-studio --bench backup",
    )
}
