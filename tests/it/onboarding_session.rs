//! The stored onboarding wizard through the core API: resuming after the store is reopened,
//! re-evaluating later questions when an earlier answer changes (and dropping answers that no
//! longer apply), going back, answer checking, per-member sessions, and reading typed input.

use persona_studio::onboarding::questions::shipped;
use persona_studio::onboarding::recommend::{Answer, Answers};
use persona_studio::onboarding::session::{self, WizardState, WizardStatus};
use persona_studio::store::Store;
use persona_studio::tenant::{Actor, Tier};
use persona_studio::Error;

use crate::governance::{at, fixture_with, Fixture};
use crate::onboarding::profiles;

/// A finished wizard's answers: the quality set's "gentle everyday support" companion (one
/// person, so voice and browser are asked), named Wren.
pub fn companion_answers() -> Answers {
    let (mut all, ..) = profiles()
        .into_iter()
        .find(|p| p.3 == "gentle everyday support")
        .unwrap();
    all.insert("agent_name".to_owned(), Answer::Text("Wren".to_owned()));
    all
}

fn choices(ids: &[&str]) -> Answer {
    Answer::Choices(ids.iter().map(|s| s.to_string()).collect())
}

/// The customer picks options `ids` for `question` at minute `minute`.
fn pick(f: &mut Fixture, question: &str, ids: &[&str], minute: i64) -> WizardState {
    session::answer(
        &mut f.store,
        &f.customer,
        question,
        choices(ids),
        &at(minute),
    )
    .unwrap()
}

/// Answers `pairs` one by one, as the wizard would, at minute `minute`.
fn answer_each(
    store: &mut Store,
    actor: &Actor,
    pairs: &[(&str, Answer)],
    minute: i64,
) -> WizardState {
    let mut state = session::load(store, actor).unwrap();
    for (question, value) in pairs {
        state = session::answer(store, actor, question, value.clone(), &at(minute)).unwrap();
    }
    state
}

fn ids(state: &WizardState) -> Vec<&str> {
    state.questions.iter().map(|q| q.id.as_str()).collect()
}

#[test]
fn a_half_finished_wizard_resumes_after_the_store_is_reopened() {
    let mut f = fixture_with("resume", Tier::Pro);
    let fresh = session::load(&f.store, &f.customer).unwrap();
    assert_eq!(fresh.current, Some(0));
    assert_eq!(fresh.started_at, None);
    assert!(!fresh.complete && fresh.recommendation.is_none());
    answer_each(
        &mut f.store,
        &f.customer,
        &[
            ("goal", choices(&["research"])),
            ("audience", choices(&["team"])),
            ("autonomy", choices(&["balanced"])),
        ],
        5,
    );
    let customer = f.customer.clone();
    drop(f.store);

    let store = Store::open(&f.home.home()).unwrap();
    let state = session::load(&store, &customer).unwrap();
    assert_eq!(state.status, WizardStatus::InProgress);
    assert_eq!(state.answers.len(), 3);
    assert_eq!((state.current, state.first_unanswered), (Some(3), Some(3)));
    assert_eq!(state.questions[3].id, "style");
    // Research for a team: voice is not asked, the browser question is.
    let bank = shipped().unwrap();
    let expected: Vec<&str> = bank
        .questions
        .iter()
        .map(|q| q.id.as_str())
        .filter(|id| *id != "voice")
        .collect();
    assert_eq!(ids(&state), expected);
    assert!(ids(&state).contains(&"browser"));
    assert_eq!(state.started_at, Some(at(5).0));
    assert!(!state.complete && state.recommendation.is_none());
}

#[test]
fn editing_an_earlier_answer_reevaluates_later_questions_and_the_recommendation() {
    let mut f = fixture_with("edit", Tier::Business);
    let all = companion_answers();
    let bank = shipped().unwrap();
    let pairs: Vec<(&str, Answer)> = bank
        .questions
        .iter()
        .map(|q| (q.id.as_str(), all[&q.id].clone()))
        .collect();
    let done = answer_each(&mut f.store, &f.customer, &pairs, 1);
    assert!(done.complete, "{:?}", done.first_unanswered);
    assert_eq!(done.current, None, "at the end");
    assert!(ids(&done).contains(&"voice"));
    let before = done.recommendation.unwrap();
    assert_eq!(before.preset.id, "personal_companion");
    assert!(before.capabilities.iter().any(|c| c.id == "voice_tts_stt"));

    // A team is not asked about voice: the answer is dropped, and the recommendation follows.
    let team = pick(&mut f, "audience", &["team"], 2);
    assert_eq!(team.dropped, ["voice"]);
    assert!(!ids(&team).contains(&"voice") && !team.answers.contains_key("voice"));
    assert_eq!(
        team.current.map(|i| team.questions[i].id.as_str()),
        Some("autonomy")
    );
    assert!(team.complete);
    let after = team.recommendation.unwrap();
    assert_eq!(after.mode.as_str(), "team");
    assert_ne!(after.inputs_hash, before.inputs_hash);
    assert!(!after.capabilities.iter().any(|c| c.personalized_default));

    // Software is not asked about the browser either; the drop is reported once.
    let software = pick(&mut f, "goal", &["software"], 3);
    assert_eq!(software.dropped, ["browser"]);
    assert_eq!(
        software.recommendation.unwrap().preset.id,
        "software_engineering_agent"
    );
    let reloaded = session::load(&f.store, &f.customer).unwrap();
    assert!(reloaded.dropped.is_empty());
    assert_eq!(reloaded.updated_at, Some(at(3).0));

    // Back to one person: voice is asked again, unanswered, so the wizard is not complete.
    let again = pick(&mut f, "audience", &["individual"], 4);
    assert!(!again.complete && again.recommendation.is_none());
    assert_eq!(
        again
            .first_unanswered
            .map(|i| again.questions[i].id.as_str()),
        Some("voice")
    );
}

#[test]
fn back_revisits_the_previous_question_and_keeps_the_answers() {
    let mut f = fixture_with("back", Tier::Pro);
    let first = session::back(&mut f.store, &f.customer, &at(1)).unwrap();
    assert_eq!(first.current, Some(0), "nothing to go back to");
    answer_each(
        &mut f.store,
        &f.customer,
        &[
            ("goal", choices(&["research"])),
            ("audience", choices(&["team"])),
        ],
        1,
    );
    let back = session::back(&mut f.store, &f.customer, &at(2)).unwrap();
    assert_eq!(back.current, Some(1));
    assert_eq!(back.first_unanswered, Some(2));
    assert_eq!(back.answers.len(), 2);
    let back = session::back(&mut f.store, &f.customer, &at(2)).unwrap();
    assert_eq!(back.current, Some(0));
    let back = session::back(&mut f.store, &f.customer, &at(2)).unwrap();
    assert_eq!(back.current, Some(0), "stays at the first question");
    // Answering moves on to the next question, answered or not.
    let next = pick(&mut f, "goal", &["research"], 3);
    assert_eq!(next.current, Some(1));
}

#[test]
fn answers_are_checked_and_errors_name_the_question_and_the_problem() {
    let mut f = fixture_with("check", Tier::Pro);
    answer_each(
        &mut f.store,
        &f.customer,
        &[("audience", choices(&["team"]))],
        1,
    );
    let cases: Vec<(&str, Answer, &[&str])> = vec![
        ("mood", choices(&["happy"]), &["\"mood\"", "was not found"]),
        ("voice", choices(&["yes"]), &["\"voice\"", "not asked"]),
        (
            "goal",
            choices(&["world_domination"]),
            &["\"goal\"", "world_domination", "inbox_calendar"],
        ),
        (
            "goal",
            choices(&["research", "software"]),
            &["\"goal\"", "exactly one"],
        ),
        ("channels", choices(&[]), &["\"channels\"", "at least one"]),
        (
            "channels",
            choices(&["email", "email"]),
            &["\"channels\"", "twice"],
        ),
        (
            "goal",
            Answer::Text("research".to_owned()),
            &["\"goal\"", "not text"],
        ),
        (
            "agent_name",
            choices(&["x"]),
            &["\"agent_name\"", "takes text"],
        ),
        (
            "agent_name",
            Answer::Text("   ".to_owned()),
            &["\"agent_name\"", "1 to 40", "got 0"],
        ),
        (
            "agent_name",
            Answer::Text("n".repeat(41)),
            &["\"agent_name\"", "got 41"],
        ),
        (
            "agent_name",
            Answer::Text("two\nlines".to_owned()),
            &["\"agent_name\"", "control"],
        ),
    ];
    for (question, value, needles) in cases {
        let error =
            session::answer(&mut f.store, &f.customer, question, value, &at(2)).unwrap_err();
        // An unknown question names nothing (not_found); every other problem is bad input.
        assert!(
            matches!(error, Error::InvalidInput { .. })
                || (question == "mood" && matches!(error, Error::NotFound { .. })),
            "{question}: {error:?}"
        );
        assert!(error.is_bad_input());
        let message = error.to_string();
        for needle in needles {
            assert!(
                message.contains(needle),
                "{question}: {needle} in {message}"
            );
        }
    }
    let state = session::load(&f.store, &f.customer).unwrap();
    assert_eq!(state.answers.len(), 1, "a refused answer is not stored");
    // Text is stored trimmed.
    let named = session::answer(
        &mut f.store,
        &f.customer,
        "agent_name",
        Answer::Text("  Wren ".to_owned()),
        &at(3),
    )
    .unwrap();
    assert_eq!(named.answers["agent_name"], Answer::Text("Wren".to_owned()));
}

#[test]
fn each_member_has_their_own_wizard_and_reset_starts_over() {
    let mut f = fixture_with("members", Tier::Pro);
    answer_each(
        &mut f.store,
        &f.customer,
        &[("goal", choices(&["research"]))],
        1,
    );
    assert!(session::load(&f.store, &f.customer2)
        .unwrap()
        .answers
        .is_empty());
    assert!(session::load(&f.store, &f.owner)
        .unwrap()
        .answers
        .is_empty());
    let all =
        session::answer_all(&mut f.store, &f.customer2, &companion_answers(), &at(2)).unwrap();
    assert!(all.complete);
    assert_eq!(
        session::load(&f.store, &f.customer).unwrap().answers.len(),
        1
    );

    let reset = session::reset(&mut f.store, &f.customer).unwrap();
    assert!(reset.answers.is_empty() && reset.started_at.is_none());
    assert_eq!(
        session::load(&f.store, &f.customer2).unwrap().answers.len(),
        9
    );
    // A whole answer set is checked as a whole.
    let mut hidden = companion_answers();
    hidden.insert("audience".to_owned(), choices(&["team"]));
    let error = session::answer_all(&mut f.store, &f.customer, &hidden, &at(3)).unwrap_err();
    assert!(error.to_string().contains("\"voice\""), "{error}");
}

#[test]
fn typed_input_reads_option_numbers_ids_and_text() {
    let bank = shipped().unwrap();
    let question = |id: &str| bank.questions.iter().find(|q| q.id == id).unwrap();
    let cases: Vec<(&str, &str, Result<Answer, &str>)> = vec![
        ("goal", "3", Ok(choices(&["research"]))),
        ("goal", " research ", Ok(choices(&["research"]))),
        ("channels", "1, 3", Ok(choices(&["email", "website"]))),
        ("channels", "email voice", Ok(choices(&["email", "voice"]))),
        ("channels", "", Ok(choices(&[]))),
        ("goal", "9", Err("choose 1 to 5")),
        ("goal", "0", Err("\"0\"")),
        (
            "agent_name",
            "  Wren  ",
            Ok(Answer::Text("Wren".to_owned())),
        ),
    ];
    for (id, input, expected) in cases {
        let got = session::parse_input(question(id), input);
        match expected {
            Ok(answer) => assert_eq!(got.unwrap(), answer, "{id} {input:?}"),
            Err(needle) => {
                let message = got.unwrap_err().to_string();
                assert!(
                    message.contains(needle) && message.contains(id),
                    "{message}"
                );
            }
        }
    }
}
