//! Table-driven tests of the persona spec: the sample, a table of invalid documents with the
//! exact problems each must produce, and a cross-check of every row against the JSON Schema file.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use ts_rs::TS;

use super::*;

fn schema() -> Value {
    serde_json::from_str(SCHEMA_JSON).unwrap()
}

fn schema_validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap()
}

fn sample_value() -> Value {
    serde_json::to_value(sample_spec()).unwrap()
}

/// Sets (or appends, for index == len) the value at `pointer`, creating nothing else.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(last, value);
        }
        Value::Array(items) => {
            let index: usize = last.parse().unwrap();
            if index == items.len() {
                items.push(value);
            } else {
                items[index] = value;
            }
        }
        other => panic!("cannot set {pointer} inside {other}"),
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(last)
        .unwrap();
}

/// `depth` nested arrays: `[[...[]...]]`.
fn nested_arrays(depth: usize) -> Value {
    let mut value = json!([]);
    for _ in 1..depth {
        value = json!([value]);
    }
    value
}

fn minimal() -> Value {
    json!({
        "schema_version": 1,
        "id": "m",
        "version": 1,
        "mode": "team",
        "identity": { "name": "M", "purpose": "p" },
        "constitution": { "rules": [{ "id": "r", "text": "t", "severity": "should" }] },
        "decision_policy": { "autonomy": "ask_first" },
        "style": { "verbosity": "balanced", "output_format": "plain" },
        "intent_modules": [],
        "tool_policy": { "require_citations": false },
        "reasoning": { "preferred": "off" }
    })
}

enum Input {
    /// The sample, changed by the function.
    Patch(Box<dyn Fn(&mut Value)>),
    /// A raw text.
    Text(String),
}

struct Case {
    name: &'static str,
    input: Input,
    /// Every (pointer, rule) expected, in any order, each exactly as often as listed.
    expect: Vec<(String, &'static str)>,
    /// Only the Rust validator can judge this row: the JSON Schema accepts it or cannot read it.
    rust_only: bool,
}

fn patch(
    name: &'static str,
    change: impl Fn(&mut Value) + 'static,
    expect: &[(&str, &'static str)],
) -> Case {
    Case {
        name,
        input: Input::Patch(Box::new(change)),
        expect: expect.iter().map(|(p, r)| ((*p).to_string(), *r)).collect(),
        rust_only: false,
    }
}

fn rust_only(mut case: Case) -> Case {
    case.rust_only = true;
    case
}

fn text(name: &'static str, text: String, expect: &[(&str, &'static str)]) -> Case {
    Case {
        name,
        input: Input::Text(text),
        expect: expect.iter().map(|(p, r)| ((*p).to_string(), *r)).collect(),
        rust_only: true,
    }
}

fn invalid_cases() -> Vec<Case> {
    let deep_pointer = format!("/extensions/deep{}", "/0".repeat(62));
    vec![
        patch(
            "many problems at once",
            |d| {
                set(d, "/mode", json!("solo"));
                set(d, "/version", json!(0));
                set(d, "/colour", json!("red"));
                set(d, "/identity/name", json!(""));
                remove(d, "/identity/purpose");
                set(d, "/style/verbosity", json!("chatty"));
                set(d, "/style/language", json!("English"));
                set(d, "/reasoning/preferred", json!("extreme"));
                set(d, "/tool_policy/require_citations", json!("yes"));
                set(d, "/constitution/rules/1/severity", json!("may"));
                set(d, "/intent_modules/2/contexts/1", json!("public_share"));
                set(d, "/intent_modules/1/id", json!("triage_inbox"));
            },
            &[
                ("/mode", "enum"),
                ("/version", "range"),
                ("/colour", "unknown_field"),
                ("/identity/name", "too_short"),
                ("/identity/purpose", "required"),
                ("/style/verbosity", "enum"),
                ("/style/language", "pattern"),
                ("/reasoning/preferred", "enum"),
                ("/tool_policy/require_citations", "type"),
                ("/constitution/rules/1/severity", "enum"),
                ("/intent_modules/2/contexts/1", "visibility_context"),
                ("/intent_modules/1/id", "duplicate_id"),
            ],
        ),
        patch(
            "reasoning visibility is on, off or stream",
            |d| set(d, "/reasoning/visibility", json!("shown")),
            &[("/reasoning/visibility", "enum")],
        ),
        patch(
            "unknown field at top level",
            |d| set(d, "/nickname", json!("Ada")),
            &[("/nickname", "unknown_field")],
        ),
        patch(
            "unknown field nested",
            |d| set(d, "/identity/age", json!(3)),
            &[("/identity/age", "unknown_field")],
        ),
        patch(
            "unknown field in a module",
            |d| set(d, "/intent_modules/0/priority", json!("high")),
            &[("/intent_modules/0/priority", "unknown_field")],
        ),
        patch(
            "unknown field name is escaped in the pointer",
            |d| set(d, "/tool_policy/a~1b~0c", json!(true)),
            &[("/tool_policy/a~1b~0c", "unknown_field")],
        ),
        patch(
            "missing required fields",
            |d| {
                remove(d, "/schema_version");
                remove(d, "/reasoning");
                remove(d, "/style/output_format");
                remove(d, "/intent_modules/0/visibility");
            },
            &[
                ("/schema_version", "required"),
                ("/reasoning", "required"),
                ("/style/output_format", "required"),
                ("/intent_modules/0/visibility", "required"),
            ],
        ),
        patch(
            "top level is not an object",
            |d| *d = json!([1, 2]),
            &[("", "type")],
        ),
        patch(
            "wrong types",
            |d| {
                set(d, "/identity", json!("Ada"));
                set(d, "/version", json!("3"));
                set(d, "/intent_modules", json!({}));
                set(d, "/tool_policy/max_evidence_age_days", json!(true));
                set(d, "/decision_policy/confirm_before", json!("everything"));
                set(d, "/extensions", json!([]));
            },
            &[
                ("/identity", "type"),
                ("/version", "type"),
                ("/intent_modules", "type"),
                ("/tool_policy/max_evidence_age_days", "type"),
                ("/decision_policy/confirm_before", "type"),
                ("/extensions", "type"),
            ],
        ),
        patch(
            "null is not an absent optional field",
            |d| set(d, "/style/tone", Value::Null),
            &[("/style/tone", "type")],
        ),
        patch(
            "wrong item types",
            |d| {
                set(d, "/intent_modules/0/procedure/1", json!(42));
                set(d, "/constitution/rules/0", json!("no secrets"));
                set(d, "/tool_policy/allowed_sources/0", json!(null));
            },
            &[
                ("/intent_modules/0/procedure/1", "type"),
                ("/constitution/rules/0", "type"),
                ("/tool_policy/allowed_sources/0", "type"),
            ],
        ),
        patch(
            "bad enums",
            |d| {
                set(d, "/mode", json!("solo"));
                set(d, "/decision_policy/autonomy", json!(3));
                set(d, "/style/output_format", json!("html"));
                set(d, "/intent_modules/1/visibility", json!("secret"));
                set(d, "/intent_modules/1/contexts/0", json!("public"));
            },
            &[
                ("/mode", "enum"),
                ("/decision_policy/autonomy", "enum"),
                ("/style/output_format", "enum"),
                ("/intent_modules/1/visibility", "enum"),
                ("/intent_modules/1/contexts/0", "enum"),
            ],
        ),
        patch(
            "enums are case-sensitive",
            |d| set(d, "/reasoning/preferred", json!("High")),
            &[("/reasoning/preferred", "enum")],
        ),
        patch(
            "bad id patterns",
            |d| {
                set(d, "/id", json!("Executive-Assistant"));
                set(d, "/constitution/rules/0/id", json!("1st_rule"));
                set(d, "/intent_modules/0/id", json!("a".repeat(65)));
            },
            &[
                ("/id", "pattern"),
                ("/constitution/rules/0/id", "pattern"),
                ("/intent_modules/0/id", "pattern"),
            ],
        ),
        patch(
            "bad tool name and language",
            |d| {
                set(d, "/tool_policy/allowed_tools/1", json!("Calendar Write"));
                set(d, "/style/language", json!("en-"));
            },
            &[
                ("/tool_policy/allowed_tools/1", "pattern"),
                ("/style/language", "pattern"),
            ],
        ),
        rust_only(patch(
            "duplicate module ids",
            |d| {
                set(d, "/intent_modules/1/id", json!("triage_inbox"));
                set(d, "/intent_modules/2/id", json!("triage_inbox"));
            },
            &[
                ("/intent_modules/1/id", "duplicate_id"),
                ("/intent_modules/2/id", "duplicate_id"),
            ],
        )),
        rust_only(patch(
            "duplicate rule ids",
            |d| set(d, "/constitution/rules/2/id", json!("no_secrets")),
            &[("/constitution/rules/2/id", "duplicate_id")],
        )),
        patch(
            "duplicate values",
            |d| {
                set(d, "/tool_policy/allowed_tools/2", json!("calendar.read"));
                set(
                    d,
                    "/tool_policy/allowed_sources/1",
                    json!("https://docs.example.com/handbook"),
                );
                set(d, "/intent_modules/1/contexts/2", json!("owner_chat"));
            },
            &[
                ("/tool_policy/allowed_tools/2", "duplicate_value"),
                ("/tool_policy/allowed_sources/1", "duplicate_value"),
                ("/intent_modules/1/contexts/2", "duplicate_value"),
            ],
        ),
        patch(
            "owner_only module in public contexts",
            |d| {
                set(
                    d,
                    "/intent_modules/0/contexts",
                    json!([
                        "owner_chat",
                        "public_share",
                        "owner_training",
                        "public_widget"
                    ]),
                )
            },
            &[
                ("/intent_modules/0/contexts/1", "visibility_context"),
                ("/intent_modules/0/contexts/3", "visibility_context"),
            ],
        ),
        patch(
            "training_only module outside training",
            |d| {
                set(
                    d,
                    "/intent_modules/2/contexts",
                    json!(["owner_training", "owner_chat"]),
                )
            },
            &[("/intent_modules/2/contexts/1", "visibility_context")],
        ),
        patch(
            "visibility changed under existing contexts",
            |d| set(d, "/intent_modules/1/visibility", json!("training_only")),
            &[
                ("/intent_modules/1/contexts/0", "visibility_context"),
                ("/intent_modules/1/contexts/1", "visibility_context"),
                ("/intent_modules/1/contexts/2", "visibility_context"),
            ],
        ),
        patch(
            "too long strings",
            |d| {
                set(d, "/identity/name", json!("x".repeat(81)));
                set(d, "/identity/emoji", json!("🦊".repeat(17)));
                set(d, "/identity/vibe", json!("é".repeat(201)));
                set(d, "/constitution/rules/0/text", json!("x".repeat(2001)));
                set(d, "/intent_modules/0/procedure/0", json!("x".repeat(1001)));
                set(d, "/tool_policy/allowed_sources/0", json!("x".repeat(301)));
                set(
                    d,
                    "/decision_policy/escalate_when/0",
                    json!("x".repeat(501)),
                );
            },
            &[
                ("/identity/name", "too_long"),
                ("/identity/emoji", "too_long"),
                ("/identity/vibe", "too_long"),
                ("/constitution/rules/0/text", "too_long"),
                ("/intent_modules/0/procedure/0", "too_long"),
                ("/tool_policy/allowed_sources/0", "too_long"),
                ("/decision_policy/escalate_when/0", "too_long"),
            ],
        ),
        patch(
            "empty strings",
            |d| {
                set(d, "/intent_modules/1/when", json!(""));
                set(d, "/decision_policy/confirm_before/1", json!(""));
            },
            &[
                ("/intent_modules/1/when", "too_short"),
                ("/decision_policy/confirm_before/1", "too_short"),
            ],
        ),
        patch(
            "too many items",
            |d| {
                let rules: Vec<Value> = (0..101)
                    .map(|i| json!({ "id": format!("rule_{i}"), "text": "t", "severity": "must" }))
                    .collect();
                set(d, "/constitution/rules", json!(rules));
                let steps: Vec<String> = (0..31).map(|i| format!("step {i}")).collect();
                set(d, "/intent_modules/0/procedure", json!(steps));
                let tools: Vec<String> = (0..101).map(|i| format!("tool_{i}")).collect();
                set(d, "/tool_policy/allowed_tools", json!(tools));
                set(d, "/decision_policy/escalate_when", json!(vec!["x"; 51]));
            },
            &[
                ("/constitution/rules", "too_many"),
                ("/intent_modules/0/procedure", "too_many"),
                ("/tool_policy/allowed_tools", "too_many"),
                ("/decision_policy/escalate_when", "too_many"),
            ],
        ),
        patch(
            "too many modules",
            |d| {
                let modules: Vec<Value> = (0..65)
                    .map(|i| {
                        json!({
                            "id": format!("module_{i}"), "when": "w", "procedure": ["p"],
                            "contexts": ["owner_chat"], "visibility": "public"
                        })
                    })
                    .collect();
                set(d, "/intent_modules", json!(modules));
            },
            &[("/intent_modules", "too_many")],
        ),
        patch(
            "five contexts",
            |d| {
                set(
                    d,
                    "/intent_modules/1/contexts",
                    json!([
                        "owner_chat",
                        "owner_training",
                        "public_share",
                        "public_widget",
                        "owner_chat"
                    ]),
                )
            },
            &[
                ("/intent_modules/1/contexts", "too_many"),
                ("/intent_modules/1/contexts/4", "duplicate_value"),
            ],
        ),
        patch(
            "too few items",
            |d| {
                set(d, "/constitution/rules", json!([]));
                set(d, "/intent_modules/0/procedure", json!([]));
                set(d, "/intent_modules/1/contexts", json!([]));
            },
            &[
                ("/constitution/rules", "too_few"),
                ("/intent_modules/0/procedure", "too_few"),
                ("/intent_modules/1/contexts", "too_few"),
            ],
        ),
        patch(
            "schema_version 2",
            |d| set(d, "/schema_version", json!(2)),
            &[("/schema_version", "schema_version")],
        ),
        patch(
            "schema_version as a string",
            |d| set(d, "/schema_version", json!("1")),
            &[("/schema_version", "type")],
        ),
        patch(
            "version 0",
            |d| set(d, "/version", json!(0)),
            &[("/version", "range")],
        ),
        patch(
            "integers out of range",
            |d| {
                set(d, "/version", json!(1_000_001));
                set(d, "/tool_policy/max_evidence_age_days", json!(-5));
            },
            &[
                ("/version", "range"),
                ("/tool_policy/max_evidence_age_days", "range"),
            ],
        ),
        rust_only(patch(
            "integer written with a decimal point",
            |d| set(d, "/version", json!(3.0)),
            &[("/version", "type")],
        )),
        rust_only(patch(
            "depth 65 inside extensions",
            |d| set(d, "/extensions/deep", nested_arrays(63)),
            &[(deep_pointer.as_str(), "too_deep")],
        )),
        text(
            "depth beyond what serde_json parses",
            format!("{}{}", "[".repeat(300), "]".repeat(300)),
            &[("", "too_deep")],
        ),
        text(
            "1 MiB + 1 bytes",
            {
                let mut doc = sample_value();
                let filler_len =
                    MAX_DOCUMENT_BYTES + 1 - doc.to_string().len() - r#","pad":"""#.len();
                set(&mut doc, "/extensions/pad", json!("x".repeat(filler_len)));
                let text = doc.to_string();
                assert_eq!(text.len(), MAX_DOCUMENT_BYTES + 1);
                text
            },
            &[("", "too_large")],
        ),
        text(
            "invalid JSON",
            "{\n  \"schema_version\": 1,\n  \"id\": \"x\",,\n}".to_string(),
            &[("", "json_syntax")],
        ),
        text(
            "truncated JSON",
            "{\"id\": [".to_string(),
            &[("", "json_syntax")],
        ),
        text(
            "trailing garbage",
            "{} {}".to_string(),
            &[("", "json_syntax")],
        ),
        text(
            "a repeated name, which a last-wins reader would merge",
            sample_value().to_string().replacen(
                "\"autonomy\":",
                "\"autonomy\":\"ask_first\",\"autonomy\":",
                1,
            ),
            &[("/decision_policy/autonomy", "duplicate_key")],
        ),
        text(
            "a byte order mark after the start",
            format!("{{\u{feff}{}", &sample_value().to_string()[1..]),
            &[("", "json_syntax")],
        ),
    ]
}

fn case_text(case: &Case) -> String {
    match &case.input {
        Input::Patch(change) => {
            let mut doc = sample_value();
            change(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap()
        }
        Input::Text(text) => text.clone(),
    }
}

/// The allowed names an `enum` problem at `pointer` must list.
fn allowed_names(pointer: &str) -> Vec<&'static str> {
    if pointer == "/reasoning/visibility" {
        return ReasoningVisibility::NAMES.to_vec();
    }
    let field = pointer
        .rsplit('/')
        .find(|segment| segment.parse::<usize>().is_err())
        .unwrap();
    match field {
        "mode" => Mode::NAMES.to_vec(),
        "severity" => Severity::NAMES.to_vec(),
        "autonomy" => Autonomy::NAMES.to_vec(),
        "verbosity" => Verbosity::NAMES.to_vec(),
        "output_format" => OutputFormat::NAMES.to_vec(),
        "contexts" => InteractionContext::NAMES.to_vec(),
        "visibility" => Visibility::NAMES.to_vec(),
        "preferred" => ReasoningLevel::NAMES.to_vec(),
        other => panic!("no enum field {other}"),
    }
}

/// Runs one invalid row: exact problems, useful messages, and agreement with the JSON Schema.
fn check(case: &Case, validator: &jsonschema::Validator) {
    let name = case.name;
    let text = case_text(case);
    let problems = match validate_json(&text) {
        Ok(_) => panic!("{name}: expected problems, got a valid spec"),
        Err(problems) => problems,
    };

    let mut got: Vec<(String, &str)> = problems
        .iter()
        .map(|p| (p.pointer.clone(), p.rule))
        .collect();
    let mut expected = case.expect.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{name}: problems {problems:#?}");

    for problem in &problems {
        assert!(RULE_CODES.contains(&problem.rule), "{name}: {problem}");
        assert!(problem.message.len() > 10, "{name}: {problem}");
        if problem.rule == "enum" {
            for allowed in allowed_names(&problem.pointer) {
                let needle = format!("\"{allowed}\"");
                assert!(problem.message.contains(&needle), "{name}: {problem}");
            }
        }
        if problem.rule == "json_syntax" {
            assert!(
                problem.message.contains("line") && problem.message.contains("column"),
                "{name}: {problem}"
            );
        }
    }

    // The same value through validate_value gives the same problems (size aside, and a
    // repeated name, which only the text shows: a parsed value has kept one copy).
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        if text.len() <= MAX_DOCUMENT_BYTES && crate::canon::strict(text.as_bytes()).is_ok() {
            assert_eq!(validate_value(&value).err(), Some(problems), "{name}");
        }
        let schema_valid = validator.is_valid(&value);
        if case.rust_only {
            assert!(
                schema_valid,
                "{name}: marked rust_only, but the schema rejects it too"
            );
        } else {
            assert!(
                !schema_valid,
                "{name}: the JSON Schema accepts what Rust rejects"
            );
        }
    } else {
        assert!(
            case.rust_only,
            "{name}: not JSON, so it must be marked rust_only"
        );
    }
}

#[test]
fn invalid_documents_report_exactly_their_problems() {
    let validator = schema_validator();
    let cases = invalid_cases();
    assert!(cases.len() >= 25, "only {} rows", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "row names must be unique");
    for case in &cases {
        check(case, &validator);
    }
}

#[test]
fn every_rule_code_is_exercised_and_documented() {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for case in invalid_cases() {
        for (_, rule) in &case.expect {
            *seen.entry(rule).or_default() += 1;
        }
    }
    let module_doc = include_str!("validate/mod.rs");
    for rule in RULE_CODES {
        assert!(seen.contains_key(rule), "no row produces {rule}");
        assert!(
            module_doc.contains(&format!("//! | `{rule}`"))
                || module_doc.contains(&format!("`{rule}` / "))
                || module_doc.contains(&format!("/ `{rule}`")),
            "{rule} is not in the module doc"
        );
    }
}

fn valid_samples() -> Vec<(&'static str, Value)> {
    let mut boundaries = sample_value();
    set(
        &mut boundaries,
        "/id",
        json!(format!("a{}", "_9".repeat(31) + "z")),
    );
    set(&mut boundaries, "/version", json!(1_000_000));
    set(&mut boundaries, "/identity/name", json!("é".repeat(80)));
    set(&mut boundaries, "/identity/emoji", json!("🦊".repeat(16)));
    set(&mut boundaries, "/identity/vibe", json!(""));
    set(
        &mut boundaries,
        "/style/language",
        json!("sgn-BE-FR-a1b2c3d4"),
    );
    set(
        &mut boundaries,
        "/tool_policy/max_evidence_age_days",
        json!(3650),
    );
    set(
        &mut boundaries,
        "/tool_policy/allowed_tools/0",
        json!(format!("a{}", ".:-_".repeat(15) + "xyz")),
    );
    set(
        &mut boundaries,
        "/intent_modules/1/contexts",
        json!([
            "public_widget",
            "public_share",
            "owner_chat",
            "owner_training"
        ]),
    );
    set(&mut boundaries, "/extensions/deep", nested_arrays(62));
    set(
        &mut boundaries,
        "/extensions/anything",
        json!({ "Unknown-Key": [null, 1.5, { "x": {} }] }),
    );

    let mut empty_lists = sample_value();
    set(&mut empty_lists, "/tool_policy/allowed_tools", json!([]));
    set(
        &mut empty_lists,
        "/decision_policy/escalate_when",
        json!([]),
    );
    set(&mut empty_lists, "/extensions", json!({}));

    vec![
        ("sample", sample_value()),
        ("minimal", minimal()),
        ("boundaries", boundaries),
        ("empty lists", empty_lists),
    ]
}

#[test]
fn valid_samples_validate_round_trip_and_match_the_schema() {
    let validator = schema_validator();
    for (name, value) in valid_samples() {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let spec = match validate_json(&text) {
            Ok(spec) => spec,
            Err(problems) => panic!("{name}: {problems:#?}"),
        };
        assert_eq!(validate_value(&value).as_ref(), Ok(&spec), "{name}");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: schema says {errors:#?}");

        // parse -> serialize -> parse gives an equal spec, and the output is valid too.
        let again = serde_json::to_string(&spec).unwrap();
        assert_eq!(validate_json(&again).as_ref(), Ok(&spec), "{name}");
        let reparsed: PersonaSpec = serde_json::from_str(&again).unwrap();
        assert_eq!(reparsed, spec, "{name}");
    }
}

#[test]
fn sample_spec_round_trips_exactly() {
    let spec = sample_spec();
    let text = serde_json::to_string(&spec).unwrap();
    assert_eq!(validate_json(&text), Ok(spec.clone()));
    assert_eq!(serde_json::to_value(&spec).unwrap(), sample_value());
    assert_eq!(spec.constitution.rules.len(), 3);
    assert_eq!(spec.intent_modules.len(), 3);
    let mut visibilities: Vec<Visibility> =
        spec.intent_modules.iter().map(|m| m.visibility).collect();
    visibilities.dedup();
    assert_eq!(visibilities.len(), 3, "the sample covers every visibility");
}

#[test]
fn omitted_optional_fields_stay_omitted() {
    let spec = validate_value(&minimal()).unwrap();
    assert_eq!(spec.identity.vibe, None);
    assert!(spec.extensions.is_empty());
    assert_eq!(serde_json::to_value(&spec).unwrap(), minimal());
}

#[test]
fn bytes_entry_point() {
    let text = serde_json::to_string(&sample_spec()).unwrap();
    assert_eq!(validate_json_bytes(text.as_bytes()), Ok(sample_spec()));
    let problems = validate_json_bytes(b"{\"id\": \"\xff\"}").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].rule, "json_syntax");
    assert!(
        problems[0].message.contains("line 1, column"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_leading_byte_order_mark_is_skipped_and_another_is_named() {
    let text = serde_json::to_string(&sample_spec()).unwrap();
    assert_eq!(validate_json(&format!("\u{feff}{text}")), Ok(sample_spec()));
    let problems = validate_json(&format!("\u{feff}\u{feff}{text}")).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("byte order mark"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].message.contains("line 1, column 1"),
        "{}",
        problems[0]
    );
}

#[test]
fn syntax_message_points_at_the_spot() {
    let problems = validate_json("{\n  \"id\": \"x\",,\n}").unwrap_err();
    assert_eq!(
        problems[0].message,
        "the document is not valid JSON: key must be a string at line 2, column 13"
    );
}

#[test]
fn problem_serializes_flat() {
    let problems = validate_json("{\"schema_version\": 2}").unwrap_err();
    let first = serde_json::to_value(&problems[0]).unwrap();
    assert_eq!(first["pointer"], json!("/id"));
    assert_eq!(first["rule"], json!("required"));
    assert!(problems[0].to_string().starts_with("/id: "));
}

#[test]
fn messages_say_how_to_fix() {
    let mut doc = sample_value();
    set(&mut doc, "/mode", json!("solo"));
    set(
        &mut doc,
        "/intent_modules/0/contexts/0",
        json!("public_widget"),
    );
    let problems = validate_value(&doc).unwrap_err();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.contains(&"\"mode\" must be \"team\" or \"individual\"; got \"solo\""),
        "{messages:#?}"
    );
    assert!(
        messages.contains(
            &"a module with visibility \"owner_only\" may only run in \"owner_training\" or \
              \"owner_chat\", not in \"public_widget\"; remove this context or change the \
              visibility"
        ),
        "{messages:#?}"
    );
}

#[test]
fn long_values_are_cut_in_messages() {
    let mut doc = sample_value();
    set(&mut doc, "/mode", json!("z".repeat(10_000)));
    let problems = validate_value(&doc).unwrap_err();
    assert!(problems[0].message.len() < 200, "{}", problems[0].message);
    assert!(problems[0].message.ends_with("…"));
}

#[test]
fn schema_file_is_a_valid_schema_that_matches_the_types() {
    let schema = schema();
    jsonschema::meta::validate(&schema).unwrap();
    assert_eq!(schema["$id"], json!(SCHEMA_ID));
    assert_eq!(
        schema["properties"]["schema_version"]["const"],
        json!(SCHEMA_VERSION)
    );

    let enum_at = |pointer: &str| -> Vec<String> {
        serde_json::from_value(schema.pointer(pointer).unwrap().clone()).unwrap()
    };
    let names = |names: &[&str]| -> Vec<String> { names.iter().map(|n| n.to_string()).collect() };
    assert_eq!(enum_at("/properties/mode/enum"), names(&Mode::NAMES));
    assert_eq!(
        enum_at("/$defs/rule/properties/severity/enum"),
        names(&Severity::NAMES)
    );
    assert_eq!(
        enum_at("/properties/decision_policy/properties/autonomy/enum"),
        names(&Autonomy::NAMES)
    );
    assert_eq!(
        enum_at("/properties/style/properties/verbosity/enum"),
        names(&Verbosity::NAMES)
    );
    assert_eq!(
        enum_at("/properties/style/properties/output_format/enum"),
        names(&OutputFormat::NAMES)
    );
    assert_eq!(
        enum_at("/$defs/intent_module/properties/visibility/enum"),
        names(&Visibility::NAMES)
    );
    assert_eq!(
        enum_at("/$defs/interaction_context/enum"),
        names(&InteractionContext::NAMES)
    );
    assert_eq!(
        enum_at("/properties/reasoning/properties/preferred/enum"),
        names(&ReasoningLevel::NAMES)
    );
    assert_eq!(
        enum_at("/properties/reasoning/properties/visibility/enum"),
        names(&ReasoningVisibility::NAMES)
    );
}

#[test]
fn interaction_contexts() {
    use InteractionContext::*;
    assert_eq!(
        InteractionContext::ALL,
        [OwnerTraining, OwnerChat, PublicShare, PublicWidget]
    );
    let public: Vec<bool> = InteractionContext::ALL
        .iter()
        .map(|c| c.is_public())
        .collect();
    assert_eq!(public, [false, false, true, true]);
    for context in InteractionContext::ALL {
        assert_eq!(context.as_str().parse::<InteractionContext>(), Ok(context));
        assert_eq!(
            serde_json::to_value(context).unwrap(),
            json!(context.as_str())
        );
    }
    let err = "public".parse::<InteractionContext>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"public\" is not a valid interaction context; use one of: owner_training, owner_chat, \
         public_share, public_widget"
    );
    assert!(Visibility::TrainingOnly.allows(OwnerTraining));
    assert!(!Visibility::TrainingOnly.allows(OwnerChat));
    assert!(Visibility::OwnerOnly.allows(OwnerChat));
    assert!(!Visibility::OwnerOnly.allows(PublicShare));
    assert!(InteractionContext::ALL
        .iter()
        .all(|c| Visibility::Public.allows(*c)));
}

#[test]
fn typescript_declarations() {
    let spec = PersonaSpec::decl();
    assert!(
        spec.contains("extensions?: Record<string, unknown>"),
        "{spec}"
    );
    assert!(
        spec.contains("intent_modules: Array<IntentModule>"),
        "{spec}"
    );
    assert!(spec.contains("version: number"), "{spec}");
    let identity = Identity::decl();
    assert!(identity.contains("vibe?: string,"), "{identity}");
    let policy = ToolPolicy::decl();
    assert!(policy.contains("allowed_tools?: Array<string>"), "{policy}");
    assert!(
        policy.contains("max_evidence_age_days?: number"),
        "{policy}"
    );
    assert!(InteractionContext::decl().contains("\"owner_training\""));
    assert!(Problem::decl().contains("rule: string"));
    assert!(ResolvedReasoning::decl().contains("level: string | null"));
    // Every public type has a declaration (compiles only if each derives TS).
    let all = [
        Rule::decl(),
        Severity::decl(),
        Constitution::decl(),
        DecisionPolicy::decl(),
        Autonomy::decl(),
        Style::decl(),
        Verbosity::decl(),
        OutputFormat::decl(),
        IntentModule::decl(),
        Visibility::decl(),
        Reasoning::decl(),
        ReasoningLevel::decl(),
        ReasoningSource::decl(),
        Mode::decl(),
    ];
    assert!(all.iter().all(|d| d.starts_with("type ")));
}
