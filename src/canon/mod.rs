//! RFC 8785 JSON Canonicalization Scheme (JCS) and the SHA-256 [`Digest`]
//! of canonical JSON.
//!
//! Canonical form: no whitespace; object keys sorted by UTF-16 code units;
//! strings escaped as ECMAScript `JSON.stringify` does; numbers as IEEE-754
//! doubles printed the ECMAScript `Number.prototype.toString` way. Input must
//! be I-JSON: duplicate keys, lone surrogates and numbers beyond the double
//! range are errors, never silently fixed.
//!
//! A leading UTF-8 byte order mark is ignored (RFC 8259 §8.1), so a file saved with one has
//! the same canonical bytes and digest as without; one anywhere else is a `byte_order_mark`
//! error. [`strict`] is the same reader as a gate before any other JSON reader.
//!
//! Two entry points share every output rule:
//! - [`canonicalize`] / [`digest_json`] read JSON bytes with a strict reader
//!   that writes canonical bytes as it parses (no value tree) and reorders
//!   objects afterwards with at most one more copy;
//! - [`to_canonical_vec`] / [`digest_of`] write any [`serde::Serialize`]
//!   value directly (no `serde_json::Value` in between).
//!
//! Submodules: `parse` (byte reader), `ser` (Serializer), `write` (string
//! escaping, UTF-16 key order, output sinks), `number` (number text),
//! `digest` (digest type and hashing), `error` (errors and their places).

mod digest;
mod error;
mod number;
mod parse;
mod ser;
mod write;

#[cfg(test)]
mod tests;

pub use digest::{Digest, DigestParseError, DigestWriter};
pub use error::CanonError;
pub use parse::BOM;

/// Deepest nesting of arrays/objects accepted, in both input and values.
/// Deeper documents are rejected with `too_deep` instead of risking the stack.
pub const MAX_DEPTH: usize = 128;

/// Checks that `json` is one strict I-JSON text and returns it without its leading byte order
/// mark (RFC 8259 §8.1 lets a reader ignore one), ready for any JSON reader: no duplicate keys,
/// no lone surrogates, numbers within the double range, at most [`MAX_DEPTH`] deep, and no byte
/// order mark anywhere else. Every reader of JSON from outside the app goes through this (most
/// through `crate::json`), so the document that is hashed, stored and enforced is the one every
/// strict reader sees: a last-wins parser can no longer disagree with the canonicalizer.
pub fn strict(json: &[u8]) -> Result<&[u8], CanonError> {
    parse::canonicalize(json, &mut write::Discard)?;
    Ok(json.strip_prefix(parse::BOM).unwrap_or(json))
}

/// Parses `json` strictly and returns its canonical bytes.
pub fn canonicalize(json: &[u8]) -> Result<Vec<u8>, CanonError> {
    let mut out = Vec::new();
    canonicalize_into(json, &mut out)?;
    Ok(out)
}

/// Parses `json` strictly and appends its canonical bytes to `out`. On error
/// `out` is left as it was.
pub fn canonicalize_into(json: &[u8], out: &mut Vec<u8>) -> Result<(), CanonError> {
    let before = out.len();
    let result = parse::canonicalize(json, out);
    if result.is_err() {
        out.truncate(before);
    }
    result
}

/// Canonical bytes of any `Serialize` value, with the same number, string
/// and key-order rules as [`canonicalize`], so that
/// `digest_of(v) == digest_json(&serde_json::to_vec(v)?)`. Integers are
/// treated as doubles (beyond 2^53 they round, as a JSON reader would); an
/// `f32` counts as its shortest decimal (0.1f32 is `0.1`); NaN and infinities
/// are `not_finite` errors; map keys must be strings (or integers, bools,
/// chars, unit variants, which become strings as in serde_json).
pub fn to_canonical_vec<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonError> {
    let mut out = Vec::with_capacity(128);
    ser::to_writer(value, &mut out)?;
    Ok(out)
}

/// SHA-256 of the canonical form of the JSON document `json`. The canonical
/// bytes are hashed as they are produced, never stored whole.
pub fn digest_json(json: &[u8]) -> Result<Digest, CanonError> {
    let mut sink = digest::HashSink::new();
    parse::canonicalize(json, &mut sink)?;
    Ok(sink.finish())
}

/// SHA-256 of the canonical form of `value`.
pub fn digest_of<T: serde::Serialize + ?Sized>(value: &T) -> Result<Digest, CanonError> {
    Ok(Digest::of_bytes(&to_canonical_vec(value)?))
}

/// The canonical (ECMAScript) text of one number, e.g. `1e+21`, `0.000001`,
/// `5e-324`; `-0` gives `0`. NaN and infinities are `not_finite` errors.
pub fn format_number(value: f64) -> Result<String, CanonError> {
    let mut out = Vec::with_capacity(24);
    number::write_f64(&mut out, value)?;
    // Number text is ASCII.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

crate::ts_as_string!(Digest);
