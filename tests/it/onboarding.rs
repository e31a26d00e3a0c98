//! The recommender against a hand-written set of answer profiles: each names the preset a
//! thoughtful person would pick and why. Reports top-1 accuracy (must be >= 90%) and checks
//! that no bundle exceeds its tier's quota; plus determinism and answer checking.

use persona_studio::governance::catalog::{starter_catalog, CapabilityManifest};
use persona_studio::governance::quota;
use persona_studio::onboarding::questions::{shipped, QuestionBank};
use persona_studio::onboarding::recommend::{
    recommend, Answer, Answers, HARNESS_PROFILE_SCHEMA_JSON,
};
use persona_studio::persona::preset::catalog::official_bundles;
use persona_studio::persona::preset::PresetManifest;
use persona_studio::tenant::Tier;

/// Choice answers from `(question, options)` pairs.
pub fn answers(pairs: &[(&str, &[&str])]) -> Answers {
    pairs
        .iter()
        .map(|(q, opts)| {
            (
                q.to_string(),
                Answer::Choices(opts.iter().map(|o| o.to_string()).collect()),
            )
        })
        .collect()
}

/// (answers, tier, expected preset, why a person would pick it)
pub fn profiles() -> Vec<(Answers, Tier, &'static str, &'static str)> {
    vec![
        (
            answers(&[
                ("goal", &["inbox_calendar"]),
                ("audience", &["individual"]),
                ("autonomy", &["balanced"]),
                ("style", &["terse"]),
                ("channels", &["email"]),
                ("sensitivity", &["personal"]),
                ("voice", &["no"]),
                ("browser", &["no"]),
            ]),
            Tier::Pro,
            "executive_assistant",
            "a busy person's inbox and calendar",
        ),
        (
            answers(&[
                ("goal", &["inbox_calendar"]),
                ("audience", &["team"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["email", "chat"]),
                ("sensitivity", &["personal"]),
                ("browser", &["yes"]),
            ]),
            Tier::Business,
            "executive_assistant",
            "an office manager's scheduling for a small team is still assistant work",
        ),
        (
            answers(&[
                ("goal", &["customer_support"]),
                ("audience", &["team"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["website", "email"]),
                ("sensitivity", &["personal"]),
                ("browser", &["no"]),
            ]),
            Tier::Pro,
            "customer_support_agent",
            "answers customers on the website",
        ),
        (
            answers(&[
                ("goal", &["customer_support"]),
                ("audience", &["team"]),
                ("autonomy", &["balanced"]),
                ("style", &["terse"]),
                ("channels", &["chat"]),
                ("sensitivity", &["low"]),
                ("browser", &["no"]),
            ]),
            Tier::Free,
            "customer_support_agent",
            "internal helpdesk in team chat",
        ),
        (
            answers(&[
                ("goal", &["customer_support"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["email"]),
                ("sensitivity", &["personal"]),
                ("voice", &["no"]),
                ("browser", &["no"]),
            ]),
            Tier::Free,
            "customer_support_agent",
            "a solo shop owner answering customers",
        ),
        (
            answers(&[
                ("goal", &["customer_support"]),
                ("audience", &["team"]),
                ("autonomy", &["autonomous"]),
                ("style", &["detailed"]),
                ("channels", &["website", "voice"]),
                ("sensitivity", &["regulated"]),
                ("browser", &["yes"]),
            ]),
            Tier::Business,
            "customer_support_agent",
            "a regulated call-centre front line",
        ),
        (
            answers(&[
                ("goal", &["research"]),
                ("audience", &["team"]),
                ("autonomy", &["balanced"]),
                ("style", &["detailed"]),
                ("channels", &["app_only"]),
                ("sensitivity", &["low"]),
                ("browser", &["yes"]),
            ]),
            Tier::Pro,
            "research_analyst",
            "market research for a team",
        ),
        (
            answers(&[
                ("goal", &["research"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["detailed"]),
                ("channels", &["app_only"]),
                ("sensitivity", &["low"]),
                ("voice", &["no"]),
                ("browser", &["yes"]),
            ]),
            Tier::Pro,
            "research_analyst",
            "a student's literature review",
        ),
        (
            answers(&[
                ("goal", &["research"]),
                ("audience", &["team"]),
                ("autonomy", &["autonomous"]),
                ("style", &["terse"]),
                ("channels", &["chat"]),
                ("sensitivity", &["regulated"]),
                ("browser", &["no"]),
            ]),
            Tier::Business,
            "research_analyst",
            "compliance research with citations",
        ),
        (
            answers(&[
                ("goal", &["research"]),
                ("audience", &["individual"]),
                ("autonomy", &["balanced"]),
                ("style", &["balanced"]),
                ("channels", &["email"]),
                ("sensitivity", &["personal"]),
                ("voice", &["yes"]),
                ("browser", &["yes"]),
            ]),
            Tier::Business,
            "research_analyst",
            "a journalist's source digging",
        ),
        (
            answers(&[
                ("goal", &["software"]),
                ("audience", &["team"]),
                ("autonomy", &["ask_first"]),
                ("style", &["terse"]),
                ("channels", &["chat"]),
                ("sensitivity", &["personal"]),
            ]),
            Tier::Pro,
            "software_engineering_agent",
            "code review for an engineering team",
        ),
        (
            answers(&[
                ("goal", &["software"]),
                ("audience", &["individual"]),
                ("autonomy", &["autonomous"]),
                ("style", &["terse"]),
                ("channels", &["app_only"]),
                ("sensitivity", &["low"]),
                ("voice", &["no"]),
            ]),
            Tier::Free,
            "software_engineering_agent",
            "a hobbyist's side project",
        ),
        (
            answers(&[
                ("goal", &["software"]),
                ("audience", &["team"]),
                ("autonomy", &["balanced"]),
                ("style", &["detailed"]),
                ("channels", &["chat", "email"]),
                ("sensitivity", &["regulated"]),
            ]),
            Tier::Business,
            "software_engineering_agent",
            "a fintech team's engineering helper",
        ),
        (
            answers(&[
                ("goal", &["software"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["chat"]),
                ("sensitivity", &["personal"]),
                ("voice", &["yes"]),
            ]),
            Tier::Pro,
            "software_engineering_agent",
            "a freelance developer who likes to talk through code",
        ),
        (
            answers(&[
                ("goal", &["companion"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["app_only"]),
                ("sensitivity", &["personal"]),
                ("voice", &["yes"]),
                ("browser", &["no"]),
            ]),
            Tier::Pro,
            "personal_companion",
            "gentle everyday support",
        ),
        (
            answers(&[
                ("goal", &["companion"]),
                ("audience", &["individual"]),
                ("autonomy", &["balanced"]),
                ("style", &["terse"]),
                ("channels", &["voice"]),
                ("sensitivity", &["regulated"]),
                ("voice", &["yes"]),
                ("browser", &["yes"]),
            ]),
            Tier::Business,
            "personal_companion",
            "voice check-ins with health notes",
        ),
        (
            answers(&[
                ("goal", &["companion"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["detailed"]),
                ("channels", &["email"]),
                ("sensitivity", &["low"]),
                ("voice", &["no"]),
                ("browser", &["no"]),
            ]),
            Tier::Free,
            "personal_companion",
            "weekly planning and journaling prompts",
        ),
        (
            answers(&[
                ("goal", &["companion"]),
                ("audience", &["team"]),
                ("autonomy", &["ask_first"]),
                ("style", &["balanced"]),
                ("channels", &["chat"]),
                ("sensitivity", &["personal"]),
                ("browser", &["no"]),
            ]),
            Tier::Pro,
            "personal_companion",
            "a wellbeing buddy offered to staff is still a companion",
        ),
        (
            answers(&[
                ("goal", &["inbox_calendar"]),
                ("audience", &["individual"]),
                ("autonomy", &["autonomous"]),
                ("style", &["terse"]),
                ("channels", &["email", "voice"]),
                ("sensitivity", &["regulated"]),
                ("voice", &["yes"]),
                ("browser", &["yes"]),
            ]),
            Tier::Free,
            "executive_assistant",
            "a doctor's admin on the free tier",
        ),
        (
            answers(&[
                ("goal", &["inbox_calendar"]),
                ("audience", &["individual"]),
                ("autonomy", &["ask_first"]),
                ("style", &["detailed"]),
                ("channels", &["app_only"]),
                ("sensitivity", &["low"]),
                ("voice", &["yes"]),
                ("browser", &["no"]),
            ]),
            Tier::Pro,
            "executive_assistant",
            "a retiree's appointments",
        ),
        (
            answers(&[
                ("goal", &["research"]),
                ("audience", &["team"]),
                ("autonomy", &["ask_first"]),
                ("style", &["detailed"]),
                ("channels", &["website"]),
                ("sensitivity", &["low"]),
                ("browser", &["yes"]),
            ]),
            Tier::Free,
            "research_analyst",
            "a public research desk still researches first",
        ),
    ]
}

/// The shipped question bank, official presets and starter capability catalog.
fn shipped_inputs() -> (QuestionBank, Vec<PresetManifest>, Vec<CapabilityManifest>) {
    let presets = official_bundles()
        .unwrap()
        .into_iter()
        .map(|b| b.manifest)
        .collect();
    let catalog = starter_catalog()
        .unwrap()
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    (shipped().unwrap(), presets, catalog)
}

/// The shipped harness-profile schema, checked against the JSON Schema meta-schema.
fn harness_profile_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(HARNESS_PROFILE_SCHEMA_JSON).unwrap();
    jsonschema::meta::validate(&schema).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn top1_accuracy_is_at_least_90_percent_quotas_hold_and_profiles_match_the_schema() {
    let (bank, presets, catalog) = shipped_inputs();
    let schema = harness_profile_validator();
    let profiles = profiles();
    assert!(profiles.len() >= 20);
    let mut hits = 0;
    let mut misses = Vec::new();
    for (answers, tier, expected, why) in &profiles {
        let r = recommend(
            &bank,
            answers,
            &presets,
            &catalog,
            *tier,
            &["low", "high", "max"],
        )
        .unwrap();
        let problems: Vec<String> = schema
            .iter_errors(&r.harness_profile)
            .map(|e| e.to_string())
            .collect();
        assert!(problems.is_empty(), "{why}: harness profile: {problems:?}");
        if r.preset.id == *expected {
            hits += 1;
        } else {
            misses.push(format!(
                "{why}: expected {expected}, got {} ({:?})",
                r.preset.id, r.preset.reasons
            ));
        }
        let limits = quota::limits(*tier);
        assert!(
            i64::from(r.slots_used) <= limits.slots,
            "{why}: slots over quota"
        );
        assert!(
            i64::try_from(r.storage_used).unwrap() <= limits.storage_bytes,
            "{why}: storage over quota"
        );
        assert!(
            r.capabilities.iter().all(|c| c.official),
            "{why}: only official capabilities are preselected"
        );
        assert!(
            !r.preset.reasons.is_empty(),
            "{why}: the choice has reasons"
        );
        for trimmed in &r.trimmed {
            assert!(!trimmed.reason.is_empty());
        }
    }
    let accuracy = f64::from(hits) / profiles.len() as f64;
    println!(
        "recommender top-1 accuracy: {hits}/{} = {:.0}%",
        profiles.len(),
        accuracy * 100.0
    );
    assert!(
        accuracy >= 0.9,
        "top-1 accuracy {accuracy:.2}; misses:\n{}",
        misses.join("\n")
    );
}

#[test]
fn personalized_mode_includes_voice_and_browser_unless_ruled_out_and_trims_with_an_upgrade() {
    let (bank, presets, catalog) = shipped_inputs();
    let base = [
        ("goal", &["companion"][..]),
        ("audience", &["individual"][..]),
        ("autonomy", &["ask_first"][..]),
        ("style", &["balanced"][..]),
        ("channels", &["app_only"][..]),
        ("sensitivity", &["personal"][..]),
    ];
    let with = |voice: &str, browser: &str, tier: Tier| {
        let mut pairs: Vec<(&str, &[&str])> = base.to_vec();
        let v = [voice];
        let b = [browser];
        pairs.push(("voice", &v));
        pairs.push(("browser", &b));
        recommend(&bank, &answers(&pairs), &presets, &catalog, tier, &["max"]).unwrap()
    };
    let business = with("yes", "yes", Tier::Business);
    let ids: Vec<&str> = business
        .capabilities
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        ids.contains(&"voice_tts_stt") && ids.contains(&"uplay_chromium"),
        "{ids:?}"
    );
    assert_eq!(
        business.harness_profile["onboarding"]["personalizedDefaults"],
        serde_json::json!(["uplay_chromium", "voice_tts_stt"])
    );
    assert_eq!(
        business.harness_profile["reasoningPolicy"]["default"],
        "max"
    );
    assert_eq!(business.harness_profile["persona"]["mode"], "individual");
    let ruled_out = with("no", "no", Tier::Business);
    let ids: Vec<&str> = ruled_out
        .capabilities
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        !ids.contains(&"voice_tts_stt") && !ids.contains(&"uplay_chromium"),
        "{ids:?}"
    );
    // On Free the browser profile does not fit: trimmed, with the tier that would hold it.
    let free = with("yes", "yes", Tier::Free);
    let trimmed = free
        .trimmed
        .iter()
        .find(|t| t.capability.id == "uplay_chromium")
        .expect("trimmed");
    assert!(trimmed.upgrade.is_some(), "{trimmed:?}");
    assert!(trimmed.reason.contains("Free"), "{}", trimmed.reason);
}

#[test]
fn same_answers_same_bytes_and_bad_answers_name_the_question() {
    let (bank, presets, catalog) = shipped_inputs();
    let (a, tier, _, _) = profiles().remove(0);
    let first = recommend(&bank, &a, &presets, &catalog, tier, &["high"]).unwrap();
    let second = recommend(&bank, &a, &presets, &catalog, tier, &["high"]).unwrap();
    assert_eq!(
        persona_studio::canon::to_canonical_vec(&first).unwrap(),
        persona_studio::canon::to_canonical_vec(&second).unwrap()
    );
    assert_eq!(first.reasoning.level.as_deref(), Some("high"));
    for (bad, needle) in [
        (answers(&[("goal", &["world_domination"])]), "goal"),
        (
            answers(&[("goal", &["research", "software"])]),
            "exactly one",
        ),
        (
            answers(&[("audience", &["team"]), ("voice", &["yes"])]),
            "voice",
        ),
        (answers(&[("mood", &["happy"])]), "mood"),
    ] {
        let error = recommend(&bank, &bad, &presets, &catalog, Tier::Pro, &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains(needle), "{error}");
    }
}

#[test]
fn onboard_from_the_cli_uses_the_tenants_tier_and_names_bad_answers() {
    let home = crate::support::TestHome::new();
    home.init_unlocked(&["--tier", "free"]);
    let good = br#"{"goal": ["companion"], "audience": ["individual"], "autonomy": ["ask_first"],
        "style": ["balanced"], "channels": ["app_only"], "sensitivity": ["personal"],
        "voice": ["yes"], "browser": ["yes"], "agent_name": "Wren"}"#;
    let first = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], good)
        .expect_code(0);
    let second = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], good)
        .expect_code(0);
    assert_eq!(
        first.stdout, second.stdout,
        "same answers, same output, byte for byte"
    );
    let r = first.json();
    assert_eq!(r["preset"]["id"], "personal_companion");
    assert_eq!(r["tier"], "free");
    assert!(r["slots_used"].as_i64().unwrap() <= r["slots_limit"].as_i64().unwrap());
    let text = home
        .cli_stdin(&["onboard", "--answers", "-"], good)
        .expect_code(0);
    assert!(
        text.stdout
            .contains("Recommended preset: personal_companion"),
        "{}",
        text.stdout
    );
    let bad = home
        .cli_stdin(
            &["onboard", "--answers", "-"],
            br#"{"goal": ["world_domination"]}"#,
        )
        .expect_code(2);
    assert!(
        bad.stderr.contains("goal") && bad.stderr.contains("world_domination"),
        "{}",
        bad.stderr
    );
    home.cli_stdin(&["onboard", "--answers", "-"], b"[1, 2]")
        .expect_code(2);
}

/// Every item a recommendation proposes says why: the preset, its runners-up, each capability
/// (a personalized default names the answers that made it one), each trimmed or optional one.
fn assert_every_item_says_why(
    r: &persona_studio::onboarding::recommend::Recommendation,
    why: &str,
) {
    let mut items: Vec<(&str, usize)> = vec![(r.preset.id.as_str(), r.preset.reasons.len())];
    items.extend(
        r.runners_up
            .iter()
            .map(|p| (p.id.as_str(), p.reasons.len())),
    );
    let capabilities = r
        .capabilities
        .iter()
        .chain(r.trimmed.iter().map(|t| &t.capability))
        .chain(&r.optional_community);
    for c in capabilities {
        items.push((c.id.as_str(), c.reasons.len()));
        if c.personalized_default {
            assert!(
                c.reasons
                    .iter()
                    .any(|x| x.trait_name == "personalized_default" && x.question == "audience"),
                "{why}: {} is a personalized default without naming its trigger: {:?}",
                c.id,
                c.reasons
            );
        }
    }
    for (id, reasons) in items {
        assert!(reasons > 0, "{why}: {id} is recommended with no reason");
    }
}

#[test]
fn every_recommended_item_says_why_on_every_quality_profile_and_tier() {
    let (bank, presets, catalog) = shipped_inputs();
    for (answers, tier, _, why) in profiles() {
        for tier in [tier, Tier::Free, Tier::Business] {
            let r = recommend(&bank, &answers, &presets, &catalog, tier, &["high"]).unwrap();
            assert_every_item_says_why(&r, why);
        }
    }
    // The field report: software, just me, voice welcome.
    let reported = answers(&[
        ("goal", &["software"]),
        ("audience", &["individual"]),
        ("voice", &["yes"]),
    ]);
    let r = recommend(&bank, &reported, &presets, &catalog, Tier::Pro, &[]).unwrap();
    assert_every_item_says_why(&r, "software, individual, voice");
    let browser = r
        .capabilities
        .iter()
        .chain(r.trimmed.iter().map(|t| &t.capability))
        .find(|c| c.id == "uplay_chromium")
        .expect("the browser profile is a personalized default here");
    assert!(browser.personalized_default);
    assert_eq!(
        browser.reasons[0].question, "audience",
        "{:?}",
        browser.reasons
    );
    assert_eq!(browser.reasons[0].option, "individual");
}

#[test]
fn onboard_answers_names_why_each_personalized_default_is_there() {
    let home = crate::support::TestHome::new();
    home.init_unlocked(&["--tier", "pro"]);
    let answers = br#"{"goal": ["software"], "audience": ["individual"], "voice": ["yes"]}"#;
    let r = home
        .cli_stdin(&["--json", "onboard", "--answers", "-"], answers)
        .expect_code(0)
        .json();
    let capabilities = r["capabilities"].as_array().unwrap();
    let browser = capabilities
        .iter()
        .find(|c| c["id"] == "uplay_chromium")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(browser["personalized_default"], true);
    assert!(!browser["reasons"].as_array().unwrap().is_empty(), "{r}");
    for c in capabilities {
        assert!(!c["reasons"].as_array().unwrap().is_empty(), "{c}");
    }
    let text = home
        .cli_stdin(&["onboard", "--answers", "-"], answers)
        .expect_code(0);
    assert!(
        text.stdout.contains(
            "uplay_chromium (Uses 2 slots and 310 MiB): Included by default for an agent that works for one person"
        ),
        "{}",
        text.stdout
    );
    for c in capabilities {
        let why = c["why"].as_str().unwrap_or_default();
        assert!(
            why.starts_with("Suggested because") || why.starts_with("Included by default"),
            "{c}"
        );
    }
}

/// Every choice-question answer combination the wizard can produce (each single choice, each
/// channel alone and two together; voice and the browser only where they are
/// shown), on the smallest and the largest tier.
fn every_answer_combination(bank: &QuestionBank) -> Vec<Answers> {
    let options = |id: &str| -> Vec<String> {
        bank.questions
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.options.iter().map(|o| o.id.clone()).collect())
            .unwrap_or_default()
    };
    let mut channels: Vec<Vec<String>> = Vec::new();
    channels.extend(options("channels").into_iter().map(|c| vec![c]));
    channels.push(vec!["email".to_owned(), "website".to_owned()]);
    let mut all = vec![Answers::new()];
    for (question, choices) in [
        (
            "goal",
            options("goal")
                .into_iter()
                .map(|o| vec![o])
                .collect::<Vec<_>>(),
        ),
        (
            "audience",
            options("audience").into_iter().map(|o| vec![o]).collect(),
        ),
        (
            "autonomy",
            options("autonomy").into_iter().map(|o| vec![o]).collect(),
        ),
        (
            "style",
            options("style").into_iter().map(|o| vec![o]).collect(),
        ),
        ("channels", channels),
        (
            "sensitivity",
            options("sensitivity")
                .into_iter()
                .map(|o| vec![o])
                .collect(),
        ),
        (
            "voice",
            options("voice").into_iter().map(|o| vec![o]).collect(),
        ),
        (
            "browser",
            options("browser").into_iter().map(|o| vec![o]).collect(),
        ),
    ] {
        let mut next = Vec::new();
        for partial in &all {
            let shown = persona_studio::onboarding::recommend::visible(bank, partial)
                .contains(&question.to_owned());
            if !shown {
                next.push(partial.clone());
                continue;
            }
            for choice in &choices {
                let mut answers = partial.clone();
                answers.insert(question.to_owned(), Answer::Choices(choice.clone()));
                next.push(answers);
            }
        }
        all = next;
    }
    all
}

/// A sentence a customer reads: a full sentence, without option ids (those with an
/// underscore; the others are ordinary words such as "email"), weights, scores or "(s)".
fn assert_plain(sentence: &str, ids: &[String], context: &str) {
    assert!(
        sentence.ends_with('.'),
        "{context}: not a sentence: {sentence:?}"
    );
    assert!(
        sentence.chars().next().is_some_and(char::is_uppercase),
        "{context}: {sentence:?}"
    );
    for bad in ["(s)", "=", "+", "score", "Score", "→"] {
        assert!(
            !sentence.contains(bad),
            "{context}: {bad:?} in {sentence:?}"
        );
    }
    for id in ids.iter().filter(|id| id.contains('_')) {
        assert!(
            !sentence.contains(id.as_str()),
            "{context}: option id {id} in {sentence:?}"
        );
    }
}

#[test]
fn every_recommended_item_has_a_plain_sentence_for_every_combination_of_answers() {
    let (bank, presets, catalog) = shipped_inputs();
    let ids: Vec<String> = bank
        .questions
        .iter()
        .flat_map(|q| q.options.iter().map(|o| o.id.clone()))
        .collect();
    let combinations = every_answer_combination(&bank);
    assert!(combinations.len() > 1000, "{}", combinations.len());
    let mut sentences = 0usize;
    for answers in &combinations {
        for tier in [Tier::Free, Tier::Business] {
            let r = recommend(&bank, answers, &presets, &catalog, tier, &["high"]).unwrap();
            let context = format!("{answers:?} on {tier:?}");
            assert!(r.preset.why.starts_with("We recommend the "), "{context}");
            let mut all: Vec<&str> = vec![r.preset.why.as_str()];
            all.extend(r.runners_up.iter().map(|p| p.why.as_str()));
            for c in r
                .capabilities
                .iter()
                .chain(r.trimmed.iter().map(|t| &t.capability))
                .chain(&r.optional_community)
            {
                all.push(&c.why);
                assert!(
                    c.uses.starts_with("Uses ") && !c.uses.contains("(s)"),
                    "{}",
                    c.uses
                );
            }
            all.extend(r.trimmed.iter().map(|t| t.reason.as_str()));
            for sentence in all {
                assert_plain(sentence, &ids, &context);
                sentences += 1;
            }
        }
    }
    assert!(sentences > 10 * combinations.len(), "{sentences}");
}
