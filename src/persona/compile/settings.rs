//! Settings: `Key: value` lines in the workspace files layered over the spec's fields. The
//! first layer by precedence wins; a key the spec locks (autonomy) keeps the spec's value, and
//! every layer that disagrees is recorded as a [`Conflict`].

use serde::Serialize;

use super::budget::FileText;
use super::{Conflict, Layer, SettingValue};
use crate::persona::markdown;
use crate::persona::spec::PersonaSpec;

/// Keys a file may set with a `Key: value` line, and whether the spec locks them.
const SETTING_KEYS: &[(&str, bool)] = &[
    ("name", false),
    ("emoji", false),
    ("vibe", false),
    ("tone", false),
    ("verbosity", false),
    ("output_format", false),
    ("language", false),
    ("autonomy", true),
];

fn spec_settings(spec: &PersonaSpec) -> Vec<(&'static str, String, &'static str)> {
    let mut out = vec![
        ("name", spec.identity.name.clone(), "/identity/name"),
        (
            "verbosity",
            enum_text(&spec.style.verbosity),
            "/style/verbosity",
        ),
        (
            "output_format",
            enum_text(&spec.style.output_format),
            "/style/output_format",
        ),
        (
            "autonomy",
            enum_text(&spec.decision_policy.autonomy),
            "/decision_policy/autonomy",
        ),
    ];
    if let Some(emoji) = &spec.identity.emoji {
        out.push(("emoji", emoji.clone(), "/identity/emoji"));
    }
    if let Some(vibe) = &spec.identity.vibe {
        out.push(("vibe", vibe.clone(), "/identity/vibe"));
    }
    if let Some(tone) = &spec.style.tone {
        out.push(("tone", tone.clone(), "/style/tone"));
    }
    if let Some(language) = &spec.style.language {
        out.push(("language", language.clone(), "/style/language"));
    }
    out
}

/// The serde name of a unit enum variant (`ask_first`, `markdown`, …).
pub(super) fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The settings a file sets (`Name: Ada`, `- **Name:** Ada`, `* Vibe: calm`, with a BOM, CRLF
/// or front matter; see [`markdown::fields`]) → (key, value, line).
fn directives(text: &str) -> Vec<(String, String, u32)> {
    markdown::fields(text)
        .into_iter()
        .filter(|f| SETTING_KEYS.iter().any(|(k, _)| *k == f.key))
        .map(|f| (f.key, f.value.to_owned(), f.line))
        .collect()
}

fn same_value(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Each settable key's winning value (files by precedence, first line within a file, then the
/// spec; a locked key always takes the spec's value) and the conflicts between layers.
pub(super) fn resolve_settings(
    spec: &PersonaSpec,
    texts: &[FileText],
) -> (Vec<(String, SettingValue)>, Vec<Conflict>) {
    let from_spec = spec_settings(spec);
    let mut settings = Vec::new();
    let mut conflicts = Vec::new();
    for &(key, locked) in SETTING_KEYS {
        // Candidates in precedence order: files (highest first, first line wins within a file),
        // then the spec.
        let mut candidates: Vec<SettingValue> = Vec::new();
        for text in texts {
            if let Some((_, value, line)) = directives(&text.text)
                .into_iter()
                .find(|(k, _, _)| k == key)
            {
                candidates.push(SettingValue {
                    value,
                    layer: Layer::File {
                        file: text.file,
                        line,
                    },
                });
            }
        }
        let spec_value = from_spec
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, p)| SettingValue {
                value: v.clone(),
                layer: Layer::Spec {
                    pointer: (*p).to_owned(),
                },
            });
        if locked {
            if let Some(spec_value) = spec_value {
                let overridden: Vec<SettingValue> = candidates
                    .into_iter()
                    .filter(|c| !same_value(&c.value, &spec_value.value))
                    .collect();
                if !overridden.is_empty() {
                    conflicts.push(Conflict {
                        key: key.to_owned(),
                        winner: spec_value.clone(),
                        overridden,
                        locked_to_spec: true,
                    });
                }
                settings.push((key.to_owned(), spec_value));
            }
            continue;
        }
        candidates.extend(spec_value);
        let mut iter = candidates.into_iter();
        let Some(winner) = iter.next() else { continue };
        let overridden: Vec<SettingValue> = iter
            .filter(|c| !same_value(&c.value, &winner.value))
            .collect();
        if !overridden.is_empty() {
            conflicts.push(Conflict {
                key: key.to_owned(),
                winner: winner.clone(),
                overridden,
                locked_to_spec: false,
            });
        }
        settings.push((key.to_owned(), winner));
    }
    (settings, conflicts)
}
