//! The progress bar of the long backup commands: on an interactive stderr only, never with
//! `--json`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use persona_studio::backup::{Progress, Stage};

/// A progress bar on an interactive stderr, nothing otherwise. An export runs its stages at
/// once; the bar follows the furthest one that has started (verify, once it has begun).
pub struct Bar(Option<ProgressBar>, std::cell::Cell<usize>);

impl Bar {
    pub fn new(json: bool) -> Bar {
        if json || !std::io::stderr().is_terminal() {
            return Bar(None, Default::default());
        }
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(Some(bar), Default::default())
    }

    pub fn update(&self, p: Progress) {
        if let Some(bar) = &self.0 {
            let (rank, stage) = match p.stage {
                Stage::Snapshot => (0, "snapshot"),
                Stage::Pack => (1, "pack"),
                Stage::Encrypt => (2, "encrypt"),
                Stage::Upload => (3, "upload"),
                Stage::Verify => (4, "verify"),
                Stage::Restore => (5, "restore"),
            };
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

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
