//! Owns the strict JSON reader (RFC 8259) behind [`super::canonicalize`].
//!
//! One pass over the input streams every value's canonical bytes into a
//! staging buffer in document order, with members in their original order.
//! Each object is recorded with its members (key, byte range), sorted and
//! checked for duplicate keys as soon as it closes. If every object was
//! already in key order the staging buffer is the result; otherwise a second
//! pass copies it out once, objects in key order, whole runs at a time
//! (arrays, scalars and already-sorted subtrees are single copies). Rejects
//! what JCS (I-JSON) forbids: duplicate keys, lone surrogates, numbers beyond
//! the double range, and nesting deeper than [`MAX_DEPTH`].

use std::cmp::Ordering;

use super::error::{line_col, CanonError, Segment};
use super::number;
use super::write::{cmp_utf16, key_prefix, prefix_order, write_escape, write_str, Sink, ESCAPE};
use super::MAX_DEPTH;

/// Where an object key's raw (unescaped) bytes live.
#[derive(Clone, Copy)]
enum Key {
    /// `input[start..end]`, a key written without escapes.
    Input(usize, usize),
    /// `arena[start..end]`, a decoded key.
    Arena(usize, usize),
}

/// One object member: its key, and its `"key":value` bytes in staging.
#[derive(Clone, Copy)]
struct Member {
    key: Key,
    /// See [`key_prefix`]: decides most comparisons without the key bytes.
    prefix: Option<u64>,
    /// Staging range of `"key":value`.
    start: usize,
    end: usize,
    /// Index in `objects` of the first object that may lie in the value.
    objects: usize,
    /// Input offset of the key, for duplicate reports.
    origin: usize,
}

/// What the second pass needs of a member of a reordered object.
#[derive(Clone, Copy)]
struct Placed {
    start: usize,
    end: usize,
    objects: usize,
}

/// One object, recorded in document (pre-)order when it opens.
#[derive(Clone, Copy)]
struct Object {
    /// Staging range from `{` to past `}`.
    start: usize,
    end: usize,
    /// If reordered, its members in key order are `members[first..first + len]`.
    first: usize,
    len: usize,
    /// Index in `objects` after this object's descendants.
    next: usize,
    /// This object and every object inside it were already in key order, so
    /// its staging bytes are final.
    in_order: bool,
}

/// Canonicalizes `input` (one JSON text) into `out`.
pub(crate) fn canonicalize<S: Sink>(input: &[u8], out: &mut S) -> Result<(), CanonError> {
    let mut parser = Parser {
        input,
        pos: 0,
        depth: 0,
        staging: Vec::with_capacity(input.len()),
        arena: Vec::new(),
        open: Vec::new(),
        members: Vec::new(),
        objects: Vec::new(),
        disordered: false,
    };
    parser.skip_ws();
    parser.value()?;
    parser.skip_ws();
    if parser.pos < input.len() {
        let (line, column) = line_col(input, parser.pos);
        return Err(CanonError::TrailingCharacters { line, column });
    }
    if !parser.disordered {
        // Every object was already in order: staging is the output.
        out.put_all(parser.staging);
        return Ok(());
    }
    out.reserve(parser.staging.len());
    let writer = Writer {
        staging: &parser.staging,
        members: &parser.members,
        objects: &parser.objects,
    };
    writer.range(0, parser.staging.len(), 0, out);
    Ok(())
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
    /// Canonical bytes in document order (members unsorted).
    staging: Vec<u8>,
    /// Decoded keys that had escapes.
    arena: Vec<u8>,
    /// Members of the objects still open, innermost last.
    open: Vec<Member>,
    /// Members of closed, reordered objects, each object's run sorted.
    members: Vec<Placed>,
    objects: Vec<Object>,
    /// Some object inside the innermost open object (or anywhere, at the
    /// top) needs reordering.
    disordered: bool,
}

/// A scanned string: either a plain slice of the input, or escaped.
enum Scanned {
    /// Content bytes `input[start..end]` contain no escapes.
    Plain(usize, usize),
    /// Content starts at `start` and has an escape at `first_escape`.
    Escaped { start: usize, first_escape: usize },
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn syntax(&self, at: usize, message: &'static str) -> CanonError {
        let (line, column) = line_col(self.input, at);
        CanonError::Syntax {
            message,
            line,
            column,
        }
    }

    fn eof(&self, expected: &'static str) -> CanonError {
        let (line, column) = line_col(self.input, self.input.len());
        CanonError::UnexpectedEnd {
            expected,
            line,
            column,
        }
    }

    /// Error for the byte at `pos`, or for the end of input if there is none.
    fn unexpected(&self, expected: &'static str, message: &'static str) -> CanonError {
        match self.peek() {
            None => self.eof(expected),
            Some(b) if b >= 0x80 => {
                self.syntax(self.pos, "unexpected non-ASCII character outside a string")
            }
            Some(_) => self.syntax(self.pos, message),
        }
    }

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

    fn value(&mut self) -> Result<(), CanonError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string_value(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => Err(self.unexpected("a JSON value", "expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), CanonError> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        if rest.starts_with(word) {
            self.staging.extend_from_slice(word);
            self.pos += word.len();
            Ok(())
        } else if word.starts_with(rest) {
            Err(self.eof("the rest of a true/false/null literal"))
        } else {
            Err(self.syntax(self.pos, "expected a JSON value (true, false or null?)"))
        }
    }

    fn enter(&mut self) -> Result<(), CanonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let (line, column) = line_col(self.input, self.pos);
            return Err(CanonError::TooDeep {
                limit: MAX_DEPTH,
                line,
                column,
            });
        }
        Ok(())
    }

    fn array(&mut self) -> Result<(), CanonError> {
        self.enter()?;
        self.staging.push(b'[');
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let mut index = 0;
            loop {
                self.value().map_err(|e| e.within(Segment::Index(index)))?;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.staging.push(b',');
                        self.pos += 1;
                        self.skip_ws();
                        index += 1;
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("',' or ']'", "expected ',' or ']' in array")),
                }
            }
        }
        self.staging.push(b']');
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self) -> Result<(), CanonError> {
        self.enter()?;
        let at = self.objects.len();
        self.objects.push(Object {
            start: self.staging.len(),
            end: 0,
            first: 0,
            len: 0,
            next: 0,
            in_order: false,
        });
        let outer_disordered = std::mem::replace(&mut self.disordered, false);
        let base = self.open.len();
        self.staging.push(b'{');
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("an object key", "expected a string object key"));
                }
                let origin = self.pos;
                let start = self.staging.len();
                let objects = self.objects.len();
                let key = self.key()?;
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("':'", "expected ':' after object key"));
                }
                self.staging.push(b':');
                self.pos += 1;
                self.skip_ws();
                if let Err(e) = self.value() {
                    return Err(e.within(Segment::Key(self.key_bytes(key))));
                }
                self.open.push(Member {
                    key,
                    prefix: key_prefix(self.key_bytes(key)),
                    start,
                    end: self.staging.len(),
                    objects,
                    origin,
                });
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.staging.push(b',');
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("',' or '}'", "expected ',' or '}' in object")),
                }
            }
        }
        self.staging.push(b'}');
        let sorted = self.close_object(at, base)?;
        let in_order = sorted && !self.disordered;
        let (end, next) = (self.staging.len(), self.objects.len());
        if let Some(obj) = self.objects.get_mut(at) {
            obj.end = end;
            obj.next = next;
            obj.in_order = in_order;
        }
        self.disordered = outer_disordered || !in_order;
        self.depth -= 1;
        Ok(())
    }

    /// Sorts the members opened since `base`, rejects repeated keys, and
    /// if they were out of order, records them for the writer. Says whether
    /// they were already in order.
    fn close_object(&mut self, at: usize, base: usize) -> Result<bool, CanonError> {
        let input = self.input;
        let arena = &self.arena;
        let list = self.open.get_mut(base..).unwrap_or_default();
        let cmp = |a: &Member, b: &Member| -> Ordering {
            prefix_order(a.prefix, b.prefix).unwrap_or_else(|| {
                cmp_utf16(key_of(a.key, input, arena), key_of(b.key, input, arena))
            })
        };
        // Objects are often already in order (always, when re-canonicalizing):
        // one linear pass then proves order and uniqueness.
        let mut sorted = true;
        for w in list.windows(2) {
            match cmp(&w[0], &w[1]) {
                Ordering::Less => {}
                Ordering::Greater => {
                    sorted = false;
                    break;
                }
                Ordering::Equal => return Err(duplicate(input, arena, w[0], w[1])),
            }
        }
        if !sorted {
            list.sort_unstable_by(cmp);
            if let Some(w) = list
                .windows(2)
                .find(|w| cmp(&w[0], &w[1]) == Ordering::Equal)
            {
                return Err(duplicate(input, arena, w[0], w[1]));
            }
        }
        // The writer needs the members of every object it cannot copy whole.
        if !sorted || self.disordered {
            let first = self.members.len();
            let len = list.len();
            self.members.extend(list.iter().map(|m| Placed {
                start: m.start,
                end: m.end,
                objects: m.objects,
            }));
            if let Some(obj) = self.objects.get_mut(at) {
                obj.first = first;
                obj.len = len;
            }
        }
        self.open.truncate(base);
        Ok(sorted)
    }

    fn key_bytes(&self, key: Key) -> &[u8] {
        key_of(key, self.input, &self.arena)
    }

    /// Reads an object key, writes it canonically to staging, and says where
    /// its raw bytes are for sorting.
    fn key(&mut self) -> Result<Key, CanonError> {
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

    fn string_value(&mut self) -> Result<(), CanonError> {
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

    fn number(&mut self) -> Result<(), CanonError> {
        let input = self.input;
        let start = self.pos;
        let digits = |mut i: usize| {
            while input.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if input.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        match input.get(i) {
            Some(b'0') => {
                i += 1;
                if input.get(i).is_some_and(u8::is_ascii_digit) {
                    return Err(self.syntax(i, "leading zeros are not allowed in numbers"));
                }
            }
            Some(b'1'..=b'9') => i = digits(i + 1),
            Some(_) => return Err(self.syntax(i, "expected a digit in number")),
            None => return Err(self.eof("a digit")),
        }
        let int_end = i;
        let mut frac = None;
        if input.get(i) == Some(&b'.') {
            let after = digits(i + 1);
            if after == i + 1 {
                self.pos = after;
                return Err(self.unexpected("a digit after '.'", "expected a digit after '.'"));
            }
            frac = Some((i + 1, after));
            i = after;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = input.get(i) {
            exponent = true;
            i += 1;
            if let Some(b'+' | b'-') = input.get(i) {
                i += 1;
            }
            let after = digits(i);
            if after == i {
                self.pos = i;
                return Err(self.unexpected(
                    "a digit in the exponent",
                    "expected a digit in the exponent",
                ));
            }
            i = after;
        }
        self.pos = i;
        let literal = input.get(start..i).unwrap_or_default();
        let int_part = input.get(int_start..int_end).unwrap_or_default();

        if !exponent {
            let frac = frac.and_then(|(s, e)| input.get(s..e));
            if let Some(len) = canonical_prefix(int_start > start, int_part, frac) {
                let text = literal.get(..len).unwrap_or(literal);
                self.staging.extend_from_slice(text);
                return Ok(());
            }
        }
        match number::parse_literal(literal) {
            Some(v) => {
                number::write_finite(&mut self.staging, v);
                Ok(())
            }
            None => {
                let (line, column) = line_col(input, start);
                let mut shown = String::from_utf8_lossy(literal).into_owned();
                if shown.len() > 40 {
                    shown.truncate(37);
                    shown.push_str("...");
                }
                Err(CanonError::NumberOutOfRange {
                    literal: shown,
                    line,
                    column,
                })
            }
        }
    }
}

/// For a number literal without exponent whose ECMAScript form is the
/// literal itself minus trailing fraction zeros (and a bare `.`), the length
/// of that form; it can then be copied instead of parsed and reformatted.
///
/// That holds when the trimmed literal has at most 15 significant digits (it
/// is then the shortest round-trip form of its double: two such decimals
/// never share a double), is not negative zero, and is at least 1e-6 in
/// magnitude (below that ES switches to exponent form; at or above 1e21 needs
/// more than 15 digits).
#[inline]
fn canonical_prefix(negative: bool, int_part: &[u8], frac: Option<&[u8]>) -> Option<usize> {
    let sign = usize::from(negative);
    let frac = frac.unwrap_or_default();
    let kept = frac.len() - frac.iter().rev().take_while(|&&d| d == b'0').count();
    if kept == 0 {
        // An integer: exact below 10^15; "-0" must become "0".
        let exact = int_part.len() <= 15 && !(negative && int_part == b"0");
        return exact.then_some(sign + int_part.len());
    }
    let frac = frac.get(..kept).unwrap_or_default();
    let significant = if int_part == b"0" {
        let zeros = frac.iter().take_while(|&&d| d == b'0').count();
        if zeros > 5 {
            return None;
        }
        kept - zeros
    } else {
        int_part.len() + kept
    };
    (significant <= 15).then_some(sign + int_part.len() + 1 + kept)
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

fn duplicate(input: &[u8], arena: &[u8], a: Member, b: Member) -> CanonError {
    // Report the later occurrence: that is the one a reader would delete.
    let later = if a.origin > b.origin { a } else { b };
    let (line, column) = line_col(input, later.origin);
    CanonError::DuplicateKey {
        key: String::from_utf8_lossy(key_of(later.key, input, arena)).into_owned(),
        pointer: String::new(),
        line,
        column,
    }
}

fn key_of<'k>(key: Key, input: &'k [u8], arena: &'k [u8]) -> &'k [u8] {
    let slice = match key {
        Key::Input(s, e) => input.get(s..e),
        Key::Arena(s, e) => arena.get(s..e),
    };
    slice.unwrap_or_default()
}

/// Second pass: copies staging to the output once, objects in key order.
struct Writer<'t> {
    staging: &'t [u8],
    members: &'t [Placed],
    objects: &'t [Object],
}

impl Writer<'_> {
    /// Writes `staging[start..end]`, reordering the objects in it; `next` is
    /// the index of the first object that may start inside the range.
    fn range<S: Sink>(&self, mut start: usize, end: usize, mut next: usize, out: &mut S) {
        while let Some(obj) = self.objects.get(next).filter(|o| o.start < end) {
            out.put(self.staging.get(start..obj.start).unwrap_or_default());
            self.object(obj, out);
            start = obj.end;
            next = obj.next;
        }
        out.put(self.staging.get(start..end).unwrap_or_default());
    }

    fn object<S: Sink>(&self, obj: &Object, out: &mut S) {
        if obj.in_order {
            out.put(self.staging.get(obj.start..obj.end).unwrap_or_default());
            return;
        }
        out.push(b'{');
        let members = self
            .members
            .get(obj.first..obj.first + obj.len)
            .unwrap_or_default();
        for (n, m) in members.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            self.range(m.start, m.end, m.objects, out);
        }
        out.push(b'}');
    }
}
