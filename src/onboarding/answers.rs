//! Answers as scripts write them (`onboard --answers FILE`): for a choice question an option
//! id, an option number (1-based, as `onboard answer` numbers them) or a list of either; for a
//! text question a string. Every problem is reported at once, each naming its question.

use serde_json::Value;

use super::questions::{QuestionBank, QuestionKind};
use super::recommend::{answer_problems, find_question, Answer, Answers};
use super::session::parse_input;
use crate::{Error, Result};

/// Reads `value`, a JSON object of question id to answer, into [`Answers`] checked against
/// `bank` (the questions exist, are asked given the other answers, and take these options).
///
/// Errors: `invalid_input` on `answers` listing every problem (`not_found` when the only
/// problem is one unknown question).
pub fn from_json(bank: &QuestionBank, value: &Value) -> Result<Answers> {
    let Value::Object(members) = value else {
        return Err(Error::invalid(
            "answers",
            "must be a JSON object of question id to answer, such as {\"goal\": \"research\"}",
        ));
    };
    let mut answers = Answers::new();
    let mut problems = Vec::new();
    for (id, given) in members {
        match find_question(bank, id).and_then(|q| read_one(q, given)) {
            Ok(answer) => {
                answers.insert(id.clone(), answer);
            }
            Err(error) => problems.push(error),
        }
    }
    problems.extend(answer_problems(bank, &answers));
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(combine(problems))
    }
}

/// One answer in any accepted form.
fn read_one(question: &super::questions::Question, given: &Value) -> Result<Answer> {
    let id = &question.id;
    if question.kind == QuestionKind::Text {
        return match given {
            Value::String(text) => Ok(Answer::Text(text.trim().to_owned())),
            _ => Err(Error::invalid(
                "answers",
                format!("question \"{id}\" takes text, as a JSON string"),
            )),
        };
    }
    let items = match given {
        Value::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut options = Vec::new();
    for item in items {
        let token = match item {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(Error::invalid(
                    "answers",
                    format!(
                        "question \"{id}\" takes option ids or numbers, such as \"{}\" or 1",
                        question
                            .options
                            .first()
                            .map(|o| o.id.as_str())
                            .unwrap_or("")
                    ),
                ))
            }
        };
        match parse_input(question, &token)? {
            Answer::Choices(ids) => options.extend(ids),
            Answer::Text(_) => {}
        }
    }
    Ok(Answer::Choices(options))
}

/// One error for several problems; a single problem keeps its own code.
pub(crate) fn combine(mut problems: Vec<Error>) -> Error {
    if problems.len() == 1 {
        return problems.remove(0);
    }
    let texts: Vec<String> = problems
        .iter()
        .map(|e| match e {
            Error::InvalidInput { message, .. } => message.clone(),
            other => other.to_string(),
        })
        .collect();
    Error::invalid(
        "answers",
        format!("{} problems: {}", texts.len(), texts.join("; ")),
    )
}
