//! Owns number output: the ECMAScript `Number.prototype.toString` form that
//! RFC 8785 requires (via `ryu-js`), plus exact fast paths for integers.

use super::error::CanonError;

/// Every integer of magnitude up to 2^53 is exactly a double.
const EXACT_INT_LIMIT: u64 = 1 << 53;

/// Appends the canonical form of a finite double. `-0` is written as `0`.
///
/// The caller guarantees `value.is_finite()`; a non-finite value would be
/// formatted as garbage, never panic.
pub(crate) fn write_finite(out: &mut Vec<u8>, value: f64) {
    if value == 0.0 {
        // Covers -0.0, which ES prints as "0".
        out.push(b'0');
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format_finite(value).as_bytes());
}

/// Appends the canonical form of `value`, or reports it as non-finite.
pub(crate) fn write_f64(out: &mut Vec<u8>, value: f64) -> Result<(), CanonError> {
    if !value.is_finite() {
        return Err(CanonError::NotFinite {
            value,
            pointer: String::new(),
        });
    }
    write_finite(out, value);
    Ok(())
}

/// Appends an `f32` as the double nearest to its shortest decimal form
/// (0.1f32 gives `0.1`, not `0.10000000149011612`): the number a reader of
/// serde_json's text for the value gets, so that a value and its serde_json
/// rendering have one digest.
pub(crate) fn write_f32(out: &mut Vec<u8>, value: f32) -> Result<(), CanonError> {
    if !value.is_finite() {
        return write_f64(out, f64::from(value));
    }
    let mut buf = ryu_js::Buffer::new();
    let shortest = buf.format_finite(value);
    // ryu-js text always parses; the fallback is the exact value.
    write_finite(out, shortest.parse().unwrap_or(f64::from(value)));
    Ok(())
}

/// Appends an unsigned integer. JCS numbers are doubles, so integers beyond
/// 2^53 are rounded to the nearest double first, exactly as a JSON parser
/// reading the literal would.
pub(crate) fn write_u64(out: &mut Vec<u8>, value: u64) {
    if value <= EXACT_INT_LIMIT {
        write_decimal(out, value);
    } else {
        write_finite(out, value as f64);
    }
}

/// Signed counterpart of [`write_u64`].
pub(crate) fn write_i64(out: &mut Vec<u8>, value: i64) {
    let magnitude = value.unsigned_abs();
    if magnitude <= EXACT_INT_LIMIT {
        if value < 0 {
            out.push(b'-');
        }
        write_decimal(out, magnitude);
    } else {
        write_finite(out, value as f64);
    }
}

/// Plain decimal digits; for |n| <= 2^53 this is exactly the ES output
/// (ES switches to exponent form only at 1e21).
fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Converts a JSON number literal (already checked against the RFC 8259
/// grammar) to the double it denotes; `None` if it overflows to infinity.
pub(crate) fn parse_literal(literal: &[u8]) -> Option<f64> {
    // The grammar check guarantees ASCII, and Rust's parser is correctly
    // rounded for every JSON number form.
    let text = std::str::from_utf8(literal).ok()?;
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value)
}
