//! The persona spec v1 validator: untrusted JSON in, a [`PersonaSpec`] or every [`Problem`] out.
//!
//! It walks the `serde_json::Value` itself instead of relying on serde errors, because serde
//! stops at the first problem and a person fixing a spec wants the whole list at once.
//!
//! Order of work: size (text only), JSON syntax, depth, then the structure. Too large and not
//! JSON stop there with one problem; everything else is collected. Only when nothing is wrong is
//! the value deserialized.
//!
//! Each [`Problem`] has an RFC 6901 JSON pointer (`""` is the whole document, `~` is written
//! `~0` and `/` is written `~1`), a stable rule code and a message that says how to fix it. A
//! missing field is reported at the pointer where it should be (`/identity/purpose`), an unknown
//! field at its own pointer, a duplicate at the later occurrence.
//!
//! | rule | meaning |
//! | --- | --- |
//! | `json_syntax` | not JSON (or not UTF-8); the message has the line and column |
//! | `too_large` | the text is over [`MAX_DOCUMENT_BYTES`] (1 MiB); reported at `""` without parsing |
//! | `too_deep` | objects/arrays nest more than [`MAX_DEPTH`] (64) levels, `extensions` included |
//! | `type` | wrong JSON type (string, integer, boolean, array, object) |
//! | `required` | a required field is missing |
//! | `unknown_field` | a field the format does not define (anything goes inside `extensions`) |
//! | `enum` | not one of the allowed names; the message lists them |
//! | `pattern` | an id, tool name or language tag with the wrong shape |
//! | `too_short` / `too_long` | string length, counted in Unicode scalar values (`chars()`) |
//! | `too_few` / `too_many` | number of items in an array |
//! | `range` | integer outside its range |
//! | `duplicate_id` | a rule or intent module id used twice |
//! | `duplicate_value` | a value repeated in a list that must be unique |
//! | `schema_version` | `schema_version` is an integer other than 1 |
//! | `visibility_context` | a module's `contexts` conflicts with its `visibility` |
//!
//! Integers must be written as integers: `3.0` or `3e0` is a `type` problem here although JSON
//! Schema would accept them. JSON `null` is never accepted in place of an optional field: leave
//! the field out instead. Duplicate keys are not detected here (serde_json keeps the last); the
//! canonicalizer rejects them before specs are stored.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    Autonomy, InteractionContext, Mode, OutputFormat, PersonaSpec, ReasoningLevel,
    ReasoningVisibility, Severity, Verbosity, Visibility, SCHEMA_VERSION,
};

/// Texts longer than this many bytes are rejected unparsed (`too_large`).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The deepest nesting of objects and arrays allowed anywhere (`too_deep`); the document's own
/// top-level object is level 1.
pub const MAX_DEPTH: usize = 64;

const JSON_SYNTAX: &str = "json_syntax";
const TOO_LARGE: &str = "too_large";
const TOO_DEEP: &str = "too_deep";
const TYPE: &str = "type";
const REQUIRED: &str = "required";
const UNKNOWN_FIELD: &str = "unknown_field";
const ENUM: &str = "enum";
const PATTERN: &str = "pattern";
const TOO_SHORT: &str = "too_short";
const TOO_LONG: &str = "too_long";
const TOO_FEW: &str = "too_few";
const TOO_MANY: &str = "too_many";
const RANGE: &str = "range";
const DUPLICATE_ID: &str = "duplicate_id";
const DUPLICATE_VALUE: &str = "duplicate_value";
const SCHEMA_VERSION_RULE: &str = "schema_version";
const VISIBILITY_CONTEXT: &str = "visibility_context";

/// Every rule code a [`Problem`] can carry; these strings are stable API.
pub const RULE_CODES: [&str; 17] = [
    JSON_SYNTAX,
    TOO_LARGE,
    TOO_DEEP,
    TYPE,
    REQUIRED,
    UNKNOWN_FIELD,
    ENUM,
    PATTERN,
    TOO_SHORT,
    TOO_LONG,
    TOO_FEW,
    TOO_MANY,
    RANGE,
    DUPLICATE_ID,
    DUPLICATE_VALUE,
    SCHEMA_VERSION_RULE,
    VISIBILITY_CONTEXT,
];

pub use crate::problem::{describe_problems, Problem};

/// Validates a JSON text; see the module documentation for the rules.
pub fn validate_json(text: &str) -> Result<PersonaSpec, Vec<Problem>> {
    validate_json_bytes(text.as_bytes())
}

/// Validates JSON given as bytes (which must be UTF-8); the same as [`validate_json`].
pub fn validate_json_bytes(bytes: &[u8]) -> Result<PersonaSpec, Vec<Problem>> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(vec![problem(
            "",
            TOO_LARGE,
            format!(
                "the document is {} bytes; a persona spec may be at most {MAX_DOCUMENT_BYTES} \
                 bytes (1 MiB), so move bulky data out of it",
                bytes.len()
            ),
        )]);
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        // serde_json gives up past 128 levels with a syntax error; say what really went wrong.
        Err(_) if scan_depth(bytes) > MAX_DEPTH => return Err(vec![too_deep_problem("")]),
        Err(error) => return Err(vec![syntax_problem(&error)]),
    };
    let problems = problems_in(&value);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(value).map_err(|error| vec![unreadable(&error)])
}

/// Validates an already parsed value (no size limit applies; depth still does).
pub fn validate_value(value: &Value) -> Result<PersonaSpec, Vec<Problem>> {
    let problems = problems_in(value);
    if !problems.is_empty() {
        return Err(problems);
    }
    PersonaSpec::deserialize(value).map_err(|error| vec![unreadable(&error)])
}

fn problems_in(value: &Value) -> Vec<Problem> {
    let mut walker = Walker::default();
    if let Some(pointer) = first_too_deep(value) {
        walker.problems.push(too_deep_problem(&pointer));
    }
    // The walk only descends into the fields the format defines, so its recursion is bounded
    // even when the value is too deep.
    walker.spec(value);
    walker.problems
}

fn problem(pointer: &str, rule: &'static str, message: String) -> Problem {
    Problem {
        pointer: pointer.to_string(),
        rule,
        message,
    }
}

fn too_deep_problem(pointer: &str) -> Problem {
    problem(
        pointer,
        TOO_DEEP,
        format!(
            "objects and arrays nest more than {MAX_DEPTH} levels deep here; flatten this data \
             (the limit applies everywhere, including inside \"extensions\")"
        ),
    )
}

fn syntax_problem(error: &serde_json::Error) -> Problem {
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    let reason = full.strip_suffix(&suffix).unwrap_or(&full);
    problem(
        "",
        JSON_SYNTAX,
        format!("the document is not valid JSON: {reason} at line {line}, column {column}"),
    )
}

/// Should be unreachable: the walk accepted something serde rejects. Reported, not panicked on.
fn unreadable(error: &serde_json::Error) -> Problem {
    problem(
        "",
        TYPE,
        format!(
            "the document passed validation but could not be read as a persona spec ({error}); \
             this is a bug in the validator, please report it"
        ),
    )
}

/// The deepest object/array nesting in raw JSON text, ignoring brackets inside strings. Only
/// used to explain a parse failure, so malformed input just gives a rough answer.
fn scan_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The pointer of the first object or array nested deeper than [`MAX_DEPTH`], found without
/// recursion so that a hostile value cannot overflow the stack.
fn first_too_deep(root: &Value) -> Option<String> {
    enum Children<'a> {
        Object(serde_json::map::Iter<'a>),
        Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
    }
    enum Segment<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn children(value: &Value) -> Option<Children<'_>> {
        match value {
            Value::Object(map) => Some(Children::Object(map.iter())),
            Value::Array(items) => Some(Children::Array(items.iter().enumerate())),
            _ => None,
        }
    }

    let mut stack: Vec<(Option<Segment>, Children)> = vec![(None, children(root)?)];
    while let Some((_, top)) = stack.last_mut() {
        let next = match top {
            Children::Object(iter) => iter.next().map(|(k, v)| (Segment::Key(k), v)),
            Children::Array(iter) => iter.next().map(|(i, v)| (Segment::Index(i), v)),
        };
        let Some((segment, value)) = next else {
            stack.pop();
            continue;
        };
        let Some(grandchildren) = children(value) else {
            continue;
        };
        if stack.len() < MAX_DEPTH {
            stack.push((Some(segment), grandchildren));
            continue;
        }
        let mut pointer = String::new();
        let segments = stack.iter().filter_map(|(s, _)| s.as_ref());
        for segment in segments.chain(std::iter::once(&segment)) {
            match segment {
                Segment::Key(key) => pointer = child(&pointer, key),
                Segment::Index(index) => pointer = item(&pointer, *index),
            }
        }
        return Some(pointer);
    }
    None
}

/// `parent` extended by an object key, escaped per RFC 6901.
fn child(parent: &str, key: &str) -> String {
    let mut pointer = String::with_capacity(parent.len() + key.len() + 1);
    pointer.push_str(parent);
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
    pointer
}

/// `parent` extended by an array index.
fn item(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

/// A value as a message shows it: short strings quoted, containers by kind only.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quoted(text),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    }
}

/// JSON-quotes `text`, cut to 60 characters so one bad value cannot flood the message.
fn quoted(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", Value::from(text.get(..cut).unwrap_or(text))),
        None => Value::from(text).to_string(),
    }
}

/// `"a"`, `"a" or "b"`, `one of "a", "b" or "c"`.
fn alternatives(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|name| quoted(name)).collect();
    match quoted.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, [only])) => format!("{only} or {last}"),
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
    }
}

fn is_snake_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && text.len() <= 64
}

fn is_tool_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | ':' | '-'))
        && text.len() <= 64
}

/// `^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`
fn is_language_tag(text: &str) -> bool {
    let mut parts = text.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

const SNAKE_ID_HELP: &str = "lower_snake_case: a letter a-z, then up to 63 of a-z, 0-9 or _";

/// Collects problems while walking the fields the format defines.
#[derive(Default)]
struct Walker {
    problems: Vec<Problem>,
}

impl Walker {
    fn push(&mut self, pointer: &str, rule: &'static str, message: String) {
        self.problems.push(problem(pointer, rule, message));
    }

    /// Checks that `value` is an object with only `fields` and all of `required`.
    fn object<'v>(
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
    fn string<'v>(
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
    fn patterned<'v>(
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
    fn one_of<'v>(
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

    fn integer(&mut self, value: &Value, pointer: &str, name: &str, min: u64, max: u64) {
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

    fn boolean(&mut self, value: &Value, pointer: &str, name: &str) {
        if !value.is_boolean() {
            self.push(
                pointer,
                TYPE,
                format!("{name} must be true or false; got {}", describe(value)),
            );
        }
    }

    /// An array of `min..=max` items; returns the items whatever their number.
    fn array<'v>(
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
    fn duplicates(&mut self, entries: &[(String, &str)], rule: &'static str, name: &str) {
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
    fn string_list<'v>(
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

    fn spec(&mut self, value: &Value) {
        const FIELDS: [&str; 12] = [
            "schema_version",
            "id",
            "version",
            "mode",
            "identity",
            "constitution",
            "decision_policy",
            "style",
            "intent_modules",
            "tool_policy",
            "reasoning",
            "extensions",
        ];
        const REQUIRED_FIELDS: [&str; 11] = [
            "schema_version",
            "id",
            "version",
            "mode",
            "identity",
            "constitution",
            "decision_policy",
            "style",
            "intent_modules",
            "tool_policy",
            "reasoning",
        ];
        let Some(map) = self.object(value, "", "the persona spec", &FIELDS, &REQUIRED_FIELDS)
        else {
            return;
        };
        for (key, value) in map {
            let pointer = child("", key);
            let at = pointer.as_str();
            match key.as_str() {
                "schema_version" => self.schema_version(value, at),
                "id" => {
                    self.patterned(value, at, "\"id\"", is_snake_id, SNAKE_ID_HELP);
                }
                "version" => self.integer(value, at, "\"version\"", 1, 1_000_000),
                "mode" => {
                    self.one_of(value, at, "\"mode\"", &Mode::NAMES);
                }
                "identity" => self.identity(value, at),
                "constitution" => self.constitution(value, at),
                "decision_policy" => self.decision_policy(value, at),
                "style" => self.style(value, at),
                "intent_modules" => self.intent_modules(value, at),
                "tool_policy" => self.tool_policy(value, at),
                "reasoning" => self.reasoning(value, at),
                // Anything goes inside extensions; only its own type is checked.
                "extensions" if !value.is_object() => self.push(
                    at,
                    TYPE,
                    format!("\"extensions\" must be an object; got {}", describe(value)),
                ),
                _ => {}
            }
        }
    }

    fn schema_version(&mut self, value: &Value, pointer: &str) {
        match value {
            Value::Number(n) if n.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
            Value::Number(n) if n.is_u64() || n.is_i64() => self.push(
                pointer,
                SCHEMA_VERSION_RULE,
                format!(
                    "this is a persona spec v{SCHEMA_VERSION} validator, so \"schema_version\" \
                     must be {SCHEMA_VERSION}; got {n}"
                ),
            ),
            _ => self.push(
                pointer,
                TYPE,
                format!(
                    "\"schema_version\" must be the integer {SCHEMA_VERSION}; got {}",
                    describe(value)
                ),
            ),
        }
    }

    fn identity(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = ["name", "purpose", "vibe", "emoji"];
        let Some(map) = self.object(
            value,
            pointer,
            "\"identity\"",
            &FIELDS,
            &["name", "purpose"],
        ) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            let limits = match key.as_str() {
                "name" => (1, 80),
                "purpose" => (1, 500),
                "vibe" => (0, 200),
                "emoji" => (0, 16),
                _ => continue,
            };
            self.string(value, &at, &quoted(key), limits.0, limits.1);
        }
    }

    fn constitution(&mut self, value: &Value, pointer: &str) {
        let Some(map) = self.object(value, pointer, "\"constitution\"", &["rules"], &["rules"])
        else {
            return;
        };
        let Some(rules) = map.get("rules") else {
            return;
        };
        let at = child(pointer, "rules");
        let mut ids = Vec::new();
        for (index, rule) in self
            .array(rules, &at, "\"rules\"", 1, 100)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let rule_at = item(&at, index);
            let what = format!("rule {index}");
            const FIELDS: [&str; 3] = ["id", "text", "severity"];
            let Some(rule) = self.object(rule, &rule_at, &what, &FIELDS, &FIELDS) else {
                continue;
            };
            for (key, value) in rule {
                let field_at = child(&rule_at, key);
                match key.as_str() {
                    "id" => {
                        let name = format!("the id of rule {index}");
                        if let Some(id) =
                            self.patterned(value, &field_at, &name, is_snake_id, SNAKE_ID_HELP)
                        {
                            ids.push((field_at, id));
                        }
                    }
                    "text" => {
                        self.string(value, &field_at, "\"text\"", 1, 2000);
                    }
                    "severity" => {
                        self.one_of(value, &field_at, "\"severity\"", &Severity::NAMES);
                    }
                    _ => {}
                }
            }
        }
        self.duplicates(&ids, DUPLICATE_ID, "rule id");
    }

    fn decision_policy(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 3] = ["autonomy", "escalate_when", "confirm_before"];
        let Some(map) = self.object(
            value,
            pointer,
            "\"decision_policy\"",
            &FIELDS,
            &["autonomy"],
        ) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "autonomy" => {
                    self.one_of(value, &at, "\"autonomy\"", &Autonomy::NAMES);
                }
                "escalate_when" | "confirm_before" => {
                    self.string_list(value, &at, key, 50, (1, 500));
                }
                _ => {}
            }
        }
    }

    fn style(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = ["verbosity", "tone", "output_format", "language"];
        let required = ["verbosity", "output_format"];
        let Some(map) = self.object(value, pointer, "\"style\"", &FIELDS, &required) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "verbosity" => {
                    self.one_of(value, &at, "\"verbosity\"", &Verbosity::NAMES);
                }
                "tone" => {
                    self.string(value, &at, "\"tone\"", 0, 200);
                }
                "output_format" => {
                    self.one_of(value, &at, "\"output_format\"", &OutputFormat::NAMES);
                }
                "language" => {
                    let help = "a language tag such as \"en\" or \"pt-BR\" \
                                (2-3 lowercase letters, then -parts of 2-8 letters or digits)";
                    self.patterned(value, &at, "\"language\"", is_language_tag, help);
                }
                _ => {}
            }
        }
    }

    fn intent_modules(&mut self, value: &Value, pointer: &str) {
        let mut ids = Vec::new();
        for (index, module) in self
            .array(value, pointer, "\"intent_modules\"", 0, 64)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(id) = self.intent_module(module, &item(pointer, index), index) {
                ids.push(id);
            }
        }
        self.duplicates(&ids, DUPLICATE_ID, "intent module id");
    }

    /// Checks one module; returns its id (pointer and text) for the duplicate check.
    fn intent_module<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        index: usize,
    ) -> Option<(String, &'v str)> {
        const FIELDS: [&str; 5] = ["id", "when", "procedure", "contexts", "visibility"];
        let what = format!("intent module {index}");
        let map = self.object(value, pointer, &what, &FIELDS, &FIELDS)?;
        let mut id = None;
        let mut visibility = None;
        let mut contexts = Vec::new();
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "id" => {
                    let name = format!("the id of intent module {index}");
                    id = self
                        .patterned(value, &at, &name, is_snake_id, SNAKE_ID_HELP)
                        .map(|text| (at, text));
                }
                "when" => {
                    self.string(value, &at, "\"when\"", 1, 500);
                }
                "procedure" => {
                    let items = self.array(value, &at, "\"procedure\"", 1, 30);
                    for (step, entry) in items.unwrap_or_default().iter().enumerate() {
                        let label = format!("step {step} of \"procedure\"");
                        self.string(entry, &item(&at, step), &label, 1, 1000);
                    }
                }
                "contexts" => contexts = self.contexts(value, &at),
                "visibility" => {
                    visibility = self
                        .one_of(value, &at, "\"visibility\"", &Visibility::NAMES)
                        .and_then(|text| text.parse::<Visibility>().ok());
                }
                _ => {}
            }
        }
        if let Some(visibility) = visibility {
            self.visibility_contexts(visibility, &contexts);
        }
        id
    }

    /// Checks `contexts`; returns the valid entries with their pointers.
    fn contexts(&mut self, value: &Value, pointer: &str) -> Vec<(String, InteractionContext)> {
        let mut valid = Vec::new();
        let mut texts = Vec::new();
        let items = self.array(
            value,
            pointer,
            "\"contexts\"",
            1,
            InteractionContext::ALL.len(),
        );
        for (index, entry) in items.unwrap_or_default().iter().enumerate() {
            let at = item(pointer, index);
            let label = format!("item {index} of \"contexts\"");
            if let Some(text) = self.one_of(entry, &at, &label, &InteractionContext::NAMES) {
                if let Ok(context) = text.parse::<InteractionContext>() {
                    valid.push((at.clone(), context));
                }
                texts.push((at, text));
            }
        }
        self.duplicates(&texts, DUPLICATE_VALUE, "context");
        valid
    }

    fn visibility_contexts(
        &mut self,
        visibility: Visibility,
        contexts: &[(String, InteractionContext)],
    ) {
        for (pointer, context) in contexts {
            if visibility.allows(*context) {
                continue;
            }
            let fitting: Vec<&str> = InteractionContext::ALL
                .into_iter()
                .filter(|c| visibility.allows(*c))
                .map(InteractionContext::as_str)
                .collect();
            self.push(
                pointer,
                VISIBILITY_CONTEXT,
                format!(
                    "a module with visibility {} may only run in {}, not in {}; remove this \
                     context or change the visibility",
                    quoted(visibility.as_str()),
                    alternatives(&fitting),
                    quoted(context.as_str())
                ),
            );
        }
    }

    fn tool_policy(&mut self, value: &Value, pointer: &str) {
        const FIELDS: [&str; 4] = [
            "allowed_tools",
            "allowed_sources",
            "require_citations",
            "max_evidence_age_days",
        ];
        let required = ["require_citations"];
        let Some(map) = self.object(value, pointer, "\"tool_policy\"", &FIELDS, &required) else {
            return;
        };
        for (key, value) in map {
            let at = child(pointer, key);
            match key.as_str() {
                "allowed_tools" => {
                    let mut tools = Vec::new();
                    let items = self.array(value, &at, "\"allowed_tools\"", 0, 100);
                    for (index, entry) in items.unwrap_or_default().iter().enumerate() {
                        let entry_at = item(&at, index);
                        let label = format!("item {index} of \"allowed_tools\"");
                        let help =
                            "a tool name: a letter a-z, then up to 63 of a-z, 0-9, _ . : or -";
                        if let Some(tool) =
                            self.patterned(entry, &entry_at, &label, is_tool_name, help)
                        {
                            tools.push((entry_at, tool));
                        }
                    }
                    self.duplicates(&tools, DUPLICATE_VALUE, "tool");
                }
                "allowed_sources" => {
                    let sources = self.string_list(value, &at, key, 100, (1, 300));
                    self.duplicates(&sources, DUPLICATE_VALUE, "source");
                }
                "require_citations" => self.boolean(value, &at, "\"require_citations\""),
                "max_evidence_age_days" => {
                    self.integer(value, &at, "\"max_evidence_age_days\"", 1, 3650);
                }
                _ => {}
            }
        }
    }

    fn reasoning(&mut self, value: &Value, pointer: &str) {
        let fields = ["preferred", "visibility"];
        let Some(map) = self.object(value, pointer, "\"reasoning\"", &fields, &fields[..1]) else {
            return;
        };
        if let Some(preferred) = map.get("preferred") {
            let at = child(pointer, "preferred");
            self.one_of(preferred, &at, "\"preferred\"", &ReasoningLevel::NAMES);
        }
        if let Some(visibility) = map.get("visibility") {
            let at = child(pointer, "visibility");
            self.one_of(
                visibility,
                &at,
                "\"visibility\"",
                &ReasoningVisibility::NAMES,
            );
        }
    }
}
