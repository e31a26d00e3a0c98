//! Plain-language reasons: the sentence that says why the recommender chose a preset or a
//! capability, built from the customer-facing `reason` phrases of the options that weighed
//! most (the question bank's [`AnswerOption::reason`]). The scores and weights stay in the
//! structured [`Reason`]s for the "How was this chosen?" view; these sentences never contain
//! an option id, a weight or "(s)" (issue #19).

use std::collections::BTreeMap;

use crate::onboarding::questions::{AnswerOption, QuestionBank};
use crate::onboarding::recommend::Reason;

/// How many answers a sentence names at most: the ones that weighed most.
const MOST_PHRASES: usize = 3;

/// The phrases of the answers behind `reasons`, heaviest first (answers that add up to the
/// same weight keep the bank's question order), each answer once, at most [`MOST_PHRASES`].
/// Reasons naming an option the bank does not have are skipped, never printed as ids.
fn phrases<'a>(bank: &'a QuestionBank, reasons: &[Reason]) -> Vec<&'a str> {
    let mut weight: BTreeMap<(usize, usize), i32> = BTreeMap::new();
    for reason in reasons {
        if let Some(at) = locate(bank, reason) {
            *weight.entry(at).or_default() += reason.weight;
        }
    }
    let mut ranked: Vec<((usize, usize), i32)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(MOST_PHRASES)
        .filter_map(|((q, o), _)| option_at(bank, q, o).map(|opt| opt.reason.as_str()))
        .collect()
}

/// Where the answer a reason names sits in the bank: (question index, option index).
fn locate(bank: &QuestionBank, reason: &Reason) -> Option<(usize, usize)> {
    let q = bank
        .questions
        .iter()
        .position(|q| q.id == reason.question)?;
    let o = bank
        .questions
        .get(q)?
        .options
        .iter()
        .position(|o| o.id == reason.option)?;
    Some((q, o))
}

fn option_at(bank: &QuestionBank, q: usize, o: usize) -> Option<&AnswerOption> {
    bank.questions.get(q)?.options.get(o)
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Why the preset was recommended, in one sentence:
/// `We recommend the Customer support agent because you want help with customer support, it
/// will work for a team and it will talk to people on your website.`
pub fn preset_sentence(bank: &QuestionBank, name: &str, reasons: &[Reason]) -> String {
    let found = phrases(bank, reasons);
    if found.is_empty() {
        format!("We recommend the {name}: it is the closest match to your answers.")
    } else {
        format!("We recommend the {name} because {}.", join_list(&found))
    }
}

/// Why a runner-up came close: `Also a good match because you want help building software.`
pub fn runner_up_sentence(bank: &QuestionBank, reasons: &[Reason]) -> String {
    let found = phrases(bank, reasons);
    if found.is_empty() {
        "Also a close match to your answers.".to_owned()
    } else {
        format!("Also a good match because {}.", join_list(&found))
    }
}

/// Why a capability is in the bundle, in one line: `Suggested because you want help with
/// customer support and it will talk to people on your website.` A personalized default says
/// so: `Included for an agent that works for you alone, because you want to speak with it.`
pub fn capability_sentence(
    bank: &QuestionBank,
    reasons: &[Reason],
    personalized_default: bool,
) -> String {
    // "Works for one person" already says what the audience answer would.
    let own: Vec<Reason> = reasons
        .iter()
        .filter(|r| !(personalized_default && r.question == "audience"))
        .cloned()
        .collect();
    let found = phrases(bank, &own);
    match (personalized_default, found.as_slice()) {
        (true, []) => "Included by default for an agent that works for one person.".to_owned(),
        (true, _) => format!(
            "Included by default for an agent that works for one person, because {}.",
            join_list(&found)
        ),
        (false, []) => "Suggested because it matches your answers.".to_owned(),
        (false, _) => format!("Suggested because {}.", join_list(&found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(join_list(&[]), "");
        assert_eq!(join_list(&["a"]), "a");
        assert_eq!(join_list(&["a", "b"]), "a and b");
        assert_eq!(join_list(&["a", "b", "c"]), "a, b and c");
    }
}
