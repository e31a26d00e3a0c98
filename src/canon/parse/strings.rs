//! Strings: finding where string content ends while validating its UTF-8 (eight bytes at a
//! time while they are plain ASCII), copying escape-free strings as they are, and transcoding
//! escapes to their canonical form (or, for keys, to raw bytes for sorting). Lone surrogates
//! and control characters are rejected here.

use super::{Key, Parser};
use crate::canon::error::{line_col, CanonError};
use crate::canon::write::{write_escape, write_str, ESCAPE};

/// A scanned string: either a plain slice of the input, or escaped.
enum Scanned {
    /// Content bytes `input[start..end]` contain no escapes.
    Plain(usize, usize),
    /// Content starts at `start` and has an escape at `first_escape`.
    Escaped { start: usize, first_escape: usize },
}

impl Parser<'_> {
    /// Offset (from `start`) of the first `"`, `\` or control byte of string
    /// content, checking on the way that the bytes before it are UTF-8.
    /// Structural JSON is ASCII, so strings are the only place other bytes
    /// may appear and the only place that needs the check.
    #[inline]
    fn string_run(&self, start: usize) -> Result<usize, CanonError> {
        let bytes = self.input.get(start..).unwrap_or_default();
        match scan_content(bytes) {
            Scan::Stop(n) => Ok(n),
            Scan::End => Err(self.eof("the closing '\"' of a string")),
            Scan::BadUtf8(n) => {
                let offset = start + n;
                let (line, column) = line_col(self.input, offset);
                Err(CanonError::InvalidUtf8 {
                    offset,
                    line,
                    column,
                })
            }
        }
    }

    /// Reads an object key, writes it canonically to staging, and says where
    /// its raw bytes are for sorting.
    pub(super) fn key(&mut self) -> Result<Key, CanonError> {
        match self.scan_string()? {
            Scanned::Plain(s, e) => {
                // No escapes: the raw text needs none either, so copy it.
                self.staging
                    .extend_from_slice(self.input.get(s - 1..e + 1).unwrap_or_default());
                Ok(Key::Input(s, e))
            }
            Scanned::Escaped {
                start,
                first_escape,
            } => {
                let mut arena = std::mem::take(&mut self.arena);
                let begin = arena.len();
                let result = self.decode::<false>(start, first_escape, &mut arena);
                let end = arena.len();
                if result.is_ok() {
                    write_str(&mut self.staging, arena.get(begin..end).unwrap_or_default());
                }
                self.arena = arena;
                result.map(|()| Key::Arena(begin, end))
            }
        }
    }

    pub(super) fn string_value(&mut self) -> Result<(), CanonError> {
        match self.scan_string()? {
            Scanned::Plain(s, e) => {
                // No escapes: the raw text needs none either, so it is
                // already canonical, quotes included.
                self.staging
                    .extend_from_slice(self.input.get(s - 1..e + 1).unwrap_or_default());
                Ok(())
            }
            Scanned::Escaped {
                start,
                first_escape,
            } => {
                // Transcode escapes straight to their canonical form.
                let mut staging = std::mem::take(&mut self.staging);
                staging.push(b'"');
                let result = self.decode::<true>(start, first_escape, &mut staging);
                staging.push(b'"');
                self.staging = staging;
                result
            }
        }
    }

    /// With `pos` on an opening quote: finds the closing quote of an
    /// escape-free string (then `pos` moves past it), or the first escape.
    #[inline]
    fn scan_string(&mut self) -> Result<Scanned, CanonError> {
        let start = self.pos + 1;
        let at = start + self.string_run(start)?;
        match self.input.get(at).copied().unwrap_or_default() {
            b'"' => {
                self.pos = at + 1;
                Ok(Scanned::Plain(start, at))
            }
            b'\\' => Ok(Scanned::Escaped {
                start,
                first_escape: at,
            }),
            _ => Err(self.syntax(at, "control character in string must be escaped")),
        }
    }

    /// Decodes string content from `start` (first escape at `first_escape`,
    /// everything before it already validated) into `dst`, leaving `pos`
    /// after the closing quote. With `CANONICAL`, characters that JSON must
    /// escape are written in their canonical escaped form instead of raw.
    fn decode<const CANONICAL: bool>(
        &mut self,
        start: usize,
        first_escape: usize,
        dst: &mut Vec<u8>,
    ) -> Result<(), CanonError> {
        let input = self.input;
        dst.extend_from_slice(input.get(start..first_escape).unwrap_or_default());
        let mut i = first_escape;
        loop {
            if input.get(i) != Some(&b'\\') {
                // Copy the plain run up to the next quote, backslash or control.
                let n = self.string_run(i)?;
                dst.extend_from_slice(input.get(i..i + n).unwrap_or_default());
                i += n;
                match input.get(i).copied().unwrap_or_default() {
                    b'"' => {
                        self.pos = i + 1;
                        return Ok(());
                    }
                    b'\\' => {}
                    _ => return Err(self.syntax(i, "control character in string must be escaped")),
                }
            }
            let escape_at = i;
            let simple = match input.get(i + 1) {
                None => return Err(self.eof("an escape sequence")),
                Some(b'"') => b'"',
                Some(b'\\') => b'\\',
                Some(b'/') => b'/',
                Some(b'b') => 0x08,
                Some(b'f') => 0x0c,
                Some(b'n') => b'\n',
                Some(b'r') => b'\r',
                Some(b't') => b'\t',
                Some(b'u') => 0,
                Some(_) => return Err(self.syntax(i, "invalid escape sequence in string")),
            };
            if simple != 0 {
                if CANONICAL {
                    write_escape(dst, simple);
                } else {
                    dst.push(simple);
                }
                i += 2;
                continue;
            }
            let unit = self.hex4(i + 2)?;
            i += 6;
            let code = match unit {
                0xD800..=0xDBFF => {
                    // A high surrogate must be followed by an escaped low one.
                    let low = match (input.get(i), input.get(i + 1)) {
                        (Some(b'\\'), Some(b'u')) => Some(self.hex4(i + 2)?),
                        (None, _) | (Some(b'\\'), None) => {
                            return Err(self.eof("the low half of a surrogate pair"))
                        }
                        _ => None,
                    };
                    match low {
                        Some(low @ 0xDC00..=0xDFFF) => {
                            i += 6;
                            0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                        }
                        _ => return Err(self.lone_surrogate(unit, escape_at)),
                    }
                }
                0xDC00..=0xDFFF => return Err(self.lone_surrogate(unit, escape_at)),
                _ => u32::from(unit),
            };
            if CANONICAL && code < 0x80 {
                write_escape(dst, code as u8);
                continue;
            }
            let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut utf8 = [0u8; 4];
            dst.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }

    fn hex4(&self, at: usize) -> Result<u16, CanonError> {
        let Some(digits) = self.input.get(at..at + 4) else {
            // Distinguish truncation from a bad digit among what is there.
            let rest = self.input.get(at..).unwrap_or_default();
            return match rest.iter().position(|b| !b.is_ascii_hexdigit()) {
                Some(n) => Err(self.syntax(at + n, "expected 4 hex digits after \\u")),
                None => Err(self.eof("4 hex digits after \\u")),
            };
        };
        let mut v: u16 = 0;
        for (n, &b) in digits.iter().enumerate() {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.syntax(at + n, "expected 4 hex digits after \\u")),
            };
            v = (v << 4) | u16::from(d);
        }
        Ok(v)
    }

    fn lone_surrogate(&self, code: u16, at: usize) -> CanonError {
        let (line, column) = line_col(self.input, at);
        CanonError::LoneSurrogate { code, line, column }
    }
}

/// Result of [`scan_content`].
enum Scan {
    /// A `"`, `\` or control byte at this offset.
    Stop(usize),
    /// The input ends inside the string.
    End,
    /// Invalid UTF-8 starts at this offset.
    BadUtf8(usize),
}

/// Finds the end of a run of string content and validates its UTF-8 in the
/// same pass: eight bytes at a time (SWAR) while they are plain ASCII, one
/// character at a time otherwise.
#[inline]
fn scan_content(bytes: &[u8]) -> Scan {
    let mut i = 0;
    loop {
        while let Some(chunk) = bytes.get(i..i + 8) {
            let found = special_or_high(chunk);
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else {
            return Scan::End;
        };
        if b < 0x80 {
            if ESCAPE[b as usize] != 0 {
                return Scan::Stop(i);
            }
            i += 1;
        } else {
            match utf8_char_len(bytes.get(i..).unwrap_or_default()) {
                Some(n) => i += n,
                None => return Scan::BadUtf8(i),
            }
        }
    }
}

/// For eight bytes (little-endian): high bits flagging bytes that are `"`,
/// `\`, below 0x20 or non-ASCII. Only the lowest flag is exact (a borrow can
/// raise false flags above it), and it is the only one callers use. No
/// `& !x` masks are needed: bytes below the first flagged one are ASCII
/// and cause no borrows.
#[inline]
fn special_or_high(chunk: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    let w = u64::from_le_bytes(word);
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    (quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES) | w.wrapping_sub(ONES * 0x20) | w)
        & HIGHS
}

/// Length of the valid UTF-8 character that `bytes` starts with (its first
/// byte is >= 0x80), per RFC 3629: no overlongs, surrogates or > U+10FFFF.
#[inline]
fn utf8_char_len(bytes: &[u8]) -> Option<usize> {
    let cont = |i: usize| bytes.get(i).is_some_and(|&b| b & 0xC0 == 0x80);
    let second = |lo: u8, hi: u8| bytes.get(1).is_some_and(|&b| (lo..=hi).contains(&b));
    match *bytes.first()? {
        0xC2..=0xDF => cont(1).then_some(2),
        0xE0 => (second(0xA0, 0xBF) && cont(2)).then_some(3),
        0xE1..=0xEC | 0xEE..=0xEF => (cont(1) && cont(2)).then_some(3),
        0xED => (second(0x80, 0x9F) && cont(2)).then_some(3),
        0xF0 => (second(0x90, 0xBF) && cont(2) && cont(3)).then_some(4),
        0xF1..=0xF3 => (cont(1) && cont(2) && cont(3)).then_some(4),
        0xF4 => (second(0x80, 0x8F) && cont(2) && cont(3)).then_some(4),
        _ => None,
    }
}
