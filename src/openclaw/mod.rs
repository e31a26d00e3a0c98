//! OpenClaw, the runtime our agents run in: find its install, read its agents, and tell for
//! each one which of our agents it is and whether it still runs what we last wrote.
//!
//! Everything here follows openclaw 2026.9.6, whose npm package ships its own `docs/`:
//!
//! - where the config lives ([`locate`]): `docs/gateway/configuration.md` and
//!   `docs/gateway/config-agents/workspace-and-bootstrap.md` (`OPENCLAW_CONFIG_PATH`, else
//!   `$OPENCLAW_STATE_DIR/openclaw.json`, else `~/.openclaw/openclaw.json`);
//! - how it is read ([`read_config`]): JSON5 with `$include`,
//!   `docs/gateway/configuration/common-tasks.md`; `${VAR}` references stay as written,
//!   `docs/gateway/configuration/environment-variables.md`;
//! - its agents ([`roster`]): `agents.entries.<id>` or the legacy `agents.list: [{id, …}]`,
//!   `docs/gateway/config-agents/entries-and-multi-agent.md`;
//! - what we report about them ([`status()`]);
//! - the plan that would bring one of them to our agent ([`plan`], `sync --dry-run`), and
//!   applying it once agreed to by its hash ([`sync()`]): the workspace files, and the config
//!   entry through the OpenClaw CLI (`docs/cli/config.md`, [`OpenClawCli`]) or our own write;
//! - bringing existing agents under our management ([`import()`]);
//! - Claws, OpenClaw's agent packages, made from a preset and read back ([`claw`],
//!   `docs/cli/claws.md`).
//!
//! It knows nothing of the CLI or the app and never reads the process environment itself: the
//! caller passes an [`Environment`] (which an OpenClaw process we start gets, and nothing
//! else) and, to write through it, the path of the OpenClaw CLI.

mod agents;
mod apply;
mod budget;
pub mod claw;
mod config;
mod error;
mod import;
mod levels;
mod plan_diff;
mod process;
mod state;
mod status;
mod sync;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use agents::{roster, Agent, Layout, Roster};
pub use apply::{sync, SyncOutcome, SyncRequest};
pub use budget::{INJECTION_ORDER, USER_MAX_CHARS};
pub use config::{
    deep_merge, normalize, parse_json5, read_config, ConfigFiles, MAX_FILE_BYTES,
    MAX_INCLUDE_DEPTH, MAX_NESTING, MAX_TOTAL_BYTES,
};
pub use error::OpenClawError;
pub use import::{import, AgentImport, ImportAction, ImportReport};
pub use levels::{levels_for, table as level_table, LevelTable, LevelsSource, ModelLevels};
pub use process::{find_on_path, CliRun, OpenClawCli, CLI_TIMEOUT, MAX_OUTPUT_BYTES};
pub use state::{entry_baseline, EntryBaseline};
pub use status::{
    entry_changes, status, AgentState, AgentStatus, AppliedPreset, DriftItem, EntryChange,
    OurAgent, Status,
};
pub use sync::{
    plan, ConfigDiff, KeyChange, PlanBody, SyncOptions, SyncPlan, MANAGED_KEYS, PLANS_KEPT,
    PLAN_FORMAT,
};
pub use write::{backup_path, ConfigWriter, WriterKind};

use crate::Result;

/// The file name of OpenClaw's config inside its state folder.
pub const CONFIG_FILE: &str = "openclaw.json";

/// What OpenClaw would see of the process it runs in: the variables it reads and the current
/// folder (relative paths in its config resolve against it). Built by the caller.
#[derive(Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    cwd: PathBuf,
}

impl Environment {
    /// An environment from `vars` (name, value) and the current folder `cwd` (absolute).
    pub fn new(vars: impl IntoIterator<Item = (String, String)>, cwd: PathBuf) -> Self {
        Environment {
            vars: vars.into_iter().collect(),
            cwd,
        }
    }

    /// Every variable, by name: what an OpenClaw process started for us gets.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// The current folder.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// This environment with `name` set to `value`.
    pub fn with_var(&self, name: &str, value: &str) -> Environment {
        let mut copy = self.clone();
        copy.vars.insert(name.to_owned(), value.to_owned());
        copy
    }

    /// A variable's value, trimmed; `None` when unset or blank (OpenClaw trims them too).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// The home folder: `OPENCLAW_HOME` (its `~` is `HOME`), else `HOME`.
    pub fn home(&self) -> Option<PathBuf> {
        let os_home = self.var("HOME").map(PathBuf::from);
        match self.var("OPENCLAW_HOME") {
            Some(home) => Some(self.absolute(&expand_tilde(home, os_home.as_deref()))),
            None => os_home.map(|home| self.absolute(&home)),
        }
    }

    /// A path as OpenClaw resolves user paths: `~` is the home folder, relative paths are taken
    /// from the current folder, `.` and `..` are resolved.
    pub fn user_path(&self, written: &str) -> PathBuf {
        let home = self.home();
        self.absolute(&expand_tilde(written.trim(), home.as_deref()))
    }

    /// Replaces `${NAME}` (uppercase names) with the variable's value, as OpenClaw does when it
    /// loads the config; unset names stay visibly unresolved and `$${NAME}` is a literal
    /// `${NAME}`. Used only to find folders, never for text we write.
    pub fn substitute(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            let before = rest.get(..at).unwrap_or_default();
            let after = rest.get(at + 2..).unwrap_or_default();
            if let Some(kept) = before.strip_suffix('$') {
                out.push_str(kept);
                out.push_str("${");
                rest = after;
                continue;
            }
            out.push_str(before);
            let reference = after.find('}').and_then(|end| {
                let name = after.get(..end)?;
                is_var_name(name).then_some((end, self.var(name)?))
            });
            match reference {
                Some((end, value)) => {
                    out.push_str(value);
                    rest = after.get(end + 1..).unwrap_or_default();
                }
                None => {
                    out.push_str("${");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn expand_tilde(written: &str, home: Option<&Path>) -> PathBuf {
    match (written.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            home.join(rest.trim_start_matches(['/', '\\']))
        }
        _ => PathBuf::from(written),
    }
}

/// How the config file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// A folder (or file) the caller named.
    Explicit,
    /// `OPENCLAW_CONFIG_PATH`.
    ConfigPathEnv,
    /// `$OPENCLAW_STATE_DIR/openclaw.json`.
    StateDirEnv,
    /// `~/.openclaw/openclaw.json`.
    Default,
}

impl ConfigSource {
    /// The source in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ConfigSource::Explicit => "the folder given",
            ConfigSource::ConfigPathEnv => "OPENCLAW_CONFIG_PATH",
            ConfigSource::StateDirEnv => "OPENCLAW_STATE_DIR",
            ConfigSource::Default => "the default location",
        }
    }
}

/// Where an install keeps its config and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The config file (absolute).
    pub config: PathBuf,
    /// The state folder: default workspaces live here.
    pub state_dir: PathBuf,
    /// How the config was found.
    pub found_by: ConfigSource,
}

/// Finds the config: `explicit` (a state folder holding `openclaw.json`, or the file itself),
/// else `OPENCLAW_CONFIG_PATH`, else `$OPENCLAW_STATE_DIR/openclaw.json`, else
/// `~/.openclaw/openclaw.json`. Fails with [`OpenClawError::NotFound`] when nothing is there.
pub fn locate(explicit: Option<&Path>, env: &Environment) -> Result<Located> {
    let home_state = || {
        env.home()
            .unwrap_or_else(|| env.absolute(Path::new("~")))
            .join(".openclaw")
    };
    let env_state = env.var("OPENCLAW_STATE_DIR").map(|dir| env.user_path(dir));
    let located = if let Some(given) = explicit {
        let given = env.absolute(given);
        if given.is_file() {
            let state_dir = given.parent().map(Path::to_path_buf).unwrap_or_default();
            (given, state_dir, ConfigSource::Explicit)
        } else {
            (given.join(CONFIG_FILE), given, ConfigSource::Explicit)
        }
    } else if let Some(path) = env.var("OPENCLAW_CONFIG_PATH") {
        let state_dir = env_state.unwrap_or_else(home_state);
        (env.user_path(path), state_dir, ConfigSource::ConfigPathEnv)
    } else if let Some(state_dir) = env_state {
        (
            state_dir.join(CONFIG_FILE),
            state_dir,
            ConfigSource::StateDirEnv,
        )
    } else {
        let state_dir = home_state();
        (
            state_dir.join(CONFIG_FILE),
            state_dir,
            ConfigSource::Default,
        )
    };
    let (config, state_dir, found_by) = located;
    if std::fs::symlink_metadata(&config).is_err() {
        return Err(OpenClawError::NotFound {
            path: config,
            found_by,
        }
        .into());
    }
    Ok(Located {
        config,
        state_dir,
        found_by,
    })
}

#[cfg(test)]
mod tests;
