//! The reasoning levels a model lists, from the caller or from the shipped table
//! `openclaw/model-levels.json` (versioned; keyed by OpenClaw's `provider/model` id; each list
//! lowest first, as OpenClaw's provider profiles declare them in openclaw 2026.9.6
//! `docs/tools/thinking.md`). A model in neither is unknown: the sync leaves `thinkingDefault`
//! out and the model keeps its own default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The shipped table, embedded at compile time.
const TABLE_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/openclaw/model-levels.json"
));

/// The table's format name; a new format means a new name.
pub const TABLE_FORMAT: &str = "persona-studio.openclawModelLevels.v1";

/// The shipped table of model levels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelTable {
    /// [`TABLE_FORMAT`].
    pub format: String,
    /// Raised whenever an entry changes.
    pub version: u32,
    /// The OpenClaw release the entries were read from.
    pub openclaw: String,
    /// Where the entries come from.
    pub source: String,
    /// Levels by model id, lowest first.
    pub models: BTreeMap<String, Vec<String>>,
}

/// Where a plan's model levels came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum LevelsSource {
    /// The caller listed them.
    Given,
    /// The shipped table has the model.
    Table,
    /// Neither: the model is unknown (or the agent has none), so it keeps its default.
    Unknown,
}

impl LevelsSource {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The levels a sync resolves the reasoning policy against, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ModelLevels {
    /// The agent's model id, if it has one.
    pub model: Option<String>,
    /// Its levels, lowest first (empty when unknown).
    pub levels: Vec<String>,
    /// Where they came from.
    pub source: LevelsSource,
    /// The table version consulted (`None` when the caller listed the levels).
    pub table_version: Option<u32>,
}

/// The shipped table, checked: the right format, and every list non-empty without repeats.
pub fn table() -> Result<LevelTable> {
    let table: LevelTable = serde_json::from_str(TABLE_JSON)
        .map_err(|e| Error::invalid("model-levels.json", e.to_string()))?;
    if table.format != TABLE_FORMAT {
        return Err(Error::invalid(
            "model-levels.json",
            format!("format is {}, expected {TABLE_FORMAT}", table.format),
        ));
    }
    for (model, levels) in &table.models {
        let mut seen: Vec<String> = levels.iter().map(|l| l.trim().to_lowercase()).collect();
        seen.sort();
        seen.dedup();
        if levels.is_empty() || seen.len() != levels.len() {
            return Err(Error::invalid(
                "model-levels.json",
                format!("{model} must list at least one level, each once"),
            ));
        }
    }
    Ok(table)
}

/// The levels for `model`: `given` when the caller listed them, else the table's, else none.
pub fn levels_for(model: Option<&str>, given: Option<&[String]>) -> Result<ModelLevels> {
    let model = model.map(str::to_owned);
    if let Some(given) = given {
        return Ok(ModelLevels {
            model,
            levels: given.to_vec(),
            source: LevelsSource::Given,
            table_version: None,
        });
    }
    let table = table()?;
    let found = model
        .as_deref()
        .and_then(|id| table.models.get(id.trim()))
        .cloned();
    Ok(ModelLevels {
        model,
        source: if found.is_some() {
            LevelsSource::Table
        } else {
            LevelsSource::Unknown
        },
        levels: found.unwrap_or_default(),
        table_version: Some(table.version),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::persona::spec::{resolve_reasoning, ReasoningLevel};

    #[test]
    fn the_shipped_table_is_well_formed_and_names_our_levels() {
        let table = table().unwrap();
        assert!(table.version >= 1 && table.openclaw.starts_with("2026.9"));
        for (model, levels) in &table.models {
            assert!(model.contains('/'), "{model} is a provider/model id");
            for level in levels {
                let known = ReasoningLevel::parse(level).is_some() || level == "on";
                assert!(known, "{model}: {level}");
            }
        }
    }

    #[test]
    fn levels_come_from_the_caller_then_the_table_then_nowhere() {
        let given = ["off".to_owned(), "normal".to_owned()];
        let cases = [
            (
                Some("openai/gpt-5.4"),
                Some(&given[..]),
                LevelsSource::Given,
                "normal",
            ),
            (
                Some("anthropic/claude-opus-4-6"),
                None,
                LevelsSource::Table,
                "adaptive",
            ),
            (Some(" zai/glm-5.2 "), None, LevelsSource::Table, "max"),
            (Some("acme/unknown-1"), None, LevelsSource::Unknown, ""),
            (None, None, LevelsSource::Unknown, ""),
        ];
        for (model, given, source, picked) in cases {
            let found = levels_for(model, given).unwrap();
            assert_eq!(found.source, source, "{model:?}");
            let names: Vec<&str> = found.levels.iter().map(String::as_str).collect();
            let resolved = resolve_reasoning(&names, Some("max"));
            assert_eq!(resolved.level.as_deref().unwrap_or(""), picked, "{model:?}");
        }
    }
}
