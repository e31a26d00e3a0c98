//! Owns [`CanonError`]: every way canonicalization can fail, each naming the
//! problem and the place (line/column in the input, or a JSON pointer into a
//! serialized value), plus the helpers that compute those places.

use std::fmt;

/// Why a document or value could not be canonicalized, and where.
///
/// Errors about input bytes carry a 1-based `line` and `column` (columns count
/// characters, not bytes). Errors about a [`serde::Serialize`] value carry an
/// RFC 6901 JSON `pointer` instead. [`CanonError::code`] gives a stable
/// machine-readable code for each variant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonError {
    /// The input is not JSON at this place.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        message: &'static str,
        line: usize,
        column: usize,
    },

    /// The input stops in the middle of a value (truncated document).
    #[error("JSON input ends too early at line {line}, column {column}: expected {expected}")]
    UnexpectedEnd {
        expected: &'static str,
        line: usize,
        column: usize,
    },

    /// A UTF-8 byte order mark (U+FEFF) outside a string, other than one at the very start.
    #[error(
        "a byte order mark (U+FEFF, bytes EF BB BF) at line {line}, column {column}: one is \
         allowed only at the very start of the document; delete this one"
    )]
    ByteOrderMark { line: usize, column: usize },

    /// The input bytes are not UTF-8.
    #[error("input is not valid UTF-8 at line {line}, column {column} (byte offset {offset})")]
    InvalidUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },

    /// An object repeats a key; JCS (I-JSON, RFC 7493 §2.3) requires unique keys. Readers
    /// disagree on which copy wins, so the document is refused rather than guessed at.
    #[error(
        "duplicate object key {key:?} at line {line}, column {column} in the object at {} (the \
         repeated member is JSON pointer {:?}); a name may appear only once in an object, so \
         keep one of them",
        describe_pointer(.pointer),
        member_pointer(.pointer, .key)
    )]
    DuplicateKey {
        key: String,
        /// JSON pointer of the object that holds the repeated key.
        pointer: String,
        line: usize,
        column: usize,
    },

    /// A `\uD800`-`\uDFFF` escape that is not part of a valid surrogate pair.
    #[error(
        "lone UTF-16 surrogate \\u{code:04x} at line {line}, column {column}: surrogates are \
         only valid as a high one (\\ud800-\\udbff) directly followed by a low one \
         (\\udc00-\\udfff)"
    )]
    LoneSurrogate {
        code: u16,
        line: usize,
        column: usize,
    },

    /// A number literal whose magnitude overflows an IEEE-754 double (e.g. `1e400`).
    #[error(
        "number {literal} at line {line}, column {column} is outside the range of an \
         IEEE-754 double (largest magnitude is 1.7976931348623157e+308)"
    )]
    NumberOutOfRange {
        /// The literal as written (shortened if very long).
        literal: String,
        line: usize,
        column: usize,
    },

    /// Arrays/objects nested deeper than [`super::MAX_DEPTH`].
    #[error("JSON nesting deeper than {limit} levels at line {line}, column {column}")]
    TooDeep {
        limit: usize,
        line: usize,
        column: usize,
    },

    /// Something other than whitespace follows the top-level value.
    #[error("unexpected characters after the JSON value at line {line}, column {column}")]
    TrailingCharacters { line: usize, column: usize },

    /// A serialized value contains NaN or an infinity, which JSON cannot express.
    #[error(
        "non-finite number {value} at {}: JSON has no NaN or Infinity",
        describe_pointer(.pointer)
    )]
    NotFinite { value: f64, pointer: String },

    /// A serialized map produced the same key twice.
    #[error(
        "duplicate object key {key:?} in the serialized value, in the object at {}",
        describe_pointer(.pointer)
    )]
    DuplicateKeyInValue { key: String, pointer: String },

    /// A serialized value nests arrays/objects deeper than [`super::MAX_DEPTH`].
    #[error(
        "serialized value nests deeper than {limit} levels at {}",
        describe_pointer(.pointer)
    )]
    TooDeepInValue { limit: usize, pointer: String },

    /// A serialized map key is not a string (or something JSON can turn into one).
    #[error(
        "map key in the object at {} is a {kind}, but JSON object keys must be strings",
        describe_pointer(.pointer)
    )]
    KeyNotString { kind: &'static str, pointer: String },

    /// The value's own `Serialize` implementation reported an error.
    #[error("serializing the value failed at {}: {message}", describe_pointer(.pointer))]
    Serialize { message: String, pointer: String },
}

impl CanonError {
    /// Stable snake_case code for this kind of error, for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "json_syntax",
            Self::UnexpectedEnd { .. } => "unexpected_end",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::ByteOrderMark { .. } => "byte_order_mark",
            Self::DuplicateKey { .. } => "duplicate_key",
            Self::LoneSurrogate { .. } => "lone_surrogate",
            Self::NumberOutOfRange { .. } => "number_out_of_range",
            Self::TooDeep { .. } => "too_deep",
            Self::TrailingCharacters { .. } => "trailing_characters",
            Self::NotFinite { .. } => "not_finite",
            Self::DuplicateKeyInValue { .. } => "duplicate_key_in_value",
            Self::TooDeepInValue { .. } => "too_deep_in_value",
            Self::KeyNotString { .. } => "key_not_string",
            Self::Serialize { .. } => "serialize",
        }
    }

    /// The RFC 6901 JSON pointer this error is about, when it has one: for a duplicate key,
    /// the repeated member itself (`/decision_policy/autonomy`); for a serialized value, the
    /// place in the value. Errors placed by line and column only give `None`.
    pub fn pointer(&self) -> Option<String> {
        match self {
            Self::DuplicateKey { key, pointer, .. } => Some(member_pointer(pointer, key)),
            Self::NotFinite { pointer, .. }
            | Self::DuplicateKeyInValue { pointer, .. }
            | Self::TooDeepInValue { pointer, .. }
            | Self::KeyNotString { pointer, .. }
            | Self::Serialize { pointer, .. } => Some(pointer.clone()),
            _ => None,
        }
    }

    /// Prefixes the JSON pointer (if this variant has one) with a path segment.
    /// Called while an error unwinds out of nested containers, so the success
    /// path never pays for path tracking.
    pub(crate) fn within(mut self, segment: Segment<'_>) -> Self {
        match &mut self {
            Self::DuplicateKey { pointer, .. }
            | Self::NotFinite { pointer, .. }
            | Self::DuplicateKeyInValue { pointer, .. }
            | Self::TooDeepInValue { pointer, .. }
            | Self::KeyNotString { pointer, .. }
            | Self::Serialize { pointer, .. } => {
                let mut prefixed = String::with_capacity(pointer.len() + 8);
                prefixed.push('/');
                segment.push_escaped(&mut prefixed);
                prefixed.push_str(pointer);
                *pointer = prefixed;
            }
            _ => {}
        }
        self
    }
}

impl serde::ser::Error for CanonError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Serialize {
            message: msg.to_string(),
            pointer: String::new(),
        }
    }
}

/// One step of a JSON pointer.
#[derive(Clone, Copy)]
pub(crate) enum Segment<'a> {
    Key(&'a [u8]),
    Index(usize),
}

impl Segment<'_> {
    fn push_escaped(self, out: &mut String) {
        match self {
            Segment::Index(i) => out.push_str(&i.to_string()),
            Segment::Key(k) => {
                // RFC 6901: '~' becomes "~0" and '/' becomes "~1".
                for c in String::from_utf8_lossy(k).chars() {
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
        }
    }
}

/// The pointer of member `key` of the object at `pointer`.
fn member_pointer(pointer: &str, key: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + key.len() + 1);
    out.push_str(pointer);
    out.push('/');
    Segment::Key(key.as_bytes()).push_escaped(&mut out);
    out
}

fn describe_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top level (JSON pointer \"\")".to_owned()
    } else {
        format!("JSON pointer {pointer:?}")
    }
}

/// 1-based line and column (in characters) of byte `offset` in `input`. A leading byte order
/// mark is not a column, as no editor shows it as one.
pub(crate) fn line_col(input: &[u8], offset: usize) -> (usize, usize) {
    let before = input.get(..offset).unwrap_or(input);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let first_line = if before.starts_with(super::parse::BOM) {
        super::parse::BOM.len()
    } else {
        0
    };
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(first_line, |p| p + 1);
    let column = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    (line, column)
}
