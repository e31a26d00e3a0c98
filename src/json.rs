//! Owns reading JSON that comes from outside the app (a file, stdin, the editor's text): the
//! one door every such entry point goes through, so they all treat a byte order mark, a
//! duplicate member name or a syntax error alike.
//!
//! The document is first read by the strict reader of [`crate::canon`] ([`canon::strict`]): one
//! leading UTF-8 byte order mark is ignored (RFC 8259 §8.1), and a duplicate member name (with
//! its JSON pointer), a byte order mark anywhere else, a lone surrogate or an out-of-range
//! number is an [`Error::Json`] carrying the reader's stable code. Only then does serde read the
//! same bytes into the expected type, so no last-wins parser ever sees a document the
//! canonicalizer (and so every hash) would read differently. JSON the app wrote itself (rows
//! in SQLite, data compiled into the binary) does not need this door.

use serde::de::DeserializeOwned;

use crate::canon;
use crate::{Error, Result};

/// Reads untrusted JSON `bytes` into `T`. `field` names the kind of document and `origin`
/// where it came from (a path, `stdin`), both for messages: a document that is not strict JSON
/// is [`Error::Json`] about `origin`, one of the wrong shape `invalid_input` on `field`.
pub fn from_slice<T: DeserializeOwned>(
    bytes: &[u8],
    field: &'static str,
    origin: &str,
) -> Result<T> {
    let body = strict(bytes, field, origin)?;
    serde_json::from_slice(body).map_err(|e| match origin {
        "" => Error::invalid(field, e.to_string()),
        _ => Error::invalid(field, format!("{origin}: {e}")),
    })
}

/// [`from_slice`] into a `serde_json::Value`, for callers that look at the tree first.
pub fn value(bytes: &[u8], field: &'static str, origin: &str) -> Result<serde_json::Value> {
    from_slice(bytes, field, origin)
}

/// The strict reader's verdict alone: `bytes` without a leading byte order mark, or
/// [`Error::Json`] about `origin` (or `field` when `origin` is empty).
pub fn strict<'a>(bytes: &'a [u8], field: &'static str, origin: &str) -> Result<&'a [u8]> {
    canon::strict(bytes).map_err(|source| Error::Json {
        what: if origin.is_empty() { field } else { origin }.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_bom_is_ignored_and_any_other_is_named() {
        let plain: serde_json::Value = from_slice(br#"{"a":1}"#, "doc", "x.json").unwrap();
        let bom: serde_json::Value = from_slice(b"\xEF\xBB\xBF{\"a\":1}", "doc", "x.json").unwrap();
        assert_eq!(plain, bom);
        for input in [
            &b"\xEF\xBB\xBF\xEF\xBB\xBF{}"[..],
            b"{\"a\":\xEF\xBB\xBF1}",
            b"{}\xEF\xBB\xBF",
            b"[1,\n\xEF\xBB\xBF2]",
        ] {
            let error = value(input, "doc", "x.json").unwrap_err();
            assert_eq!(error.code(), "byte_order_mark", "{error}");
            assert!(error.to_string().contains("byte order mark"), "{error}");
            assert!(
                error.to_string().starts_with("x.json is not strict JSON"),
                "{error}"
            );
        }
        // Inside a string U+FEFF is just a character.
        let inside: serde_json::Value = from_slice(b"\"\xEF\xBB\xBF\"", "doc", "x").unwrap();
        assert_eq!(inside, serde_json::json!("\u{feff}"));
    }

    #[test]
    fn duplicates_are_refused_with_the_pointer_of_the_member() {
        let error = value(
            b"{\"policy\": {\"autonomy\": \"ask_first\",\n \"autonomy\": \"autonomous\"}}",
            "doc",
            "spec.json",
        )
        .unwrap_err();
        assert_eq!(error.code(), "duplicate_key");
        assert!(error.is_bad_input());
        let message = error.to_string();
        assert!(message.contains("\"/policy/autonomy\""), "{message}");
        assert!(message.contains("line 2, column 2"), "{message}");
    }

    #[test]
    fn shape_errors_are_invalid_input_on_the_field() {
        let error = from_slice::<Vec<u32>>(b"{}", "answers", "a.json").unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        assert!(error.to_string().contains("a.json"), "{error}");
    }
}
