//! Reasoning policy: the ordered [`ReasoningLevel`]s a spec may prefer, and
//! [`resolve_reasoning`], which meets a spec's preference with what a model supports.
//!
//! Model catalogs spell levels loosely, so level names given to [`ReasoningLevel::parse`] and
//! [`resolve_reasoning`] are trimmed and compared case-insensitively (`" High "` is `high`), and
//! names that are not levels are ignored. Inside a spec document the name must be exact
//! lowercase (`FromStr`, serde and the validator are strict).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ParseEnumError;

string_enum! {
    /// How much a model should think before answering, from least to most.
    ReasoningLevel ("reasoning level") derive(PartialOrd, Ord) {
        Off = "off",
        Minimal = "minimal",
        Low = "low",
        Medium = "medium",
        High = "high",
        Xhigh = "xhigh",
        Max = "max",
    }
}

impl ReasoningLevel {
    /// Parses a level name leniently: trimmed and case-insensitive. `None` if it is no level.
    pub fn parse(text: &str) -> Option<Self> {
        let wanted = text.trim();
        ReasoningLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(wanted))
    }
}

/// Why [`ResolvedReasoning::level`] is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReasoningSource {
    /// The model supports the preferred level.
    Preferred,
    /// It does not, so the highest level the model supports was taken.
    HighestSupported,
    /// The model names no known level: send no reasoning setting and let it use its default.
    ModelDefault,
}

/// The reasoning level to ask a model for, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ResolvedReasoning {
    /// `None` exactly when `source` is [`ReasoningSource::ModelDefault`].
    pub level: Option<ReasoningLevel>,
    pub source: ReasoningSource,
}

/// Picks the reasoning level for a model that supports the level names in `supported`, given
/// the spec's `preferred` name (`None` means `max`).
///
/// 1. If `preferred` is a known level and `supported` lists it: that level, `Preferred`.
/// 2. Otherwise, the highest known level in `supported`: `HighestSupported`.
/// 3. Otherwise (no known level supported): no level, `ModelDefault`.
///
/// Names are trimmed and case-insensitive; unknown names, in either argument, are ignored, so an
/// unknown `preferred` falls through to rule 2.
pub fn resolve_reasoning(supported: &[&str], preferred: Option<&str>) -> ResolvedReasoning {
    let preferred = match preferred {
        Some(name) => ReasoningLevel::parse(name),
        None => Some(ReasoningLevel::Max),
    };
    let known = supported
        .iter()
        .filter_map(|name| ReasoningLevel::parse(name));

    if let Some(wanted) = preferred {
        if known.clone().any(|level| level == wanted) {
            return ResolvedReasoning {
                level: Some(wanted),
                source: ReasoningSource::Preferred,
            };
        }
    }
    match known.max() {
        Some(level) => ResolvedReasoning {
            level: Some(level),
            source: ReasoningSource::HighestSupported,
        },
        None => ResolvedReasoning {
            level: None,
            source: ReasoningSource::ModelDefault,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::ReasoningLevel::*;
    use super::ReasoningSource::*;
    use super::*;

    #[test]
    fn levels_are_ordered_and_named() {
        let mut sorted = ReasoningLevel::ALL;
        sorted.sort();
        assert_eq!(sorted, ReasoningLevel::ALL);
        assert!(Off < Minimal && Minimal < Low && Low < Medium);
        assert!(Medium < High && High < Xhigh && Xhigh < Max);
        for level in ReasoningLevel::ALL {
            let json = serde_json::to_string(&level).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(ReasoningLevel::parse(level.as_str()), Some(level));
            assert_eq!(level.as_str().parse::<ReasoningLevel>(), Ok(level));
        }
    }

    #[test]
    fn parse_is_lenient_but_from_str_is_strict() {
        assert_eq!(ReasoningLevel::parse("  XHigh\t"), Some(Xhigh));
        assert_eq!(ReasoningLevel::parse("MAX"), Some(Max));
        assert_eq!(ReasoningLevel::parse("extreme"), None);
        assert_eq!(ReasoningLevel::parse(""), None);
        let err = "MAX".parse::<ReasoningLevel>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "\"MAX\" is not a valid reasoning level; use one of: off, minimal, low, medium, \
                 high, xhigh, max"
            )
        );
    }

    #[test]
    fn resolve_table() {
        type Row = (
            &'static str,
            &'static [&'static str],
            Option<&'static str>,
            Option<ReasoningLevel>,
            ReasoningSource,
        );
        let rows: &[Row] = &[
            (
                "exact match",
                &["low", "medium", "high"],
                Some("medium"),
                Some(Medium),
                Preferred,
            ),
            (
                "default preference is max",
                &["low", "max"],
                None,
                Some(Max),
                Preferred,
            ),
            (
                "default max unsupported",
                &["low", "high"],
                None,
                Some(High),
                HighestSupported,
            ),
            (
                "fallback to highest",
                &["minimal", "low"],
                Some("high"),
                Some(Low),
                HighestSupported,
            ),
            (
                "fallback may go up",
                &["high", "xhigh"],
                Some("low"),
                Some(Xhigh),
                HighestSupported,
            ),
            (
                "unsorted supported",
                &["high", "off", "medium"],
                Some("max"),
                Some(High),
                HighestSupported,
            ),
            (
                "unknown supported ignored",
                &["turbo", "low", "ultra"],
                Some("ultra"),
                Some(Low),
                HighestSupported,
            ),
            (
                "only unknown supported",
                &["turbo", "ultra"],
                Some("high"),
                None,
                ModelDefault,
            ),
            ("empty supported", &[], Some("high"), None, ModelDefault),
            (
                "empty supported, no preference",
                &[],
                None,
                None,
                ModelDefault,
            ),
            (
                "unknown preferred",
                &["low", "medium"],
                Some("extreme"),
                Some(Medium),
                HighestSupported,
            ),
            (
                "empty preferred is unknown",
                &["low"],
                Some(""),
                Some(Low),
                HighestSupported,
            ),
            (
                "duplicates",
                &["low", "low", "high", "high"],
                Some("low"),
                Some(Low),
                Preferred,
            ),
            (
                "duplicates fallback",
                &["low", "low", "high", "high"],
                Some("max"),
                Some(High),
                HighestSupported,
            ),
            (
                "case-insensitive supported",
                &["LOW", "High"],
                Some("high"),
                Some(High),
                Preferred,
            ),
            (
                "case-insensitive preferred",
                &["low", "high"],
                Some(" HIGH "),
                Some(High),
                Preferred,
            ),
            (
                "trimmed supported",
                &[" xhigh\n"],
                Some("xhigh"),
                Some(Xhigh),
                Preferred,
            ),
            (
                "off is a level",
                &["off"],
                Some("off"),
                Some(Off),
                Preferred,
            ),
            (
                "off is the only level",
                &["off"],
                Some("max"),
                Some(Off),
                HighestSupported,
            ),
        ];
        assert!(rows.len() >= 10);
        for (name, supported, preferred, level, source) in rows {
            let got = resolve_reasoning(supported, *preferred);
            assert_eq!(
                got,
                ResolvedReasoning {
                    level: *level,
                    source: *source
                },
                "row {name:?}"
            );
            assert_eq!(
                got.level.is_none(),
                got.source == ModelDefault,
                "row {name:?}"
            );
        }
    }

    #[test]
    fn resolved_serializes_snake_case() {
        let got = resolve_reasoning(&["high"], None);
        assert_eq!(
            serde_json::to_value(got).ok(),
            Some(serde_json::json!({ "level": "high", "source": "highest_supported" }))
        );
        let none = resolve_reasoning(&[], None);
        assert_eq!(
            serde_json::to_value(none).ok(),
            Some(serde_json::json!({ "level": null, "source": "model_default" }))
        );
    }
}
