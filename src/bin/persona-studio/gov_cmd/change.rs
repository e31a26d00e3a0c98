//! `persona-studio change …`: change requests, their transitions and comments.

use clap::Subcommand;
use persona_studio::governance::changes::{
    self, ChangeAction, ChangeDetail, ChangeRequest, NewChange,
};
use persona_studio::ids::RandomIds;

use std::collections::BTreeMap;

use super::{lines, member_names, who};
use crate::output::{Failure, Output};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Submit a change request.
    Submit {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        preset: Option<String>,
        #[arg(long)]
        agent: Option<String>,
    },
    /// submitted -> triage (owner or admin, unlocked).
    Triage {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// triage -> approved (owner or admin, unlocked).
    Approve {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// triage -> rejected (owner or admin, unlocked).
    Reject {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// approved -> applied (owner or admin, unlocked).
    Apply {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Comment on a change request (its requester, or an unlocked owner or admin).
    Comment {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        body: String,
    },
    /// List change requests (open ones unless --all).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one change request with its comments.
    Show {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
    },
}

pub fn run_change(command: ChangeCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let clock = env.clock.as_ref();
    let (mut store, actor) = env.open_acting()?;
    let names = member_names(&store, &actor.tenant_id)?;
    let change_line = |c: &ChangeRequest| change_line(c, &names);
    let (id, action, note) = match command {
        ChangeCommand::Submit {
            title,
            description,
            preset,
            agent,
        } => {
            let new = NewChange {
                title,
                description,
                target_preset: preset,
                target_agent: agent,
            };
            let submitted = changes::submit(&mut store, &actor, &new, clock, &RandomIds)?;
            out.value(&submitted, || change_line(&submitted));
            return Ok(());
        }
        ChangeCommand::Triage { id, note } => (id, ChangeAction::Triage, note),
        ChangeCommand::Approve { id, note } => (id, ChangeAction::Approve, note),
        ChangeCommand::Reject { id, note } => (id, ChangeAction::Reject, note),
        ChangeCommand::Apply { id, note } => (id, ChangeAction::Apply, note),
        ChangeCommand::Comment { id, body } => {
            let comment = changes::comment(&mut store, &actor, &id, &body, clock, &RandomIds)?;
            out.value(&comment, || {
                format!("Commented on {}: {}", comment.change_id, comment.id)
            });
            return Ok(());
        }
        ChangeCommand::List { all, search } => {
            let list = changes::list(&store, &actor.tenant_id, !all, search.as_deref())?;
            out.value(&list, || lines(&list, "No change requests.", change_line));
            return Ok(());
        }
        ChangeCommand::Show { id } => {
            let detail = changes::get(&store, &actor.tenant_id, &id)?;
            out.value(&detail, || detail_text(&detail, &names));
            return Ok(());
        }
    };
    let changed = changes::transition(&mut store, &actor, &id, action, note.as_deref(), clock)?;
    out.value(&changed, || change_line(&changed));
    Ok(())
}

fn change_line(c: &ChangeRequest, names: &BTreeMap<String, String>) -> String {
    format!(
        "{}  {:<9} {}  (by {}, {} comment(s))",
        c.id,
        c.state.as_str(),
        c.title,
        who(names, &c.submitted_by),
        c.comments
    )
}

fn detail_text(detail: &ChangeDetail, names: &BTreeMap<String, String>) -> String {
    let mut text = format!(
        "{}\n  {}",
        change_line(&detail.request, names),
        detail.request.description
    );
    for c in &detail.comments {
        text.push_str(&format!(
            "\n  - {} at {}: {}",
            who(names, &c.author),
            c.created_at,
            c.body
        ));
    }
    text
}
