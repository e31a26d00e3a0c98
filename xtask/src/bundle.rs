//! Installable packages: `cargo xtask bundle` builds the release `.deb` and `.rpm` for users
//! into `artifacts/bundle/`, and `cargo xtask test-bundle` (the last stage of `cargo xtask test`)
//! packages the debug build the end-to-end tests used, installs it with apt, runs the installed
//! CLI and app, upgrades it to a bumped version and removes it (`e2e/packaging/`).
//!
//! Tauri's own bundler makes the packages (`tauri bundle` from the `@tauri-apps/cli` npm package
//! the UI already depends on), from `src-tauri/tauri.conf.json`: metadata, dependencies, the
//! desktop entry and icons, the CLI at `/usr/bin/persona-studio` and the user guide at
//! `/usr/share/persona-studio/guide`. An AppImage is not made: Tauri's AppImage bundler downloads
//! linuxdeploy from GitHub, outside the package registries these machines reach.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::deps;
use crate::process::{root, run_in, step};
use crate::test::{build_binaries, build_ui, with_keyring_session, Scratch};

/// The cargo profile a package is made from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// What users install: `cargo xtask bundle`.
    Release,
    /// What the packaging test installs: the build the end-to-end tests already made, so CI
    /// does not compile the app a second time.
    Debug,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Debug => "debug",
        }
    }
}

/// The package formats `tauri bundle` makes here.
#[derive(Clone, Copy)]
pub enum Format {
    Deb,
    Rpm,
}

impl Format {
    fn bundler_name(self) -> &'static str {
        match self {
            Format::Deb => "deb",
            Format::Rpm => "rpm",
        }
    }

    /// The distribution's own file name: `NAME_VERSION_ARCH.deb` (Debian policy 5.6.12 and
    /// dpkg-name) and `NAME-VERSION-RELEASE.ARCH.rpm`; never a space, which Tauri's
    /// `productName`-based names have.
    fn file_name(self, version: &str) -> String {
        match self {
            Format::Deb => format!("{PACKAGE}_{}_amd64.deb", deb_version(version)),
            Format::Rpm => format!("{PACKAGE}-{}-1.x86_64.rpm", version.replace('-', "~")),
        }
    }
}

/// The package name in both formats.
pub const PACKAGE: &str = "persona-studio";

/// The version written in `[workspace.package]` of the workspace `Cargo.toml`.
pub fn workspace_version() -> Result<String> {
    let manifest = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("could not read {}", manifest.display()))?;
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[workspace.package]";
        } else if in_section {
            if let Some(value) = line.strip_prefix("version") {
                let value = value.trim_start().trim_start_matches('=').trim();
                return Ok(value.trim_matches('"').to_owned());
            }
        }
    }
    bail!(
        "{} has no version in [workspace.package]",
        manifest.display()
    )
}

/// How Tauri's deb bundler writes a SemVer version: build metadata after `+` is kept, and a
/// pre-release `-` becomes `~` so it sorts before the release (Debian policy 5.6.12).
fn deb_version(version: &str) -> String {
    version.replace('-', "~")
}

/// `cargo xtask bundle`: the release packages, with the user guide, in `artifacts/bundle/`.
pub fn bundle() -> Result<Vec<PathBuf>> {
    deps::debian_packages()?;
    deps::node_packages()?;
    build_ui()?;
    // The guide the packages ship, with the screenshots if the end-to-end tests took them.
    crate::docs::docs(crate::docs::Screenshots::Optional)?;
    {
        let _step = step("build the app and the CLI (release)");
        run_in(
            &root(),
            "cargo",
            &[
                "build",
                "--release",
                "-p",
                "persona-studio-app",
                "-p",
                "persona-studio",
                "--bins",
                // What `tauri build` adds: the app serves its UI from the embedded assets.
                "--features",
                "tauri/custom-protocol",
            ],
        )?;
    }
    let version = workspace_version()?;
    let out = root().join("artifacts/bundle");
    let mut made = Vec::new();
    for format in [Format::Deb, Format::Rpm] {
        made.push(package(Profile::Release, format, &version, &out)?);
    }
    println!("\nPackages:");
    for path in &made {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        println!("  {} ({:.1} MiB)", path.display(), size as f64 / 1048576.0);
    }
    println!(
        "\nInstall on Debian or Ubuntu: sudo apt install ./artifacts/bundle/{}",
        Format::Deb.file_name(&version)
    );
    Ok(made)
}

/// Runs `tauri bundle` for one format of the binaries already built under `profile`, and copies
/// the result to `out/` under the distribution's file name. `version` overrides the
/// workspace's (the upgrade test's bumped package); the binaries keep theirs.
pub fn package(profile: Profile, format: Format, version: &str, out: &Path) -> Result<PathBuf> {
    let _step = step(&format!(
        "package {} {version} ({})",
        format.bundler_name(),
        profile.dir()
    ));
    let target = root().join("target").join(profile.dir());
    for binary in ["persona-studio-app", "persona-studio"] {
        if !target.join(binary).is_file() {
            bail!("{} is not built yet", target.join(binary).display());
        }
    }
    let guide = root().join("artifacts/docs/index.html");
    if !guide.is_file() {
        bail!(
            "the user guide is not built ({} is missing): run `cargo xtask docs` first",
            guide.display()
        );
    }
    let config = overrides(version, &target)?;
    let tauri = root().join("ui/node_modules/.bin/tauri");
    let mut args = vec![
        "bundle",
        "--ci",
        "--no-sign",
        "--bundles",
        format.bundler_name(),
    ];
    if profile == Profile::Debug {
        args.push("--debug");
    }
    args.extend(["--config", config.as_str()]);
    let tauri = tauri
        .to_str()
        .context("the tauri CLI's path is not UTF-8")?;
    run_in(&root().join("src-tauri"), tauri, &args)?;
    let made = bundled_file(&target.join("bundle").join(format.bundler_name()), version)?;
    std::fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    let dest = out.join(format.file_name(version));
    std::fs::copy(&made, &dest)
        .with_context(|| format!("could not copy {} to {}", made.display(), dest.display()))?;
    Ok(dest)
}

/// The `--config` merge patch: the version, and the CLI taken from the profile's folder.
fn overrides(version: &str, target: &Path) -> Result<String> {
    let cli = target.join("persona-studio");
    let cli = cli
        .to_str()
        .context("the target folder's path is not UTF-8")?;
    let files = format!(r#"{{"/usr/bin/persona-studio": "{cli}"}}"#);
    Ok(format!(
        r#"{{"version": "{version}", "bundle": {{"linux": {{"deb": {{"files": {files}}}, "rpm": {{"files": {files}}}}}}}}}"#
    ))
}

/// The one file of `version` Tauri left in `dir` (its names carry the product name).
fn bundled_file(dir: &Path, version: &str) -> Result<PathBuf> {
    let wanted = [
        format!("_{}_", deb_version(version)),
        format!("-{version}-"),
    ];
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("could not list {}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if wanted.iter().any(|w| name.contains(w.as_str())) && path.is_file() {
            found.push(path);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "tauri bundle left no package of version {version} in {}",
            dir.display()
        ),
        _ => bail!(
            "tauri bundle left several packages of version {version} in {}",
            dir.display()
        ),
    }
}

/// `cargo xtask test-bundle`: package the debug build twice (the workspace version and a
/// bumped one), then run `e2e/packaging/` as root (or through sudo) inside Xvfb and a keyring
/// session: metadata, install, the installed CLI and app, upgrade, removal.
pub fn test_bundle() -> Result<()> {
    deps::setup_for_tests()?;
    let tauri_driver = deps::tauri_driver()?;
    let python = deps::python_venv()?;
    let target = root().join("target/debug");
    if !target.join("persona-studio-app").is_file() || !target.join("persona-studio").is_file() {
        build_ui()?;
        build_binaries()?;
    }
    let version = workspace_version()?;
    let bumped = format!("{version}+upgrade.1");
    let out = root().join("artifacts/bundle/test");
    let _ = std::fs::remove_dir_all(&out);
    let current = package(Profile::Debug, Format::Deb, &version, &out)?;
    let next = package(Profile::Debug, Format::Deb, &bumped, &out)?;
    let _step = step("packaging: install, run, upgrade and remove the .deb (e2e/packaging)");
    let scratch = Scratch::new("bundle")?;
    let env = [
        (
            "PS_APP_BINARY",
            PathBuf::from("/usr/bin/persona-studio-app"),
        ),
        ("PS_CLI_BINARY", PathBuf::from("/usr/bin/persona-studio")),
        ("PS_TAURI_DRIVER", tauri_driver),
        ("PS_ARTIFACTS", root().join("artifacts/e2e-packaging")),
        ("PS_PYTHON", python),
        ("PS_PACKAGE", current),
        ("PS_PACKAGE_UPGRADE", next),
        ("PS_PACKAGE_VERSION", PathBuf::from(&version)),
    ];
    with_keyring_session(
        &scratch,
        &env,
        r#"xvfb-run -a -s "-screen 0 1280x800x24" {KEYRING} "$PS_PYTHON" -m pytest e2e/packaging -v -p no:cacheprovider --timeout=600"#,
    )
}
