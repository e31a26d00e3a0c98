//! Writing one agent's config entry into `openclaw.json`, in one of two ways:
//!
//! - **Through the OpenClaw CLI** (`openclaw config patch --stdin`, openclaw 2026.9.6
//!   `docs/cli/config.md`): we send a merge patch of the managed keys (objects merge, arrays
//!   and scalars replace, `null` deletes) under `agents.entries.<id>`; OpenClaw validates the
//!   whole result, migrates a legacy `agents.list` to `agents.entries`, writes into the
//!   included file that owns the entry if there is one, keeps `openclaw.json.bak`, and drops
//!   JSON5 comments (it warns first).
//! - **Ourselves**, when no CLI is available: the config file is parsed as written (its
//!   `$include`s not followed, `${VAR}` kept), the managed keys of the entry are set where the
//!   entry is (`agents.entries.<id>` or `agents.list[i]`; the layout is kept for OpenClaw to
//!   migrate), and the file is written atomically as plain JSON: comments do not survive and
//!   keys come out sorted. The previous bytes are kept as `openclaw.json.bak`. An entry that
//!   lives in an included file is refused ([`OpenClawError::EntryIncluded`]): only OpenClaw
//!   knows which file owns each key of a merged include.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::process::OpenClawCli;
use super::{OpenClawError, MANAGED_KEYS};
use crate::fsutil::write_atomic;
use crate::{Error, Result};

/// Who writes the config entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum WriterKind {
    /// `openclaw config patch --stdin`.
    OpenclawCli,
    /// Persona Studio itself (no OpenClaw CLI available).
    PersonaStudio,
}

/// How a sync will write the config; part of the plan, so a plan made with the CLI is not
/// applied without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConfigWriter {
    /// Who writes.
    pub kind: WriterKind,
    /// The OpenClaw CLI used, when it is the writer.
    pub openclaw_bin: Option<String>,
}

impl ConfigWriter {
    /// The writer for an optional OpenClaw CLI.
    pub fn for_bin(bin: Option<&Path>) -> Self {
        match bin {
            Some(bin) => ConfigWriter {
                kind: WriterKind::OpenclawCli,
                openclaw_bin: Some(bin.display().to_string()),
            },
            None => ConfigWriter {
                kind: WriterKind::PersonaStudio,
                openclaw_bin: None,
            },
        }
    }
}

/// Where an agent's entry is in the config file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootEntry {
    /// `agents.entries.<id>`.
    Entries,
    /// `agents.list[i]`.
    List(usize),
    /// Nowhere yet (the implicit agent of a config without agents): it goes to
    /// `agents.entries.<id>`.
    New,
}

/// Where `agent`'s entry is in `raw` (the config file as parsed, includes not followed), or
/// [`OpenClawError::EntryIncluded`] when an `$include` supplies any part of it.
pub fn entry_in_root(raw: &Value, agent: &str, path: &Path) -> Result<RootEntry> {
    let included = |at: &str| -> Error {
        OpenClawError::EntryIncluded {
            agent: agent.to_owned(),
            path: path.to_path_buf(),
            at: at.to_owned(),
        }
        .into()
    };
    let has_include = |value: &Value| value.get("$include").is_some();
    if has_include(raw) {
        return Err(included("the top level"));
    }
    let Some(agents) = raw.get("agents") else {
        return Ok(RootEntry::New);
    };
    if has_include(agents) {
        return Err(included("agents"));
    }
    if let Some(entries) = agents.get("entries") {
        if has_include(entries) {
            return Err(included("agents.entries"));
        }
        return match entries.get(agent) {
            Some(entry) if has_include(entry) => Err(included(&format!("agents.entries.{agent}"))),
            Some(_) => Ok(RootEntry::Entries),
            None => match entries
                .as_object()
                .and_then(|map| other_case(map.keys(), agent))
            {
                Some(key) => Err(not_lowercase(path, &format!("agents.entries.{key}"), agent)),
                None => Ok(RootEntry::New),
            },
        };
    }
    let list = agents.get("list").and_then(Value::as_array);
    for (index, item) in list.into_iter().flatten().enumerate() {
        if has_include(item) {
            return Err(included(&format!("agents.list[{index}]")));
        }
        match item.get("id").and_then(Value::as_str) {
            Some(id) if id == agent => return Ok(RootEntry::List(index)),
            Some(id) if id.eq_ignore_ascii_case(agent) => {
                return Err(not_lowercase(
                    path,
                    &format!("agents.list[{index}].id"),
                    agent,
                ))
            }
            _ => {}
        }
    }
    Ok(RootEntry::New)
}

/// A key that OpenClaw reads as `agent` but is spelled in another case.
fn other_case<'k>(mut keys: impl Iterator<Item = &'k String>, agent: &str) -> Option<&'k String> {
    keys.find(|key| key.as_str() != agent && key.eq_ignore_ascii_case(agent))
}

/// A sync would add a second entry beside one OpenClaw already reads as `agent`.
fn not_lowercase(path: &Path, at: &str, agent: &str) -> Error {
    OpenClawError::Invalid {
        path: path.to_path_buf(),
        at: at.to_owned(),
        detail: format!(
            "is agent \"{agent}\" to OpenClaw but not spelled in lowercase; rename it to \"{agent}\" before syncing"
        ),
    }
    .into()
}

/// `raw` with `agent`'s managed keys set as in `after` (a key absent from `after` is removed);
/// every other key is kept as parsed.
pub fn with_entry(mut raw: Value, agent: &str, at: RootEntry, after: &Map<String, Value>) -> Value {
    let Some(root) = raw.as_object_mut() else {
        return raw;
    };
    let agents = root
        .entry("agents")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(agents) = agents.as_object_mut() else {
        return raw;
    };
    let entry = match at {
        RootEntry::List(index) => agents.get_mut("list").and_then(|list| list.get_mut(index)),
        RootEntry::Entries | RootEntry::New => {
            if agents
                .get("list")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                agents.remove("list");
            }
            let entries = agents
                .entry("entries")
                .or_insert_with(|| Value::Object(Map::new()));
            entries.as_object_mut().map(|entries| {
                entries
                    .entry(agent.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
            })
        }
    };
    if let Some(Value::Object(entry)) = entry {
        for key in MANAGED_KEYS {
            match after.get(key) {
                Some(value) => entry.insert(key.to_owned(), value.clone()),
                None => entry.remove(key),
            };
        }
    }
    raw
}

/// Writes `value` over the config at `path` ourselves: the old bytes to `<path>.bak`, then the
/// new file (plain JSON, two-space indents), each atomically.
pub fn write_own(path: &Path, value: &Value) -> Result<()> {
    let old = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    if has_non_finite(&String::from_utf8_lossy(&old)) {
        // JSON has no Infinity or NaN: writing the file back would turn them into null.
        return Err(OpenClawError::Invalid {
            path: path.to_path_buf(),
            at: "(a value)".to_owned(),
            detail: "holds Infinity or NaN, which only OpenClaw's own writer keeps; sync with the OpenClaw CLI available (openclaw config patch) instead".to_owned(),
        }
        .into());
    }
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid("openclaw.json", e.to_string()))?;
    text.push('\n');
    write_atomic(&backup_path(path), &old)?;
    write_atomic(path, text.as_bytes())
}

/// Whether JSON5 `text` has an `Infinity` or `NaN` literal (outside strings and comments).
fn has_non_finite(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                while let Some(inner) = chars.next() {
                    match inner {
                        '\\' => {
                            chars.next();
                        }
                        _ if inner == c => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut star = false;
                for inner in chars.by_ref() {
                    if star && inner == '/' {
                        break;
                    }
                    star = inner == '*';
                }
            }
            _ if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_' || next == '$') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                if word == "Infinity" || word == "NaN" {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `openclaw.json.bak` beside `openclaw.json` (OpenClaw's own name for it).
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// The RFC 7396-style merge patch that turns `before` into `after`: objects merge (a removed
/// key is `null`), anything else is replaced. `None` when they are equal.
pub fn merge_patch(before: &Value, after: &Value) -> Option<Value> {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for (key, value) in new {
                let changed = match old.get(key) {
                    Some(was) => merge_patch(was, value),
                    None => Some(value.clone()),
                };
                if let Some(changed) = changed {
                    patch.insert(key.clone(), changed);
                }
            }
            for key in old.keys().filter(|key| !new.contains_key(*key)) {
                patch.insert(key.clone(), Value::Null);
            }
            (!patch.is_empty()).then_some(Value::Object(patch))
        }
        _ if before == after => None,
        _ => Some(after.clone()),
    }
}

/// The patch for `openclaw config patch` that brings `agent`'s entry from `before` to `after`
/// (only the managed keys), or `None` when nothing changes.
pub fn entry_patch(
    agent: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Option<Value> {
    let pick = |entry: &Map<String, Value>| -> Value {
        Value::Object(
            MANAGED_KEYS
                .iter()
                .filter_map(|key| Some(((*key).to_owned(), entry.get(*key)?.clone())))
                .collect(),
        )
    };
    let patch = merge_patch(&pick(before), &pick(after))?;
    Some(serde_json::json!({ "agents": { "entries": { agent: patch } } }))
}

/// Sends `patch` through `openclaw config patch --stdin`.
pub fn write_with_cli(cli: &OpenClawCli<'_>, patch: &Value) -> Result<()> {
    let text = serde_json::to_string(patch).map_err(|e| Error::invalid("patch", e.to_string()))?;
    cli.run(
        &["config", "patch", "--stdin"],
        Some(text.as_bytes()),
        "write the config",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn infinity_and_nan_are_found_outside_strings_and_comments_only() {
        assert!(has_non_finite("{limit: Infinity}"));
        assert!(has_non_finite("{a: -NaN,}"));
        assert!(!has_non_finite(
            "{name: \"Infinity\", note: 'NaN'} // Infinity\n/* NaN */"
        ));
        assert!(!has_non_finite("{InfinityPool: 1, NaNa: 2}"));
    }

    #[test]
    fn our_own_write_refuses_a_file_with_infinity_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("openclaw.json");
        std::fs::write(&path, "{agents: {}, limit: Infinity}").unwrap();
        let err = write_own(&path, &json!({"agents": {}})).unwrap_err();
        assert_eq!(err.code(), "openclaw_config_invalid");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{agents: {}, limit: Infinity}"
        );
        assert!(!backup_path(&path).exists());
    }

    #[test]
    fn a_sync_never_adds_an_entry_beside_one_in_another_case() {
        let path = Path::new("/s/openclaw.json");
        let raw = json!({"agents": {"entries": {"Upper": {"workspace": "/w"}}}});
        let err = entry_in_root(&raw, "upper", path).unwrap_err();
        assert!(err.to_string().contains("rename it to \"upper\""), "{err}");
        let raw = json!({"agents": {"list": [{"id": "Upper"}]}});
        assert!(entry_in_root(&raw, "upper", path).is_err());
    }

    #[test]
    fn the_entry_is_found_in_the_file_itself_or_refused_when_included() {
        let path = Path::new("/s/openclaw.json");
        let cases = [
            (
                json!({"agents": {"entries": {"exec": {}}}}),
                Ok(RootEntry::Entries),
            ),
            (
                json!({"agents": {"list": [{"id": "a"}, {"id": "exec"}]}}),
                Ok(RootEntry::List(1)),
            ),
            (json!({}), Ok(RootEntry::New)),
            (
                json!({"agents": {"entries": {"$include": "./e.json5"}}}),
                Err("agents.entries"),
            ),
            (json!({"agents": {"$include": "./a.json5"}}), Err("agents")),
            (json!({"$include": "./all.json5"}), Err("the top level")),
            (
                json!({"agents": {"entries": {"exec": {"$include": "./x.json5"}}}}),
                Err("agents.entries.exec"),
            ),
        ];
        for (raw, want) in cases {
            match (entry_in_root(&raw, "exec", path), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{raw}"),
                (Err(error), Err(at)) => {
                    assert_eq!(error.code(), "openclaw_entry_included");
                    assert!(
                        error
                            .to_string()
                            .contains(&format!("$include at {at} in /s/openclaw.json")),
                        "{error}"
                    );
                }
                (got, _) => panic!("{raw}: {got:?}"),
            }
        }
    }

    #[test]
    fn our_write_sets_only_managed_keys_and_keeps_the_rest() {
        let raw = json!({
            "gateway": {"auth": {"token": "${OPENCLAW_GATEWAY_TOKEN}"}},
            "agents": {"list": [{"id": "exec", "workspace": "~/w", "thinkingDefault": "low", "heartbeat": {"every": "2h"}}]}
        });
        let after =
            object(json!({"thinkingDefault": "high", "skills": [], "identity": {"name": "Ada"}}));
        let written = with_entry(raw, "exec", RootEntry::List(0), &after);
        assert_eq!(
            written,
            json!({
                "gateway": {"auth": {"token": "${OPENCLAW_GATEWAY_TOKEN}"}},
                "agents": {"list": [{"id": "exec", "workspace": "~/w", "thinkingDefault": "high",
                    "heartbeat": {"every": "2h"}, "skills": [], "identity": {"name": "Ada"}}]}
            })
        );
        let fresh = with_entry(
            json!({"agents": {"list": []}}),
            "main",
            RootEntry::New,
            &after,
        );
        assert_eq!(
            fresh,
            json!({"agents": {"entries": {"main": after.clone()}}})
        );
    }

    #[test]
    fn patches_hold_only_what_changes_and_null_for_what_goes() {
        let before = object(
            json!({"thinkingDefault": "low", "identity": {"theme": "t", "emoji": "x"}, "model": "m"}),
        );
        let after =
            object(json!({"identity": {"theme": "t", "name": "Ada"}, "skills": [], "model": "m"}));
        assert_eq!(
            entry_patch("exec", &before, &after),
            Some(json!({"agents": {"entries": {"exec": {
                "thinkingDefault": null, "identity": {"name": "Ada", "emoji": null}, "skills": []
            }}}}))
        );
        assert_eq!(entry_patch("exec", &after, &after), None);
    }

    #[test]
    fn our_write_keeps_the_old_file_as_bak() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("openclaw.json");
        std::fs::write(&path, "// old\n{}\n").unwrap();
        write_own(&path, &json!({"agents": {}})).unwrap();
        assert_eq!(
            std::fs::read_to_string(backup_path(&path)).unwrap(),
            "// old\n{}\n"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\n  \"agents\": {}\n}\n"
        );
    }
}
