//! Reasoning policy: the ordered [`ReasoningLevel`]s a spec may prefer, and
//! [`resolve_reasoning`], which meets a spec's preference with what a model supports.
//!
//! # The ladder
//!
//! `off < minimal < low < medium < high < xhigh < adaptive < max < ultra`: OpenClaw's own thinking
//! ladder (`tools/thinking.md` and `agents.entries.*.thinkingDefault` in
//! `gateway/config-agents/entries-and-multi-agent.md`, openclaw 2026.9.6), so a level we pick and
//! the level OpenClaw would fall back to for the same model rank alike ("stored unsupported
//! levels are remapped by provider profile rank").
//!
//! - `adaptive` (the provider decides how much to think, per request) ranks above `xhigh` and
//!   below `max`: it is where OpenClaw puts it, and it is what models without a fixed maximum
//!   (Claude 4.6, Gemini dynamic thinking) offer as their top setting.
//! - `ultra` (provider max reasoning plus proactive sub-agent orchestration) ranks above `max`.
//!   The default preference stays `max`, so `ultra` is chosen only when a spec prefers it, or
//!   when it is the highest level a model lists and the preferred one is not listed.
//!
//! # Names a model lists
//!
//! A model lists its levels in ascending order, in its own words. Names are trimmed and compared
//! case-insensitively (`" High "` is `high`), and OpenClaw's aliases are accepted (`x-high`,
//! `x_high`, `extra-high`, `extra high`, `extra_high` are `xhigh`; `highest` is `high`). A name
//! that is none of our levels (`normal`, `on`) is still a level of that model: it ranks by its
//! position in the model's list, just above the highest of our levels listed before it. Inside a
//! spec document a level must be spelled exactly (`FromStr`, serde and the validator are strict).

use serde::{Deserialize, Serialize};

use super::ParseEnumError;

string_enum! {
    /// How much a model should think before answering, from least to most (OpenClaw's
    /// `thinkingDefault` values, in the order of `tools/thinking.md`).
    ReasoningLevel ("reasoning level") derive(PartialOrd, Ord) {
        Off = "off",
        Minimal = "minimal",
        Low = "low",
        Medium = "medium",
        High = "high",
        Xhigh = "xhigh",
        /// The provider manages thinking per request (OpenClaw `adaptive`).
        Adaptive = "adaptive",
        Max = "max",
        /// Maximum reasoning plus proactive sub-agent orchestration (OpenClaw `ultra`).
        Ultra = "ultra",
    }
}

string_enum! {
    /// Whether the persona's reasoning is shown to whoever it talks to (OpenClaw's
    /// `reasoningDefault`, "reasoning visibility" in `tools/thinking.md`): `off` hides it, `on`
    /// sends it as a separate message, `stream` shows it while the reply is written.
    ReasoningVisibility ("reasoning visibility") {
        Off = "off",
        On = "on",
        Stream = "stream",
    }
}

/// OpenClaw's spellings of levels that are not our names (`tools/thinking.md`).
const ALIASES: [(&str, ReasoningLevel); 6] = [
    ("x-high", ReasoningLevel::Xhigh),
    ("x_high", ReasoningLevel::Xhigh),
    ("extra-high", ReasoningLevel::Xhigh),
    ("extra high", ReasoningLevel::Xhigh),
    ("extra_high", ReasoningLevel::Xhigh),
    ("highest", ReasoningLevel::High),
];

impl ReasoningLevel {
    /// Parses a level name leniently: trimmed, case-insensitive, OpenClaw's aliases accepted.
    /// `None` if it is none of our levels.
    pub fn parse(text: &str) -> Option<Self> {
        let wanted = text.trim();
        ReasoningLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(wanted))
            .or_else(|| {
                ALIASES
                    .into_iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(wanted))
                    .map(|(_, level)| level)
            })
    }
}

/// Why [`ResolvedReasoning::level`] is what it is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReasoningSource {
    /// The model lists the preferred level.
    Preferred,
    /// It does not, so the highest level the model lists was taken.
    HighestSupported,
    /// The model lists no level: send no reasoning setting and let it use its default.
    ModelDefault,
}

impl ReasoningSource {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The reasoning level to ask a model for, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ResolvedReasoning {
    /// The level to send: one of ours in its exact spelling (`"xhigh"`), or the model's own name
    /// as it lists it, trimmed (`"normal"`). `None` exactly when `source` is
    /// [`ReasoningSource::ModelDefault`].
    pub level: Option<String>,
    /// Why this level.
    pub source: ReasoningSource,
}

impl ResolvedReasoning {
    /// The level as one of ours, when it is one (a model's own name such as `normal` is not).
    pub fn known_level(&self) -> Option<ReasoningLevel> {
        self.level.as_deref().and_then(ReasoningLevel::parse)
    }
}

/// Picks the reasoning level for a model that lists the level names `supported` (ascending),
/// given the spec's `preferred` name (`None` means `max`).
///
/// 1. If the model lists `preferred`: that level, `Preferred`.
/// 2. Otherwise, if it lists any name: the highest one, `HighestSupported`. Our levels rank by the
///    ladder; another name ranks by its position (see the module docs).
/// 3. Otherwise (nothing listed, or only blank names): no level, `ModelDefault`.
pub fn resolve_reasoning(supported: &[&str], preferred: Option<&str>) -> ResolvedReasoning {
    let listed: Vec<Listed<'_>> = supported
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .map(|name| Listed {
            name,
            level: ReasoningLevel::parse(name),
        })
        .collect();
    let wanted = preferred.unwrap_or(ReasoningLevel::Max.as_str()).trim();
    let wanted = Listed {
        name: wanted,
        level: ReasoningLevel::parse(wanted),
    };
    if let Some(hit) = listed.iter().find(|entry| entry.same_as(&wanted)) {
        return ResolvedReasoning {
            level: Some(hit.spelling().to_owned()),
            source: ReasoningSource::Preferred,
        };
    }
    let highest = listed
        .iter()
        .enumerate()
        .max_by_key(|(index, entry)| rank(&listed, *index, entry))
        .map(|(_, entry)| entry.spelling().to_owned());
    match highest {
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

/// One name a model lists, and which of our levels it is (if any).
struct Listed<'a> {
    name: &'a str,
    level: Option<ReasoningLevel>,
}

impl<'a> Listed<'a> {
    fn same_as(&self, other: &Listed<'_>) -> bool {
        match (self.level, other.level) {
            (Some(a), Some(b)) => a == b,
            (None, None) => !other.name.is_empty() && self.name.eq_ignore_ascii_case(other.name),
            _ => false,
        }
    }

    /// Our exact name for our levels; the model's own spelling otherwise.
    fn spelling(&self) -> &'a str {
        match self.level {
            Some(level) => level.as_str(),
            None => self.name,
        }
    }
}

/// Sort key of the name at `index`: one of our levels by the ladder; another name just above the
/// highest of our levels listed before it, later positions higher.
fn rank(
    listed: &[Listed<'_>],
    index: usize,
    entry: &Listed<'_>,
) -> (Option<ReasoningLevel>, bool, usize) {
    match entry.level {
        Some(level) => (Some(level), false, 0),
        None => {
            let below = listed
                .get(..index)
                .unwrap_or_default()
                .iter()
                .filter_map(|earlier| earlier.level)
                .max();
            (below, true, index)
        }
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
        assert!(Xhigh < Adaptive && Adaptive < Max && Max < Ultra);
        assert_eq!(
            ReasoningLevel::NAMES.join("|"),
            "off|minimal|low|medium|high|xhigh|adaptive|max|ultra",
            "OpenClaw's thinkingDefault values, in its order"
        );
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
        assert_eq!(ReasoningLevel::parse("Adaptive"), Some(Adaptive));
        assert_eq!(ReasoningLevel::parse("extreme"), None);
        assert_eq!(ReasoningLevel::parse(""), None);
        for alias in ["x-high", "X_High", "extra-high", "extra high", "extra_high"] {
            assert_eq!(ReasoningLevel::parse(alias), Some(Xhigh), "{alias}");
        }
        assert_eq!(ReasoningLevel::parse("highest"), Some(High));
        assert!("x-high".parse::<ReasoningLevel>().is_err());
        let err = "MAX".parse::<ReasoningLevel>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "\"MAX\" is not a valid reasoning level; use one of: off, minimal, low, medium, \
                 high, xhigh, adaptive, max, ultra"
            )
        );
    }

    type Row = (
        &'static str,
        &'static [&'static str],
        Option<&'static str>,
        Option<&'static str>,
        ReasoningSource,
    );

    fn check(rows: &[Row]) {
        for (name, supported, preferred, level, source) in rows {
            let got = resolve_reasoning(supported, *preferred);
            assert_eq!(
                got,
                ResolvedReasoning {
                    level: level.map(str::to_owned),
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

    /// The table kept from before the ladder gained `adaptive` and `ultra` and before names that
    /// are not our levels ranked by position. Two rows changed, each saying why.
    #[test]
    fn resolve_table() {
        let rows: &[Row] = &[
            (
                "exact match",
                &["low", "medium", "high"],
                Some("medium"),
                Some("medium"),
                Preferred,
            ),
            (
                "default preference is max",
                &["low", "max"],
                None,
                Some("max"),
                Preferred,
            ),
            (
                "default max unsupported",
                &["low", "high"],
                None,
                Some("high"),
                HighestSupported,
            ),
            (
                "fallback to highest",
                &["minimal", "low"],
                Some("high"),
                Some("low"),
                HighestSupported,
            ),
            (
                "fallback may go up",
                &["high", "xhigh"],
                Some("low"),
                Some("xhigh"),
                HighestSupported,
            ),
            (
                "unsorted supported",
                &["high", "off", "medium"],
                Some("max"),
                Some("high"),
                HighestSupported,
            ),
            // Was `low, HighestSupported`: `ultra` is a level now, and the model lists it.
            (
                "ultra is a level",
                &["turbo", "low", "ultra"],
                Some("ultra"),
                Some("ultra"),
                Preferred,
            ),
            // Was `None, ModelDefault`: a model's own names rank by position, so the last one wins.
            (
                "only unknown supported",
                &["turbo", "normal"],
                Some("high"),
                Some("normal"),
                HighestSupported,
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
                Some("medium"),
                HighestSupported,
            ),
            (
                "empty preferred is unknown",
                &["low"],
                Some(""),
                Some("low"),
                HighestSupported,
            ),
            (
                "duplicates",
                &["low", "low", "high", "high"],
                Some("low"),
                Some("low"),
                Preferred,
            ),
            (
                "duplicates fallback",
                &["low", "low", "high", "high"],
                Some("max"),
                Some("high"),
                HighestSupported,
            ),
            (
                "case-insensitive supported",
                &["LOW", "High"],
                Some("high"),
                Some("high"),
                Preferred,
            ),
            (
                "case-insensitive preferred",
                &["low", "high"],
                Some(" HIGH "),
                Some("high"),
                Preferred,
            ),
            (
                "trimmed supported",
                &[" xhigh\n"],
                Some("xhigh"),
                Some("xhigh"),
                Preferred,
            ),
            (
                "off is a level",
                &["off"],
                Some("off"),
                Some("off"),
                Preferred,
            ),
            (
                "off is the only level",
                &["off"],
                Some("max"),
                Some("off"),
                HighestSupported,
            ),
        ];
        assert_eq!(rows.len(), 19);
        check(rows);
    }

    /// The seed's examples, and names that are not ours ranked by their position.
    #[test]
    fn resolve_by_position() {
        let rows: &[Row] = &[
            (
                "seed: highest of ours",
                &["off", "medium", "high"],
                Some("max"),
                Some("high"),
                HighestSupported,
            ),
            (
                "seed: the model's own top name",
                &["off", "normal"],
                Some("max"),
                Some("normal"),
                HighestSupported,
            ),
            (
                "seed, default preference",
                &["off", "normal"],
                None,
                Some("normal"),
                HighestSupported,
            ),
            (
                "binary model",
                &["off", "on"],
                None,
                Some("on"),
                HighestSupported,
            ),
            (
                "own name kept as spelled",
                &["Off", " Normal "],
                None,
                Some("Normal"),
                HighestSupported,
            ),
            (
                "own name preferred",
                &["off", "normal", "deep"],
                Some("NORMAL"),
                Some("normal"),
                Preferred,
            ),
            (
                "own name below a later level",
                &["low", "turbo", "medium"],
                None,
                Some("medium"),
                HighestSupported,
            ),
            (
                "own name above the level before it",
                &["low", "turbo"],
                Some("high"),
                Some("turbo"),
                HighestSupported,
            ),
            (
                "own names only: the last",
                &["fast", "deep", "deeper"],
                None,
                Some("deeper"),
                HighestSupported,
            ),
            (
                "own name first ranks lowest",
                &["turbo", "off"],
                None,
                Some("off"),
                HighestSupported,
            ),
            (
                "unsorted list: after the highest before it",
                &["high", "deep", "off"],
                None,
                Some("deep"),
                HighestSupported,
            ),
            (
                "blank names are no levels",
                &["", "  "],
                None,
                None,
                ModelDefault,
            ),
        ];
        check(rows);
    }

    /// OpenClaw's aliases, and where `adaptive` and `ultra` rank.
    #[test]
    fn resolve_aliases_and_new_levels() {
        let rows: &[Row] = &[
            (
                "alias",
                &["low", "x-high"],
                Some("xhigh"),
                Some("xhigh"),
                Preferred,
            ),
            (
                "alias fallback",
                &["low", "Extra High"],
                None,
                Some("xhigh"),
                HighestSupported,
            ),
            (
                "adaptive above xhigh",
                &["high", "xhigh", "adaptive"],
                None,
                Some("adaptive"),
                HighestSupported,
            ),
            (
                "adaptive below max",
                &["adaptive", "max"],
                Some("ultra"),
                Some("max"),
                HighestSupported,
            ),
            (
                "max preferred over ultra",
                &["high", "max", "ultra"],
                None,
                Some("max"),
                Preferred,
            ),
            (
                "ultra when preferred",
                &["high", "max", "ultra"],
                Some("ultra"),
                Some("ultra"),
                Preferred,
            ),
            (
                "ultra as the highest listed",
                &["high", "ultra"],
                None,
                Some("ultra"),
                HighestSupported,
            ),
            (
                "adaptive when preferred",
                &["off", "adaptive"],
                Some("adaptive"),
                Some("adaptive"),
                Preferred,
            ),
        ];
        check(rows);
    }

    #[test]
    fn known_level() {
        assert_eq!(
            resolve_reasoning(&["low", "x-high"], None).known_level(),
            Some(Xhigh)
        );
        assert_eq!(
            resolve_reasoning(&["off", "normal"], None).known_level(),
            None
        );
        assert_eq!(resolve_reasoning(&[], None).known_level(), None);
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
        for source in [Preferred, HighestSupported, ModelDefault] {
            let json = serde_json::to_value(source).ok();
            assert_eq!(json, Some(serde_json::json!(source.as_str())));
        }
    }
}
