//! RFC 8785 conformance: the JCS test vectors in `tests/data/jcs/` (cyberphone and gowebpki
//! testdata, the RFC's own examples, Appendix B numbers, and the ES6 number
//! files) run through `canon`. Each failure names the vector or line.

use std::fs;
use std::path::{Path, PathBuf};

use persona_studio::canon::{canonicalize, format_number, to_canonical_vec};

/// Where the JCS vectors live. The only place to adapt when this file moves.
fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jcs")
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
}

/// Parses an `outhex` file: whitespace-separated hex bytes, any case (some
/// files have no separators between lines, so also accept runs of pairs).
fn parse_hex(text: &str, path: &Path) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| {
            (b as char)
                .to_digit(16)
                .unwrap_or_else(|| panic!("{}: bad hex digit {:?}", path.display(), b as char))
                as u8
        })
        .collect();
    assert!(
        digits.len() % 2 == 0,
        "{}: odd number of hex digits",
        path.display()
    );
    digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

fn fail_if_any(failures: &[String], what: &str) {
    assert!(
        failures.is_empty(),
        "{} {what} vector(s) failed; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Runs every `input/*.json` of `set` against `output/` and, where present,
/// `outhex/`. Returns how many inputs and hex files were checked.
fn check_io_set(set: &Path) -> (usize, usize) {
    let mut inputs: Vec<PathBuf> = fs::read_dir(set.join("input"))
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", set.join("input").display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    inputs.sort();
    let mut failures = Vec::new();
    let mut hex_checked = 0;
    for input in &inputs {
        let name = input.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let expected = read(&set.join("output").join(format!("{name}.json")));
        let got = match canonicalize(&read(input)) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{}: error {e}", input.display()));
                continue;
            }
        };
        if got != expected {
            failures.push(format!(
                "{}: got {:?}, want {:?}",
                input.display(),
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected)
            ));
        }
        let hex_path = set.join("outhex").join(format!("{name}.txt"));
        if hex_path.is_file() {
            hex_checked += 1;
            if got != parse_hex(&read_text(&hex_path), &hex_path) {
                failures.push(format!("{}: bytes differ from the hex", hex_path.display()));
            }
        }
    }
    fail_if_any(&failures, &set.display().to_string());
    (inputs.len(), hex_checked)
}

#[test]
fn jcs_input_output_and_hex() {
    let (inputs, hex) = check_io_set(&conformance_dir());
    assert_eq!((inputs, hex), (6, 6), "expected 6 inputs with 6 hex files");
}

#[test]
fn jcs_extra_gowebpki() {
    let (inputs, hex) = check_io_set(&conformance_dir().join("extra-gowebpki"));
    // simpleString has no outhex file upstream.
    assert_eq!((inputs, hex), (4, 3), "expected 4 inputs with 3 hex files");
}

#[test]
fn jcs_extra_rfc_text() {
    let dir = conformance_dir().join("extra-rfc-text");
    let mut failures = Vec::new();
    for name in ["rfc_sorting", "rfc_example"] {
        let input = dir.join(format!("{name}.input.json"));
        let expected = read(&dir.join(format!("{name}.expected.json")));
        match canonicalize(&read(&input)) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!(
                "{}: got {:?}",
                input.display(),
                String::from_utf8_lossy(&got)
            )),
            Err(e) => failures.push(format!("{}: error {e}", input.display())),
        }
    }
    fail_if_any(&failures, "extra-rfc-text");
}

/// Checks one `bits,expected` number row through every path: the formatter,
/// the serializer of an f64, and a full canonicalize of the expected text.
fn check_number_row(origin: &str, line: &str, failures: &mut Vec<String>) {
    let Some((bits_hex, expected)) = line.split_once(',') else {
        failures.push(format!("{origin}: malformed row {line:?}"));
        return;
    };
    let Ok(bits) = u64::from_str_radix(bits_hex.trim(), 16) else {
        failures.push(format!("{origin}: bad bits {bits_hex:?}"));
        return;
    };
    let value = f64::from_bits(bits);
    let expected = expected.trim();

    if expected == "ERROR" {
        for (path, result) in [
            (
                "format_number",
                format_number(value).map(String::into_bytes),
            ),
            ("to_canonical_vec", to_canonical_vec(&value)),
        ] {
            match result {
                Err(e) if e.code() == "not_finite" => {}
                other => failures.push(format!("{origin}: {path} gave {other:?}, want not_finite")),
            }
        }
        return;
    }

    match format_number(value) {
        Ok(text) if text == expected => {}
        other => failures.push(format!(
            "{origin}: format_number gave {other:?}, want {expected}"
        )),
    }
    match to_canonical_vec(&value) {
        Ok(text) if text == expected.as_bytes() => {}
        other => failures.push(format!(
            "{origin}: to_canonical_vec gave {:?}, want {expected}",
            other.map(|v| String::from_utf8_lossy(&v).into_owned())
        )),
    }
    // The expected text must read back as the same double (bit for bit; -0
    // is written "0", which reads as +0) and canonicalize to itself as a
    // JSON document.
    match expected.parse::<f64>() {
        Ok(back) if back.to_bits() == value.to_bits() || (value == 0.0 && back == 0.0) => {}
        other => failures.push(format!(
            "{origin}: {expected} parses to {other:?}, not {value:e}"
        )),
    }
    match canonicalize(expected.as_bytes()) {
        Ok(text) if text == expected.as_bytes() => {}
        other => failures.push(format!(
            "{origin}: canonicalize({expected}) gave {:?}",
            other.map(|v| String::from_utf8_lossy(&v).into_owned())
        )),
    }
}

fn check_number_file(path: &Path, want_rows: usize) {
    let text = read_text(path);
    let mut failures = Vec::new();
    let mut rows = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        rows += 1;
        let origin = format!("{}:{} ({line})", path.display(), n + 1);
        check_number_row(&origin, line, &mut failures);
    }
    fail_if_any(&failures, &path.display().to_string());
    assert_eq!(rows, want_rows, "{}: row count", path.display());
}

#[test]
fn rfc8785_appendix_b_numbers() {
    check_number_file(
        &conformance_dir().join("extra-rfc-text/rfc8785-appendix-b.csv"),
        26,
    );
}

#[test]
fn es6_numbers_1k() {
    check_number_file(&conformance_dir().join("es6/es6testfile1k.txt"), 1_000);
}

#[test]
fn es6_numbers_100k() {
    check_number_file(&conformance_dir().join("es6/es6testfile100k.txt"), 100_000);
}
