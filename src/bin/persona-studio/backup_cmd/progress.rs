//! The progress bar of the long backup commands: on an interactive stderr only, never with
//! `--json`. It also holds the fault tests' progress failpoint (`PERSONA_STUDIO_FAILPOINT`), because a
//! progress report is the one point where a long operation hands control back to the CLI.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use persona_studio::backup::{Progress, Stage};

use crate::failpoints::{self, FAILPOINT_EXIT};

/// A progress bar on an interactive stderr, nothing otherwise. An export runs its stages at
/// once; the bar follows the furthest one that has started (verify, once it has begun).
pub struct Bar(
    Option<ProgressBar>,
    std::cell::Cell<usize>,
    Option<(String, u64)>,
);

/// The progress failpoint, one entry of `PERSONA_STUDIO_FAILPOINT` (see `failpoints.rs`):
/// `backup.progress:STAGE:BYTES` ends the process at the first progress report of STAGE
/// (`snapshot`, `pack`, `encrypt`, `upload`, `verify`, `restore`) that has done BYTES or more,
/// as a SIGKILL would: no cleanup, no unwinding. Every stage's last report carries its final
/// count, so a threshold below it always fires.
fn failpoint() -> Option<(String, u64)> {
    failpoints::entries().into_iter().find_map(|entry| {
        let (stage, bytes) = entry.strip_prefix("backup.progress:")?.split_once(':')?;
        Some((stage.to_owned(), bytes.parse().ok()?))
    })
}

impl Bar {
    pub fn new(json: bool) -> Bar {
        if json || !std::io::stderr().is_terminal() {
            return Bar(None, Default::default(), failpoint());
        }
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(Some(bar), Default::default(), failpoint())
    }

    pub fn update(&self, p: Progress) {
        if let Some((stage, bytes)) = &self.2 {
            if stage_name(p.stage) == stage && p.done >= *bytes {
                // Stop like a kill: exit skips every destructor and cleanup of the operation.
                std::process::exit(FAILPOINT_EXIT);
            }
        }
        if let Some(bar) = &self.0 {
            let stage = stage_name(p.stage);
            let rank = STAGES.iter().position(|s| *s == stage).unwrap_or(0);
            if rank < self.1.get() {
                return;
            }
            self.1.set(rank);
            bar.set_message(stage);
            bar.set_length(p.total.max(p.done));
            bar.set_position(p.done);
        }
    }
}

/// The stages in the order an export or restore reaches them.
const STAGES: [&str; 6] = ["snapshot", "pack", "encrypt", "upload", "verify", "restore"];

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Snapshot => "snapshot",
        Stage::Pack => "pack",
        Stage::Encrypt => "encrypt",
        Stage::Upload => "upload",
        Stage::Verify => "verify",
        Stage::Restore => "restore",
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
