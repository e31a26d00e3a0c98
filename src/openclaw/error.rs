//! What can go wrong reading an OpenClaw install, in OpenClaw's own words: the config file, its
//! JSON5, its `$include` files and its agents (openclaw 2026.9.6, `docs/gateway/configuration.md`
//! and `docs/gateway/configuration/common-tasks.md`). Every message names the file and the
//! problem; none says which command to run, since the core does not know who called it.

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
        }
    }

    /// True when the config (or the agent asked for) is wrong, rather than missing.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, OpenClawError::NotFound { .. })
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
