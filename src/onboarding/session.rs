//! The onboarding wizard's stored state: one session per member of a tenant
//! (`onboarding_sessions`), holding the answers given so far, the question being asked and
//! whether the result was accepted. Every read re-evaluates which questions are asked, so
//! editing an earlier answer changes the later questions; answers to questions that are no
//! longer asked are dropped (and reported once in [`WizardState::dropped`]), so what is stored is
//! always a valid answer set that the recommender reads as is. Reads never write.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::auth::members::parse_ts;
use crate::auth::Actor;
use crate::clock::{Clock, Timestamp};
use crate::onboarding::accept::AcceptOutcome;
use crate::onboarding::questions::{self, Question, QuestionBank, QuestionKind};
use crate::onboarding::recommend::{
    self, check_answer, find_question, visible, Answer, Answers, Recommendation,
};
use crate::store::Store;
use crate::{Error, Result};

/// Where a wizard session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WizardStatus {
    InProgress,
    Accepted,
}

/// What the wizard shows: the questions asked with the answers so far, where to continue,
/// and, once every asked question is answered, the recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WizardState {
    pub bank_version: u32,
    pub status: WizardStatus,
    /// The questions asked with these answers, in order.
    pub questions: Vec<Question>,
    pub answers: Answers,
    /// The index in `questions` of the question to ask now; `None` at the end (review).
    pub current: Option<usize>,
    /// The index of the first unanswered question (the resume point); `None` when complete.
    pub first_unanswered: Option<usize>,
    pub complete: bool,
    /// Answers just removed because their question is no longer asked (or no longer valid for
    /// this bank version), by question id.
    pub dropped: Vec<String>,
    /// `None` until the first answer is stored.
    pub started_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub recommendation: Option<Recommendation>,
    /// What accepting created, once accepted.
    pub accepted: Option<AcceptOutcome>,
}

/// The stored row of one member's session.
pub(crate) struct Session {
    pub answers: Answers,
    pub current: Option<String>,
    pub status: WizardStatus,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
    pub accepted_choice: Option<String>,
    pub outcome: Option<AcceptOutcome>,
}

/// The acting member's wizard, resumed where it stopped (a fresh one if none was started).
pub fn load(store: &Store, actor: &Actor) -> Result<WizardState> {
    let bank = questions::shipped()?;
    let session = read(store, actor)?;
    let (answers, dropped) = prune(
        &bank,
        session
            .as_ref()
            .map(|s| s.answers.clone())
            .unwrap_or_default(),
    );
    state(store, actor, &bank, session, answers, dropped)
}

/// Stores the answer to `question` (one of the questions asked now), drops answers that no
/// longer apply and moves on to the next question.
pub fn answer(
    store: &mut Store,
    actor: &Actor,
    question: &str,
    value: Answer,
    clock: &dyn Clock,
) -> Result<WizardState> {
    let bank = questions::shipped()?;
    let session = read(store, actor)?;
    refuse_if_accepted(session.as_ref())?;
    let (mut answers, mut dropped) = prune(
        &bank,
        session
            .as_ref()
            .map(|s| s.answers.clone())
            .unwrap_or_default(),
    );
    let asked = find_question(&bank, question)?;
    if !visible(&bank, &answers).iter().any(|id| id == question) {
        return Err(Error::invalid(
            "answers",
            format!(
                "question \"{question}\" is not asked with the answers given so far; answer the questions shown"
            ),
        ));
    }
    let value = match value {
        Answer::Text(text) => Answer::Text(text.trim().to_owned()),
        choices => choices,
    };
    check_answer(asked, &value)?;
    answers.insert(question.to_owned(), value);
    let (answers, more) = prune(&bank, answers);
    dropped.extend(more);
    let shown = visible(&bank, &answers);
    let next = shown
        .iter()
        .position(|id| id == question)
        .and_then(|i| shown.get(i + 1))
        .or_else(|| shown.iter().find(|id| !answers.contains_key(*id)))
        .cloned();
    save(store, actor, &bank, &answers, next.as_deref(), clock.now())?;
    state(store, actor, &bank, read(store, actor)?, answers, dropped)
}

/// Stores `answers` as [`answer_all`] does, then runs `then` on the new state (accepting it);
/// when `then` fails, the member's earlier wizard is put back exactly as it was, so a refused
/// `onboard --answers FILE --accept` loses no progress.
/// `then` may fail with the caller's own error type (a front end's), which any core error
/// converts into.
pub fn answer_all_then<T, E: From<Error>>(
    store: &mut Store,
    actor: &Actor,
    answers: &Answers,
    clock: &dyn Clock,
    then: impl FnOnce(&mut Store, &WizardState) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let before = row_of(store, actor)?;
    let state = answer_all(store, actor, answers, clock)?;
    match then(store, &state) {
        Ok(value) => Ok(value),
        Err(error) => {
            put_back(store, actor, before)?;
            Err(error)
        }
    }
}

/// The member's session row, every column as stored.
type Row = Vec<(String, rusqlite::types::Value)>;

fn row_of(store: &Store, actor: &Actor) -> Result<Option<Row>> {
    let mut stmt = store
        .conn()
        .prepare("SELECT * FROM onboarding_sessions WHERE tenant_id = ?1 AND member_id = ?2")?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let row = stmt
        .query_row(params![actor.tenant_id, actor.member_id], |row| {
            (0..names.len())
                .map(|i| Ok((names[i].clone(), row.get::<_, rusqlite::types::Value>(i)?)))
                .collect::<rusqlite::Result<Row>>()
        })
        .optional()?;
    Ok(row)
}

fn put_back(store: &mut Store, actor: &Actor, row: Option<Row>) -> Result<()> {
    store.write(|tx| {
        tx.execute(
            "DELETE FROM onboarding_sessions WHERE tenant_id = ?1 AND member_id = ?2",
            params![actor.tenant_id, actor.member_id],
        )?;
        if let Some(row) = row {
            let columns: Vec<&str> = row.iter().map(|(name, _)| name.as_str()).collect();
            let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
            tx.execute(
                &format!(
                    "INSERT INTO onboarding_sessions ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                ),
                rusqlite::params_from_iter(row.iter().map(|(_, value)| value)),
            )?;
        }
        Ok(())
    })
}

/// Replaces every answer at once (an answers file); they must be valid as a whole. Giving an
/// accepted wizard the answers it already has changes nothing (so a script can run again).
pub fn answer_all(
    store: &mut Store,
    actor: &Actor,
    answers: &Answers,
    clock: &dyn Clock,
) -> Result<WizardState> {
    let bank = questions::shipped()?;
    recommend::check_answers(&bank, answers)?;
    let answers: Answers = answers
        .iter()
        .map(|(id, value)| match value {
            Answer::Text(text) => (id.clone(), Answer::Text(text.trim().to_owned())),
            choices => (id.clone(), choices.clone()),
        })
        .collect();
    let session = read(store, actor)?;
    if session.as_ref().is_some_and(|s| s.answers == answers) {
        return load(store, actor);
    }
    refuse_if_accepted(session.as_ref())?;
    let first_unanswered = visible(&bank, &answers)
        .into_iter()
        .find(|id| !answers.contains_key(id));
    save(
        store,
        actor,
        &bank,
        &answers,
        first_unanswered.as_deref(),
        clock.now(),
    )?;
    state(
        store,
        actor,
        &bank,
        read(store, actor)?,
        answers,
        Vec::new(),
    )
}

/// Goes back one question (answers are kept; the question shows its current answer). At the
/// first question it stays there.
pub fn back(store: &mut Store, actor: &Actor, clock: &dyn Clock) -> Result<WizardState> {
    move_to(store, actor, clock, |shown, answers, current| {
        let at = current_index(shown, answers, current).unwrap_or(shown.len());
        Ok(shown.get(at.saturating_sub(1)).cloned())
    })
}

/// Opens `question`, one of the questions asked now, to change its answer; the answers after
/// it are kept until a change hides their questions.
pub fn revisit(
    store: &mut Store,
    actor: &Actor,
    question: &str,
    clock: &dyn Clock,
) -> Result<WizardState> {
    find_question(&questions::shipped()?, question)?;
    move_to(store, actor, clock, |shown, _, _| {
        if shown.iter().any(|id| id == question) {
            Ok(Some(question.to_owned()))
        } else {
            Err(Error::invalid(
                "question",
                format!(
                    "\"{question}\" is not asked with the answers given so far; choose one of {}",
                    shown.join(", ")
                ),
            ))
        }
    })
}

/// Moves the wizard to the question `pick` chooses from the questions shown, the answers and
/// the current question id.
fn move_to(
    store: &mut Store,
    actor: &Actor,
    clock: &dyn Clock,
    pick: impl FnOnce(&[String], &Answers, Option<&str>) -> Result<Option<String>>,
) -> Result<WizardState> {
    let bank = questions::shipped()?;
    let session = read(store, actor)?;
    refuse_if_accepted(session.as_ref())?;
    let Some(session) = session else {
        return load(store, actor);
    };
    let (answers, dropped) = prune(&bank, session.answers.clone());
    let shown = visible(&bank, &answers);
    let target = pick(&shown, &answers, session.current.as_deref())?;
    save(
        store,
        actor,
        &bank,
        &answers,
        target.as_deref(),
        clock.now(),
    )?;
    state(store, actor, &bank, read(store, actor)?, answers, dropped)
}

/// Forgets the acting member's wizard, accepted or not, so that a new one starts. What an
/// accepted wizard created (the agent's draft, install requests, the audit entry) stays.
pub fn reset(store: &mut Store, actor: &Actor) -> Result<WizardState> {
    store.write(|tx| {
        tx.execute(
            "DELETE FROM onboarding_sessions WHERE tenant_id = ?1 AND member_id = ?2",
            params![actor.tenant_id, actor.member_id],
        )?;
        Ok(())
    })?;
    load(store, actor)
}

/// Reads what someone typed for `question`: option numbers (1-based) or option ids, separated
/// by commas or spaces, or the text itself for a text question.
pub fn parse_input(question: &Question, input: &str) -> Result<Answer> {
    if question.kind == QuestionKind::Text {
        return Ok(Answer::Text(input.trim().to_owned()));
    }
    let mut ids = Vec::new();
    for token in input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let by_number = token
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| question.options.get(i));
        let option = by_number.or_else(|| question.options.iter().find(|o| o.id == token));
        match option {
            Some(option) => ids.push(option.id.clone()),
            None => {
                return Err(Error::invalid(
                    "answers",
                    format!(
                        "question \"{}\" has no option \"{token}\"; choose 1 to {} or an option id",
                        question.id,
                        question.options.len()
                    ),
                ))
            }
        }
    }
    Ok(Answer::Choices(ids))
}

/// Drops answers whose question is no longer asked (or no longer valid), until none is left:
/// dropping one can hide the questions that depend on it.
fn prune(bank: &QuestionBank, mut answers: Answers) -> (Answers, Vec<String>) {
    let mut dropped = Vec::new();
    loop {
        let shown = visible(bank, &answers);
        let stale: Vec<String> = answers
            .iter()
            .filter(|(id, value)| {
                !shown.contains(id)
                    || find_question(bank, id)
                        .and_then(|q| check_answer(q, value))
                        .is_err()
            })
            .map(|(id, _)| id.clone())
            .collect();
        if stale.is_empty() {
            dropped.sort();
            return (answers, dropped);
        }
        for id in stale {
            answers.remove(&id);
            dropped.push(id);
        }
    }
}

/// The stored question to ask, if it is still asked; else the first unanswered one.
fn current_index(shown: &[String], answers: &Answers, stored: Option<&str>) -> Option<usize> {
    stored
        .and_then(|id| shown.iter().position(|s| s == id))
        .or_else(|| shown.iter().position(|id| !answers.contains_key(id)))
}

pub(crate) fn refuse_if_accepted(session: Option<&Session>) -> Result<()> {
    match session {
        Some(s) if s.status == WizardStatus::Accepted => {
            let agent = s.outcome.as_ref().map_or("", |o| o.agent.as_str());
            Err(Error::InvalidTransition(format!(
                "This onboarding wizard was accepted (agent {agent}); its answers can no longer change. To start a new one, reset the wizard."
            )))
        }
        _ => Ok(()),
    }
}

fn state(
    store: &Store,
    actor: &Actor,
    bank: &QuestionBank,
    session: Option<Session>,
    answers: Answers,
    dropped: Vec<String>,
) -> Result<WizardState> {
    let shown = visible(bank, &answers);
    let first_unanswered = shown.iter().position(|id| !answers.contains_key(id));
    let complete = first_unanswered.is_none();
    let current = match &session {
        Some(s) => current_index(&shown, &answers, s.current.as_deref()),
        None => first_unanswered,
    };
    let recommendation = if complete {
        Some(recommend::recommend_for_tenant(
            store,
            &actor.tenant_id,
            bank,
            &answers,
            &recommend::DEFAULT_MODEL_LEVELS,
        )?)
    } else {
        None
    };
    let questions = shown
        .iter()
        .map(|id| find_question(bank, id).cloned())
        .collect::<Result<Vec<_>>>()?;
    Ok(WizardState {
        bank_version: bank.bank_version,
        status: session
            .as_ref()
            .map_or(WizardStatus::InProgress, |s| s.status),
        questions,
        answers,
        current,
        first_unanswered,
        complete,
        dropped,
        started_at: session.as_ref().map(|s| s.started_at),
        updated_at: session.as_ref().map(|s| s.updated_at),
        recommendation,
        accepted: session.and_then(|s| s.outcome),
    })
}

fn save(
    store: &mut Store,
    actor: &Actor,
    bank: &QuestionBank,
    answers: &Answers,
    current: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    let text =
        serde_json::to_string(answers).map_err(|e| Error::invalid("answers", e.to_string()))?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO onboarding_sessions (tenant_id, member_id, bank_version, answers,
                 current_question, status, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'in_progress', ?6, ?6)
             ON CONFLICT (tenant_id, member_id) DO UPDATE SET
                 bank_version = excluded.bank_version, answers = excluded.answers,
                 current_question = excluded.current_question, updated_at = excluded.updated_at
             WHERE status = 'in_progress'",
            params![
                actor.tenant_id,
                actor.member_id,
                bank.bank_version,
                text,
                current,
                now.to_string()
            ],
        )?;
        Ok(())
    })
}

/// The acting member's stored session, if any.
pub(crate) fn read(store: &Store, actor: &Actor) -> Result<Option<Session>> {
    type Raw = (
        String,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let raw: Option<Raw> = store
        .conn()
        .query_row(
            "SELECT answers, current_question, status, started_at, updated_at, accepted_choice,
                    accept_outcome
             FROM onboarding_sessions WHERE tenant_id = ?1 AND member_id = ?2",
            params![actor.tenant_id, actor.member_id],
            |r| Raw::try_from(r),
        )
        .optional()?;
    let Some((answers, current, status, started_at, updated_at, choice, outcome)) = raw else {
        return Ok(None);
    };
    let damaged = |what: &str, e: serde_json::Error| {
        Error::invalid(
            "onboarding session",
            format!("the stored {what} cannot be read ({e}); reset the wizard"),
        )
    };
    Ok(Some(Session {
        answers: serde_json::from_str(&answers).map_err(|e| damaged("answers", e))?,
        current,
        status: if status == "accepted" {
            WizardStatus::Accepted
        } else {
            WizardStatus::InProgress
        },
        started_at: parse_ts("started_at", &started_at)?,
        updated_at: parse_ts("updated_at", &updated_at)?,
        accepted_choice: choice,
        outcome: outcome
            .map(|o| serde_json::from_str(&o).map_err(|e| damaged("accept outcome", e)))
            .transpose()?,
    }))
}
