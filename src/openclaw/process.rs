//! Running the OpenClaw CLI (`openclaw config patch --stdin`, `openclaw config validate`, …)
//! as a child process, bounded: it gets exactly the caller's [`Environment`] (variables and
//! current folder, nothing of ours), at most [`MAX_OUTPUT_BYTES`] of each output stream are
//! kept, and a run that outlasts its timeout is killed. Failures carry `openclaw_cli_*` codes.
//!
//! OpenClaw's CLI is documented in openclaw 2026.9.6 `docs/cli/config.md`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wait_timeout::ChildExt;

use super::{Environment, OpenClawError};
use crate::Result;

/// The most bytes of stdout and of stderr kept from one run; the rest is read and dropped.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// How long one OpenClaw command may take (it starts Node and loads its plugins: seconds).
pub const CLI_TIMEOUT: Duration = Duration::from_secs(120);
/// How long to wait for the output pipes to close after a killed run.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(2);

/// The OpenClaw CLI at a path, run in an environment.
#[derive(Clone, Copy)]
pub struct OpenClawCli<'a> {
    /// The executable (`openclaw`, or a wrapper that starts it).
    pub bin: &'a Path,
    /// What the process sees.
    pub env: &'a Environment,
    /// How long a run may take.
    pub timeout: Duration,
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliRun {
    /// The exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Stdout, lossy UTF-8, at most [`MAX_OUTPUT_BYTES`].
    pub stdout: String,
    /// Stderr, likewise.
    pub stderr: String,
}

impl OpenClawCli<'_> {
    /// Runs `openclaw ARGS…` with `stdin` as its input, to `action` (words for messages, such
    /// as "write the config"). A run that exits non-zero fails with
    /// [`OpenClawError::CliFailed`], one that cannot start with `CliNotRunnable`, one that
    /// outlasts the timeout with `CliTimeout`.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>, action: &str) -> Result<CliRun> {
        let run = self.run_unchecked(args, stdin, action)?;
        if run.code == Some(0) {
            return Ok(run);
        }
        Err(OpenClawError::CliFailed {
            bin: self.bin.to_path_buf(),
            action: action.to_owned(),
            code: run.code,
            output: tail(&run),
        }
        .into())
    }

    /// Like [`OpenClawCli::run`], but any exit code is returned rather than refused.
    pub fn run_unchecked(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        action: &str,
    ) -> Result<CliRun> {
        let mut command = Command::new(self.bin);
        command
            .args(args)
            .env_clear()
            .envs(self.env.vars())
            .current_dir(self.env.cwd())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let not_runnable = |detail: String| OpenClawError::CliNotRunnable {
            bin: self.bin.to_path_buf(),
            detail,
        };
        let mut child = command.spawn().map_err(|e| not_runnable(e.to_string()))?;
        // The input is written on its own thread so a child that does not read it cannot
        // block us; dropping the pipe closes its stdin.
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let bytes = bytes.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = child
            .wait_timeout(self.timeout)
            .map_err(|e| not_runnable(e.to_string()))?;
        let Some(status) = status else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(OpenClawError::CliTimeout {
                bin: self.bin.to_path_buf(),
                action: action.to_owned(),
                seconds: self.timeout.as_secs(),
            }
            .into());
        };
        Ok(CliRun {
            code: status.code(),
            stdout: collect(stdout),
            stderr: collect(stderr),
        })
    }
}

/// Reads a pipe to its end on a thread, keeping the first [`MAX_OUTPUT_BYTES`].
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut pipe) = pipe {
            let mut buffer = [0u8; 8192];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = MAX_OUTPUT_BYTES.saturating_sub(kept.len());
                        kept.extend_from_slice(buffer.get(..n.min(room)).unwrap_or_default());
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let _ = send.send(kept);
    });
    receive
}

/// What a drained pipe held; a pipe still open after the child ended (a grandchild kept it)
/// is given up after a short wait.
fn collect(receiver: mpsc::Receiver<Vec<u8>>) -> String {
    let bytes = receiver.recv_timeout(DRAIN_AFTER_KILL).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The last lines of a failed run, for its error message: stderr, else stdout.
fn tail(run: &CliRun) -> String {
    let text = if run.stderr.trim().is_empty() {
        &run.stdout
    } else {
        &run.stderr
    };
    let lines: Vec<&str> = text.trim().lines().collect();
    let start = lines.len().saturating_sub(12);
    lines.get(start..).unwrap_or_default().join("\n")
}

/// The first `name` on `path` (a `PATH` value) that is an executable file; used by front ends
/// to find `openclaw`.
pub fn find_on_path(path: &str, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn script(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("openclaw");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn runs_with_only_the_given_environment_and_bounded_output() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(
            dir.path(),
            "cat; echo \"[$ONLY]\" \"[$HOME]\"; pwd; head -c 3000000 /dev/zero | tr '\\0' x >&2",
        );
        let env = Environment::new(
            [
                ("ONLY".to_owned(), "yes".to_owned()),
                ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
            ],
            dir.path().to_path_buf(),
        );
        let cli = OpenClawCli {
            bin: &bin,
            env: &env,
            timeout: Duration::from_secs(30),
        };
        let run = cli.run(&[], Some(b"input\n"), "test").unwrap();
        let cwd = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(run.stdout, format!("input\n[yes] []\n{}\n", cwd.display()));
        assert_eq!(run.stderr.len(), MAX_OUTPUT_BYTES);
    }

    #[test]
    fn failures_and_timeouts_get_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::new([], dir.path().to_path_buf());
        let failing = script(dir.path(), "echo 'Config invalid: agents.x' >&2; exit 3");
        let cli = OpenClawCli {
            bin: &failing,
            env: &env,
            timeout: Duration::from_secs(30),
        };
        let error = cli
            .run(&["config", "validate"], None, "validate the config")
            .unwrap_err();
        assert_eq!(error.code(), "openclaw_cli_failed");
        let message = error.to_string();
        assert!(
            message.contains("validate the config") && message.contains("exit code 3"),
            "{message}"
        );
        assert!(message.contains("Config invalid: agents.x"), "{message}");

        let slow = dir.path().join("slow");
        std::fs::create_dir(&slow).unwrap();
        let slow = script(&slow, "sleep 20");
        let cli = OpenClawCli {
            bin: &slow,
            env: &env,
            timeout: Duration::from_millis(300),
        };
        let started = std::time::Instant::now();
        let error = cli.run(&[], None, "write the config").unwrap_err();
        assert_eq!(error.code(), "openclaw_cli_timeout");
        assert!(started.elapsed() < Duration::from_secs(10));

        let missing = dir.path().join("no-such-openclaw");
        let cli = OpenClawCli {
            bin: &missing,
            env: &env,
            timeout: CLI_TIMEOUT,
        };
        assert_eq!(
            cli.run(&[], None, "x").unwrap_err().code(),
            "openclaw_cli_not_runnable"
        );
    }

    #[test]
    fn finds_executables_on_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(dir.path(), "true");
        std::fs::write(dir.path().join("plain"), "").unwrap();
        let path = format!("/nonexistent:{}", dir.path().display());
        assert_eq!(find_on_path(&path, "openclaw"), Some(bin));
        assert_eq!(find_on_path(&path, "plain"), None);
        assert_eq!(find_on_path("", "openclaw"), None);
    }
}
