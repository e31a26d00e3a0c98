//! The YAML of a `CLAW.md` frontmatter, both ways, limited as OpenClaw limits it
//! (`src/claws/yaml-document.ts` in openclaw 2026.9.6): one document that "maps directly to JSON
//! data", so aliases, anchors, explicit tags and merge keys are refused, and so are duplicate
//! keys. Reading goes through `yaml-rust2`'s event parser into a `serde_json::Value`; writing
//! prints block YAML with sorted keys and every string double-quoted, so the bytes depend only
//! on the value.

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::Yaml;

/// How deeply collections may nest; a frontmatter needs four levels.
const MAX_DEPTH: usize = 32;

/// A collection being read.
enum Frame {
    Seq(Vec<Value>),
    /// The mapping so far and the key waiting for its value.
    Map(Map<String, Value>, Option<String>),
}

/// Reads `text` as one YAML document of JSON data. The error is a sentence for
/// `ClawError::Invalid`.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| e.to_string())?;
        let at = || format!("line {} column {}", mark.line(), mark.col() + 1);
        let value = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue
            }
            Event::Alias(_) => return Err(unsupported("aliases", &at())),
            Event::Scalar(text, style, anchor, tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some(), &at())?;
                scalar(text, style).map_err(|e| format!("{e} at {}", at()))?
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some(), &at())?;
                if matches!(stack.last(), Some(Frame::Map(_, None))) {
                    return Err(format!("a mapping key must be plain text, at {}", at()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nests deeper than {MAX_DEPTH} levels at {}", at()));
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map(Map::new(), None)
                } else {
                    Frame::Seq(Vec::new())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Value::Array(items),
                Some(Frame::Map(map, _)) => Value::Object(map),
                None => return Err(format!("unbalanced collection at {}", at())),
            },
        };
        match stack.last_mut() {
            None if root.is_some() => return Err("holds more than one document".to_owned()),
            None => root = Some(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(map, pending)) => match pending.take() {
                Some(key) => {
                    map.insert(key, value);
                }
                None => *pending = Some(key_of(value, map, &at())?),
            },
        }
    }
    Ok(root.unwrap_or(Value::Null))
}

fn unsupported(feature: &str, at: &str) -> String {
    format!("uses {feature} (at {at}); a CLAW.md frontmatter must map directly to JSON data")
}

fn refuse_anchor_or_tag(anchor: usize, tagged: bool, at: &str) -> Result<(), String> {
    if anchor != 0 {
        return Err(unsupported("anchors", at));
    }
    if tagged {
        return Err(unsupported("explicit tags", at));
    }
    Ok(())
}

/// A scalar as the YAML 1.2 core schema reads it: quoted scalars are strings, plain ones may
/// be null, booleans or numbers.
fn scalar(text: String, style: TScalarStyle) -> Result<Value, String> {
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    Ok(match Yaml::from_str(&text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::Real(real) => real
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("the number {real} has no JSON value"))?,
        _ => Value::String(text),
    })
}

/// A mapping key: scalars only, never a merge key, never twice.
fn key_of(value: Value, map: &Map<String, Value>, at: &str) -> Result<String, String> {
    let key = match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(_) | Value::Object(_) => {
            return Err(format!("a mapping key must be plain text, at {at}"))
        }
    };
    if key == "<<" {
        return Err(unsupported("merge keys", at));
    }
    if map.contains_key(&key) {
        return Err(format!(
            "the key \"{key}\" appears twice in one mapping, at {at}"
        ));
    }
    Ok(key)
}

/// Block YAML for `value` (a mapping at the top), keys sorted, ending with a newline.
pub(super) fn write(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        other => {
            write_flow(other, &mut out);
            out.push('\n');
        }
    }
    out
}

fn write_map(map: &Map<String, Value>, indent: usize, out: &mut String) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (n, key) in keys.into_iter().enumerate() {
        // The first key of a list item follows its "- " on the same line.
        if n > 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        write_key(key, out);
        out.push(':');
        write_nested(&map[key], indent, out);
    }
}

/// The value after `key:` or `-`: nested block collections on the next lines, anything else
/// on the same line.
fn write_nested(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                push_indent(out, indent + 2);
                out.push('-');
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        out.push(' ');
                        write_map(map, indent + 4, out);
                    }
                    other => {
                        out.push(' ');
                        write_flow(other, out);
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push(' ');
            write_flow(other, out);
            out.push('\n');
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Plain keys when they are simple names, quoted otherwise (`"AGENTS.md"`).
fn write_key(key: &str, out: &mut String) {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        out.push_str(key);
    } else {
        write_string(key, out);
    }
}

/// Flow style: scalars, and collections inside lists (`[]`, `{}`, `["a"]`).
fn write_flow(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                out.push_str(if n == 0 { "" } else { ", " });
                write_flow(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (n, key) in keys.into_iter().enumerate() {
                out.push_str(if n == 0 { "" } else { ", " });
                write_string(key, out);
                out.push_str(": ");
                write_flow(&map[key], out);
            }
            out.push('}');
        }
    }
}

/// A double-quoted YAML string. Everything outside YAML's printable set (and the line and
/// paragraph separators and the byte-order mark, which some readers treat specially) is
/// escaped, so the text reads back exactly.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn needs_escape(c: char) -> bool {
    let code = u32::from(c);
    code < 0x20
        || (0x7F..=0x9F).contains(&code)
        || matches!(code, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_yaml_that_reads_back() {
        let value = json!({
            "schemaVersion": 1,
            "agent": {"id": "writer", "name": "Wri\"ter\\ \u{85}\u{2028}\t\n✍️"},
            "workspace": {
                "bootstrapFiles": {"AGENTS.md": {"source": "workspace/AGENTS.md"}},
                "files": [{"source": "workspace/USER.md", "path": "USER.md"}, "x", [1, {"a": null}]]
            },
            "packages": [], "mcpServers": {}, "flag": true, "n": -2.5
        });
        let text = write(&value);
        assert!(text.starts_with("agent:\n  id: \"writer\"\n"), "{text}");
        assert!(
            text.contains("  files:\n    - path: \"USER.md\"\n      source: \"workspace/USER.md\"\n    - \"x\"\n    - [1, {\"a\": null}]\n"),
            "{text}"
        );
        assert!(text.contains("mcpServers: {}\n") && text.contains("packages: []\n"));
        assert_eq!(parse(&text).unwrap(), value);
        assert_eq!(write(&parse(&text).unwrap()), text);
    }

    #[test]
    fn reads_what_openclaw_writes() {
        let text = "schemaVersion: 1\nagent:\n  id: \"writer\"\n  identity:\n    emoji: \"✍️\"\nworkspace:\n  bootstrapFiles:\n    AGENTS.md:\n      source: workspace/AGENTS.md\nlist: [a, 'b', 0x10, ~, .inf]\n";
        let err = parse(text).unwrap_err();
        assert!(err.contains("no JSON value"), "{err}");
        let value = parse(&text.replace(", .inf", "")).unwrap();
        assert_eq!(
            value["workspace"]["bootstrapFiles"]["AGENTS.md"]["source"],
            "workspace/AGENTS.md"
        );
        assert_eq!(value["list"], json!(["a", "b", 16, null]));
    }

    #[test]
    fn refuses_what_is_not_json_data() {
        for (text, expected) in [
            ("a: &x 1\nb: *x\n", "anchors"),
            ("a: *x\n", "anchor"),
            ("a: !!str 1\n", "tags"),
            ("base: {a: 1}\nother:\n  <<: {a: 2}\n", "merge keys"),
            ("a: 1\na: 2\n", "appears twice"),
            ("? [a]\n: 1\n", "plain text"),
            ("a: 1\n---\nb: 2\n", "more than one document"),
            ("a: [1\n", ""),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert!(parse(&deep).unwrap_err().contains("deeper than"));
    }
}
