//! `persona-studio change …`: change requests, their transitions and comments.

use clap::Subcommand;
use persona_studio::governance::changes::{
    self, ChangeAction, ChangeDetail, ChangeRequest, NewChange,
};
use persona_studio::ids::RandomIds;
use persona_studio::selfedit::review::{self, Acted, Decided, FileReview};
use persona_studio::textdiff;

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
    /// triage -> approved (owner or admin, unlocked). A file review is approved at once: the
    /// file as it is becomes the approved baseline.
    Approve {
        /// The change request: its id or a unique prefix (at least 4 characters).
        id: String,
        #[arg(long)]
        note: Option<String>,
        /// For a file review: also save the file as a draft of the agent's applied preset.
        #[arg(long)]
        save_as_draft: bool,
    },
    /// triage -> rejected (owner or admin, unlocked). A file review is rejected at once: the
    /// approved version of the file is written back.
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
    let (id, action, note, save_as_draft) = match command {
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
        ChangeCommand::Triage { id, note } => (id, ChangeAction::Triage, note, false),
        ChangeCommand::Approve {
            id,
            note,
            save_as_draft,
        } => (id, ChangeAction::Approve, note, save_as_draft),
        ChangeCommand::Reject { id, note } => (id, ChangeAction::Reject, note, false),
        ChangeCommand::Apply { id, note } => (id, ChangeAction::Apply, note, false),
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
            let view = review::show(&store, &actor.tenant_id, &id)?;
            out.value(&view, || {
                let mut text = detail_text(&view.detail, &names);
                if let Some(file) = &view.file_review {
                    text.push('\n');
                    text.push_str(&file_review_text(file));
                }
                text
            });
            return Ok(());
        }
    };
    let acted = review::act(
        &mut store,
        &actor,
        &id,
        action,
        (note.as_deref(), save_as_draft),
        clock,
        &RandomIds,
    )?;
    // `--json` keeps each shape of its own: the change request, or the decided file review.
    match &acted {
        Acted::Change { request } => out.value(request, || change_line(request)),
        Acted::File { decided } => out.value(decided, || decided_text(decided)),
    }
    Ok(())
}

/// A decided file review in a line, then the draft's notice if any.
fn decided_text(decided: &Decided) -> String {
    let review = &decided.review;
    let draft = decided
        .draft
        .as_deref()
        .map_or(String::new(), |d| format!("; saved as {d}"));
    let notice = decided
        .draft_notice
        .as_deref()
        .map_or(String::new(), |n| format!("\n{n}"));
    format!(
        "{}  {:<9} {} of {}{draft}{notice}",
        review.change_id,
        review.state.as_str(),
        review.path,
        review.agent
    )
}

/// A file review: the hashes, the plan hashes and the unified diff.
fn file_review_text(review: &FileReview) -> String {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let mut text = format!(
        "  file {} of agent {} (policy {})\n  approved {}\n  new      {}\n  plan     {} -> {}",
        review.path,
        review.agent,
        <&str>::from(review.policy),
        or_none(&review.old_sha256),
        or_none(&review.new_sha256),
        or_none(&review.plan_before),
        or_none(&review.plan_after),
    );
    if !review.sections_changed.is_empty() {
        text.push_str(&format!(
            "\n  sections changed: {}",
            review.sections_changed.join(", ")
        ));
    }
    let diff = &review.diff;
    if diff.baseline.is_none() || diff.current.is_none() {
        text.push_str("\n  (no text diff: one side is not UTF-8 text, or only its hash was kept)");
        return text;
    }
    let patch = textdiff::unified(
        diff.baseline.as_deref().unwrap_or(""),
        diff.current.as_deref().unwrap_or(""),
        &diff.path,
    );
    if !patch.is_empty() {
        text.push('\n');
        text.push_str(patch.trim_end());
    }
    text
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
