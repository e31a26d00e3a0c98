//! Unit tests for the canon module: table-driven output and error cases, the
//! `Serialize` path, the key comparator and the `Digest` type.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::write::{cmp_utf16, key_prefix, prefix_order};
use super::*;

/// What a table row expects: the canonical text, or an error code plus a
/// fragment its message must contain (the place).
enum Want {
    Ok(&'static str),
    Err(&'static str, &'static str),
}
use Want::{Err as E, Ok as O};

fn check(input: &str, want: &Want) {
    let got = canonicalize(input.as_bytes());
    match (want, got) {
        (O(expected), Ok(out)) => {
            assert_eq!(
                String::from_utf8_lossy(&out),
                *expected,
                "canonical output of {input:?}"
            );
            // Canonical output must be a fixed point.
            assert_eq!(
                canonicalize(&out).ok(),
                Some(out),
                "idempotence of {input:?}"
            );
        }
        (O(expected), Err(e)) => panic!("{input:?}: expected {expected:?}, got error {e}"),
        (E(code, _), Ok(out)) => panic!(
            "{input:?}: expected error {code}, got {:?}",
            String::from_utf8_lossy(&out)
        ),
        (E(code, place), Err(e)) => {
            assert_eq!(e.code(), *code, "error code for {input:?} ({e})");
            let msg = e.to_string();
            assert!(
                msg.contains(place),
                "message for {input:?} lacks {place:?}: {msg}"
            );
        }
    }
}

fn run(table: &[(&str, Want)]) {
    for (input, want) in table {
        check(input, want);
    }
}

#[test]
fn string_escaping() {
    run(&[
        (r#""\u0000""#, O(r#""\u0000""#)),
        (r#""\u001F\u001e""#, O(r#""\u001f\u001e""#)),
        (r#""\b\f\n\r\t""#, O(r#""\b\f\n\r\t""#)),
        (r#""\u0008\u000C\u000a\u000D\u0009""#, O(r#""\b\f\n\r\t""#)),
        (r#""\u000b""#, O(r#""\u000b""#)),
        (r#""\/""#, O(r#""/""#)),
        (r#""\"\\""#, O(r#""\"\\""#)),
        (r#""\u0022\u005C""#, O(r#""\"\\""#)),
        ("\"\\u007f\"", O("\"\u{7f}\"")),
        ("\"\u{7f}\"", O("\"\u{7f}\"")),
        (r#""\u2028\u2029""#, O("\"\u{2028}\u{2029}\"")),
        (r#""\u00e9""#, O("\"é\"")),
        ("\"é\"", O("\"é\"")),
        (r#""\uD83D\uDE00""#, O("\"😀\"")),
        (r#""A\u030a""#, O("\"A\u{30a}\"")),
        (r#""</script>""#, O(r#""</script>""#)),
        (r#""""#, O(r#""""#)),
        (r#""abc\u0041def""#, O(r#""abcAdef""#)),
    ]);
}

#[test]
fn numbers() {
    run(&[
        ("0", O("0")),
        ("-0", O("0")),
        ("-0.0", O("0")),
        ("-0e10", O("0")),
        ("0.0", O("0")),
        ("1.0", O("1")),
        ("100e-2", O("1")),
        ("-123", O("-123")),
        ("123456789012345", O("123456789012345")),
        ("9007199254740993", O("9007199254740992")),
        ("12345678901234567890", O("12345678901234567000")),
        ("1e20", O("100000000000000000000")),
        ("1e21", O("1e+21")),
        ("999999999999999999999", O("1e+21")),
        ("1E30", O("1e+30")),
        ("4.50", O("4.5")),
        ("2e-3", O("0.002")),
        ("0.000001", O("0.000001")),
        ("1e-7", O("1e-7")),
        ("5e-324", O("5e-324")),
        ("4.9e-324", O("5e-324")),
        ("1e-400", O("0")),
        ("1.7976931348623157e308", O("1.7976931348623157e+308")),
        ("333333333.33333329", O("333333333.3333333")),
        ("[1,-1.5,2E+2]", O("[1,-1.5,200]")),
        // Decimal literals copied as is, and their near misses.
        ("0.1", O("0.1")),
        ("-0.5", O("-0.5")),
        ("123.456", O("123.456")),
        ("1.50", O("1.5")),
        ("100.0", O("100")),
        ("-0.000", O("0")),
        ("0.000001", O("0.000001")),
        ("-0.00000123", O("-0.00000123")),
        ("0.0000001", O("1e-7")),
        ("0.30000000000000004", O("0.30000000000000004")),
        ("123456789012.345", O("123456789012.345")),
        ("1234567890123.4567", O("1234567890123.4568")),
        ("0.123456789012345", O("0.123456789012345")),
        ("0.1234567890123456789", O("0.12345678901234568")),
        ("999999999999999", O("999999999999999")),
        ("20.0", O("20")),
        ("-7.500", O("-7.5")),
        ("0.10", O("0.1")),
        ("0.0000010", O("0.000001")),
        ("0.00000010", O("1e-7")),
        ("123456789012345.000", O("123456789012345")),
        ("1234567890123456.0", O("1234567890123456")),
        ("-0.0000", O("0")),
        ("9999999999999999", O("10000000000000000")),
    ]);
}

#[test]
fn structure_and_whitespace() {
    run(&[
        (" \t\r\n true \n", O("true")),
        ("null", O("null")),
        ("false", O("false")),
        (
            " [ 1 , { \"b\" : 2 , \"a\" : [ ] } ] ",
            O(r#"[1,{"a":[],"b":2}]"#),
        ),
        ("{}", O("{}")),
        ("[]", O("[]")),
        (
            r#"{"b":1,"a":{"d":1,"c":2}}"#,
            O(r#"{"a":{"c":2,"d":1},"b":1}"#),
        ),
        (r#"{"a":1,"A":2,"":3}"#, O(r#"{"":3,"A":2,"a":1}"#)),
        (r#"{"aa":1,"a":2}"#, O(r#"{"a":2,"aa":1}"#)),
        (r#"{"\n":1,"a":2,"\u0041":3}"#, O(r#"{"\n":1,"A":3,"a":2}"#)),
        (
            r#"[{"z":[{"y":1,"x":2}],"a":0}]"#,
            O(r#"[{"a":0,"z":[{"x":2,"y":1}]}]"#),
        ),
        // Sorted parents around an unsorted child, and the other way round.
        (
            r#"{"a":{"b":{"d":1,"c":2}},"e":[]}"#,
            O(r#"{"a":{"b":{"c":2,"d":1}},"e":[]}"#),
        ),
        (
            r#"{"b":{"c":1,"d":[{"e":2,"f":3}]},"a":0}"#,
            O(r#"{"a":0,"b":{"c":1,"d":[{"e":2,"f":3}]}}"#),
        ),
        (
            r#"[{"b":1,"a":2},{"a":1,"b":2},{"d":{"y":0,"x":1}}]"#,
            O(r#"[{"a":2,"b":1},{"a":1,"b":2},{"d":{"x":1,"y":0}}]"#),
        ),
    ]);
}

#[test]
fn keys_sort_by_utf16_code_units() {
    // UTF-8 byte order would put U+FB33 (0xEF..) before U+1F600 (0xF0..);
    // UTF-16 puts the surrogate pair 0xD83D.. first.
    run(&[
        (
            r#"{"\ufb33":3,"\ud83d\ude00":2,"\u20ac":1}"#,
            O("{\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{fb33}\":3}"),
        ),
        (
            "{\"\u{fb33}\":3,\"\u{1f600}\":2,\"\u{20ac}\":1,\"\u{e000}\":4,\"\u{ffff}\":5}",
            O("{\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{e000}\":4,\"\u{fb33}\":3,\"\u{ffff}\":5}"),
        ),
        (
            "{\"a\u{1f600}\":1,\"a\u{fb33}\":2,\"a\":3}",
            O("{\"a\":3,\"a\u{1f600}\":1,\"a\u{fb33}\":2}"),
        ),
    ]);
}

#[test]
fn cmp_utf16_matches_encode_utf16() {
    let samples = [
        "",
        "a",
        "A",
        "aa",
        "é",
        "\u{7f}",
        "\u{80}",
        "\u{7ff}",
        "\u{800}",
        "\u{d7ff}",
        "\u{e000}",
        "\u{efff}",
        "\u{f000}",
        "\u{fb33}",
        "\u{ffff}",
        "\u{10000}",
        "\u{1f600}",
        "\u{10ffff}",
        "a\u{1f600}",
        "a\u{fb33}",
        "\u{1f600}a",
        "\u{fb33}a",
        "€",
        "\u{1f600}\u{1f601}",
    ];
    let longer = [
        "abcdefgh",
        "abcdefghi",
        "abcdefgg",
        "abcdefg\u{1f600}",
        "abcdefg\u{fb33}",
    ];
    for a in samples.iter().chain(&longer) {
        for b in samples.iter().chain(&longer) {
            let want = a.encode_utf16().cmp(b.encode_utf16());
            let got = cmp_utf16(a.as_bytes(), b.as_bytes());
            assert_eq!(got, want, "{a:?} vs {b:?}");
            // When the 8-byte prefixes decide, they must decide the same way.
            let (pa, pb) = (key_prefix(a.as_bytes()), key_prefix(b.as_bytes()));
            if let Some(order) = prefix_order(pa, pb) {
                assert_eq!(order, want, "prefixes of {a:?} vs {b:?}");
            }
        }
    }
    assert_eq!(cmp_utf16(b"a", b"a"), Ordering::Equal);
}

#[test]
fn input_errors_name_code_and_place() {
    let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    check(&deep_ok, &O(Box::leak(deep_ok.clone().into_boxed_str())));
    let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    check(&too_deep, &E("too_deep", "line 1, column 129"));
    let very_deep = "[{\"a\":".repeat(100_000);
    check(&very_deep, &E("too_deep", "128 levels"));

    run(&[
        (
            r#"{"a":1,"a":2}"#,
            E("duplicate_key", r#""a" at line 1, column 8"#),
        ),
        (r#"{"a":1,"a":2}"#, E("duplicate_key", "top level")),
        (
            r#"{"x":[{"b":1,"b":2}]}"#,
            E("duplicate_key", r#"pointer "/x/0""#),
        ),
        (
            "{\n \"k/~\": {\"b\":1,\n \"b\":2}}",
            E(
                "duplicate_key",
                r#"line 3, column 2 in the object at JSON pointer "/k~1~0""#,
            ),
        ),
        (r#"{"a":1,"\u0061":2}"#, E("duplicate_key", "column 8")),
        (
            r#"{"b":0,"a":1,"c":2,"a":3}"#,
            E("duplicate_key", r#""a" at line 1, column 20"#),
        ),
        (
            r#""\ud800""#,
            E("lone_surrogate", "\\ud800 at line 1, column 2"),
        ),
        (r#""\udc00""#, E("lone_surrogate", "line 1, column 2")),
        (
            r#"["x\ud800\u0041"]"#,
            E("lone_surrogate", "line 1, column 4"),
        ),
        (r#""\ud800x""#, E("lone_surrogate", "line 1, column 2")),
        (r#"{"\udfff":1}"#, E("lone_surrogate", "line 1, column 3")),
        (
            "1e400",
            E("number_out_of_range", "1e400 at line 1, column 1"),
        ),
        (
            "-1e400",
            E("number_out_of_range", "-1e400 at line 1, column 1"),
        ),
        ("[1,\n 1e400]", E("number_out_of_range", "line 2, column 2")),
        ("1.8e308", E("number_out_of_range", "line 1, column 1")),
        (r#"{"a":"#, E("unexpected_end", "line 1, column 6")),
        ("[1,2", E("unexpected_end", "line 1, column 5")),
        (r#""abc"#, E("unexpected_end", "line 1, column 5")),
        ("", E("unexpected_end", "line 1, column 1")),
        ("  \n", E("unexpected_end", "line 2, column 1")),
        ("tru", E("unexpected_end", "line 1, column 4")),
        (r#""\ud800"#, E("unexpected_end", "line 1, column 8")),
        (r#""\u00"#, E("unexpected_end", "line 1, column 6")),
        ("-", E("unexpected_end", "line 1, column 2")),
        ("[1] x", E("trailing_characters", "line 1, column 5")),
        ("{} {}", E("trailing_characters", "line 1, column 4")),
        ("1 2", E("trailing_characters", "line 1, column 3")),
        ("[01]", E("json_syntax", "line 1, column 3")),
        ("[1,]", E("json_syntax", "line 1, column 4")),
        (r#"{"a" 1}"#, E("json_syntax", "line 1, column 6")),
        ("{a:1}", E("json_syntax", "line 1, column 2")),
        (r#"{"a":1,}"#, E("json_syntax", "line 1, column 8")),
        ("[.5]", E("json_syntax", "line 1, column 2")),
        ("[1.]", E("json_syntax", "line 1, column 4")),
        ("[1e]", E("json_syntax", "line 1, column 4")),
        ("+1", E("json_syntax", "line 1, column 1")),
        ("NaN", E("json_syntax", "line 1, column 1")),
        ("[Infinity]", E("json_syntax", "line 1, column 2")),
        ("nulx", E("json_syntax", "line 1, column 1")),
        (r#""\x""#, E("json_syntax", "line 1, column 2")),
        (r#""\u12G4""#, E("json_syntax", "line 1, column 6")),
        ("\"a\tb\"", E("json_syntax", "line 1, column 3")),
        // RFC 8259 §8.1: one leading byte order mark is ignored; any other is named.
        ("\u{feff}{\"b\":1,\"a\":[]}", O(r#"{"a":[],"b":1}"#)),
        (
            "\u{feff}\u{feff}{}",
            E("byte_order_mark", "line 1, column 1"),
        ),
        (
            "{\"a\":\u{feff}1}",
            E("byte_order_mark", "line 1, column 6"),
        ),
        ("[1,\n\u{feff}2]", E("byte_order_mark", "line 2, column 1")),
        ("[1]\u{feff}", E("byte_order_mark", "line 1, column 4")),
        ("\"\u{feff}\"", O("\"\u{feff}\"")),
        (
            "\u{feff}{\"a\":1,\n\"a\":2}",
            E(
                "duplicate_key",
                "line 2, column 1 in the object at the top level",
            ),
        ),
        ("[1 2]", E("json_syntax", "line 1, column 4")),
        ("{\"é\":\n  x}", E("json_syntax", "line 2, column 3")),
        (
            "[é]",
            E(
                "json_syntax",
                "line 1, column 2: unexpected non-ASCII character",
            ),
        ),
    ]);
}

#[test]
fn invalid_utf8_is_reported() {
    for (input, place) in [
        (&b"[\"ok\",\n \"\xff\"]"[..], "line 2, column 3"),
        (b"{\"a\\n\xc3\":1}", "line 1, column 6"),
        (b"[\"\xe2\x82\"]", "line 1, column 3"),
        (b"\"\xed\xa0\x80\"", "line 1, column 2"),
    ] {
        let err = canonicalize(input).expect_err("must fail");
        assert_eq!(err.code(), "invalid_utf8", "{input:?}");
        assert!(err.to_string().contains(place), "{err}");
    }
}

#[test]
fn canonicalize_into_appends_and_restores_on_error() {
    let mut out = b"prefix:".to_vec();
    canonicalize_into(br#"{"b":1,"a":2}"#, &mut out).expect("valid");
    assert_eq!(out, br#"prefix:{"a":2,"b":1}"#);
    let before = out.clone();
    assert!(canonicalize_into(br#"{"b":1,"b":2}"#, &mut out).is_err());
    assert_eq!(out, before);
}

#[derive(serde::Serialize)]
struct Sample {
    zeta: f64,
    alpha: Vec<u64>,
    #[serde(rename = "\u{1f600}")]
    smile: &'static str,
    nested: BTreeMap<i32, bool>,
    kind: Kind,
}

#[derive(serde::Serialize)]
enum Kind {
    Unit,
    Pair(i8, f32),
    Named { b: (), a: Option<char> },
    Wrap(i64),
}

#[test]
fn serialize_path_matches_byte_path() {
    let mut nested = BTreeMap::new();
    nested.insert(10, true);
    nested.insert(2, false);
    nested.insert(1, true);
    let sample = Sample {
        zeta: -0.0,
        alpha: vec![12_345_678_901_234_567_890, 1, 1 << 53],
        smile: "tab\there \u{2028} \"q\"",
        nested,
        kind: Kind::Named {
            b: (),
            a: Some('\n'),
        },
    };
    let ours = to_canonical_vec(&sample).expect("serializable");
    let text = String::from_utf8(ours.clone()).expect("utf-8");
    assert_eq!(
        text,
        "{\"alpha\":[12345678901234567000,1,9007199254740992],\"kind\":{\"Named\":{\"a\":\"\\n\",\"b\":null}},\
         \"nested\":{\"1\":true,\"10\":true,\"2\":false},\"zeta\":0,\"\u{1f600}\":\"tab\\there \u{2028} \\\"q\\\"\"}"
    );
    // Same rules as the byte path: re-canonicalizing changes nothing, and the
    // serde_json rendering canonicalizes to the same bytes.
    assert_eq!(canonicalize(&ours).expect("valid"), ours);
    let plain = serde_json::to_vec(&sample).expect("json");
    assert_eq!(canonicalize(&plain).expect("valid"), ours);
    assert_eq!(
        digest_of(&sample).expect("ok"),
        digest_json(&plain).expect("ok")
    );

    for (kind, want) in [
        (Kind::Unit, r#""Unit""#),
        (Kind::Pair(-3, 0.5), r#"{"Pair":[-3,0.5]}"#),
        (Kind::Wrap(i64::MIN), r#"{"Wrap":-9223372036854776000}"#),
    ] {
        assert_eq!(to_canonical_vec(&kind).expect("ok"), want.as_bytes());
    }
    // f32 goes by its shortest text, as serde_json writes it.
    assert_eq!(to_canonical_vec(&0.1f32).expect("ok"), b"0.1");
    assert_eq!(to_canonical_vec(&f32::MAX).expect("ok"), b"3.4028235e+38");
    assert_eq!(to_canonical_vec(&-0.0f32).expect("ok"), b"0");
    for v in [0.7f32, 1e-7, 16_777_217.0, f32::MIN_POSITIVE, 1.0e-45] {
        let text = serde_json::to_vec(&v).expect("json");
        assert_eq!(digest_of(&v), digest_json(&text), "{v}");
    }
    assert_eq!(
        to_canonical_vec(&u128::MAX).expect("ok"),
        b"3.402823669209385e+38"
    );
    assert_eq!(to_canonical_vec(&b"ab"[..]).expect("ok"), b"[97,98]");
    assert_eq!(to_canonical_vec("\u{7}").expect("ok"), br#""\u0007""#);
    let value: serde_json::Value =
        serde_json::from_str(r#"{"\ufb33":3,"\ud83d\ude00":2,"\u20ac":1,"n":[1e21,-0.0]}"#)
            .expect("json");
    assert_eq!(
        String::from_utf8(to_canonical_vec(&value).expect("ok")).expect("utf-8"),
        "{\"n\":[1e+21,0],\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{fb33}\":3}"
    );
}

/// Emits the same key twice, which a map type normally cannot.
struct TwoSameKeys;
impl serde::Serialize for TwoSameKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("k", &1)?;
        map.serialize_entry("k", &2)?;
        map.end()
    }
}

struct Failing;
impl serde::Serialize for Failing {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused"))
    }
}

#[test]
fn serialize_errors_name_code_and_place() {
    fn expect(result: Result<Vec<u8>, CanonError>, code: &str, place: &str) {
        let err = result.expect_err("must fail");
        assert_eq!(err.code(), code, "{err}");
        assert!(err.to_string().contains(place), "{err} lacks {place:?}");
    }
    expect(to_canonical_vec(&f64::NAN), "not_finite", "top level");
    expect(to_canonical_vec(&f64::INFINITY), "not_finite", "inf");
    expect(to_canonical_vec(&f32::NEG_INFINITY), "not_finite", "-inf");
    let mut map = BTreeMap::new();
    map.insert("a/b", vec![1.0, f64::NAN]);
    expect(to_canonical_vec(&map), "not_finite", r#"pointer "/a~1b/1""#);
    expect(
        to_canonical_vec(&Kind::Pair(1, f32::NAN)),
        "not_finite",
        r#""/Pair/1""#,
    );
    expect(
        to_canonical_vec(&[TwoSameKeys]),
        "duplicate_key_in_value",
        r#"pointer "/0""#,
    );
    let mut bad_keys = BTreeMap::new();
    bad_keys.insert(vec![1u8], 1);
    expect(to_canonical_vec(&bad_keys), "key_not_string", "sequence");
    expect(
        to_canonical_vec(&vec![Failing]),
        "serialize",
        "\"/0\": refused",
    );
    let mut deep = serde_json::Value::Null;
    for _ in 0..=MAX_DEPTH {
        deep = serde_json::Value::Array(vec![deep]);
    }
    expect(to_canonical_vec(&deep), "too_deep_in_value", "128 levels");
    if let serde_json::Value::Array(inner) = deep {
        assert!(to_canonical_vec(&inner[0]).is_ok());
    }
    assert_eq!(
        format_number(f64::NAN).map_err(|e| e.code()),
        Err("not_finite")
    );
    assert_eq!(format_number(-0.0).ok().as_deref(), Some("0"));
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        canonicalize(b"[").expect_err("e"),
        canonicalize(b"]").expect_err("e"),
        canonicalize(b"\"\xff\"").expect_err("e"),
        canonicalize(br#"{"a":1,"a":1}"#).expect_err("e"),
        canonicalize(br#""\udc00""#).expect_err("e"),
        canonicalize(b"1e999").expect_err("e"),
        canonicalize("[".repeat(200).as_bytes()).expect_err("e"),
        canonicalize(b"1 1").expect_err("e"),
        to_canonical_vec(&f64::NAN).expect_err("e"),
        to_canonical_vec(&TwoSameKeys).expect_err("e"),
        to_canonical_vec(&Failing).expect_err("e"),
    ];
    let mut codes: Vec<_> = errors.iter().map(CanonError::code).collect();
    codes.sort_unstable();
    let n = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), n, "{codes:?}");
}

const EMPTY_SHA256: &str =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn digest_display_parse_round_trip() {
    let d = Digest::of_bytes(b"");
    assert_eq!(d.to_string(), EMPTY_SHA256);
    assert_eq!(d.to_hex(), &EMPTY_SHA256[7..]);
    assert_eq!(EMPTY_SHA256.parse::<Digest>(), Ok(d));
    assert_eq!(format!("{d:?}"), format!("Digest({EMPTY_SHA256})"));
    assert_eq!(Digest::from_bytes(*d.as_bytes()), d);

    let json = serde_json::to_string(&d).expect("serialize");
    assert_eq!(json, format!("\"{EMPTY_SHA256}\""));
    assert_eq!(
        serde_json::from_str::<Digest>(&json).expect("deserialize"),
        d
    );
    assert!(serde_json::from_str::<Digest>("\"sha256:00\"").is_err());

    let mut w = DigestWriter::new();
    std::io::Write::write_all(&mut w, br#"{"a":"#).expect("write");
    w.update(b"1}");
    assert_eq!(w.finish(), Digest::of_bytes(br#"{"a":1}"#));
    assert_eq!(
        digest_json(b" { \"a\" : 1.0 } ").expect("valid"),
        Digest::of_bytes(br#"{"a":1}"#)
    );
    // A leading byte order mark changes no byte and no hash.
    assert_eq!(
        digest_json(b"\xEF\xBB\xBF{\"a\" : 1.0 }").expect("valid"),
        Digest::of_bytes(br#"{"a":1}"#)
    );
}

#[test]
fn strict_returns_the_document_without_its_leading_bom() {
    assert_eq!(super::strict(b"\xEF\xBB\xBF[1]"), Ok(&b"[1]"[..]));
    assert_eq!(super::strict(b" [1] "), Ok(&b" [1] "[..]));
    let error = super::strict(br#"{"x":{"k":1,"k":2}}"#).unwrap_err();
    assert_eq!(error.pointer().as_deref(), Some("/x/k"));
    assert!(error.to_string().contains("keep one of them"), "{error}");
}

#[test]
fn digest_json_hashes_large_reordered_output_like_canonicalize() {
    // Large enough to cross the hashing sink's chunk size many times, with
    // pieces both smaller and larger than a chunk.
    let long = "x".repeat(40_000);
    let mut doc = String::from("{\"z\":[");
    for i in 0..3_000 {
        doc.push_str(&format!(
            "{{\"k{}\":{i}.50,\"a\":\"v\\u00e9{i}\"}},",
            9_999 - i
        ));
    }
    doc.push_str(&format!(
        "\"{long}\"],\"a\":{{\"y\":1,\"b\":[\"{long}\"]}}}}"
    ));
    let canonical = canonicalize(doc.as_bytes()).expect("valid");
    assert!(canonical.len() > 100_000);
    assert_eq!(
        digest_json(doc.as_bytes()),
        Ok(Digest::of_bytes(&canonical))
    );
    // Already-canonical input takes the no-reordering path.
    assert_eq!(digest_json(&canonical), Ok(Digest::of_bytes(&canonical)));
}

#[test]
fn deep_unsorted_nesting_matches_the_serializer_path() {
    // The byte path (record, then write once) and the Serialize path
    // (reorder in place) are independent; deep unsorted nesting with sorted
    // and unsorted levels mixed must agree.
    let (mut doc, mut depth) = (String::from("1"), 0);
    for level in 0.. {
        // Sorted levels add one object, unsorted ones an object and an array.
        let sorted = level % 3 == 0;
        // serde_json, used below, stops a little short of MAX_DEPTH.
        if depth + if sorted { 1 } else { 2 } > MAX_DEPTH - 8 {
            break;
        }
        doc = if sorted {
            depth += 1;
            format!(r#"{{"a":{level},"b":{doc}}}"#)
        } else {
            depth += 2;
            format!(r#"{{"z":[{doc},{{"y":1,"x":2}}],"m":"{level}","\u00e9":null}}"#)
        };
    }
    assert!(depth >= MAX_DEPTH - 9);
    let bytes = canonicalize(doc.as_bytes()).expect("valid");
    let value: serde_json::Value = serde_json::from_str(&doc).expect("json");
    assert_eq!(to_canonical_vec(&value).expect("serializable"), bytes);
    assert_eq!(canonicalize(&bytes).expect("valid"), bytes);
}

#[test]
fn bad_digest_strings() {
    let hex = &EMPTY_SHA256[7..];
    let upper = format!("sha256:{}", hex.to_uppercase());
    let cases: &[(String, DigestParseError)] = &[
        (String::new(), DigestParseError::MissingPrefix),
        (hex.to_owned(), DigestParseError::MissingPrefix),
        (format!("SHA256:{hex}"), DigestParseError::MissingPrefix),
        (format!("md5:{hex}"), DigestParseError::MissingPrefix),
        (
            "sha256:".to_owned(),
            DigestParseError::WrongLength { found: 0 },
        ),
        (
            format!("sha256:{}", &hex[1..]),
            DigestParseError::WrongLength { found: 63 },
        ),
        (
            format!("sha256:{hex}0"),
            DigestParseError::WrongLength { found: 65 },
        ),
        (
            upper,
            DigestParseError::InvalidDigit {
                found: 'E',
                position: 0,
            },
        ),
        (
            format!("sha256:{}g", &hex[1..]),
            DigestParseError::InvalidDigit {
                found: 'g',
                position: 63,
            },
        ),
        (format!(" sha256:{hex}"), DigestParseError::MissingPrefix),
        (
            format!("sha256:{hex} "),
            DigestParseError::InvalidDigit {
                found: ' ',
                position: 64,
            },
        ),
    ];
    for (input, want) in cases {
        let got = input.parse::<Digest>();
        assert_eq!(got.as_ref(), Err(want), "parsing {input:?}");
        assert!(want.to_string().contains("sha256:"), "{want}");
    }
}
