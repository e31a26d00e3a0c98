//! The [`Walker`] that collects problems, one check per JSON shape (object with known fields,
//! bounded string, pattern, enum name, integer range, boolean, array with unique ids or values),
//! and the helpers its messages are written with.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{
    child, item, problem, Problem, ENUM, PATTERN, RANGE, REQUIRED, TOO_FEW, TOO_LONG, TOO_MANY,
    TOO_SHORT, TYPE, UNKNOWN_FIELD,
};

/// A value as a message shows it: short strings quoted, containers by kind only.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quoted(text),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    }
}

/// JSON-quotes `text`, cut to 60 characters so one bad value cannot flood the message.
pub(super) fn quoted(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", Value::from(text.get(..cut).unwrap_or(text))),
        None => Value::from(text).to_string(),
    }
}

/// `"a"`, `"a" or "b"`, `one of "a", "b" or "c"`.
pub(super) fn alternatives(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|name| quoted(name)).collect();
    match quoted.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, [only])) => format!("{only} or {last}"),
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
    }
}

pub(super) fn is_snake_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && text.len() <= 64
}

pub(super) fn is_tool_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | ':' | '-'))
        && text.len() <= 64
}

/// `^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`
pub(super) fn is_language_tag(text: &str) -> bool {
    let mut parts = text.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub(super) const SNAKE_ID_HELP: &str =
    "lower_snake_case: a letter a-z, then up to 63 of a-z, 0-9 or _";

/// Collects problems while walking the fields the format defines.
#[derive(Default)]
pub(super) struct Walker {
    pub(super) problems: Vec<Problem>,
}

impl Walker {
    pub(super) fn push(&mut self, pointer: &str, rule: &'static str, message: String) {
        self.problems.push(problem(pointer, rule, message));
    }

    /// Checks that `value` is an object with only `fields` and all of `required`.
    pub(super) fn object<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        what: &str,
        fields: &[&str],
        required: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.push(
                pointer,
                TYPE,
                format!("{what} must be an object; got {}", describe(value)),
            );
            return None;
        };
        for key in map.keys() {
            if !fields.contains(&key.as_str()) {
                self.push(
                    &child(pointer, key),
                    UNKNOWN_FIELD,
                    format!(
                        "{what} has no field {}; remove it or fix its spelling (allowed: {}); \
                         custom data belongs in the top-level \"extensions\" object",
                        quoted(key),
                        fields.join(", ")
                    ),
                );
            }
        }
        for key in required {
            if !map.contains_key(*key) {
                self.push(
                    &child(pointer, key),
                    REQUIRED,
                    format!("{what} is missing the required field {}", quoted(key)),
                );
            }
        }
        Some(map)
    }

    /// A string of `min..=max` characters; returns it whatever its length.
    pub(super) fn string<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        min: usize,
        max: usize,
    ) -> Option<&'v str> {
        let Some(text) = value.as_str() else {
            self.push(
                pointer,
                TYPE,
                format!("{name} must be a string; got {}", describe(value)),
            );
            return None;
        };
        let length = text.chars().count();
        if length < min {
            let message = if min == 1 {
                format!("{name} must not be empty")
            } else {
                format!("{name} must be at least {min} characters long; it has {length}")
            };
            self.push(pointer, TOO_SHORT, message);
        } else if length > max {
            self.push(
                pointer,
                TOO_LONG,
                format!("{name} is {length} characters long; shorten it to at most {max}"),
            );
        }
        Some(text)
    }

    /// A string matching `shape`; returns it even when it does not match (for duplicate checks).
    pub(super) fn patterned<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        shape: fn(&str) -> bool,
        help: &str,
    ) -> Option<&'v str> {
        let Some(text) = value.as_str() else {
            self.push(
                pointer,
                TYPE,
                format!("{name} must be a string; got {}", describe(value)),
            );
            return None;
        };
        if !shape(text) {
            self.push(
                pointer,
                PATTERN,
                format!("{name} must be {help}; got {}", describe(value)),
            );
        }
        Some(text)
    }

    /// One of `allowed`; returns it only when it is.
    pub(super) fn one_of<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        allowed: &[&str],
    ) -> Option<&'v str> {
        match value.as_str() {
            Some(text) if allowed.contains(&text) => Some(text),
            _ => {
                self.push(
                    pointer,
                    ENUM,
                    format!(
                        "{name} must be {}; got {}",
                        alternatives(allowed),
                        describe(value)
                    ),
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, value: &Value, pointer: &str, name: &str, min: u64, max: u64) {
        let out_of_range = match value {
            Value::Number(n) if n.is_u64() => n.as_u64().is_some_and(|n| n < min || n > max),
            Value::Number(n) if n.is_i64() => true,
            _ => {
                self.push(
                    pointer,
                    TYPE,
                    format!(
                        "{name} must be a whole number written without a decimal point or \
                         exponent; got {}",
                        describe(value)
                    ),
                );
                false
            }
        };
        if out_of_range {
            self.push(
                pointer,
                RANGE,
                format!("{name} must be between {min} and {max}; got {value}"),
            );
        }
    }

    pub(super) fn boolean(&mut self, value: &Value, pointer: &str, name: &str) {
        if !value.is_boolean() {
            self.push(
                pointer,
                TYPE,
                format!("{name} must be true or false; got {}", describe(value)),
            );
        }
    }

    /// An array of `min..=max` items; returns the items whatever their number.
    pub(super) fn array<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        min: usize,
        max: usize,
    ) -> Option<&'v [Value]> {
        let Some(items) = value.as_array() else {
            self.push(
                pointer,
                TYPE,
                format!("{name} must be an array; got {}", describe(value)),
            );
            return None;
        };
        if items.len() < min {
            let message = if min == 1 {
                format!("{name} must have at least one item")
            } else {
                format!(
                    "{name} must have at least {min} items; it has {}",
                    items.len()
                )
            };
            self.push(pointer, TOO_FEW, message);
        }
        if items.len() > max {
            self.push(
                pointer,
                TOO_MANY,
                format!(
                    "{name} has {} items; remove some, at most {max} are allowed",
                    items.len()
                ),
            );
        }
        Some(items)
    }

    /// Flags every entry whose text already appeared, at the later entry.
    pub(super) fn duplicates(
        &mut self,
        entries: &[(String, &str)],
        rule: &'static str,
        name: &str,
    ) {
        let mut first: HashMap<&str, &str> = HashMap::new();
        for (pointer, text) in entries {
            match first.get(text) {
                Some(earlier) => self.push(
                    pointer,
                    rule,
                    format!(
                        "{name} {} is already used at {earlier}; each must be unique, so \
                         rename or remove one",
                        quoted(text)
                    ),
                ),
                None => {
                    first.insert(text, pointer);
                }
            }
        }
    }

    /// An optional list of strings: at most `max_items`, each `min..=max` characters.
    pub(super) fn string_list<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        max_items: usize,
        (min, max): (usize, usize),
    ) -> Vec<(String, &'v str)> {
        let mut texts = Vec::new();
        for (index, entry) in self
            .array(value, pointer, &quoted(name), 0, max_items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = item(pointer, index);
            let label = format!("item {index} of {}", quoted(name));
            if let Some(text) = self.string(entry, &at, &label, min, max) {
                texts.push((at, text));
            }
        }
        texts
    }
}
