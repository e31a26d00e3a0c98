//! Owns the direct `serde::Serializer` that writes any `Serialize` value in
//! canonical form, with the same number, string and key-order rules as the
//! byte parser (no intermediate `serde_json::Value`). Maps and structs are
//! written member by member straight to the output, then reordered in place
//! when they close ([`Objects::finish`]). Each reordered level copies its
//! bytes once more; for in-memory values, usually shallow, that is simpler
//! than the byte parser's record-then-write scheme.
//!
//! Map keys are captured as strings by `key.rs`.

mod key;

use std::cmp::Ordering;

use serde::ser::{self, Serialize};

use super::error::{CanonError, Segment};
use super::number;
use super::write::{cmp_utf16, key_prefix, prefix_order, write_str};
use super::MAX_DEPTH;
use key::KeyCapture;

/// A key's raw bytes: `arena[start..end]`.
#[derive(Clone, Copy)]
struct KeyRef(usize, usize);

/// One member of an open object: its key and where its `"key":value` bytes
/// sit in the output.
#[derive(Clone, Copy)]
struct Member {
    key: KeyRef,
    prefix: Option<u64>,
    start: usize,
    end: usize,
}

/// Members of all open objects, their raw keys, and a scratch buffer, reused
/// for the whole value so objects cost no allocations.
#[derive(Default)]
struct Objects {
    members: Vec<Member>,
    arena: Vec<u8>,
    scratch: Vec<u8>,
}

/// Where an open object begins: its `{` in the output, its members and keys.
#[derive(Clone, Copy)]
struct ObjectMark {
    open: usize,
    members: usize,
    arena: usize,
}

impl Objects {
    fn begin(&self, open: usize) -> ObjectMark {
        ObjectMark {
            open,
            members: self.members.len(),
            arena: self.arena.len(),
        }
    }

    fn key(&self, key: KeyRef) -> &[u8] {
        self.arena.get(key.0..key.1).unwrap_or_default()
    }

    /// Puts the members written since `mark` (as `{m0,m1,...`, no closing
    /// brace yet) into key order inside `out`, and pops them. Returns a
    /// repeated key instead, if any.
    fn finish(&mut self, mark: ObjectMark, out: &mut Vec<u8>) -> Result<(), Vec<u8>> {
        let Self {
            members,
            arena,
            scratch,
        } = self;
        let list = members.get_mut(mark.members..).unwrap_or_default();
        let raw = |k: KeyRef| arena.get(k.0..k.1).unwrap_or_default();
        let cmp = |a: &Member, b: &Member| {
            prefix_order(a.prefix, b.prefix).unwrap_or_else(|| cmp_utf16(raw(a.key), raw(b.key)))
        };
        // Struct fields are often declared in order: then one pass suffices.
        let mut sorted = true;
        for w in list.windows(2) {
            match cmp(&w[0], &w[1]) {
                Ordering::Less => {}
                Ordering::Greater => {
                    sorted = false;
                    break;
                }
                Ordering::Equal => return Err(raw(w[1].key).to_vec()),
            }
        }
        if !sorted {
            list.sort_unstable_by(cmp);
            if let Some(w) = list
                .windows(2)
                .find(|w| cmp(&w[0], &w[1]) == Ordering::Equal)
            {
                return Err(raw(w[1].key).to_vec());
            }
            // Rewrite the body in sorted order from a copy of it.
            let body = mark.open + 1;
            scratch.clear();
            scratch.extend_from_slice(out.get(body..).unwrap_or_default());
            out.truncate(body);
            for (n, m) in list.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                if let Some(bytes) = scratch.get(m.start - body..m.end - body) {
                    out.extend_from_slice(bytes);
                }
            }
        }
        members.truncate(mark.members);
        arena.truncate(mark.arena);
        Ok(())
    }

    /// Drops an unfinished object's members (when an error unwinds).
    fn abandon(&mut self, mark: ObjectMark) {
        self.members.truncate(mark.members);
        self.arena.truncate(mark.arena);
    }
}

/// Appends the canonical form of `value` to `out`.
pub(crate) fn to_writer<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), CanonError> {
    let mut ser = Canon {
        out,
        objects: Objects::default(),
        depth: 0,
    };
    value.serialize(&mut ser)
}

struct Canon<'o> {
    out: &'o mut Vec<u8>,
    objects: Objects,
    depth: usize,
}

impl<'o> Canon<'o> {
    fn enter(&mut self) -> Result<(), CanonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CanonError::TooDeepInValue {
                limit: MAX_DEPTH,
                pointer: String::new(),
            });
        }
        Ok(())
    }

    /// Opens `{"variant":` for the externally tagged enum representation.
    fn open_variant(&mut self, variant: &str) -> Result<(), CanonError> {
        self.enter()?;
        self.out.push(b'{');
        write_str(self.out, variant.as_bytes());
        self.out.push(b':');
        Ok(())
    }

    fn close_variant(&mut self) {
        self.out.push(b'}');
        self.depth -= 1;
    }

    fn open_object(&mut self, variant: Option<&'static str>) -> Result<Object<'_, 'o>, CanonError> {
        if let Some(v) = variant {
            self.open_variant(v)?;
        }
        self.enter().map_err(|e| within_variant(e, variant))?;
        let mark = self.objects.begin(self.out.len());
        self.out.push(b'{');
        Ok(Object {
            ser: self,
            mark,
            pending: None,
            count: 0,
            variant,
        })
    }

    fn open_array(&mut self, variant: Option<&'static str>) -> Result<Array<'_, 'o>, CanonError> {
        if let Some(v) = variant {
            self.open_variant(v)?;
        }
        self.enter().map_err(|e| within_variant(e, variant))?;
        self.out.push(b'[');
        Ok(Array {
            ser: self,
            count: 0,
            variant,
        })
    }
}

fn within_variant(e: CanonError, variant: Option<&str>) -> CanonError {
    match variant {
        Some(v) => e.within(Segment::Key(v.as_bytes())),
        None => e,
    }
}

/// An array being written; `variant` adds the enclosing `{"variant":...}`.
struct Array<'s, 'o> {
    ser: &'s mut Canon<'o>,
    count: usize,
    variant: Option<&'static str>,
}

impl Array<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        if self.count > 0 {
            self.ser.out.push(b',');
        }
        let index = self.count;
        self.count += 1;
        value
            .serialize(&mut *self.ser)
            .map_err(|e| within_variant(e.within(Segment::Index(index)), self.variant))
    }

    fn close(self) -> Result<(), CanonError> {
        self.ser.out.push(b']');
        self.ser.depth -= 1;
        if self.variant.is_some() {
            self.ser.close_variant();
        }
        Ok(())
    }
}

/// An object being written. Each member's raw key goes to the key arena for
/// sorting; its escaped form is written to the output right away.
struct Object<'s, 'o> {
    ser: &'s mut Canon<'o>,
    mark: ObjectMark,
    /// Key written by `serialize_key`, awaiting its value.
    pending: Option<(KeyRef, usize)>,
    count: usize,
    variant: Option<&'static str>,
}

impl Object<'_, '_> {
    fn fail(&self, e: CanonError, key: Option<KeyRef>) -> CanonError {
        let e = match key {
            Some(k) => e.within(Segment::Key(self.ser.objects.key(k))),
            None => e,
        };
        within_variant(e, self.variant)
    }

    /// Starts a member whose raw key bytes were just appended to the arena
    /// from `arena_start`.
    fn start_member(&mut self, arena_start: usize) -> (KeyRef, usize) {
        if self.count > 0 {
            self.ser.out.push(b',');
        }
        self.count += 1;
        let start = self.ser.out.len();
        let key = KeyRef(arena_start, self.ser.objects.arena.len());
        write_str(self.ser.out, self.ser.objects.key(key));
        self.ser.out.push(b':');
        (key, start)
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        key: KeyRef,
        start: usize,
        value: &T,
    ) -> Result<(), CanonError> {
        if let Err(e) = value.serialize(&mut *self.ser) {
            return Err(self.fail(e, Some(key)));
        }
        self.ser.objects.members.push(Member {
            key,
            prefix: key_prefix(self.ser.objects.key(key)),
            start,
            end: self.ser.out.len(),
        });
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), CanonError> {
        let arena_start = self.ser.objects.arena.len();
        self.ser.objects.arena.extend_from_slice(name.as_bytes());
        let (key, start) = self.start_member(arena_start);
        self.value(key, start, value)
    }

    fn close(self) -> Result<(), CanonError> {
        let Object {
            ser, mark, variant, ..
        } = self;
        if let Err(dup) = ser.objects.finish(mark, ser.out) {
            ser.objects.abandon(mark);
            let e = CanonError::DuplicateKeyInValue {
                key: String::from_utf8_lossy(&dup).into_owned(),
                pointer: String::new(),
            };
            return Err(within_variant(e, variant));
        }
        ser.out.push(b'}');
        ser.depth -= 1;
        if variant.is_some() {
            ser.close_variant();
        }
        Ok(())
    }
}

impl<'s, 'o> ser::Serializer for &'s mut Canon<'o> {
    type Ok = ();
    type Error = CanonError;
    type SerializeSeq = Array<'s, 'o>;
    type SerializeTuple = Array<'s, 'o>;
    type SerializeTupleStruct = Array<'s, 'o>;
    type SerializeTupleVariant = Array<'s, 'o>;
    type SerializeMap = Object<'s, 'o>;
    type SerializeStruct = Object<'s, 'o>;
    type SerializeStructVariant = Object<'s, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), CanonError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), CanonError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), CanonError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), CanonError> {
        number::write_i64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), CanonError> {
        // JCS numbers are doubles: round like a parser reading the literal.
        number::write_f64(self.out, v as f64)
    }
    fn serialize_u8(self, v: u8) -> Result<(), CanonError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), CanonError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), CanonError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), CanonError> {
        number::write_u64(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), CanonError> {
        number::write_f64(self.out, v as f64)
    }
    fn serialize_f32(self, v: f32) -> Result<(), CanonError> {
        number::write_f32(self.out, v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), CanonError> {
        number::write_f64(self.out, v)
    }
    fn serialize_char(self, v: char) -> Result<(), CanonError> {
        let mut buf = [0u8; 4];
        write_str(self.out, v.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), CanonError> {
        write_str(self.out, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), CanonError> {
        // Like serde_json: an array of numbers.
        self.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            number::write_u64(self.out, u64::from(*b));
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), CanonError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CanonError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), CanonError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), CanonError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        self.open_variant(variant)?;
        value
            .serialize(&mut *self)
            .map_err(|e| e.within(Segment::Key(variant.as_bytes())))?;
        self.close_variant();
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'s, 'o>, CanonError> {
        self.open_array(None)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Array<'s, 'o>, CanonError> {
        self.open_array(None)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Array<'s, 'o>, CanonError> {
        self.open_array(None)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'s, 'o>, CanonError> {
        self.open_array(Some(variant))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'s, 'o>, CanonError> {
        self.open_object(None)
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Object<'s, 'o>, CanonError> {
        self.open_object(None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'s, 'o>, CanonError> {
        self.open_object(Some(variant))
    }
}

impl ser::SerializeSeq for Array<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonError> {
        let arena_start = self.ser.objects.arena.len();
        let captured = key.serialize(KeyCapture {
            arena: &mut self.ser.objects.arena,
        });
        if let Err(e) = captured {
            self.ser.objects.arena.truncate(arena_start);
            return Err(self.fail(e, None));
        }
        self.pending = Some(self.start_member(arena_start));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        match self.pending.take() {
            Some((key, start)) => self.value(key, start, value),
            None => Err(self.fail(
                ser::Error::custom("serialize_value called before serialize_key"),
                None,
            )),
        }
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeStruct for Object<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Object<'_, '_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.close()
    }
}
