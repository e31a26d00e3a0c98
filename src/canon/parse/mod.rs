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
//!
//! String content (UTF-8 validation, escapes, surrogates) is read in `strings.rs`.

mod strings;

use std::cmp::Ordering;

use super::error::{line_col, CanonError, Segment};
use super::number;
use super::write::{cmp_utf16, key_prefix, prefix_order, Sink};
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

/// The UTF-8 byte order mark. RFC 8259 §8.1 lets a reader ignore one at the start of a JSON
/// text (Windows editors write it); anywhere else outside a string it is an error that names it.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Canonicalizes `input` (one JSON text, after at most one leading byte order mark) into `out`.
pub(crate) fn canonicalize<S: Sink>(input: &[u8], out: &mut S) -> Result<(), CanonError> {
    let mut parser = Parser {
        input,
        pos: if input.starts_with(BOM) { BOM.len() } else { 0 },
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
        if parser.at_bom() {
            return Err(CanonError::ByteOrderMark { line, column });
        }
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

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn at_bom(&self) -> bool {
        self.input
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(BOM))
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
            Some(_) if self.at_bom() => {
                let (line, column) = line_col(self.input, self.pos);
                CanonError::ByteOrderMark { line, column }
            }
            Some(b) if b >= 0x80 => {
                self.syntax(self.pos, "unexpected non-ASCII character outside a string")
            }
            Some(_) => self.syntax(self.pos, message),
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

    /// Reads a number and writes its canonical text: copied when the literal already is that
    /// text ([`canonical_prefix`]), else parsed as a double and reformatted.
    fn number(&mut self) -> Result<(), CanonError> {
        let input = self.input;
        let start = self.pos;
        let span = self.number_span()?;
        self.pos = span.end;
        let literal = input.get(start..span.end).unwrap_or_default();
        if !span.exponent {
            let int_part = input.get(span.int.0..span.int.1).unwrap_or_default();
            let frac = span.frac.and_then(|(s, e)| input.get(s..e));
            if let Some(len) = canonical_prefix(span.int.0 > start, int_part, frac) {
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
            None => Err(out_of_range(input, start, literal)),
        }
    }

    /// With `pos` on a number: its parts per the RFC 8259 grammar (no leading zeros, digits
    /// after `.` and in the exponent). `pos` is left where a syntax error is reported.
    #[inline]
    fn number_span(&mut self) -> Result<NumberSpan, CanonError> {
        let input = self.input;
        let digits = |mut i: usize| {
            while input.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = self.pos;
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
        let int = (int_start, i);
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
        Ok(NumberSpan {
            int,
            frac,
            exponent,
            end: i,
        })
    }
}

/// Where the parts of a number literal lie in the input.
struct NumberSpan {
    /// The integer digits (after any `-`).
    int: (usize, usize),
    /// The fraction digits (after the `.`), if any.
    frac: Option<(usize, usize)>,
    exponent: bool,
    /// Just past the literal.
    end: usize,
}

/// A number beyond the double range, shown cut to 40 characters.
#[cold]
fn out_of_range(input: &[u8], start: usize, literal: &[u8]) -> CanonError {
    let (line, column) = line_col(input, start);
    let mut shown = String::from_utf8_lossy(literal).into_owned();
    if shown.len() > 40 {
        shown.truncate(37);
        shown.push_str("...");
    }
    CanonError::NumberOutOfRange {
        literal: shown,
        line,
        column,
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
