//! Budgets: each workspace file is cut to its own character budget and to what is left of the
//! total, in precedence order, so the total cut falls on the lower layers; USER.md never
//! reaches a public context.

use super::{Budget, FileBudget, Warning};
use crate::persona::spec::InteractionContext;
use crate::persona::workspace::{PersonaFile, WorkspaceFiles, TOTAL_BUDGET_CHARS};

/// A file's text after budgets, with its line count.
#[derive(Debug, Clone)]
pub(super) struct FileText {
    pub(super) file: PersonaFile,
    pub(super) text: String,
    pub(super) lines: u32,
}

/// Cuts each file (highest precedence first) to its own budget and to what is left of the
/// total, warning about each cut and about USER.md left out of a public context.
pub(super) fn apply_budgets(
    files: &WorkspaceFiles,
    context: InteractionContext,
    warnings: &mut Vec<Warning>,
) -> (Vec<FileText>, Budget) {
    let mut texts = Vec::new();
    let mut budgets = Vec::new();
    let mut remaining_total = TOTAL_BUDGET_CHARS;
    for file in PersonaFile::BY_PRECEDENCE {
        let Some(raw) = files.get(file) else { continue };
        let original = raw.chars().count();
        // USER.md describes the owner: it never goes to the public.
        if file == PersonaFile::User && context.is_public() {
            warnings.push(Warning {
                code: "excluded_private_file".to_owned(),
                message: format!(
                    "USER.md is about the owner and is left out of the {} context.",
                    context.as_str()
                ),
            });
            budgets.push(FileBudget {
                file,
                original_chars: original as u64,
                used_chars: 0,
                budget_chars: file.budget_chars() as u64,
                truncated: false,
                included: false,
            });
            continue;
        }
        // Higher-precedence files are budgeted first, so the total cut falls on lower layers.
        let limit = file.budget_chars().min(remaining_total);
        let (text, truncated) = truncate(raw, original, limit, file);
        if truncated {
            let reason = if limit < file.budget_chars() {
                format!("the {TOTAL_BUDGET_CHARS}-character total budget")
            } else {
                format!("its {}-character budget", file.budget_chars())
            };
            warnings.push(Warning {
                code: "truncated".to_owned(),
                message: format!(
                    "{} has {original} characters and was cut to {limit} by {reason}.",
                    file.file_name()
                ),
            });
        }
        let kept = original.min(limit);
        remaining_total -= kept;
        budgets.push(FileBudget {
            file,
            original_chars: original as u64,
            used_chars: kept as u64,
            budget_chars: file.budget_chars() as u64,
            truncated,
            included: true,
        });
        let lines = u32::try_from(text.lines().count().max(1)).unwrap_or(u32::MAX);
        texts.push(FileText { file, text, lines });
    }
    let total_chars = budgets.iter().map(|b| b.used_chars).sum();
    (
        texts,
        Budget {
            files: budgets,
            total_chars,
            total_budget_chars: TOTAL_BUDGET_CHARS as u64,
        },
    )
}

fn truncate(raw: &str, original: usize, limit: usize, file: PersonaFile) -> (String, bool) {
    if original <= limit {
        return (raw.to_owned(), false);
    }
    let cut = raw.char_indices().nth(limit).map_or(raw.len(), |(i, _)| i);
    let mut text = raw[..cut].to_owned();
    text.push_str(&format!(
        "\n[… truncated: {} has {original} characters; only the first {limit} are included …]",
        file.file_name()
    ));
    (text, true)
}
