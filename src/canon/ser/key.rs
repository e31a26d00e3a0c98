//! Map keys: JSON object keys must be strings, so a key is written into the arena as raw
//! string bytes. What serde_json accepts as a key is accepted here too (integers, bools and
//! chars become their text, unit variants their name); anything else is `key_not_string`.

use serde::ser::{self, Serialize};

use crate::canon::error::CanonError;

/// Serializes a map key into the arena as raw string bytes. Accepts what
/// serde_json accepts as a key: strings, chars, integers, bools, unit
/// variants and newtype wrappers of those.
pub(super) struct KeyCapture<'a> {
    pub(super) arena: &'a mut Vec<u8>,
}

fn not_string(kind: &'static str) -> CanonError {
    CanonError::KeyNotString {
        kind,
        pointer: String::new(),
    }
}

impl KeyCapture<'_> {
    fn number(self, text: &[u8]) -> Result<(), CanonError> {
        self.arena.extend_from_slice(text);
        Ok(())
    }
}

impl ser::Serializer for KeyCapture<'_> {
    type Ok = ();
    type Error = CanonError;
    type SerializeSeq = ser::Impossible<(), CanonError>;
    type SerializeTuple = ser::Impossible<(), CanonError>;
    type SerializeTupleStruct = ser::Impossible<(), CanonError>;
    type SerializeTupleVariant = ser::Impossible<(), CanonError>;
    type SerializeMap = ser::Impossible<(), CanonError>;
    type SerializeStruct = ser::Impossible<(), CanonError>;
    type SerializeStructVariant = ser::Impossible<(), CanonError>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonError> {
        self.number(if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_i16(self, v: i16) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_i32(self, v: i32) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_i64(self, v: i64) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_i128(self, v: i128) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_u8(self, v: u8) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_u16(self, v: u16) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_u32(self, v: u32) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_u64(self, v: u64) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_u128(self, v: u128) -> Result<(), CanonError> {
        self.number(v.to_string().as_bytes())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), CanonError> {
        Err(not_string("floating-point number"))
    }
    fn serialize_f64(self, _v: f64) -> Result<(), CanonError> {
        Err(not_string("floating-point number"))
    }
    fn serialize_char(self, v: char) -> Result<(), CanonError> {
        let mut buf = [0u8; 4];
        self.arena
            .extend_from_slice(v.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), CanonError> {
        self.arena.extend_from_slice(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), CanonError> {
        Err(not_string("byte array"))
    }
    fn serialize_none(self) -> Result<(), CanonError> {
        Err(not_string("none/null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CanonError> {
        Err(not_string("unit/null"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), CanonError> {
        Err(not_string("unit struct"))
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
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), CanonError> {
        Err(not_string("enum variant with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CanonError> {
        Err(not_string("sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CanonError> {
        Err(not_string("tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, CanonError> {
        Err(not_string("tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CanonError> {
        Err(not_string("enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, CanonError> {
        Err(not_string("map"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, CanonError> {
        Err(not_string("struct"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CanonError> {
        Err(not_string("enum variant with data"))
    }
}
