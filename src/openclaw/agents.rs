//! The agents an OpenClaw config declares, with the values that take effect for each: its own
//! keys, else `agents.defaults` (openclaw 2026.9.6,
//! `docs/gateway/config-agents/entries-and-multi-agent.md`), and the workspace folder OpenClaw
//! would use (`docs/gateway/config-agents/workspace-and-bootstrap.md`):
//!
//! - the agent's own `workspace`, `~` and `${VAR}` expanded, relative to the current folder;
//! - else, for the install's owner agent (the legacy `default: true` one, or the only agent),
//!   `agents.defaults.workspace`, else `OPENCLAW_WORKSPACE_DIR`, else `<state>/workspace`;
//! - else `agents.defaults.workspace/<id>`, else `<state>/workspace-<id>`.
//!
//! With no agents configured OpenClaw runs one implicit agent, `main`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Environment, Located, OpenClawError};
use crate::Result;

/// The id of the agent OpenClaw runs when the config declares none.
pub const IMPLICIT_AGENT: &str = "main";

/// How the config lists its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `agents.entries.<id>` (current releases).
    Entries,
    /// `agents.list: [{id, …}]` (before mid-2026; OpenClaw migrates it on its next write).
    LegacyList,
    /// No agents: OpenClaw runs the implicit `main` agent.
    Implicit,
}

/// One agent as OpenClaw would run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Agent {
    /// The agent id (`^[a-z0-9_][a-z0-9_-]{0,63}$`).
    pub id: String,
    /// `name`, if set.
    pub name: Option<String>,
    /// The workspace folder OpenClaw would use (absolute).
    pub workspace: String,
    /// `workspace` exactly as written in the config (`~` and `${VAR}` kept), if set.
    pub workspace_written: Option<String>,
    /// The primary model (`model`, or `model.primary`).
    pub model: Option<String>,
    /// `thinkingDefault`.
    pub thinking_default: Option<String>,
    /// `skills`: `None` means every skill; `[]` means none.
    pub skills: Option<Vec<String>>,
    /// Which of `model`, `thinkingDefault`, `skills` and `workspace` came from `agents.defaults`.
    pub inherited: Vec<String>,
    /// True for the implicit `main` agent of a config that declares none.
    pub implicit: bool,
}

/// The agents of a config, in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Roster {
    /// How they are listed.
    pub layout: Layout,
    /// The agents.
    pub agents: Vec<Agent>,
}

/// One declared agent: its id, where it is written, its own keys, and whether it carries the
/// legacy `default` mark.
struct Declared {
    id: String,
    at: String,
    entry: Map<String, Value>,
    legacy_default: bool,
}

/// What every agent's effective values depend on.
struct Context<'a> {
    defaults: &'a Map<String, Value>,
    owner: Option<String>,
    layout: Layout,
    located: &'a Located,
    env: &'a Environment,
}

/// The agents `config` (read from `located.config`) declares, with their effective values.
pub fn roster(config: &Value, located: &Located, env: &Environment) -> Result<Roster> {
    let path = &located.config;
    let Value::Object(root) = config else {
        return Err(invalid(path, "the config", "is not an object"));
    };
    let agents = match root.get("agents") {
        None => Map::new(),
        Some(Value::Object(agents)) => agents.clone(),
        Some(_) => return Err(invalid(path, "agents", "is not an object")),
    };
    let defaults = match agents.get("defaults") {
        None => Map::new(),
        Some(Value::Object(defaults)) => defaults.clone(),
        Some(_) => return Err(invalid(path, "agents.defaults", "is not an object")),
    };
    let (layout, mut declared) = declared(&agents, path)?;
    if declared.is_empty() {
        declared.push(Declared {
            id: IMPLICIT_AGENT.to_owned(),
            at: "agents".to_owned(),
            entry: Map::new(),
            legacy_default: false,
        });
    }
    let owner = declared
        .iter()
        .find(|agent| agent.legacy_default)
        .or(match declared.as_slice() {
            [only] => Some(only),
            _ => None,
        })
        .map(|agent| agent.id.clone());
    let context = Context {
        defaults: &defaults,
        owner,
        layout,
        located,
        env,
    };
    let agents = declared
        .iter()
        .map(|agent| effective(agent, &context))
        .collect::<Result<Vec<_>>>()?;
    Ok(Roster { layout, agents })
}

/// `agents`, or only the one with id `only`; an id the config (at `path`) does not have is
/// [`OpenClawError::UnknownAgent`].
pub(super) fn select(agents: Vec<Agent>, only: Option<&str>, path: &Path) -> Result<Vec<Agent>> {
    let Some(id) = only else {
        return Ok(agents);
    };
    let known: Vec<String> = agents.iter().map(|agent| agent.id.clone()).collect();
    let selected: Vec<Agent> = agents.into_iter().filter(|agent| agent.id == id).collect();
    if selected.is_empty() {
        return Err(OpenClawError::UnknownAgent {
            id: id.to_owned(),
            path: path.to_path_buf(),
            known,
        }
        .into());
    }
    Ok(selected)
}

fn declared(agents: &Map<String, Value>, path: &Path) -> Result<(Layout, Vec<Declared>)> {
    match (agents.get("entries"), agents.get("list")) {
        (Some(_), Some(_)) => Err(invalid(
            path,
            "agents",
            "has both entries and the legacy list; OpenClaw accepts only one of them",
        )),
        (Some(Value::Object(entries)), None) => {
            let mut out = Vec::new();
            for (id, entry) in entries {
                let at = format!("agents.entries.{id}");
                let id = check_id(id, path, &at)?;
                let Value::Object(entry) = entry else {
                    return Err(invalid(path, &at, "is not an object"));
                };
                if out.iter().any(|agent: &Declared| agent.id == id) {
                    return Err(invalid(
                        path,
                        &at,
                        &format!("repeats the agent id \"{id}\""),
                    ));
                }
                out.push(Declared {
                    id,
                    at,
                    entry: entry.clone(),
                    legacy_default: entry.get("default") == Some(&Value::Bool(true)),
                });
            }
            let layout = if out.is_empty() {
                Layout::Implicit
            } else {
                Layout::Entries
            };
            Ok((layout, out))
        }
        (Some(_), None) => Err(invalid(path, "agents.entries", "is not an object")),
        (None, Some(Value::Array(list))) => legacy_list(list, path),
        (None, Some(_)) => Err(invalid(path, "agents.list", "is not a list")),
        (None, None) => Ok((Layout::Implicit, Vec::new())),
    }
}

fn legacy_list(list: &[Value], path: &Path) -> Result<(Layout, Vec<Declared>)> {
    let mut out: Vec<Declared> = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let at = format!("agents.list[{index}]");
        let Value::Object(entry) = item else {
            return Err(invalid(path, &at, "is not an object"));
        };
        let Some(Value::String(id)) = entry.get("id") else {
            return Err(invalid(
                path,
                &format!("{at}.id"),
                "is missing or not a string",
            ));
        };
        let id = check_id(id, path, &format!("{at}.id"))?;
        if out.iter().any(|agent| agent.id == id) {
            return Err(invalid(
                path,
                &format!("{at}.id"),
                &format!("repeats the agent id \"{id}\""),
            ));
        }
        let mut entry = entry.clone();
        entry.remove("id");
        out.push(Declared {
            id: id.clone(),
            at,
            legacy_default: entry.get("default") == Some(&Value::Bool(true)),
            entry,
        });
    }
    let layout = if out.is_empty() {
        Layout::Implicit
    } else {
        Layout::LegacyList
    };
    Ok((layout, out))
}

/// OpenClaw's agent id pattern, `^[a-z0-9_][a-z0-9_-]{0,63}$`, checked after OpenClaw's own
/// normalization (ASCII lowercase: `agents list` shows the key `Upper` as `upper`); returns the
/// normalized id.
fn check_id(written: &str, path: &Path, at: &str) -> Result<String> {
    let id = written.to_ascii_lowercase();
    let id = id.as_str();
    let ok = (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(invalid(
            path,
            at,
            &format!("\"{written}\" is not an agent id (1 to 64 of a-z, 0-9, '_' or '-', not starting with '-')"),
        ))
    }
}

fn effective(agent: &Declared, context: &Context<'_>) -> Result<Agent> {
    let Context {
        defaults,
        located,
        env,
        ..
    } = *context;
    let path = &located.config;
    let prefix = agent.at.as_str();
    let is_owner = context.owner.as_deref() == Some(agent.id.as_str());
    let mut inherited = Vec::new();
    let mut pick = |key: &'static str| -> Option<(&Value, String)> {
        match agent.entry.get(key) {
            Some(value) => Some((value, format!("{prefix}.{key}"))),
            None => {
                let value = defaults.get(key)?;
                inherited.push(key.to_owned());
                Some((value, format!("agents.defaults.{key}")))
            }
        }
    };
    let model = pick("model")
        .map(|(v, at)| model(v, path, &at))
        .transpose()?;
    let thinking_default = pick("thinkingDefault")
        .map(|(v, at)| string(v, path, &at))
        .transpose()?;
    let skills = pick("skills")
        .map(|(v, at)| strings(v, path, &at))
        .transpose()?;
    let name = agent
        .entry
        .get("name")
        .map(|v| string(v, path, &format!("{prefix}.name")))
        .transpose()?;
    let written = agent
        .entry
        .get("workspace")
        .map(|v| string(v, path, &format!("{prefix}.workspace")))
        .transpose()?;
    let fallback = defaults
        .get("workspace")
        .map(|v| string(v, path, "agents.defaults.workspace"))
        .transpose()?;
    let own = written.as_deref().filter(|w| !w.trim().is_empty());
    let fallback = fallback.as_deref().filter(|w| !w.trim().is_empty());
    if own.is_none() && fallback.is_some() {
        inherited.push("workspace".to_owned());
    }
    let workspace = workspace_dir(&agent.id, own, fallback, is_owner, located, env);
    Ok(Agent {
        id: agent.id.clone(),
        name,
        workspace: workspace.display().to_string(),
        workspace_written: written,
        model,
        thinking_default,
        skills,
        inherited,
        implicit: context.layout == Layout::Implicit,
    })
}

/// The folder OpenClaw uses as the agent's workspace (`resolveAgentWorkspaceDir`).
fn workspace_dir(
    id: &str,
    own: Option<&str>,
    fallback: Option<&str>,
    is_owner: bool,
    located: &Located,
    env: &Environment,
) -> PathBuf {
    let user_path = |written: &str| env.user_path(&env.substitute(written));
    if let Some(own) = own {
        return user_path(own);
    }
    match (fallback, is_owner) {
        (Some(fallback), true) => user_path(fallback),
        (Some(fallback), false) => user_path(fallback).join(id),
        (None, true) => match env.var("OPENCLAW_WORKSPACE_DIR") {
            Some(dir) => env.absolute(Path::new(dir)),
            None => located.state_dir.join("workspace"),
        },
        (None, false) => located.state_dir.join(format!("workspace-{id}")),
    }
}

fn model(value: &Value, path: &Path, at: &str) -> Result<String> {
    match value {
        Value::String(model) => Ok(model.clone()),
        Value::Object(model) => match model.get("primary") {
            Some(primary) => string(primary, path, &format!("{at}.primary")),
            None => Err(invalid(path, at, "has no primary model")),
        },
        _ => Err(invalid(
            path,
            at,
            "is neither a model id nor {primary, fallbacks}",
        )),
    }
}

fn string(value: &Value, path: &Path, at: &str) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(path, at, "is not a string"))
}

fn strings(value: &Value, path: &Path, at: &str) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(invalid(path, at, "is not a list"));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| string(item, path, &format!("{at}[{index}]")))
        .collect()
}

fn invalid(path: &Path, at: &str, detail: &str) -> crate::Error {
    OpenClawError::Invalid {
        path: path.to_path_buf(),
        at: at.to_owned(),
        detail: detail.to_owned(),
    }
    .into()
}
