//! `persona-studio reasoning resolve`: the reasoning policy for one model, from the terminal.

use clap::Subcommand;
use persona_studio::persona::spec::{resolve_reasoning, ReasoningSource, ResolvedReasoning};
use serde::Serialize;

use crate::output::{Failure, Output};

#[derive(Debug, Subcommand)]
pub enum ReasoningCommand {
    /// Pick the reasoning level for a model: the preferred level if the model lists it, else
    /// the highest level it lists, else the model's default.
    Resolve {
        /// The levels the model lists, lowest first, comma-separated (for example off,normal).
        #[arg(long, required = true, value_delimiter = ',', num_args = 0.., value_name = "LEVELS")]
        supported: Vec<String>,
        /// The preferred level (default: max).
        #[arg(long, value_name = "LEVEL")]
        preferred: Option<String>,
    },
}

/// What `reasoning resolve --json` prints: the resolved level and its source, with the inputs.
#[derive(Serialize)]
struct Resolution<'a> {
    level: Option<&'a str>,
    source: ReasoningSource,
    preferred: &'a str,
    supported: &'a [String],
}

pub fn run(command: ReasoningCommand, out: &Output) -> Result<(), Failure> {
    let ReasoningCommand::Resolve {
        supported,
        preferred,
    } = command;
    let names: Vec<&str> = supported.iter().map(String::as_str).collect();
    let resolved = resolve_reasoning(&names, preferred.as_deref());
    let preferred = preferred.as_deref().unwrap_or("max");
    let value = Resolution {
        level: resolved.level.as_deref(),
        source: resolved.source,
        preferred,
        supported: &supported,
    };
    out.value(&value, || text(&resolved, preferred));
    Ok(())
}

fn text(resolved: &ResolvedReasoning, preferred: &str) -> String {
    let source = resolved.source.as_str();
    match (&resolved.level, resolved.source) {
        (Some(level), ReasoningSource::Preferred) => {
            format!("{level} ({source}: the model lists the preferred level)")
        }
        (Some(level), _) => format!(
            "{level} ({source}: the model does not list {preferred}; {level} is the highest level it lists)"
        ),
        (None, _) => format!(
            "model default ({source}: the model lists no level; send no reasoning setting)"
        ),
    }
}
