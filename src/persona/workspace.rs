//! The agent's workspace persona files (SOUL.md, USER.md, IDENTITY.md, AGENTS.md): their
//! precedence, their budgets, and reading them from a folder; and the list of every file the
//! OpenClaw runtime reads from a workspace ([`RUNTIME_FILES`]).

use std::path::Path;

use serde::Serialize;

use crate::fsutil::read_in;
use crate::{Error, Result};

/// One of the four persona files, in precedence order (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ts_rs::TS)]
pub enum PersonaFile {
    #[serde(rename = "SOUL.md")]
    Soul,
    #[serde(rename = "USER.md")]
    User,
    #[serde(rename = "IDENTITY.md")]
    Identity,
    #[serde(rename = "AGENTS.md")]
    Agents,
}

impl PersonaFile {
    /// Highest precedence first: SOUL > USER > IDENTITY > AGENTS.
    pub const BY_PRECEDENCE: [PersonaFile; 4] = [
        PersonaFile::Soul,
        PersonaFile::User,
        PersonaFile::Identity,
        PersonaFile::Agents,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            PersonaFile::Soul => "SOUL.md",
            PersonaFile::User => "USER.md",
            PersonaFile::Identity => "IDENTITY.md",
            PersonaFile::Agents => "AGENTS.md",
        }
    }

    /// The most characters of this file that go into a plan.
    pub fn budget_chars(self) -> usize {
        match self {
            PersonaFile::User => USER_FILE_BUDGET_CHARS,
            _ => FILE_BUDGET_CHARS,
        }
    }
}

/// The precedence contract as one line of AGENTS.md, so the agent reads it from the runtime's
/// own files (issue 13): every official preset's rendered AGENTS.md carries it.
pub const PRECEDENCE_LINE: &str = "Persona precedence: SOUL.md > USER.md > IDENTITY.md > AGENTS.md";

/// Every file OpenClaw reads from an agent's workspace into the agent's prompt or turn, which
/// an integrity baseline therefore covers whether or not it exists (openclaw 2026.9.6,
/// `dist/workspace-bootstrap-policy-*.mjs`): the bootstrap files in prompt order
/// (`WORKSPACE_BOOTSTRAP_FILENAMES`: AGENTS, SOUL, IDENTITY, USER, BOOTSTRAP, MEMORY), the two
/// a Claw installs as bootstrap files and older releases inject (`CLAW_BOOTSTRAP_FILE_NAMES`:
/// TOOLS, HEARTBEAT; `openclaw doctor` migrates them), and `BOOT.md`, which the `boot-md` hook
/// sends to the agent at gateway start (`docs/automation/hooks/bundled-hooks.md`).
pub const RUNTIME_FILES: [&str; 9] = [
    "AGENTS.md",
    "SOUL.md",
    "TOOLS.md",
    "IDENTITY.md",
    "USER.md",
    "HEARTBEAT.md",
    "BOOTSTRAP.md",
    "MEMORY.md",
    "BOOT.md",
];

/// Per-file character budget.
pub const FILE_BUDGET_CHARS: usize = 20_000;
/// USER.md's tighter budget: it is about the owner and is agent-editable.
pub const USER_FILE_BUDGET_CHARS: usize = 4_000;
/// Budget for all files together.
pub const TOTAL_BUDGET_CHARS: usize = 60_000;
/// Files larger than this are refused outright rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The persona files of one workspace; any of them may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceFiles {
    files: [Option<String>; 4],
}

impl WorkspaceFiles {
    pub fn new() -> Self {
        WorkspaceFiles::default()
    }

    pub fn with(mut self, file: PersonaFile, text: impl Into<String>) -> Self {
        self.set(file, text);
        self
    }

    pub fn set(&mut self, file: PersonaFile, text: impl Into<String>) {
        self.files[file as usize] = Some(text.into());
    }

    pub fn get(&self, file: PersonaFile) -> Option<&str> {
        self.files[file as usize].as_deref()
    }

    /// Reads whichever persona files exist in `dir`, each through `fsutil::read_in` (never
    /// blocking; a link only when it stays inside `dir` and ends at a regular file). A file that
    /// is not a regular file, not UTF-8 or larger than [`MAX_FILE_BYTES`] is an error naming
    /// the file.
    pub fn read_dir(dir: &Path) -> Result<WorkspaceFiles> {
        if !dir.is_dir() {
            return Err(Error::invalid(
                "workspace",
                format!("{} is not a folder", dir.display()),
            ));
        }
        let mut files = WorkspaceFiles::new();
        for file in PersonaFile::BY_PRECEDENCE {
            let name = Path::new(file.file_name());
            let Some(bytes) = read_in(dir, name, MAX_FILE_BYTES)? else {
                continue;
            };
            let text = String::from_utf8(bytes).map_err(|e| {
                Error::invalid(
                    "workspace",
                    format!(
                        "{} is not UTF-8 text (invalid byte at offset {}). Save it as UTF-8.",
                        dir.join(name).display(),
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?;
            files.set(file, text);
        }
        Ok(files)
    }
}
