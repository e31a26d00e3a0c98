//! Answers and their checks: one answer against its question (`check_answer`), a set against
//! the bank (`check_answers`, every problem at once), and answers as scripts write them
//! (`onboard --answers FILE`): for a choice question an option id, an option number (1-based,
//! as `onboard answer` numbers them) or a list of either; for a text question a string.

use serde_json::Value;

use super::questions::{Question, QuestionBank, QuestionKind};
use super::recommend::{visible, Answer, Answers};
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
fn read_one(question: &Question, given: &Value) -> Result<Answer> {
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

/// Checks answers against the bank, reporting every problem at once; each names the
/// question and the problem.
pub fn check_answers(bank: &QuestionBank, answers: &Answers) -> Result<()> {
    let problems = answer_problems(bank, answers);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(combine(problems))
    }
}

/// Every problem of `answers` against the bank, one error each.
pub(crate) fn answer_problems(bank: &QuestionBank, answers: &Answers) -> Vec<Error> {
    let shown = visible(bank, answers);
    let mut problems = Vec::new();
    for (id, answer) in answers {
        let checked = find_question(bank, id).and_then(|question| {
            if shown.contains(id) {
                check_answer(question, answer)
            } else {
                Err(Error::invalid(
                    "answers",
                    format!("question \"{id}\" is not asked with these answers; remove its answer"),
                ))
            }
        });
        if let Err(problem) = checked {
            problems.push(problem);
        }
    }
    problems
}

/// The question `id` of `bank`.
///
/// Errors: `not_found` naming the id and the bank version, and listing the question ids.
pub fn find_question<'a>(bank: &'a QuestionBank, id: &str) -> Result<&'a Question> {
    bank.questions
        .iter()
        .find(|q| q.id == id)
        .ok_or_else(|| Error::NotFound {
            what: format!("Question \"{id}\" (bank version {})", bank.bank_version),
            hint: format!(
                "The questions are: {}.",
                bank.questions
                    .iter()
                    .map(|q| q.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// Checks one answer against its question: the kind, option ids, how many options, and text
/// limits (counted without surrounding spaces; no control characters).
pub fn check_answer(question: &Question, answer: &Answer) -> Result<()> {
    let id = &question.id;
    match (question.kind, answer) {
        (QuestionKind::Text, Answer::Text(text)) => {
            let chars = u32::try_from(text.trim().chars().count()).unwrap_or(u32::MAX);
            let (min, max) = (question.min_len.unwrap_or(0), question.max_len.unwrap_or(0));
            if chars < min || chars > max {
                return Err(Error::invalid(
                    "answers",
                    format!("question \"{id}\" takes {min} to {max} characters; got {chars}"),
                ));
            }
            if text.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "answers",
                    format!("question \"{id}\" takes plain text on one line, without control characters"),
                ));
            }
        }
        (QuestionKind::Single | QuestionKind::Multiple, Answer::Choices(ids)) => {
            if question.kind == QuestionKind::Single && ids.len() != 1 {
                return Err(Error::invalid(
                    "answers",
                    format!(
                        "question \"{id}\" takes exactly one option; got {}",
                        ids.len()
                    ),
                ));
            }
            if ids.is_empty() {
                return Err(Error::invalid(
                    "answers",
                    format!("question \"{id}\" needs at least one option"),
                ));
            }
            if let Some(bad) = ids
                .iter()
                .find(|o| !question.options.iter().any(|opt| &opt.id == *o))
            {
                let valid: Vec<&str> = question.options.iter().map(|o| o.id.as_str()).collect();
                return Err(Error::invalid(
                    "answers",
                    format!(
                        "question \"{id}\" has no option \"{bad}\"; use {}",
                        valid.join(", ")
                    ),
                ));
            }
            if let Some(twice) = ids.iter().enumerate().find(|(i, o)| ids[..*i].contains(o)) {
                return Err(Error::invalid(
                    "answers",
                    format!("question \"{id}\" lists option \"{}\" twice", twice.1),
                ));
            }
        }
        (QuestionKind::Text, Answer::Choices(_)) => {
            return Err(Error::invalid(
                "answers",
                format!("question \"{id}\" takes text, not options"),
            ));
        }
        (_, Answer::Text(_)) => {
            return Err(Error::invalid(
                "answers",
                format!("question \"{id}\" takes a list of option ids, not text"),
            ));
        }
    }
    Ok(())
}
