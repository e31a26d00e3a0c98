//! What can go wrong with an OpenClaw install, in OpenClaw's own words: the config file, its
//! JSON5, its `$include` files, its agents, a sync plan and the OpenClaw CLI (openclaw 2026.9.6,
//! `docs/gateway/configuration.md`, `docs/gateway/configuration/common-tasks.md` and
//! `docs/cli/config.md`). Every message names the file and the problem; none says which
//! command of ours to run, since the core does not know who called it.

use std::path::PathBuf;

use super::ConfigSource;

/// A problem with the OpenClaw install; [`OpenClawError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenClawError {
    /// No config file where the install should keep it.
    #[error("No OpenClaw config at {} (found by {}).", .path.display(), .found_by.describe())]
    NotFound {
        /// Where it was looked for.
        path: PathBuf,
        /// How that place was chosen.
        found_by: ConfigSource,
    },

    /// The path exists but is a folder, a pipe, a device or a socket.
    #[error("{} is not a regular file (it is {kind}); OpenClaw config files must be regular files.", .path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a folder`, `a named pipe`, …).
        kind: &'static str,
    },

    /// The file is larger than a config file may be.
    #[error("{} is larger than {limit} bytes, the most an OpenClaw config file may be; it was not read.", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },

    /// The file is not UTF-8 JSON5.
    #[error("{} is not valid JSON5: {detail}.", .path.display())]
    NotJson5 {
        /// The file.
        path: PathBuf,
        /// What is wrong and where (line and column, 1-based).
        detail: String,
    },

    /// The JSON5 is fine but a value OpenClaw needs has the wrong shape.
    #[error("{}: {at} {detail}.", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The config path of the value, such as `agents.list[2].id`.
        at: String,
        /// What is wrong with it.
        detail: String,
    },

    /// An `$include` that OpenClaw would refuse too: outside the config folder, circular, too
    /// deep, missing, or not a plain file.
    #[error("{}: $include \"{include}\" was refused: {reason}.", .path.display())]
    IncludeRefused {
        /// The file holding the `$include`.
        path: PathBuf,
        /// The include path as written.
        include: String,
        /// Why.
        reason: String,
    },

    /// The config has no agent with this id.
    #[error("The OpenClaw config {} has no agent \"{id}\"; its agents are: {}.", .path.display(), .known.join(", "))]
    UnknownAgent {
        /// The id asked for.
        id: String,
        /// The config file.
        path: PathBuf,
        /// The ids it has.
        known: Vec<String>,
    },

    /// The workspace folder OpenClaw would use for one of our agents is gone.
    #[error("The workspace {} of OpenClaw agent \"{agent}\" does not exist; restore it, or point the agent at its folder in the OpenClaw config. Nothing was written.", .workspace.display())]
    WorkspaceMissing {
        /// The agent id.
        agent: String,
        /// The folder.
        workspace: PathBuf,
    },

    /// The plan being applied is not the plan as it is now.
    #[error("The sync plan of agent \"{agent}\" changed since it was shown ({expected}, now {current}): {}. Nothing was written; review the new plan.", .changes.join("; "))]
    PlanChanged {
        /// The agent id.
        agent: String,
        /// The hash the caller agreed to.
        expected: String,
        /// The hash of the plan now.
        current: String,
        /// What differs, one phrase each.
        changes: Vec<String>,
    },

    /// The plan hash given was never shown for this agent (or is no longer remembered).
    #[error("No sync plan {given} was shown for agent \"{agent}\" (the last {kept} plans of each agent are remembered); the plan now is {current}. Nothing was written; review it first.")]
    PlanUnknown {
        /// The agent id.
        agent: String,
        /// The hash given.
        given: String,
        /// The hash of the plan now.
        current: String,
        /// How many plans per agent are remembered.
        kept: u32,
    },

    /// The agent's entry lives (in part) in a file the config includes, and only OpenClaw's own
    /// writer edits included files.
    #[error("The config entry of agent \"{agent}\" comes from an included file ($include at {at} in {}); without the OpenClaw CLI we write only entries of the main config file. Nothing was written.", .path.display())]
    EntryIncluded {
        /// The agent id.
        agent: String,
        /// The file holding the `$include`.
        path: PathBuf,
        /// The config path of the object holding it (`agents.entries`).
        at: String,
    },

    /// The OpenClaw CLI could not be started.
    #[error("Could not run the OpenClaw CLI {}: {detail}.", .bin.display())]
    CliNotRunnable {
        /// The executable.
        bin: PathBuf,
        /// Why.
        detail: String,
    },

    /// The OpenClaw CLI ended with an error.
    #[error("The OpenClaw CLI {} could not {action} (exit code {}):\n{output}", .bin.display(), .code.map_or("none: it was killed".to_owned(), |c| c.to_string()))]
    CliFailed {
        /// The executable.
        bin: PathBuf,
        /// What it was asked to do.
        action: String,
        /// Its exit code.
        code: Option<i32>,
        /// The last lines it printed.
        output: String,
    },

    /// The OpenClaw CLI took longer than allowed and was stopped.
    #[error("The OpenClaw CLI {} did not {action} within {seconds} seconds and was stopped.", .bin.display())]
    CliTimeout {
        /// The executable.
        bin: PathBuf,
        /// What it was asked to do.
        action: String,
        /// The limit.
        seconds: u64,
    },

    /// After a write, the entry does not hold what the plan wrote.
    #[error("After writing {}, agent \"{agent}\" has {key} = {found} where the sync wrote {wrote}.", .path.display())]
    WriteMismatch {
        /// The agent id.
        agent: String,
        /// The config file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What was written (JSON).
        wrote: String,
        /// What is there (JSON, or "absent").
        found: String,
    },
}

impl OpenClawError {
    /// A stable, snake_case code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            OpenClawError::NotFound { .. } => "openclaw_not_found",
            OpenClawError::NotAFile { .. } => "openclaw_not_a_file",
            OpenClawError::TooLarge { .. } => "openclaw_config_too_large",
            OpenClawError::NotJson5 { .. } => "openclaw_not_json5",
            OpenClawError::Invalid { .. } => "openclaw_config_invalid",
            OpenClawError::IncludeRefused { .. } => "openclaw_include_refused",
            OpenClawError::UnknownAgent { .. } => "openclaw_unknown_agent",
            OpenClawError::WorkspaceMissing { .. } => "openclaw_workspace_missing",
            OpenClawError::PlanChanged { .. } => "openclaw_plan_changed",
            OpenClawError::PlanUnknown { .. } => "openclaw_plan_unknown",
            OpenClawError::EntryIncluded { .. } => "openclaw_entry_included",
            OpenClawError::CliNotRunnable { .. } => "openclaw_cli_not_runnable",
            OpenClawError::CliFailed { .. } => "openclaw_cli_failed",
            OpenClawError::CliTimeout { .. } => "openclaw_cli_timeout",
            OpenClawError::WriteMismatch { .. } => "openclaw_write_mismatch",
        }
    }

    /// True when the config, the agent asked for or the plan given is wrong; false when
    /// something is missing or the OpenClaw CLI failed.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            OpenClawError::NotFound { .. }
                | OpenClawError::CliNotRunnable { .. }
                | OpenClawError::CliFailed { .. }
                | OpenClawError::CliTimeout { .. }
                | OpenClawError::WriteMismatch { .. }
        )
    }
}

impl From<OpenClawError> for crate::Error {
    fn from(error: OpenClawError) -> Self {
        crate::Error::OpenClaw {
            code: error.code(),
            bad_input: error.is_bad_input(),
            message: error.to_string(),
        }
    }
}
