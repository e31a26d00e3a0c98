//! Running commands with a visible step log, from the repository root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// The repository root (the folder holding the workspace Cargo.toml).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Prints a step header and returns a guard that prints its duration when dropped.
pub fn step(title: &str) -> StepTimer {
    println!("\n==> {title}");
    StepTimer {
        title: title.to_owned(),
        started: Instant::now(),
    }
}

pub struct StepTimer {
    title: String,
    started: Instant,
}

impl Drop for StepTimer {
    fn drop(&mut self) {
        println!(
            "<== {} ({:.1}s)",
            self.title,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Runs `program args…` in `dir`, failing with the command line when it fails.
pub fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("could not start `{program}`"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs a shell script with extra environment variables, from the repository root.
pub fn sh(script: &str, env: &[(&str, &Path)]) -> Result<()> {
    sh_with_args(script, env, &[])
}

/// Like [`sh`], with positional arguments (`"$@"` in the script).
pub fn sh_with_args(script: &str, env: &[(&str, &Path)], args: &[String]) -> Result<()> {
    let mut command = Command::new("bash");
    command
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .arg("xtask")
        .args(args)
        .current_dir(root());
    for (key, value) in env {
        command.env(key, value);
    }
    let status = command.status().context("could not start bash")?;
    if !status.success() {
        bail!("script failed ({status}):\n{script}");
    }
    Ok(())
}

/// True when `program` runs and exits 0 with `args`.
pub fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// stdout of `program args…`, if it ran successfully.
pub fn capture(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Looks `program` up on PATH (and in ~/.cargo/bin, where `cargo install` puts binaries).
pub fn which(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|candidate| candidate.is_file())
}
