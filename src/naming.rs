//! Naming rules shared by every layer: what a registry, preset or capability id may look like,
//! how a version number is written (`2` or `v2`), the agent id a display name gives, and how a short id or a name picks one row
//! (`resolve`, the one rule behind every kind: members, install requests, break-glass
//! overrides, change requests).

use crate::{Error, Result};

/// lower_snake_case, 1 to 64 characters, starting with a letter, no `__`, no trailing `_`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.ends_with('_')
        && !id.contains("__")
}

/// A version number as the app prints it (`v2`) or bare (`2`); versions count from 1.
///
/// # Errors
/// `invalid_input` on `version` for anything else (`0`, `-1`, `two`, `v`).
pub fn parse_version(text: &str) -> Result<u32> {
    let digits = text.trim().strip_prefix(['v', 'V']).unwrap_or(text.trim());
    digits
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Error::invalid(
                "version",
                format!("\"{text}\" is not a version; write it as 2 or v2 (versions count from 1)"),
            )
        })
}

/// The agent id a display name gives, when no id is given (`Wren the Wise` → `wren-the-wise`):
/// ASCII letters and digits kept and lowercased, every run of anything else one `-`, none at
/// either end, at most 64 characters (the rule of agent names). `None` when nothing is left,
/// as for a name written only in other scripts.
pub fn agent_id_from_name(name: &str) -> Option<String> {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if id.len() == 64 {
                break;
            }
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_owned();
    (!id.is_empty()).then_some(id)
}

/// The shortest id prefix [`resolve`] takes, as git takes abbreviated hashes.
pub const MIN_PREFIX: usize = 4;

/// One row a short id or a name may pick: its full id, its name when it has one (a member's
/// display name), and how to describe it when several match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub name: Option<String>,
    pub label: String,
}

/// Picks the one candidate `text` names: the full id, else the one row whose name equals it
/// (ignoring case) or whose id starts with it (at least [`MIN_PREFIX`] characters, ignoring
/// case); a name of one row that is also an id prefix of another is ambiguous. `what` is
/// the kind in the singular, for messages ("install request").
///
/// # Errors
/// `not_found` when nothing matches; `ambiguous`, listing each match, when several do.
pub fn resolve(what: &str, text: &str, candidates: &[Candidate]) -> Result<String> {
    let wanted = text.trim();
    if let Some(exact) = candidates.iter().find(|c| c.id == wanted) {
        return Ok(exact.id.clone());
    }
    let by_name: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        })
        .collect();
    // A name and an id prefix that pick different rows are as ambiguous as two prefixes.
    let mut matched = by_name;
    if wanted.len() >= MIN_PREFIX {
        let lower = wanted.to_ascii_lowercase();
        for candidate in candidates {
            let by_prefix = candidate.id.to_ascii_lowercase().starts_with(&lower);
            if by_prefix && !matched.iter().any(|m| m.id == candidate.id) {
                matched.push(candidate);
            }
        }
    }
    match matched.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => {
            Err(Error::NotFound {
                what: format!("{} \"{wanted}\"", capitalized(what)),
                hint: if wanted.len() < MIN_PREFIX {
                    format!("Give its full id, its name, or at least {MIN_PREFIX} characters of its id.")
                } else {
                    String::new()
                },
            })
        }
        several => Err(Error::Ambiguous {
            what: format!("{what}s"),
            text: wanted.to_owned(),
            matches: several
                .iter()
                .map(|c| format!("{} ({})", c.id, c.label))
                .collect(),
        }),
    }
}

/// [`resolve`] over the rows that `sql` selects for `tenant` (its `?1`), each made a
/// [`Candidate`] by `candidate`: what each kind's tenant-scoped `resolve` runs.
pub fn resolve_rows(
    conn: &rusqlite::Connection,
    what: &str,
    (sql, tenant): (&str, &str),
    text: &str,
    candidate: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Candidate>,
) -> Result<String> {
    let mut statement = conn.prepare(sql)?;
    let candidates = statement
        .query_map(rusqlite::params![tenant], |row| candidate(row))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    resolve(what, text, &candidates)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_another_rows_id_prefix_is_ambiguous() {
        let rows = [
            Candidate {
                id: "bc3f0001".into(),
                name: Some("Olive".into()),
                label: "Olive".into(),
            },
            Candidate {
                id: "77aa0002".into(),
                name: Some("bc3f".into()),
                label: "bc3f".into(),
            },
        ];
        let error = resolve("member", "bc3f", &rows).unwrap_err();
        assert!(matches!(error, Error::Ambiguous { .. }), "{error:?}");
        assert_eq!(resolve("member", "olive", &rows).unwrap(), "bc3f0001");
    }

    #[test]
    fn agent_ids_from_display_names() {
        for (name, id) in [
            ("Wren", Some("wren")),
            ("Wren the Wise", Some("wren-the-wise")),
            ("  R2-D2!  ", Some("r2-d2")),
            ("Zoë Ops", Some("zo-ops")),
            ("日本", None),
            ("", None),
        ] {
            assert_eq!(agent_id_from_name(name).as_deref(), id, "{name:?}");
        }
        let long = agent_id_from_name(&"ab ".repeat(40)).unwrap();
        assert!(long.len() <= 64 && !long.ends_with('-'), "{long}");
    }

    fn candidate(id: &str, name: Option<&str>) -> Candidate {
        Candidate {
            id: id.to_owned(),
            name: name.map(str::to_owned),
            label: name.unwrap_or("request").to_owned(),
        }
    }

    #[test]
    fn versions_are_written_with_or_without_v() {
        for (text, want) in [
            ("2", Some(2)),
            ("v2", Some(2)),
            ("V12", Some(12)),
            (" v3 ", Some(3)),
        ] {
            assert_eq!(parse_version(text).ok(), want, "{text}");
        }
        for bad in ["0", "v0", "-1", "+2", "two", "v", "", "v-2", "2.0"] {
            let err = parse_version(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{bad}");
            assert!(err.to_string().contains("2 or v2"), "{err}");
        }
    }

    #[test]
    fn a_full_id_a_name_or_a_unique_prefix_picks_one() {
        let rows = [
            candidate("0508e1f7-aaaa", Some("Sam Ortiz")),
            candidate("0508ffff-bbbb", Some("Ada")),
            candidate("9999aaaa-cccc", None),
        ];
        let pick = |text: &str| resolve("member", text, &rows);
        assert_eq!(pick("0508e1f7-aaaa").unwrap(), "0508e1f7-aaaa");
        assert_eq!(pick("sam ortiz").unwrap(), "0508e1f7-aaaa");
        assert_eq!(pick("0508E1").unwrap(), "0508e1f7-aaaa");
        assert_eq!(pick("9999").unwrap(), "9999aaaa-cccc");
        let several = pick("0508").unwrap_err();
        assert_eq!(several.code(), "ambiguous");
        let message = several.to_string();
        assert!(message.contains("0508e1f7-aaaa (Sam Ortiz)"), "{message}");
        assert!(message.contains("0508ffff-bbbb (Ada)"), "{message}");
        let short = pick("999").unwrap_err();
        assert_eq!(short.code(), "not_found");
        assert!(short.to_string().contains("at least 4"), "{short}");
        assert_eq!(pick("nobody").unwrap_err().code(), "not_found");
    }
}
