//! Installs what the build and the tests need, and only what is missing: Debian packages,
//! the UI's npm packages, tauri-driver, and a Python venv with the test tools.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::process::{capture, root, run_in, step, succeeds, which};

/// Debian packages: Tauri's build libraries, the headless display and WebDriver, the Secret
/// Service, the CLIs the backup interoperability tests use (`age`, `zstd`, `script` from
/// bsdutils), and restic, the backup benchmark's peer.
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
];

/// Python packages for the end-to-end tests and the loopback cloud servers.
const PYTHON_PACKAGES: &[&str] = &[
    "pytest==8.*",
    "selenium==4.*",
    "moto[server]==5.*",
    "boto3",
    "wsgidav==4.*",
    "cheroot",
];

const TAURI_DRIVER_VERSION: &str = "2.1.0";
const MIN_NODE: (u32, u32) = (20, 19);

pub fn setup_all() -> Result<()> {
    debian_packages()?;
    node_packages()?;
    tauri_driver()?;
    python_venv()?;
    Ok(())
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
    if let Some(path) = which("tauri-driver") {
        return Ok(path);
    }
    let _step = step("installing tauri-driver (cargo install)");
    run_in(
        &root(),
        "cargo",
        &[
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            TAURI_DRIVER_VERSION,
        ],
    )?;
    which("tauri-driver")
        .context("tauri-driver was installed but is not on PATH or in ~/.cargo/bin")
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
