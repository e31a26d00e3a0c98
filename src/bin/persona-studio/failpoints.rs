//! The fault tests' failpoints, armed from `PERSONA_STUDIO_FAILPOINT` when the process starts,
//! so a test stops or fails a backup at a chosen point instead of racing it with a timer.
//!
//! The variable holds entries separated by `;`:
//! - `backup.progress:STAGE:BYTES`: stop at a progress report (see `backup_cmd/progress.rs`);
//!   works in every build.
//! - `NAME=kill@N`: the Nth time the core reaches failpoint NAME, stop the process as a SIGKILL
//!   would (exit 137, no cleanup, no unwinding).
//! - `NAME=pause@N`: the Nth time, print `failpoint NAME reached` on stderr and wait for a line
//!   on stdin, so the test can act (cut the network) at exactly that point, then go on.
//! - `NAME=ACTIONS`: the `fail` crate's own actions, e.g. `1*off->return(enospc)`.
//!
//! NAME is one of `persona_studio::backup::failpoints::ALL`. Those exist only in test builds
//! (the `fail` crate's `failpoints` feature); arming one in another build is refused rather
//! than silently ignored, so a fault test can never pass without its fault.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use persona_studio::backup::failpoints;

use crate::output::Failure;

/// The variable naming the failpoints.
pub const FAILPOINT_VAR: &str = "PERSONA_STUDIO_FAILPOINT";

/// The exit status of a process stopped by a failpoint (128 + SIGKILL's 9).
pub const FAILPOINT_EXIT: i32 = 137;

/// The entries of [`FAILPOINT_VAR`], or none when it is unset.
pub fn entries() -> Vec<String> {
    std::env::var(FAILPOINT_VAR)
        .map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Arms the core failpoints [`FAILPOINT_VAR`] names. Errors: a malformed entry, an unknown
/// name, or a build without failpoints.
pub fn arm() -> Result<(), Failure> {
    for entry in entries() {
        if entry.starts_with("backup.progress:") {
            continue;
        }
        let bad = |why: &str| Failure::usage("invalid_input", format!("{FAILPOINT_VAR}: {why}"));
        let (name, action) = entry
            .split_once('=')
            .ok_or_else(|| bad(&format!("\"{entry}\" is not NAME=ACTION")))?;
        if !failpoints::ALL.contains(&name) {
            return Err(bad(&format!(
                "no failpoint \"{name}\"; there are {}",
                failpoints::ALL.join(", ")
            )));
        }
        if !failpoints::compiled_in() {
            return Err(bad("this build has no failpoints (only test builds do)"));
        }
        let at = |prefix: &str| -> Result<Option<u64>, Failure> {
            action
                .strip_prefix(prefix)
                .map(|n| {
                    n.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("N counts from 1"))
                })
                .transpose()
        };
        let armed = if let Some(n) = at("kill@")? {
            on_hit(name, n, || std::process::exit(FAILPOINT_EXIT))
        } else if let Some(n) = at("pause@")? {
            let owned = name.to_owned();
            on_hit(name, n, move || pause(&owned))
        } else {
            fail::cfg(name, action)
        };
        armed.map_err(|e| bad(&e))?;
    }
    Ok(())
}

/// Runs `then` the `n`th time failpoint `name` is reached.
fn on_hit(name: &str, n: u64, then: impl Fn() + Send + Sync + 'static) -> Result<(), String> {
    let hits = AtomicU64::new(0);
    fail::cfg_callback(name, move || {
        if hits.fetch_add(1, Ordering::SeqCst) + 1 == n {
            then();
        }
    })
}

/// Says where it stopped and waits for a line on stdin (or its end).
fn pause(name: &str) {
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "failpoint {name} reached");
    let _ = stderr.flush();
    let _ = std::io::stdin().lock().read_line(&mut String::new());
}
