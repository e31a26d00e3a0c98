//! What changed between a sync plan that was shown and the plan as it is now, part by part, in
//! words for the refusal: which files, which config keys, which inputs (preset, spec, model
//! levels, writer). Both plans are compared as JSON, so a plan remembered by an older release
//! is still read.

use serde_json::{Map, Value};

/// One phrase per difference between the `shown` plan body and the `current` one.
pub(super) fn changes(shown: &Value, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, what) in [
        ("format", "the plan format"),
        ("config_path", "the config file"),
        ("entry_path", "where the entry is"),
        ("workspace", "the workspace"),
    ] {
        if shown[key] != current[key] {
            out.push(format!(
                "{what} is now {} (was {})",
                current[key], shown[key]
            ));
        }
    }
    let preset = |v: &Value| format!("{}@{}", text(&v["preset"]["id"]), v["preset"]["version"]);
    if shown["preset"] != current["preset"] {
        out.push(format!(
            "the applied preset is now {} (was {})",
            preset(current),
            preset(shown)
        ));
    }
    if shown["spec_version"] != current["spec_version"]
        || shown["persona_hash"] != current["persona_hash"]
    {
        out.push(format!(
            "the active spec is now v{} (was v{})",
            current["spec_version"], shown["spec_version"]
        ));
    }
    if shown["model_levels"] != current["model_levels"] {
        out.push(format!(
            "the model's levels are now {} (were {})",
            current["model_levels"]["levels"], shown["model_levels"]["levels"]
        ));
    }
    if shown["writer"] != current["writer"] {
        out.push(format!(
            "the config writer is now {} (was {})",
            text(&current["writer"]["kind"]),
            text(&shown["writer"]["kind"])
        ));
    }
    out.extend(file_changes(&shown["files"], &current["files"]));
    out.extend(entry_changes(&shown["config"], &current["config"]));
    if out.is_empty() && shown["warnings"] != current["warnings"] {
        out.push(format!("the warnings are now {}", current["warnings"]));
    }
    if out.is_empty() {
        out.push("the plan's details differ".to_owned());
    }
    out
}

/// A JSON string without quotes; anything else as JSON.
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Each file whose planned outcome differs.
fn file_changes(shown: &Value, current: &Value) -> Vec<String> {
    let by_name = |files: &Value| -> Map<String, Value> {
        files
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (text(&f["file"]), f.clone()))
            .collect()
    };
    let (old, new) = (by_name(shown), by_name(current));
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let phrase = match (old.get(name), new.get(name)) {
            (Some(_), None) => format!("{name} is no longer in the preset"),
            (None, Some(_)) => format!("{name} is new in the preset"),
            (Some(was), Some(now)) if was["sha256"] != now["sha256"] => {
                format!("{name} renders differently now")
            }
            (Some(was), Some(now)) if was["action"] != now["action"] => format!(
                "{name} would now be {} (was {})",
                text(&now["action"]),
                text(&was["action"])
            ),
            (Some(was), Some(now)) if was["diff"] != now["diff"] => {
                format!("{name} changed in the workspace")
            }
            _ => continue,
        };
        out.push(phrase);
    }
    out
}

/// The entry's keys that changed in the config since, and the managed keys now planned
/// differently.
fn entry_changes(shown: &Value, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let changed = differing_keys(&shown["before"], &current["before"]);
    if !changed.is_empty() {
        out.push(format!("the config entry changed: {}", changed.join(", ")));
    }
    for key in differing_keys(&shown["after"], &current["after"]) {
        if changed.contains(&key) && shown["before"][&key] == shown["after"][&key] {
            continue; // An unmanaged key edited by hand: already said above.
        }
        let show = |v: &Value| {
            if v.is_null() {
                "absent".to_owned()
            } else {
                v.to_string()
            }
        };
        out.push(format!(
            "{key} would now be {} (was planned {})",
            show(&current["after"][&key]),
            show(&shown["after"][&key])
        ));
    }
    out
}

fn differing_keys(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let (old, new) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|key| old.get(*key) != new.get(*key))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body() -> Value {
        json!({
            "format": "f", "config_path": "/s/openclaw.json", "entry_path": "agents.entries.exec",
            "workspace": "/w", "preset": {"id": "executive_assistant", "version": 1, "content_hash": "h"},
            "spec_version": 1, "persona_hash": "p",
            "files": [
                {"file": "SOUL.md", "action": "update", "diff": "-a\n+b", "sha256": "s1"},
                {"file": "USER.md", "action": "kept_agent_file", "diff": "", "sha256": "u1"}
            ],
            "model_levels": {"levels": ["off", "high"]},
            "writer": {"kind": "openclaw_cli"},
            "config": {
                "before": {"thinkingDefault": "low", "model": "m"},
                "after": {"thinkingDefault": "high", "model": "m"}
            },
            "warnings": []
        })
    }

    #[test]
    fn nothing_changed_still_says_something() {
        assert_eq!(changes(&body(), &body()), ["the plan's details differ"]);
    }

    #[test]
    fn each_part_that_changed_is_named() {
        let mut now = body();
        now["files"][0]["diff"] = json!("-c\n+b");
        now["files"][1]["action"] = json!("update");
        now["config"]["before"]["model"] = json!("other");
        now["config"]["after"]["model"] = json!("other");
        now["config"]["after"]["thinkingDefault"] = json!("medium");
        now["model_levels"]["levels"] = json!(["off", "medium"]);
        now["spec_version"] = json!(2);
        assert_eq!(
            changes(&body(), &now),
            [
                "the active spec is now v2 (was v1)",
                "the model's levels are now [\"off\",\"medium\"] (were [\"off\",\"high\"])",
                "SOUL.md changed in the workspace",
                "USER.md would now be update (was kept_agent_file)",
                "the config entry changed: model",
                "thinkingDefault would now be \"medium\" (was planned \"high\")",
            ]
        );
    }
}
