//! What the spec editor asks while the owner types: every problem and the hash, and a compile
//! preview. Pure functions over the text; nothing is stored.

use crate::canon::Digest;
use crate::persona::compile::{self, PromptPlan};
use crate::persona::spec::{self, InteractionContext, Problem};
use crate::persona::workspace::WorkspaceFiles;
use crate::{Error, Result};

/// Every problem in `text`, and its persona hash when it has none.
pub fn check(text: &str) -> (Vec<Problem>, Option<Digest>) {
    match spec::validate_json(text) {
        Ok(parsed) => match compile::persona_hash(&parsed) {
            Ok(hash) => (Vec::new(), Some(hash)),
            Err(e) => (
                vec![Problem {
                    pointer: String::new(),
                    rule: "json_syntax",
                    message: e.to_string(),
                }],
                None,
            ),
        },
        Err(problems) => (problems, None),
    }
}

/// Compiles `text` for `context` without workspace files.
pub fn preview(text: &str, context: InteractionContext) -> Result<PromptPlan> {
    let parsed = spec::validate_json(text).map_err(Error::SpecInvalid)?;
    compile::compile(&parsed, &WorkspaceFiles::new(), context)
}
