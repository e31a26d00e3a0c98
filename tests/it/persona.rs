//! Persona specs through the core API and the CLI: compile determinism, precedence and
//! conflicts, budgets, context filtering, stored versions and immutability, legacy generation.

use persona_studio::persona::compile::{self, Layer, SectionKind, Source};
use persona_studio::persona::spec::{self, InteractionContext, Visibility};
use persona_studio::persona::versions::{self, VersionState};
use persona_studio::persona::workspace::{PersonaFile, WorkspaceFiles};
use persona_studio::tenant;
use persona_studio::Error;

use crate::support::{test_clock, TestHome};

fn files() -> WorkspaceFiles {
    WorkspaceFiles::new()
        .with(PersonaFile::Soul, "# Soul\nBe candid and kind.\n- **Vibe:** warm and direct\n")
        .with(PersonaFile::User, "# User\nName of owner: Ada\n- Tone: brisk\n")
        .with(PersonaFile::Identity, "- **Name:** Juniper\n- **Emoji:** 🌲\n- **Vibe:** playful\n")
        .with(PersonaFile::Agents, "# Operating rules\n- Autonomy: autonomous\n- Tone: chatty\nAlways write a daily log.\n")
}

#[test]
fn sections_follow_the_assembly_contract_in_every_context() {
    let spec = spec::sample_spec();
    for context in InteractionContext::ALL {
        let plan = compile::compile(&spec, &files(), context).unwrap();
        let kinds: Vec<SectionKind> = plan.sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, SectionKind::ORDER, "{context:?}");
        assert!(plan.plan_hash().is_some());
        assert_eq!(plan.trace.interaction_context, context);
        assert_eq!(plan.trace.persona_spec_version, spec.version);
        assert_eq!(
            plan.trace.persona_hash,
            Some(compile::persona_hash(&spec).unwrap())
        );
    }
}

#[test]
fn the_same_inputs_give_the_same_plan_hash_and_bytes() {
    let spec = spec::sample_spec();
    let a = compile::compile(&spec, &files(), InteractionContext::OwnerChat).unwrap();
    let b = compile::compile(&spec, &files(), InteractionContext::OwnerChat).unwrap();
    assert_eq!(a.plan_hash(), b.plan_hash());
    assert_eq!(
        persona_studio::canon::to_canonical_vec(&a).unwrap(),
        persona_studio::canon::to_canonical_vec(&b).unwrap()
    );
    // Shuffled input: the spec's keys reordered and re-indented.
    let value = serde_json::to_value(&spec).unwrap();
    let reversed = reverse_keys(&value);
    let reparsed = spec::validate_json(&serde_json::to_string(&reversed).unwrap()).unwrap();
    let c = compile::compile(&reparsed, &files(), InteractionContext::OwnerChat).unwrap();
    assert_eq!(a.plan_hash(), c.plan_hash());
    // A different context changes the hash.
    let d = compile::compile(&spec, &files(), InteractionContext::PublicWidget).unwrap();
    assert_ne!(a.plan_hash(), d.plan_hash());
}

fn reverse_keys(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut text = String::from("{");
            let entries: Vec<_> = map.iter().rev().collect();
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    text.push_str(",\n   ");
                }
                text.push_str(&serde_json::to_string(k).unwrap());
                text.push_str(" : ");
                text.push_str(&serde_json::to_string(&reverse_keys(v)).unwrap());
            }
            text.push('}');
            serde_json::from_str(&text).unwrap()
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(reverse_keys).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn higher_layers_win_and_conflicts_are_recorded() {
    let spec = spec::sample_spec();
    let plan = compile::compile(&spec, &files(), InteractionContext::OwnerChat).unwrap();
    let setting = |key: &str| {
        plan.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    // vibe: SOUL beats IDENTITY beats the spec.
    assert_eq!(setting("vibe").value, "warm and direct");
    assert!(matches!(
        setting("vibe").layer,
        Layer::File {
            file: PersonaFile::Soul,
            line: 3
        }
    ));
    let vibe = plan.conflicts.iter().find(|c| c.key == "vibe").unwrap();
    assert!(vibe.overridden.iter().any(|o| o.value == "playful"));
    // tone: USER beats AGENTS.
    assert_eq!(setting("tone").value, "brisk");
    // name: IDENTITY beats the spec.
    assert_eq!(setting("name").value, "Juniper");
    // autonomy is locked to the spec: AGENTS.md cannot loosen it.
    let autonomy = plan.conflicts.iter().find(|c| c.key == "autonomy").unwrap();
    assert!(autonomy.locked_to_spec);
    assert!(matches!(autonomy.winner.layer, Layer::Spec { .. }));
    assert_ne!(setting("autonomy").value, "autonomous");
}

#[test]
fn public_contexts_leave_out_owner_and_training_modules_and_user_md() {
    let spec = spec::sample_spec();
    let plan = compile::compile(&spec, &files(), InteractionContext::PublicWidget).unwrap();
    let intent = plan
        .sections
        .iter()
        .find(|s| s.kind == SectionKind::Intent)
        .unwrap();
    for part in &intent.parts {
        if let Source::Spec { pointer } = &part.source {
            let index: usize = pointer.rsplit('/').next().unwrap().parse().unwrap();
            let module = &spec.intent_modules[index];
            assert_eq!(module.visibility, Visibility::Public, "{pointer}");
            assert!(module.contexts.contains(&InteractionContext::PublicWidget));
        }
    }
    let all_files: Vec<PersonaFile> = plan
        .sections
        .iter()
        .flat_map(|s| s.parts.iter())
        .filter_map(|p| match p.source {
            Source::File { file, .. } => Some(file),
            _ => None,
        })
        .collect();
    assert!(!all_files.contains(&PersonaFile::User));
    assert!(plan
        .warnings
        .iter()
        .any(|w| w.code == "excluded_private_file"));
    let training = compile::compile(&spec, &files(), InteractionContext::OwnerTraining).unwrap();
    assert!(
        training.sections.iter().flat_map(|s| &s.parts).count()
            > plan.sections.iter().flat_map(|s| &s.parts).count()
    );
}

#[test]
fn budgets_truncate_with_a_marker_and_a_warning() {
    let spec = spec::sample_spec();
    let big = "a".repeat(25_000);
    let user = "u".repeat(5_000);
    let files = WorkspaceFiles::new()
        .with(PersonaFile::Soul, big.clone())
        .with(PersonaFile::User, user)
        .with(PersonaFile::Identity, big.clone())
        .with(PersonaFile::Agents, big);
    let plan = compile::compile(&spec, &files, InteractionContext::OwnerChat).unwrap();
    let budget = |file| plan.budget.files.iter().find(|b| b.file == file).unwrap();
    assert_eq!(budget(PersonaFile::Soul).used_chars, 20_000);
    assert!(budget(PersonaFile::Soul).truncated);
    assert_eq!(budget(PersonaFile::User).used_chars, 4_000);
    assert_eq!(budget(PersonaFile::Identity).used_chars, 20_000);
    // The total cut falls on the lowest layer.
    assert_eq!(budget(PersonaFile::Agents).used_chars, 16_000);
    assert_eq!(plan.budget.total_chars, 60_000);
    assert_eq!(
        plan.warnings
            .iter()
            .filter(|w| w.code == "truncated")
            .count(),
        4
    );
    let soul_text = plan.sections[0]
        .parts
        .iter()
        .find(|p| matches!(p.source, Source::File { .. }))
        .unwrap();
    assert!(soul_text
        .text
        .contains("[… truncated: SOUL.md has 25000 characters"));
}

#[test]
fn fallback_plans_say_why() {
    let plan = compile::fallback_plan(
        "You are Max.",
        InteractionContext::OwnerChat,
        "spec invalid: /mode",
    )
    .unwrap();
    assert_eq!(
        plan.trace.fallback_reason.as_deref(),
        Some("spec invalid: /mode")
    );
    assert!(plan.plan_hash().is_some());
}

#[test]
fn versions_draft_publish_active_and_immutability() {
    let home = TestHome::new();
    let mut store = home.init_core("Acme");
    let actor = tenant::current_actor(&store).unwrap();
    let clock = test_clock();
    let draft = versions::create_draft(&mut store, &actor, "support-bot", None, &clock).unwrap();
    assert_eq!((draft.version, draft.state), (1, VersionState::Draft));
    assert!(draft.persona_hash.is_some(), "the sample draft is valid");
    // One draft at a time.
    let again =
        versions::create_draft(&mut store, &actor, "support-bot", None, &clock).unwrap_err();
    assert_eq!(again.code(), "conflict");
    // An invalid draft can be saved, but not published; every problem is reported.
    versions::save_draft(
        &mut store,
        &actor,
        "support-bot",
        r#"{"schema_version": 1, "mode": "solo"}"#,
        &clock,
    )
    .unwrap();
    let Error::SpecInvalid(problems) =
        versions::publish(&mut store, &actor, "support-bot", &clock).unwrap_err()
    else {
        panic!("expected SpecInvalid");
    };
    assert!(problems.len() > 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.pointer == "/mode"));
    // A valid one publishes and becomes active.
    let mut sample = spec::sample_spec();
    sample.version = 1;
    sample.id = "support_bot".to_owned();
    versions::save_draft(
        &mut store,
        &actor,
        "support-bot",
        &serde_json::to_string(&sample).unwrap(),
        &clock,
    )
    .unwrap();
    let published = versions::publish(&mut store, &actor, "support-bot", &clock).unwrap();
    assert!(published.active);
    assert_eq!(published.state, VersionState::Published);
    assert_eq!(
        published.persona_hash,
        Some(compile::persona_hash(&sample).unwrap())
    );
    // Immutable through the API...
    assert_eq!(
        versions::save_draft(&mut store, &actor, "support-bot", "{}", &clock)
            .unwrap_err()
            .code(),
        "not_found"
    );
    // ...and directly on the database.
    let direct = store.conn().execute(
        "UPDATE documents SET body = '{}' WHERE kind = 'persona_spec' AND doc_id = 'support-bot'",
        [],
    );
    assert!(direct.unwrap_err().to_string().contains("immutable"));
    let delete = store.conn().execute(
        "DELETE FROM documents WHERE kind = 'persona_spec' AND doc_id = 'support-bot'",
        [],
    );
    assert!(delete.is_err());
    // The next draft starts from the active version with the next number.
    let next = versions::create_draft(&mut store, &actor, "support-bot", None, &clock).unwrap();
    assert_eq!(next.version, 2);
    let text = versions::get(&store, &actor.tenant_id, "support-bot", Some(2))
        .unwrap()
        .spec_json;
    assert!(text.contains("\"version\": 2"), "{text}");
    let published_two = versions::publish(&mut store, &actor, "support-bot", &clock).unwrap();
    let listed = versions::list(&store, &actor.tenant_id, "support-bot").unwrap();
    assert_eq!(listed.iter().filter(|v| v.active).count(), 1);
    assert_eq!(listed[0].version, published_two.version);
    // The audit log recorded both publishes.
    let context = tenant::self_access(&store, &test_clock()).unwrap();
    // tenant.created, passphrase set, unlocked, and the two publishes.
    assert_eq!(
        crate::support::verified_entries(store.conn(), &actor.tenant_id).unwrap(),
        u64::try_from(context.counts.audit_entries).unwrap()
    );
    let publishes = persona_studio::audit::list(
        store.conn(),
        &actor.tenant_id,
        &persona_studio::audit::AuditFilter {
            kind: Some("persona.published".to_owned()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(publishes.len(), 2);
}

#[test]
fn customers_cannot_publish() {
    let home = TestHome::new();
    let mut store = home.init_core("Acme");
    let actor = home.add_customer(&mut store);
    let refused =
        versions::create_draft(&mut store, &actor, "bot", None, &test_clock()).unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    assert!(refused.to_string().contains("customer"));
}

#[test]
fn agent_names_are_checked() {
    for bad in ["", "Bot", "-bot", "bot name", "bøt", &"b".repeat(65)] {
        assert!(versions::check_agent_name(bad).is_err(), "{bad:?}");
    }
    for good in ["bot", "support-bot", "bot_2", "9lives"] {
        versions::check_agent_name(good).unwrap();
    }
}
