//! Property tests for `canon`: random JSON values, written with random key
//! order, whitespace, escapes and number spellings, must all canonicalize to
//! one digest; canonical output is a fixed point; and output matches the
//! `serde_json_canonicalizer` crate for finite numbers.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

use persona_studio::canon::{
    canonicalize, digest_json, digest_of, format_number, to_canonical_vec,
};

fn finite_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(f64::from),
        (-1_000_000i64..1_000_000, 0u32..8).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        any::<u64>()
            .prop_map(f64::from_bits)
            .prop_filter("finite", |f| f.is_finite()),
        Just(-0.0),
        Just(1e21),
        Just(5e-324),
        Just(9007199254740993.0),
    ]
}

fn json_string() -> impl Strategy<Value = String> {
    // Mix of ASCII, controls, escapes-worthy chars, BMP and astral chars.
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => prop::sample::select(vec!['"', '\\', '/', '\u{7f}', '\u{2028}', '\u{2029}', '€', 'é']),
        1 => proptest::char::range('\u{e000}', '\u{ffff}'),
        1 => proptest::char::range('\u{10000}', '\u{10ffff}'),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..8).prop_map(|v| v.into_iter().collect())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        finite_number().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            // A map makes keys unique.
            prop::collection::btree_map(json_string(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Tiny deterministic generator driving the random rendering choices.
struct Choices(u64);

impl Choices {
    fn next(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn ws(c: &mut Choices, out: &mut String) {
    for _ in 0..c.next(3) {
        out.push([' ', '\t', '\n', '\r'][c.next(4) as usize]);
    }
}

fn render_str(s: &str, c: &mut Choices, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        let must = ch == '"' || ch == '\\' || ch < ' ';
        match (must, c.next(4)) {
            (_, 0) => {
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
            (_, 1) if ch == '/' => out.push_str("\\/"),
            (true, _) => match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                _ => out.push_str(&format!("\\u{:04x}", ch as u32)),
            },
            (false, _) => out.push(ch),
        }
    }
    out.push('"');
}

/// Writes `v` as valid JSON with random key order, whitespace, escapes and
/// number spellings that all denote the same value.
fn render(v: &Value, c: &mut Choices, out: &mut String) {
    ws(c, out);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            match c.next(3) {
                0 => out.push_str(&format!("{f:?}")),
                1 => out.push_str(&format!("{f:e}")),
                _ => out.push_str(&format!("{f:E}")),
            }
        }
        Value::String(s) => render_str(s, c, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(item, c, out);
            }
            ws(c, out);
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            // Fisher-Yates shuffle.
            for i in (1..entries.len()).rev() {
                entries.swap(i, c.next(i as u64 + 1) as usize);
            }
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(c, out);
                render_str(k, c, out);
                ws(c, out);
                out.push(':');
                render(item, c, out);
            }
            ws(c, out);
            out.push('}');
        }
    }
    ws(c, out);
}

// 256 cases per property by default; set PROPTEST_CASES for a longer soak.
proptest! {
    #[test]
    fn digest_ignores_key_order_whitespace_and_spelling(v in json_value(), seed in 1u64..) {
        let want = digest_of(&v).expect("finite value serializes");
        let mut text = String::new();
        render(&v, &mut Choices(seed), &mut text);
        let got = digest_json(text.as_bytes());
        prop_assert_eq!(got, Ok(want), "rendered: {}", text);
        let plain = serde_json::to_vec(&v).expect("serde_json");
        prop_assert_eq!(digest_json(&plain), Ok(want));
    }

    #[test]
    fn canonical_output_is_a_fixed_point(v in json_value()) {
        let canonical = to_canonical_vec(&v).expect("finite value serializes");
        prop_assert_eq!(canonicalize(&canonical), Ok(canonical.clone()));
        // And it is valid JSON denoting the same value.
        let back: Value = serde_json::from_slice(&canonical).expect("valid JSON");
        prop_assert_eq!(to_canonical_vec(&back), Ok(canonical));
    }

    #[test]
    fn matches_serde_json_canonicalizer(v in json_value(), seed in 1u64..) {
        let peer = serde_json_canonicalizer::to_vec(&v).expect("peer serializes");
        prop_assert_eq!(
            to_canonical_vec(&v).map(|b| String::from_utf8_lossy(&b).into_owned()),
            Ok(String::from_utf8_lossy(&peer).into_owned())
        );
        let mut text = String::new();
        render(&v, &mut Choices(seed), &mut text);
        prop_assert_eq!(canonicalize(text.as_bytes()), Ok(peer));
    }

    #[test]
    fn number_spellings_match_the_formatter(bits in any::<u64>(), places in 0usize..25, style in 0u8..4) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let text = match style {
            0 => format!("{v:?}"),
            1 => format!("{v:e}"),
            2 => format!("{v:.places$}"),
            _ => format!("{v:.places$E}"),
        };
        let parsed: f64 = text.parse().expect("Rust float text");
        if parsed.is_finite() {
            let want = format_number(parsed).expect("finite");
            prop_assert_eq!(canonicalize(text.as_bytes()), Ok(want.into_bytes()), "{}", text);
        } else {
            // Rounding to fewer places can overflow, e.g. 1.75e308 as "2E308".
            let code = canonicalize(text.as_bytes()).map_err(|e| e.code());
            prop_assert_eq!(code, Err("number_out_of_range"), "{}", text);
        }
    }

    #[test]
    fn decimal_literals_match_the_formatter(
        negative in any::<bool>(),
        int_part in "0|[1-9][0-9]{0,17}",
        frac in proptest::option::of("[0-9]{1,20}"),
    ) {
        let mut text = String::new();
        if negative {
            text.push('-');
        }
        text.push_str(&int_part);
        if let Some(f) = &frac {
            text.push('.');
            text.push_str(f);
        }
        let parsed: f64 = text.parse().expect("decimal");
        let want = format_number(parsed).expect("finite");
        prop_assert_eq!(canonicalize(text.as_bytes()), Ok(want.into_bytes()), "{}", text);
    }

    #[test]
    fn string_utf8_check_agrees_with_std(
        content in prop::collection::vec(
            prop_oneof![
                3 => 0x80u8..=0xFF,
                1 => 0x20u8..0x7F,
                1 => prop::sample::select(vec![0xC2u8, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0x80, 0xBF]),
            ]
            .prop_filter("plain content", |b| *b != b'"' && *b != b'\\'),
            0..24,
        )
    ) {
        let mut doc = vec![b'"'];
        doc.extend_from_slice(&content);
        doc.push(b'"');
        match (std::str::from_utf8(&content), canonicalize(&doc)) {
            (Ok(_), Ok(out)) => prop_assert_eq!(out, doc),
            (Err(e), Err(ours)) => {
                prop_assert_eq!(ours.code(), "invalid_utf8");
                let offset = format!("byte offset {})", e.valid_up_to() + 1);
                prop_assert!(ours.to_string().contains(&offset), "{} vs {}", ours, offset);
            }
            (std_result, ours) => prop_assert!(false, "std {:?} vs ours {:?}", std_result, ours),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(out) = canonicalize(&bytes) {
            prop_assert_eq!(canonicalize(&out), Ok(out.clone()));
        }
    }

    #[test]
    fn json_like_garbage_never_panics(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "{", "}", "[", "]", ",", ":", "\"a\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u00",
                "1", "-0", "1e400", "0.5e-3", "true", "nul", " ", "\"\\n\"", "\"b\"",
            ]),
            0..24,
        )
    ) {
        let text: String = parts.concat();
        match canonicalize(text.as_bytes()) {
            Ok(out) => prop_assert_eq!(canonicalize(&out), Ok(out.clone())),
            Err(e) => prop_assert!(e.to_string().contains("line 1, column"), "{}", e),
        }
    }
}
