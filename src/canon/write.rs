//! Owns the output rules shared by the byte parser and the `Serialize` path:
//! ECMAScript `JSON.stringify` string escaping and the UTF-16 key order; and
//! [`Sink`], where the parser's final output goes (a byte vector, or straight
//! into a hasher).

use std::cmp::Ordering;

/// Destination of canonical bytes.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);

    fn push(&mut self, byte: u8) {
        self.put(&[byte]);
    }

    /// Room for `additional` more bytes is about to be needed.
    fn reserve(&mut self, _additional: usize) {}

    /// The whole output in one piece.
    fn put_all(&mut self, bytes: Vec<u8>) {
        self.put(&bytes);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }

    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }

    fn put_all(&mut self, bytes: Vec<u8>) {
        if self.is_empty() {
            // Take the buffer instead of copying it.
            *self = bytes;
        } else {
            self.extend_from_slice(&bytes);
        }
    }
}

/// A sink that keeps nothing, for checking a document without its output.
pub(crate) struct Discard;

impl Sink for Discard {
    #[inline]
    fn put(&mut self, _bytes: &[u8]) {}
}

/// For each byte: 0 = copy as is, otherwise the character after the
/// backslash (`u` means `\u00xx`). Only `"`, `\` and C0 controls are escaped;
/// DEL, U+2028/2029 and all non-ASCII stay raw, as `JSON.stringify` does.
pub(crate) static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Offset of the first byte that JSON strings cannot hold raw: `"`, `\`
/// or a control byte below 0x20. Works eight bytes at a time (SWAR).
#[inline]
pub(crate) fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // Flags bytes that are zero after the xor, or below 0x20. Borrows can
        // add false flags only above a true one; the lowest flag is exact.
        let found = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | w.wrapping_sub(ONES * 0x20) & !w)
            & HIGHS;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| ESCAPE[b as usize] != 0)
        .map(|n| offset + n)
}

/// Appends the escape sequence for a byte that [`find_special`] stops at.
#[inline]
pub(crate) fn write_escape(out: &mut Vec<u8>, b: u8) {
    match ESCAPE[b as usize] {
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(b >> 4) as usize],
            HEX[(b & 0xf) as usize],
        ]),
        0 => out.push(b),
        esc => out.extend_from_slice(&[b'\\', esc]),
    }
}

/// Appends `s` (valid UTF-8) as a canonical JSON string, quotes included.
pub(crate) fn write_str(out: &mut Vec<u8>, mut s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    while let Some(n) = find_special(s) {
        out.extend_from_slice(&s[..n]);
        write_escape(out, s[n]);
        s = &s[n + 1..];
    }
    out.extend_from_slice(s);
    out.push(b'"');
}

/// Compares two UTF-8 strings by their UTF-16 code units, without allocating.
///
/// UTF-8 byte order equals code point order, which matches UTF-16 order
/// except for one case: a supplementary character (4-byte UTF-8, a surrogate
/// pair 0xD800.. in UTF-16) against U+E000..U+FFFF (3-byte UTF-8 led by 0xEE
/// or 0xEF). So compare bytes and fix up only that case at the first
/// difference. Equivalent to `a.encode_utf16().cmp(b.encode_utf16())`.
pub(crate) fn cmp_utf16(a: &[u8], b: &[u8]) -> Ordering {
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return a.len().cmp(&b.len());
    };
    let (x, y) = (a[i], b[i]);
    // A continuation byte means both strings share the lead byte of this
    // character, hence its length and UTF-16 shape: byte order is right.
    if x & 0xC0 == 0x80 {
        return x.cmp(&y);
    }
    let supplementary = |lead: u8| lead >= 0xF0;
    let high_bmp = |lead: u8| lead == 0xEE || lead == 0xEF;
    if supplementary(x) && high_bmp(y) {
        Ordering::Less
    } else if high_bmp(x) && supplementary(y) {
        Ordering::Greater
    } else {
        x.cmp(&y)
    }
}

/// First 8 bytes of a key, big-endian and zero-padded, when they decide
/// UTF-16 order on their own: `None` if they hold a byte >= 0xEE, where byte
/// order and UTF-16 order can disagree. Lets most key comparisons during
/// sorting be one integer comparison.
#[inline]
pub(crate) fn key_prefix(key: &[u8]) -> Option<u64> {
    let head = match key.get(..8) {
        // A fixed-size copy is one load; a variable-length one is a memcpy
        // call whose byte stores then stall the wide load that follows.
        Some(head) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(head);
            u64::from_be_bytes(word)
        }
        None => {
            let v = key.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
            v.checked_shl(8 * (8 - key.len() as u32)).unwrap_or(0)
        }
    };
    let ascii = head & 0x8080_8080_8080_8080 == 0;
    (ascii || head.to_be_bytes().iter().all(|&b| b < 0xEE)).then_some(head)
}

/// The order of two keys if their prefixes decide it. Zero padding keeps
/// this right for keys shorter than 8 bytes: a difference found there is the
/// first byte difference, or a shorter key against a longer one.
#[inline]
pub(crate) fn prefix_order(a: Option<u64>, b: Option<u64>) -> Option<Ordering> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Some(x.cmp(&y)),
        _ => None,
    }
}
