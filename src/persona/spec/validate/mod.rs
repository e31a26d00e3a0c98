//! The persona spec v1 validator: untrusted JSON in, a [`PersonaSpec`] or every [`Problem`] out.
//!
//! It walks the `serde_json::Value` itself instead of relying on serde errors, because serde
//! stops at the first problem and a person fixing a spec wants the whole list at once.
//!
//! Order of work: size (text only), JSON syntax and repeated names, depth, then the structure.
//! Too large, not JSON and a repeated name stop there with one problem; everything else is
//! collected. Only when nothing is wrong is the value deserialized.
//!
//! Each [`Problem`] has an RFC 6901 JSON pointer (`""` is the whole document, `~` is written
//! `~0` and `/` is written `~1`), a stable rule code and a message that says how to fix it. A
//! missing field is reported at the pointer where it should be (`/identity/purpose`), an unknown
//! field at its own pointer, a duplicate at the later occurrence.
//!
//! | rule | meaning |
//! | --- | --- |
//! | `json_syntax` | not JSON (or not UTF-8, or a byte order mark other than one leading one, which is skipped); the message has the line and column |
//! | `duplicate_key` | an object repeats a member name; reported at the later one's pointer, since readers disagree on which copy wins |
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
//! the field out instead. The text is read through [`canon::strict`] first, like every JSON
//! from outside the app, so a repeated name is never merged last-wins.
//!
//! Files: `walker.rs` (the [`Walker`] that collects problems, its checks for each JSON shape and
//! the message helpers), `fields.rs` (the walk of each field the format defines).

mod fields;
mod walker;

use serde::Deserialize;
use serde_json::Value;

use crate::canon::{self, CanonError};

use super::PersonaSpec;
use walker::Walker;

/// Texts longer than this many bytes are rejected unparsed (`too_large`).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The deepest nesting of objects and arrays allowed anywhere (`too_deep`); the document's own
/// top-level object is level 1.
pub const MAX_DEPTH: usize = 64;

const JSON_SYNTAX: &str = "json_syntax";
const DUPLICATE_KEY: &str = "duplicate_key";
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
pub const RULE_CODES: [&str; 18] = [
    JSON_SYNTAX,
    DUPLICATE_KEY,
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
    // The one door for JSON from outside: a leading byte order mark is skipped, and what a
    // last-wins reader would quietly merge (a repeated name) is refused at its pointer.
    let body = match canon::strict(bytes) {
        Ok(body) => body,
        Err(error) => return Err(vec![not_strict(bytes, &error)]),
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
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

/// The problem with a document the strict reader refused.
fn not_strict(bytes: &[u8], error: &CanonError) -> Problem {
    match error {
        CanonError::DuplicateKey { .. } => problem(
            &error.pointer().unwrap_or_default(),
            DUPLICATE_KEY,
            format!("the document repeats a name: {error}"),
        ),
        CanonError::TooDeep { .. } => too_deep_problem(""),
        CanonError::ByteOrderMark { .. } => problem(
            "",
            JSON_SYNTAX,
            format!("the document is not valid JSON: {error}"),
        ),
        // Anything else is not JSON to serde_json either, whose messages are worded for a
        // person; past 128 levels it gives up with a syntax error, so say what really went
        // wrong then.
        _ => {
            let body = bytes.strip_prefix(canon::BOM).unwrap_or(bytes);
            match serde_json::from_slice::<Value>(body) {
                Err(_) if scan_depth(body) > MAX_DEPTH => too_deep_problem(""),
                Err(serde_error) => syntax_problem(&serde_error),
                Ok(_) => problem(
                    "",
                    JSON_SYNTAX,
                    format!("the document is not valid JSON: {error}"),
                ),
            }
        }
    }
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
