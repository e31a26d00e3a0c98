//! One located problem in a document (an RFC 6901 JSON pointer, a stable rule code, a message),
//! and how a list of them reads. Base layer: the core's [`crate::Error`] carries them, and the
//! validators above (persona specs, presets) produce them.

use std::fmt;

use serde::Serialize;

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Problem {
    /// RFC 6901 JSON pointer to the offending (or missing) value; `""` is the whole document.
    pub pointer: String,
    /// A stable rule code (for persona specs, one of `persona::spec::RULE_CODES`).
    pub rule: &'static str,
    /// What is wrong and how to fix it, for people.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {} [{}]", self.message, self.rule)
    }
}

/// Every problem on its own line, `pointer [rule] message`, for terminals and error messages.
pub fn describe_problems(problems: &[Problem]) -> String {
    describe_problems_of("The spec", problems)
}

/// [`describe_problems`] for a document named `subject` (`"preset.json"`): `{subject} has N
/// problems:` and one line per problem.
pub fn describe_problems_of(subject: &str, problems: &[Problem]) -> String {
    let mut text = format!(
        "{subject} has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        let pointer = if problem.pointer.is_empty() {
            "/"
        } else {
            &problem.pointer
        };
        text.push_str(&format!(
            "\n  {pointer} [{}] {}",
            problem.rule, problem.message
        ));
    }
    text
}
