//! `persona-studio onboard`: the onboarding wizard in a terminal (interactive when stdin is a
//! terminal), step by step for scripts (`status`, `answer`, `back`, `reset`, `customize`), the
//! stateless recommender (`--answers FILE`), and accepting (`--accept --agent NAME`). Each is a
//! thin layer over `persona_studio::onboarding`.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};
use persona_studio::ids::RandomIds;
use persona_studio::onboarding::questions::{self, QuestionKind};
use persona_studio::onboarding::recommend::{self, Answer, Answers, Recommendation};
use persona_studio::onboarding::{
    self, session, AcceptOutcome, Choice, Customization, WizardState, WizardStatus,
};

use crate::output::{Failure, Output};
use crate::{Env, Session};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OnboardArgs {
    #[command(subcommand)]
    command: Option<OnboardCommand>,
    /// Recommend from a JSON object of question id to answer, or - for stdin: an option id, an
    /// option number (1-based) or a list of either, or text. With --preset, --add, --remove or
    /// --community, preview that choice. With --accept, the answers are stored as this
    /// member's wizard first.
    #[arg(long, value_name = "FILE")]
    answers: Option<String>,
    /// Accept the recommendation: create the agent's draft spec and open install requests.
    #[arg(long)]
    accept: bool,
    /// The new agent's id (with --accept), e.g. wren [default: from the agent_name answer,
    /// lowercased, other characters as '-': "Wren the Wise" is wren-the-wise].
    #[arg(long, requires = "accept", value_name = "NAME")]
    agent: Option<String>,
    #[command(flatten)]
    choice: ChoiceArgs,
}

/// Changes to the recommended choice.
#[derive(Debug, Args)]
pub struct ChoiceArgs {
    /// Use this preset instead of the recommended one.
    #[arg(long, value_name = "PRESET")]
    preset: Option<String>,
    /// Add an official capability to the bundle (repeatable).
    #[arg(long, value_name = "CAPABILITY")]
    add: Vec<String>,
    /// Remove a capability from the bundle (repeatable).
    #[arg(long, value_name = "CAPABILITY")]
    remove: Vec<String>,
    /// Add a community capability, which is not reviewed (repeatable).
    #[arg(long, value_name = "CAPABILITY")]
    community: Vec<String>,
}

impl ChoiceArgs {
    fn is_empty(&self) -> bool {
        self.preset.is_none()
            && self.add.is_empty()
            && self.remove.is_empty()
            && self.community.is_empty()
    }

    /// The recommended choice with these changes.
    fn apply(&self, recommendation: Option<&Recommendation>) -> Result<Choice, Failure> {
        let mut choice = recommendation.map(Choice::recommended).unwrap_or_default();
        if let Some(preset) = &self.preset {
            choice.preset.clone_from(preset);
        }
        // Removing what the quota already left out asks for what is so: nothing to do.
        let left_out = |id: &String| {
            recommendation.is_some_and(|r| r.trimmed.iter().any(|t| &t.capability.id == id))
        };
        for id in &self.remove {
            if !choice.capabilities.contains(id) && !choice.community.contains(id) {
                if left_out(id) {
                    continue;
                }
                return Err(Failure::usage(
                    "invalid_input",
                    format!("--remove {id}: {id} is not in the bundle"),
                ));
            }
            choice.capabilities.retain(|c| c != id);
            choice.community.retain(|c| c != id);
        }
        choice.capabilities.extend(self.add.iter().cloned());
        choice.community.extend(self.community.iter().cloned());
        Ok(choice)
    }
}

#[derive(Debug, Subcommand)]
pub enum OnboardCommand {
    /// Show this member's wizard: progress, answers, and the recommendation once finished.
    Status,
    /// Answer one question: option numbers or ids (several for a multiple-choice question), or
    /// the text.
    Answer {
        question: String,
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        value: Vec<String>,
    },
    /// Go back one question (answers are kept).
    Back,
    /// Open one of the questions asked to change its answer.
    Revisit { question: String },
    /// Forget this member's wizard and start over (what an accepted one created stays).
    Reset,
    /// Show the quota meter and warnings for a changed choice, without accepting it. Exits 1
    /// when it does not fit.
    Customize {
        #[command(flatten)]
        choice: ChoiceArgs,
    },
}

pub fn run(args: OnboardArgs, env: &Env, out: &Output, json: bool) -> Result<(), Failure> {
    if let Some(command) = args.command {
        return run_command(command, env, out);
    }
    if !args.choice.is_empty() && !args.accept && args.answers.is_none() {
        return Err(Failure::usage(
            "invalid_input",
            "--preset, --add, --remove and --community change what --accept accepts; use them with --accept, with --answers FILE to preview, or with `onboard customize` to preview the wizard's choice",
        ));
    }
    match (args.answers, args.accept) {
        (Some(file), false) if args.choice.is_empty() => recommend_only(&file, env, out),
        (Some(file), false) => preview(&file, &args.choice, env, out),
        (answers, true) => {
            let (mut store, actor) = env.open_acting()?;
            let accept = |store: &mut persona_studio::store::Store,
                          state: &WizardState|
             -> Result<_, Failure> {
                let choice = args.choice.apply(state.recommendation.as_ref())?;
                let agent = onboarding::accept::agent_for(state, args.agent.as_deref())?;
                Ok(onboarding::accept(
                    store,
                    &actor,
                    &choice,
                    &agent,
                    env.clock.as_ref(),
                    &RandomIds,
                )?)
            };
            let outcome = match answers {
                // A refused accept leaves the member's earlier wizard as it was.
                Some(file) => session::answer_all_then(
                    &mut store,
                    &actor,
                    &read_answers(&file)?,
                    env.clock.as_ref(),
                    accept,
                )?,
                None => {
                    let state = session::load(&store, &actor)?;
                    accept(&mut store, &state)?
                }
            };
            out.value(&outcome, || outcome_text(&outcome));
            Ok(())
        }
        (None, false) if json => Err(Failure::usage(
            "invalid_input",
            "the interactive wizard is text only; with --json use `onboard status`, `onboard answer QUESTION VALUE` and `onboard --accept --agent NAME`",
        )),
        (None, false) if std::io::stdin().is_terminal() => interactive(env),
        (None, false) => Err(Failure::usage(
            "not_a_terminal",
            "stdin is not a terminal, so the wizard cannot ask. Pass --answers FILE (a JSON object of question id to option ids or text), or answer step by step with `onboard answer QUESTION VALUE`.",
        )),
    }
}

fn read_answers(file: &str) -> Result<Answers, Failure> {
    let bytes = crate::read_bytes(file)?;
    let source = crate::source_name(file);
    let body = persona_studio::json::strict(&bytes, "answers", source)?;
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Failure::usage("invalid_input", format!("{source}: {e}")))?;
    Ok(onboarding::answers::from_json(
        &questions::shipped()?,
        &value,
    )?)
}

/// `onboard --answers FILE --add …`: the recommendation with the choice changed, evaluated
/// against the tier (installed and waiting requests counted), without writing anything.
fn preview(file: &str, changes: &ChoiceArgs, env: &Env, out: &Output) -> Result<(), Failure> {
    let answers = read_answers(file)?;
    let (store, actor) = env.open_acting()?;
    let recommendation = recommend::recommend_for_tenant(
        &store,
        &actor.tenant_id,
        &questions::shipped()?,
        &answers,
        &recommend::DEFAULT_MODEL_LEVELS,
    )?;
    let choice = changes.apply(Some(&recommendation))?;
    let custom =
        onboarding::accept::customize_recommendation(&store, &actor, &recommendation, &choice)?;
    out.value(&custom, || customization_text(&custom));
    // As `onboard customize`: exit 1 says the choice does not fit.
    if custom.fits {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

fn recommend_only(file: &str, env: &Env, out: &Output) -> Result<(), Failure> {
    let answers = read_answers(file)?;
    let bank = questions::shipped()?;
    let (store, actor) = env.open_acting()?;
    let recommendation = recommend::recommend_for_tenant(
        &store,
        &actor.tenant_id,
        &bank,
        &answers,
        &recommend::DEFAULT_MODEL_LEVELS,
    )?;
    out.value(&recommendation, || text_of(&recommendation));
    Ok(())
}

fn run_command(command: OnboardCommand, env: &Env, out: &Output) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let clock = env.clock.as_ref();
    let state = match command {
        OnboardCommand::Status => session::load(&store, &actor)?,
        OnboardCommand::Answer { question, value } => {
            let bank = questions::shipped()?;
            let asked = recommend::find_question(&bank, &question)?;
            let answer = session::parse_input(asked, &value.join(" "))?;
            session::answer(&mut store, &actor, &question, answer, clock)?
        }
        OnboardCommand::Back => session::back(&mut store, &actor, clock)?,
        OnboardCommand::Revisit { question } => {
            session::revisit(&mut store, &actor, &question, clock)?
        }
        OnboardCommand::Reset => session::reset(&mut store, &actor)?,
        OnboardCommand::Customize { choice } => {
            let choice = choice.apply(session::load(&store, &actor)?.recommendation.as_ref())?;
            let custom = onboarding::customize_for_tenant(&store, &actor, &choice)?;
            out.value(&custom, || customization_text(&custom));
            return if custom.fits {
                Ok(())
            } else {
                Err(Failure::silent(1))
            };
        }
    };
    out.value(&state, || state_text(&state));
    Ok(())
}

/// The wizard in a terminal, one question at a time, over the same session calls as
/// `onboard answer`/`back`; every answer is stored at once, so quitting loses nothing.
fn interactive(env: &Env) -> Result<(), Failure> {
    let (mut store, actor) = env.open_acting()?;
    let mut lines = std::io::stdin().lock().lines();
    let mut state = session::load(&store, &actor)?;
    if state.status == WizardStatus::Accepted {
        println!("{}", state_text(&state));
        return Ok(());
    }
    if state.started_at.is_some() {
        println!("Resuming your onboarding where you stopped.");
    }
    let mut s = Session::new(&mut store, &actor, env);
    loop {
        let next = match state.current {
            None => accept_step(&mut s, &state, &mut lines)?,
            Some(index) => question_step(&mut s, &state, index, &mut lines)?,
        };
        match next {
            Next::Show(next) => state = *next,
            Next::Again => {}
            Next::Stop => return Ok(()),
        }
    }
}

/// Where the terminal wizard goes after one line of input.
enum Next {
    /// On to this state (boxed: a state is large next to the other variants).
    Show(Box<WizardState>),
    /// The same step again (the input was refused and the reason printed).
    Again,
    /// Quit: saved, or accepted.
    Stop,
}

type Lines<'a> = std::io::Lines<std::io::StdinLock<'a>>;

/// The finished wizard: show the recommendation and accept it under the agent name typed.
fn accept_step(s: &mut Session, state: &WizardState, lines: &mut Lines) -> Result<Next, Failure> {
    if let Some(r) = &state.recommendation {
        println!("\n{}\n", text_of(r));
    }
    let Some(line) = ask(
        lines,
        "Name the new agent to accept this (lowercase, e.g. wren), b to go back, q to stop: ",
    ) else {
        return saved();
    };
    match line.as_str() {
        "q" => saved(),
        "b" => Ok(Next::Show(Box::new(session::back(
            s.store, s.actor, s.clock,
        )?))),
        agent => {
            let recommendation = state.recommendation.as_ref().ok_or_else(|| {
                Failure::new("internal", "the finished wizard has no recommendation", 1)
            })?;
            let choice = Choice::recommended(recommendation);
            match onboarding::accept(s.store, s.actor, &choice, agent, s.clock, &RandomIds) {
                Ok(outcome) => {
                    println!("{}", outcome_text(&outcome));
                    Ok(Next::Stop)
                }
                Err(e) => {
                    println!("  {e}");
                    Ok(Next::Again)
                }
            }
        }
    }
}

/// One question: ask it and store the answer (Enter keeps the current one), or go back.
fn question_step(
    s: &mut Session,
    state: &WizardState,
    index: usize,
    lines: &mut Lines,
) -> Result<Next, Failure> {
    let Some(question) = state.questions.get(index) else {
        return Err(Failure::new(
            "internal",
            "the wizard points past its questions; run `onboard reset`",
            1,
        ));
    };
    println!("\n{}", question_text(state, index));
    let answered = state.answers.contains_key(&question.id);
    let Some(line) = ask(lines, input_hint(question.kind, answered)) else {
        return saved();
    };
    let id = question.id.as_str();
    let mut answer = |a| session::answer(s.store, s.actor, id, a, s.clock);
    let result = match line.as_str() {
        "q" => return saved(),
        "b" => session::back(s.store, s.actor, s.clock),
        "" => match state.answers.get(id) {
            Some(kept) => answer(kept.clone()),
            None => session::parse_input(question, "").and_then(answer),
        },
        input => session::parse_input(question, input).and_then(answer),
    };
    match result {
        Ok(next) => {
            if !next.dropped.is_empty() {
                println!(
                    "  (answers no longer asked were removed: {})",
                    next.dropped.join(", ")
                );
            }
            Ok(Next::Show(Box::new(next)))
        }
        Err(e) if e.is_bad_input() => {
            println!("  {e}");
            Ok(Next::Again)
        }
        Err(e) => Err(e.into()),
    }
}

/// What to type at a question of this kind, and whether Enter keeps an answer.
fn input_hint(kind: QuestionKind, answered: bool) -> &'static str {
    match (kind, answered) {
        (QuestionKind::Text, true) => "Type the text (Enter keeps it), b back, q stop: ",
        (QuestionKind::Text, false) => "Type the text, b back, q stop: ",
        (QuestionKind::Multiple, true) => {
            "Choose numbers, comma-separated (Enter keeps *), b back, q stop: "
        }
        (QuestionKind::Multiple, false) => "Choose numbers, comma-separated, b back, q stop: ",
        (QuestionKind::Single, true) => "Choose a number (Enter keeps *), b back, q stop: ",
        (QuestionKind::Single, false) => "Choose a number, b back, q stop: ",
    }
}

/// Prints `prompt` and reads one trimmed line; `None` at the end of input.
fn ask(lines: &mut Lines, prompt: &str) -> Option<String> {
    print!("{prompt}");
    // A prompt that does not show is not worth failing over.
    let _ = std::io::stdout().flush();
    match lines.next() {
        Some(Ok(line)) => Some(line.trim().to_owned()),
        _ => None,
    }
}

fn saved() -> Result<Next, Failure> {
    println!("\nSaved. Run `persona-studio onboard` again to continue where you stopped.");
    Ok(Next::Stop)
}

/// "Question 3 of 8: prompt" and the numbered options, the current answer marked with `*`.
fn question_text(state: &WizardState, index: usize) -> String {
    let Some(question) = state.questions.get(index) else {
        return String::new();
    };
    let mut text = format!(
        "Question {} of {}: {}",
        index + 1,
        state.questions.len(),
        question.prompt
    );
    let given = state.answers.get(&question.id);
    for (n, option) in question.options.iter().enumerate() {
        let mark = match given {
            Some(Answer::Choices(ids)) if ids.contains(&option.id) => '*',
            _ => ' ',
        };
        text.push_str(&format!(
            "\n {mark}{:>2}) {} — {}",
            n + 1,
            option.label,
            option.help
        ));
    }
    if let Some(Answer::Text(current)) = given {
        text.push_str(&format!("\n  current: {current}"));
    }
    text
}

fn state_text(state: &WizardState) -> String {
    let status = match state.status {
        WizardStatus::InProgress if state.complete => "finished, not accepted yet",
        WizardStatus::InProgress => "in progress",
        WizardStatus::Accepted => "accepted",
    };
    let mut text = format!(
        "Onboarding (question bank v{}): {status}, {} of {} answered",
        state.bank_version,
        state.answers.len(),
        state.questions.len()
    );
    // The customer's words (prompt, option labels), with the ids `onboard answer` takes.
    for (n, question) in state.questions.iter().enumerate() {
        let answer = match state.answers.get(&question.id) {
            Some(Answer::Choices(ids)) => ids
                .iter()
                .map(|id| {
                    let label = question.options.iter().find(|o| &o.id == id);
                    label.map_or_else(|| id.clone(), |o| format!("{} ({id})", o.label))
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(Answer::Text(given)) => given.clone(),
            None => "-".to_owned(),
        };
        text.push_str(&format!(
            "\n  {}. {} [{}] {answer}",
            n + 1,
            question.prompt,
            question.id
        ));
    }
    if !state.dropped.is_empty() {
        text.push_str(&format!(
            "\nRemoved (no longer asked): {}",
            state.dropped.join(", ")
        ));
    }
    match (&state.accepted, &state.recommendation, state.current) {
        (Some(outcome), _, _) => text.push_str(&format!("\n{}", outcome_text(outcome))),
        (None, Some(r), _) if state.complete => text.push_str(&format!(
            "\n{}\nAccept with `persona-studio onboard --accept --agent NAME`.",
            text_of(r)
        )),
        (None, _, Some(index)) => {
            text.push_str(&format!("\nNext: {}", question_text(state, index)));
        }
        _ => {}
    }
    text
}

fn outcome_text(o: &AcceptOutcome) -> String {
    let mut text = format!(
        "{} agent {}: draft version {} ({}) from preset {}, {} mode",
        if o.already_accepted {
            "Already accepted earlier (nothing new was created):"
        } else {
            "Accepted:"
        },
        o.agent,
        o.draft_version,
        o.persona_hash,
        if o.preset_resolved.is_empty() {
            format!("{} v{}", o.preset, o.preset_version)
        } else {
            o.preset_resolved.clone()
        },
        o.mode.as_str()
    );
    text.push_str(&format!(
        "\nInstall requests, pending approval by an owner or admin ({}):",
        o.install_requests.len()
    ));
    let opened = o.install_requests.iter().map(|r| (r, ""));
    for (r, already) in opened.chain(o.already_requested.iter().map(|r| (r, "already "))) {
        text.push_str(&format!(
            "\n  {} {} ({already}{})",
            r.request_id,
            r.capability_id,
            r.state.as_str()
        ));
    }
    text.push_str(&format!(
        "\nAn owner or admin reviews and publishes the draft: `persona-studio spec publish --agent {}`.",
        o.agent
    ));
    text
}

fn customization_text(c: &Customization) -> String {
    let mut text = format!(
        "Preset: {} ({}){}",
        c.preset.id,
        c.preset.name,
        if c.preset.recommended {
            ", recommended"
        } else {
            ""
        }
    );
    for cap in &c.capabilities {
        let mut notes = Vec::new();
        if cap.recommended {
            notes.push("recommended");
        }
        if !cap.official {
            notes.push("community");
        }
        if cap.installed {
            notes.push("installed");
        } else if cap.requested {
            notes.push("already requested");
        }
        text.push_str(&format!(
            "\n  + {} ({}){}",
            cap.id,
            cap.uses,
            if notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", notes.join(", "))
            }
        ));
    }
    text.push_str(&format!("\n{}. {}.", c.slots_text, c.storage_text));
    if let Some(counted) = &c.counted_text {
        text.push_str(&format!(" {counted}"));
    }
    if c.fits {
        text.push_str("\nFits.");
    } else {
        text.push_str(&format!("\nDoes not fit. {}", c.over.join(" ")));
    }
    for warning in &c.warnings {
        text.push_str(&format!("\nWarning: {warning}"));
    }
    text
}

/// The recommendation in the customer's words: the sentences the app shows, then each item's
/// one line; `--json` carries the structured reasons and scores besides these sentences.
fn text_of(r: &Recommendation) -> String {
    let mut text = format!("Recommended preset: {}\n  {}\n", r.preset.id, r.preset.why);
    for runner in &r.runners_up {
        text.push_str(&format!("  runner-up: {}: {}\n", runner.id, runner.why));
    }
    // What the bundle takes; what the plan has left, counting what is installed and waiting,
    // is `onboard customize`'s meter.
    text.push_str(&format!(
        "Capabilities (together: {}):\n",
        persona_studio::governance::quota::words::footprint(
            i64::from(r.slots_used),
            i64::try_from(r.storage_used).unwrap_or(i64::MAX)
        )
    ));
    for c in &r.capabilities {
        text.push_str(&format!("  + {} ({}): {}\n", c.id, c.uses, c.why));
    }
    for t in &r.trimmed {
        text.push_str(&format!("  - left out {}: {}\n", t.capability.id, t.reason));
    }
    for c in &r.optional_community {
        text.push_str(&format!(
            "  ? optional {}: {}\n",
            c.id,
            c.warning.clone().unwrap_or_default()
        ));
    }
    text.push_str(&format!(
        "inputs {} (bank v{}, scoring v{})",
        r.inputs_hash, r.bank_version, r.scoring_version
    ));
    text
}
