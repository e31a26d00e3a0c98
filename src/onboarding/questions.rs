//! The question bank: questions with a kind (single choice, multiple choice, short text with
//! limits), options with help text, and `show_if` conditions on other answers. `validate`
//! reports every problem: duplicate ids, unknown questions or option ids in conditions,
//! conditions that can never hold (unreachable questions), and cycles between conditions.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

static SHIPPED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/onboarding/questions.json"
));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    pub id: String,
    pub label: String,
    pub help: String,
    /// The customer-facing phrase that explains a recommendation, written to follow "because":
    /// `you want help with customer support`, `it will talk to people on your website`. Lower
    /// case, no final stop, at most [`REASON_MAX_CHARS`] characters (checked by [`validate`]).
    pub reason: String,
}

/// The longest phrase an option's `reason` may be, in characters.
pub const REASON_MAX_CHARS: usize = 80;

/// Holds when the answer to `question` includes one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    /// Every condition must hold for the question to be shown.
    #[serde(default)]
    pub show_if: Vec<Condition>,
    #[serde(default)]
    pub min_len: Option<u32>,
    #[serde(default)]
    pub max_len: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct QuestionBank {
    pub bank_version: u32,
    pub questions: Vec<Question>,
}

/// One thing wrong with a bank, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BankProblem {
    pub question: String,
    pub code: String,
    pub message: String,
}

fn problem(question: &str, code: &str, message: String) -> BankProblem {
    BankProblem {
        question: question.to_owned(),
        code: code.to_owned(),
        message,
    }
}

/// Parses a bank (duplicate JSON keys and unknown fields are errors).
pub fn parse(text: &str) -> Result<QuestionBank> {
    crate::json::from_slice(text.as_bytes(), "question bank", "")
}

/// The bank shipped with the app, validated.
pub fn shipped() -> Result<QuestionBank> {
    let bank = parse(SHIPPED)?;
    let problems = validate(&bank);
    if let Some(first) = problems.first() {
        return Err(Error::invalid(
            "question bank",
            format!(
                "{} problem(s); first: question {}: {}",
                problems.len(),
                first.question,
                first.message
            ),
        ));
    }
    Ok(bank)
}

/// Every problem of `bank`: each question on its own (ids, options, text limits), then its
/// `show_if` conditions, then cycles and unreachable questions.
pub fn validate(bank: &QuestionBank) -> Vec<BankProblem> {
    let mut out = Vec::new();
    let mut by_id: BTreeMap<&str, &Question> = BTreeMap::new();
    for q in &bank.questions {
        if by_id.insert(q.id.as_str(), q).is_some() {
            out.push(problem(
                &q.id,
                "duplicate_question",
                format!("the id \"{}\" is used twice", q.id),
            ));
        }
        check_question(q, &mut out);
    }
    for q in &bank.questions {
        check_conditions(q, &by_id, &mut out);
    }
    for cycle in cycles(bank) {
        out.push(problem(
            &cycle[0],
            "cycle",
            format!("show_if conditions form a cycle: {}", cycle.join(" → ")),
        ));
    }
    for q in unreachable(bank) {
        out.push(problem(
            &q,
            "unreachable",
            "its show_if conditions can never all hold, so it is never asked".to_owned(),
        ));
    }
    out
}

/// One question on its own: option ids used once, at least two options for a choice, and a
/// text question's limits.
fn check_question(q: &Question, out: &mut Vec<BankProblem>) {
    let mut options = BTreeSet::new();
    for option in &q.options {
        if !options.insert(option.id.as_str()) {
            out.push(problem(
                &q.id,
                "duplicate_option",
                format!("option \"{}\" appears twice", option.id),
            ));
        }
        if let Some(why) = reason_problem(&option.reason) {
            out.push(problem(
                &q.id,
                "bad_reason",
                format!("option \"{}\": its reason {why}", option.id),
            ));
        }
    }
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple if q.options.len() < 2 => {
            out.push(problem(
                &q.id,
                "too_few_options",
                "a choice question needs at least two options".to_owned(),
            ));
        }
        QuestionKind::Text => {
            let (min, max) = (q.min_len.unwrap_or(0), q.max_len.unwrap_or(0));
            if !q.options.is_empty() || q.max_len.is_none() || min > max || max > 500 {
                out.push(problem(
                    &q.id,
                    "bad_text_limits",
                    "a text question has no options and limits 0 <= min_len <= max_len <= 500"
                        .to_owned(),
                ));
            }
        }
        _ => {}
    }
}

/// What is wrong with an option's customer-facing `reason` phrase, if anything: it is read
/// after "because" in a sentence, so it is a lower-case clause without a final stop, short,
/// and free of the notation customers should not see.
fn reason_problem(reason: &str) -> Option<&'static str> {
    let first = reason.chars().next();
    if reason.trim().is_empty() {
        Some("is empty; write the phrase that follows \"because\"")
    } else if reason.chars().count() > REASON_MAX_CHARS {
        Some("is longer than 80 characters")
    } else if !first.is_some_and(char::is_lowercase) {
        Some("must start with a lower-case letter (it follows \"because\")")
    } else if reason.ends_with(['.', '!', '?', ',', ';']) || reason.trim() != reason {
        Some("must not end with punctuation or spaces (sentences are joined from phrases)")
    } else if reason.contains("(s)") || reason.contains('_') || reason.contains('=') {
        Some("must be plain words: no \"(s)\", ids or \"=\"")
    } else {
        None
    }
}

/// A question's `show_if` conditions: each names a known choice question and options it has.
fn check_conditions(q: &Question, by_id: &BTreeMap<&str, &Question>, out: &mut Vec<BankProblem>) {
    for condition in &q.show_if {
        let Some(target) = by_id.get(condition.question.as_str()) else {
            out.push(problem(
                &q.id,
                "unknown_question",
                format!(
                    "show_if names the unknown question \"{}\"",
                    condition.question
                ),
            ));
            continue;
        };
        if target.kind == QuestionKind::Text {
            out.push(problem(
                &q.id,
                "condition_on_text",
                format!(
                    "show_if tests the text question \"{}\", which has no options",
                    target.id
                ),
            ));
        }
        for option in &condition.any_of {
            if !target.options.iter().any(|o| &o.id == option) {
                out.push(problem(
                    &q.id,
                    "unknown_option",
                    format!(
                        "show_if names option \"{option}\", which question \"{}\" does not have",
                        target.id
                    ),
                ));
            }
        }
    }
}

/// Each cycle of "shown only if" dependencies, as the ids along it.
fn cycles(bank: &QuestionBank) -> Vec<Vec<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = bank
        .questions
        .iter()
        .map(|q| {
            (
                q.id.as_str(),
                q.show_if.iter().map(|c| c.question.as_str()).collect(),
            )
        })
        .collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in deps.keys() {
        let mut path: Vec<&str> = Vec::new();
        walk(start, &deps, &mut path, &mut done, &mut found);
    }
    found
}

fn walk<'a>(
    node: &'a str,
    deps: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
    found: &mut Vec<Vec<String>>,
) {
    if let Some(at) = path.iter().position(|n| *n == node) {
        let mut cycle: Vec<String> = path
            .get(at..)
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect();
        cycle.push(node.to_owned());
        found.push(cycle);
        return;
    }
    if done.contains(node) {
        return;
    }
    path.push(node);
    for next in deps.get(node).into_iter().flatten() {
        walk(next, deps, path, done, found);
    }
    path.pop();
    done.insert(node);
}

/// Questions that can never be shown: a condition with no valid option, conditions on one
/// single-choice question that no answer satisfies together, or a condition on a question that
/// is itself never shown (or part of a cycle).
fn unreachable(bank: &QuestionBank) -> Vec<String> {
    let by_id: BTreeMap<&str, &Question> =
        bank.questions.iter().map(|q| (q.id.as_str(), q)).collect();
    let mut reachable: BTreeSet<&str> = BTreeSet::new();
    // Fixed point: a question becomes reachable once everything it depends on is.
    loop {
        let before = reachable.len();
        for q in &bank.questions {
            if reachable.contains(q.id.as_str()) {
                continue;
            }
            let mut per_question: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            let mut possible = true;
            for c in &q.show_if {
                let Some(target) = by_id.get(c.question.as_str()) else {
                    possible = false;
                    break;
                };
                let valid: BTreeSet<&str> = c
                    .any_of
                    .iter()
                    .map(String::as_str)
                    .filter(|o| target.options.iter().any(|opt| opt.id == *o))
                    .collect();
                if valid.is_empty() || !reachable.contains(target.id.as_str()) {
                    possible = false;
                    break;
                }
                if target.kind == QuestionKind::Single {
                    let entry = per_question
                        .entry(target.id.as_str())
                        .or_insert_with(|| valid.clone());
                    *entry = entry.intersection(&valid).copied().collect();
                    if entry.is_empty() {
                        possible = false;
                        break;
                    }
                }
            }
            if possible {
                reachable.insert(q.id.as_str());
            }
        }
        if reachable.len() == before {
            break;
        }
    }
    bank.questions
        .iter()
        .filter(|q| !reachable.contains(q.id.as_str()))
        .map(|q| q.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(json: serde_json::Value) -> QuestionBank {
        serde_json::from_value(json).unwrap()
    }

    fn codes(bank: &QuestionBank) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = validate(bank)
            .into_iter()
            .map(|p| (p.question, p.code))
            .collect();
        out.sort();
        out
    }

    fn choice(id: &str, options: &[&str]) -> serde_json::Value {
        serde_json::json!({"id": id, "kind": "single", "prompt": id,
            "options": options.iter().map(|o| serde_json::json!({"id": o, "label": o, "help": o, "reason": format!("you picked {o}")})).collect::<Vec<_>>()})
    }

    #[test]
    fn the_shipped_bank_is_valid_and_asks_what_the_issue_lists() {
        let bank = shipped().unwrap();
        assert!((6..=10).contains(&bank.questions.len()));
        let ids: Vec<&str> = bank.questions.iter().map(|q| q.id.as_str()).collect();
        for needed in [
            "goal",
            "audience",
            "autonomy",
            "style",
            "channels",
            "sensitivity",
            "voice",
            "browser",
        ] {
            assert!(ids.contains(&needed), "{needed}");
        }
        let autonomy = bank.questions.iter().find(|q| q.id == "autonomy").unwrap();
        let options: Vec<&str> = autonomy.options.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(options, ["ask_first", "balanced", "autonomous"]);
    }

    #[test]
    fn broken_banks_report_every_problem() {
        let with_condition = |q: serde_json::Value, show_if: serde_json::Value| {
            let mut q = q;
            q["show_if"] = show_if;
            q
        };
        let cases: Vec<(serde_json::Value, Vec<(&str, &str)>)> = vec![
            (
                serde_json::json!([
                    choice("a", &["x", "y"]),
                    with_condition(
                        choice("b", &["p", "q"]),
                        serde_json::json!([{"question": "a", "any_of": ["z"]}])
                    )
                ]),
                vec![("b", "unknown_option"), ("b", "unreachable")],
            ),
            (
                serde_json::json!([
                    with_condition(
                        choice("a", &["x", "y"]),
                        serde_json::json!([{"question": "b", "any_of": ["p"]}])
                    ),
                    with_condition(
                        choice("b", &["p", "q"]),
                        serde_json::json!([{"question": "a", "any_of": ["x"]}])
                    )
                ]),
                vec![("a", "cycle"), ("a", "unreachable"), ("b", "unreachable")],
            ),
            (
                serde_json::json!([
                    choice("a", &["x", "y"]),
                    with_condition(
                        choice("b", &["p", "q"]),
                        serde_json::json!([{"question": "a", "any_of": ["x"]}, {"question": "a", "any_of": ["y"]}])
                    )
                ]),
                vec![("b", "unreachable")],
            ),
            (
                serde_json::json!([
                    choice("a", &["x", "y"]),
                    with_condition(
                        choice("b", &["p", "q"]),
                        serde_json::json!([{"question": "ghost", "any_of": ["x"]}])
                    )
                ]),
                vec![("b", "unknown_question"), ("b", "unreachable")],
            ),
            (
                serde_json::json!([choice("a", &["x"]), choice("a", &["x", "x"])]),
                vec![
                    ("a", "duplicate_option"),
                    ("a", "duplicate_question"),
                    ("a", "too_few_options"),
                ],
            ),
            (
                serde_json::json!([{"id": "t", "kind": "text", "prompt": "t", "min_len": 5, "max_len": 2}]),
                vec![("t", "bad_text_limits")],
            ),
        ];
        for (questions, expected) in cases {
            let b = bank(serde_json::json!({"bank_version": 1, "questions": questions}));
            let mut expected: Vec<(String, String)> = expected
                .iter()
                .map(|(q, c)| (q.to_string(), c.to_string()))
                .collect();
            expected.sort();
            assert_eq!(codes(&b), expected, "{questions}");
        }
    }

    #[test]
    fn reasons_must_be_phrases_a_customer_can_read() {
        for (reason, ok) in [
            ("you want help with customer support", true),
            ("", false),
            ("You want help", false),
            ("you want help.", false),
            ("it needs 1 slot(s)", false),
            ("goal = customer_support", false),
            (&"a".repeat(81), false),
        ] {
            let mut q = choice("a", &["x", "y"]);
            q["options"][0]["reason"] = serde_json::json!(reason);
            let b = bank(serde_json::json!({"bank_version": 2, "questions": [q]}));
            let found = codes(&b);
            let expected = if ok {
                vec![]
            } else {
                vec![("a".to_owned(), "bad_reason".to_owned())]
            };
            assert_eq!(found, expected, "{reason:?}");
        }
    }

    #[test]
    fn unknown_fields_and_duplicate_keys_are_refused() {
        assert!(parse(r#"{"bank_version": 1, "questions": [], "extra": 1}"#).is_err());
        assert!(parse(r#"{"bank_version": 1, "bank_version": 2, "questions": []}"#).is_err());
    }
}
