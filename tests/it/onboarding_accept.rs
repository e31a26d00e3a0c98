//! Customizing and accepting a finished wizard through the core API: the draft spec (read back
//! through the versions API), pending install requests (through the installs API), the audit
//! entry, accepting twice, quota refusals, community capabilities, and who may do what.

use persona_studio::audit::{self, AuditFilter};
use persona_studio::governance::installs::{self, ApprovalInput, InstallState, RequestInput};
use persona_studio::onboarding::{self, session, Choice, WizardStatus};
use persona_studio::persona::spec::{validate_json, Autonomy, Mode, Verbosity};
use persona_studio::persona::versions::{self, VersionState};
use persona_studio::tenant::Tier;
use persona_studio::Error;

use crate::governance::{at, fixture_with, Fixture};
use crate::onboarding_session::companion_answers;
use crate::support::verified_entries;

/// A fixture whose first customer has finished the wizard with [`companion_answers`], and the
/// recommended choice.
fn finished(prefix: &str, tier: Tier) -> (Fixture, Choice) {
    let mut f = fixture_with(prefix, tier);
    let state =
        session::answer_all(&mut f.store, &f.customer, &companion_answers(), &at(1)).unwrap();
    let choice = Choice::recommended(state.recommendation.as_ref().unwrap());
    (f, choice)
}

fn audit_count(f: &Fixture) -> i64 {
    audit::count(f.store.conn(), &f.owner.tenant_id).unwrap()
}

fn pending(f: &Fixture) -> Vec<installs::InstallRequest> {
    installs::list(
        &f.store,
        &f.owner.tenant_id,
        Some(InstallState::Pending),
        at(2).0,
    )
    .unwrap()
}

#[test]
fn accepting_creates_a_draft_spec_pending_requests_and_one_audit_entry() {
    let (mut f, choice) = finished("accept", Tier::Pro);
    let tenant = f.owner.tenant_id.clone();
    let recommendation = session::load(&f.store, &f.customer)
        .unwrap()
        .recommendation
        .unwrap();
    assert!(!choice.capabilities.is_empty(), "{recommendation:?}");
    let before = audit_count(&f);

    let outcome =
        onboarding::accept(&mut f.store, &f.customer, &choice, "wren", &at(2), &f.ids).unwrap();
    assert_eq!((outcome.agent.as_str(), outcome.draft_version), ("wren", 1));
    assert_eq!(outcome.preset, recommendation.preset.id);
    assert_eq!(outcome.harness_profile, recommendation.harness_profile);
    assert!(!outcome.already_accepted);

    // The draft, through the versions API: valid, personalized from the answers.
    let listed = versions::list(&f.store, &tenant, "wren").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, VersionState::Draft);
    assert_eq!(listed[0].persona_hash.as_ref(), Some(&outcome.persona_hash));
    let stored = versions::get(&f.store, &tenant, "wren", Some(1)).unwrap();
    let spec = validate_json(&stored.spec_json).unwrap();
    assert_eq!((spec.id.as_str(), spec.version), ("wren", 1));
    assert_eq!(spec.identity.name, "Wren");
    assert_eq!(spec.mode, Mode::Individual);
    assert_eq!(spec.decision_policy.autonomy, Autonomy::AskFirst);
    assert_eq!(spec.style.verbosity, Verbosity::Balanced);
    let provenance = &spec.extensions["onboarding"];
    assert_eq!(
        provenance["inputs_hash"],
        recommendation.inputs_hash.to_string()
    );
    assert_eq!(provenance["preset"]["id"], outcome.preset);
    assert_eq!(provenance["harness_profile"], outcome.harness_profile);

    // One pending request per chosen capability, asked by the customer.
    let requests = pending(&f);
    let mut requested: Vec<&str> = requests.iter().map(|r| r.capability_id.as_str()).collect();
    requested.sort();
    assert_eq!(requested, choice.normalized().capabilities);
    assert!(requests
        .iter()
        .all(|r| r.requested_by == f.customer.member_id));
    let opened: Vec<&str> = outcome
        .install_requests
        .iter()
        .map(|r| r.request_id.as_str())
        .collect();
    assert!(requests.iter().all(|r| opened.contains(&r.id.as_str())));

    // One onboarding entry (plus the requests' own), in a chain that verifies.
    let entries = audit::list(
        f.store.conn(),
        &tenant,
        &AuditFilter {
            kind: Some("onboarding.accepted".to_owned()),
            ..AuditFilter::default()
        },
    )
    .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entry.actor, f.customer.member_id);
    assert_eq!(entries[0].entry.data["agent"], "wren");
    let added = i64::try_from(choice.capabilities.len()).unwrap() + 1;
    assert_eq!(audit_count(&f), before + added);
    verified_entries(f.store.conn(), &tenant).unwrap();

    let state = session::load(&f.store, &f.customer).unwrap();
    assert_eq!(state.status, WizardStatus::Accepted);
    assert_eq!(state.accepted.as_ref(), Some(&outcome));

    // Accepting the same choice again creates nothing and says so.
    let again =
        onboarding::accept(&mut f.store, &f.customer, &choice, "wren", &at(3), &f.ids).unwrap();
    assert!(again.already_accepted);
    assert_eq!(
        serde_json::to_value(&again.install_requests).unwrap(),
        serde_json::to_value(&outcome.install_requests).unwrap()
    );
    assert_eq!(
        (again.accepted_at, again.persona_hash),
        (outcome.accepted_at, outcome.persona_hash)
    );
    assert_eq!(audit_count(&f), before + added);
    assert_eq!(pending(&f).len(), requests.len());
    // Another agent or choice, or a new answer, is refused until the wizard is reset.
    let other = onboarding::accept(&mut f.store, &f.customer, &choice, "robin", &at(3), &f.ids)
        .unwrap_err();
    assert_eq!(other.code(), "invalid_transition", "{other}");
    assert!(other.to_string().contains("reset"), "{other}");
    let edit = session::answer(
        &mut f.store,
        &f.customer,
        "style",
        session::parse_input(&state.questions[3], "1").unwrap(),
        &at(3),
    )
    .unwrap_err();
    assert_eq!(edit.code(), "invalid_transition");

    // Accepting only proposes: the customer cannot publish the draft.
    let publish = versions::publish(&mut f.store, &f.customer, "wren", &at(3)).unwrap_err();
    assert!(matches!(publish, Error::Forbidden { .. }), "{publish:?}");

    // A new wizard may not take over the agent it created.
    session::reset(&mut f.store, &f.customer).unwrap();
    session::answer_all(&mut f.store, &f.customer, &companion_answers(), &at(4)).unwrap();
    let taken = onboarding::accept(
        &mut f.store,
        &f.customer,
        &Choice {
            capabilities: vec![],
            ..choice
        },
        "wren",
        &at(4),
        &f.ids,
    )
    .unwrap_err();
    assert!(matches!(taken, Error::Conflict(_)), "{taken:?}");
    assert_eq!(versions::list(&f.store, &tenant, "wren").unwrap().len(), 1);
}

#[test]
fn a_customized_choice_swaps_the_preset_and_takes_community_capabilities_only_when_listed_apart() {
    let (mut f, choice) = finished("custom", Tier::Business);
    let swapped = Choice {
        preset: "executive_assistant".to_owned(),
        ..choice.clone()
    };
    let mut mixed = swapped.clone();
    mixed.capabilities.push("usb_storage".to_owned());
    let error = onboarding::customize_for_tenant(&f.store, &f.customer, &mixed).unwrap_err();
    assert!(error.is_bad_input());
    assert!(
        error
            .to_string()
            .contains("\"usb_storage\" is a community capability"),
        "{error}"
    );
    let mut backwards = swapped.clone();
    backwards.community.push("email_triage".to_owned());
    let error = onboarding::customize_for_tenant(&f.store, &f.customer, &backwards).unwrap_err();
    assert!(
        error.to_string().contains("\"email_triage\" is official"),
        "{error}"
    );
    for (bad, needle) in [
        (
            Choice {
                preset: "nope".to_owned(),
                ..swapped.clone()
            },
            "preset \"nope\"",
        ),
        (
            Choice {
                capabilities: vec!["nope".to_owned()],
                ..swapped.clone()
            },
            "Capability nope was not found",
        ),
    ] {
        let error = onboarding::customize_for_tenant(&f.store, &f.customer, &bad).unwrap_err();
        assert!(
            error.is_bad_input() && error.to_string().contains(needle),
            "{error}"
        );
    }

    let mut with = swapped.clone();
    with.community.push("usb_storage".to_owned());
    let custom = onboarding::customize_for_tenant(&f.store, &f.customer, &with).unwrap();
    assert!(custom.fits);
    assert!(!custom.preset.recommended);
    let usb = custom
        .capabilities
        .iter()
        .find(|c| c.id == "usb_storage")
        .unwrap();
    assert!(!usb.official && !usb.recommended && usb.warning.is_some());
    assert!(
        custom
            .warnings
            .iter()
            .any(|w| w.contains("community capability")),
        "{:?}",
        custom.warnings
    );

    let outcome = onboarding::accept(
        &mut f.store,
        &f.customer,
        &with,
        "wren-exec",
        &at(2),
        &f.ids,
    )
    .unwrap();
    assert_eq!(outcome.preset, "executive_assistant");
    assert!(outcome
        .install_requests
        .iter()
        .any(|r| r.capability_id == "usb_storage"));
    assert_eq!(
        outcome.harness_profile["persona"]["presetRef"],
        "executive_assistant:production"
    );
    let spec = validate_json(
        &versions::get(&f.store, &f.owner.tenant_id, "wren-exec", Some(1))
            .unwrap()
            .spec_json,
    )
    .unwrap();
    assert_eq!(spec.id, "wren_exec");
    assert_eq!(
        spec.extensions["onboarding"]["community"],
        serde_json::json!(["usb_storage"])
    );
}

#[test]
fn a_choice_over_the_tier_quota_is_shown_and_refused_and_nothing_changes() {
    let (mut f, choice) = finished("quota", Tier::Free);
    let fits = onboarding::customize_for_tenant(&f.store, &f.customer, &choice).unwrap();
    assert!(fits.fits && fits.over.is_empty() && fits.upgrade.is_none());
    assert!(fits.slots_used <= fits.slots_limit && fits.storage_used <= fits.storage_limit);

    let too_many = Choice {
        capabilities: ["email_triage", "calendar_scheduler", "web_research"]
            .map(String::from)
            .to_vec(),
        ..choice.clone()
    };
    let mut too_big = choice.clone();
    too_big.capabilities.push("voice_tts_stt".to_owned());
    for (over, needle) in [(&too_many, "ability slots"), (&too_big, "of storage")] {
        let custom = onboarding::customize_for_tenant(&f.store, &f.customer, over).unwrap();
        assert!(!custom.fits, "{custom:?}");
        assert_eq!(custom.tier, Tier::Free);
        assert_eq!(custom.upgrade, Some(Tier::Pro));
        assert!(
            custom
                .over
                .iter()
                .any(|o| o.contains(needle) && o.contains("Free")),
            "{:?}",
            custom.over
        );
        assert!(custom.over.last().unwrap().contains("Pro"));
        // Deterministic: the same choice gives the same evaluation.
        assert_eq!(
            onboarding::customize_for_tenant(&f.store, &f.customer, over).unwrap(),
            custom
        );

        let before = audit_count(&f);
        let error = onboarding::accept(&mut f.store, &f.customer, over, "wren", &at(2), &f.ids)
            .unwrap_err();
        assert_eq!(error.code(), "quota_exceeded", "{error}");
        assert!(error.to_string().contains(needle), "{error}");
        assert_eq!(audit_count(&f), before);
    }
    assert!(versions::agents(&f.store, &f.owner.tenant_id)
        .unwrap()
        .is_empty());
    assert!(pending(&f).is_empty());
    assert_eq!(
        session::load(&f.store, &f.customer).unwrap().status,
        WizardStatus::InProgress
    );
}

#[test]
fn installed_capabilities_count_once_and_are_not_requested_again() {
    let (mut f, mut choice) = finished("installed", Tier::Pro);
    let request = installs::request(
        &mut f.store,
        &f.customer,
        &RequestInput {
            capability_id: "email_triage".to_owned(),
            ..RequestInput::default()
        },
        &at(1),
        &f.ids,
    )
    .unwrap();
    installs::approve(
        &mut f.store,
        &f.owner,
        &request.id,
        &ApprovalInput::default(),
        &at(1),
    )
    .unwrap();
    installs::install(&mut f.store, &f.customer, &request.id, &at(1)).unwrap();
    choice.capabilities.push("email_triage".to_owned());

    let custom = onboarding::customize_for_tenant(&f.store, &f.customer, &choice).unwrap();
    let email = custom
        .capabilities
        .iter()
        .find(|c| c.id == "email_triage")
        .unwrap();
    assert!(email.installed);
    assert_eq!(custom.slots_installed, 1);
    let others: i64 = custom
        .capabilities
        .iter()
        .filter(|c| !c.installed)
        .map(|c| i64::from(c.slots))
        .sum();
    assert_eq!(custom.slots_used, 1 + others);

    let outcome =
        onboarding::accept(&mut f.store, &f.customer, &choice, "wren", &at(2), &f.ids).unwrap();
    assert_eq!(outcome.already_requested.len(), 1);
    assert_eq!(outcome.already_requested[0].request_id, request.id);
    assert_eq!(outcome.already_requested[0].state, InstallState::Installed);
    assert!(!outcome
        .install_requests
        .iter()
        .any(|r| r.capability_id == "email_triage"));
}

#[test]
fn accept_needs_a_finished_wizard_and_a_new_agent_name_that_can_name_a_spec() {
    let mut f = fixture_with("unfinished", Tier::Pro);
    session::answer(
        &mut f.store,
        &f.customer,
        "goal",
        session::parse_input(
            &persona_studio::onboarding::questions::shipped()
                .unwrap()
                .questions[0],
            "2",
        )
        .unwrap(),
        &at(1),
    )
    .unwrap();
    let choice = Choice {
        preset: "customer_support_agent".to_owned(),
        ..Choice::default()
    };
    let error = onboarding::accept(&mut f.store, &f.customer, &choice, "helper", &at(2), &f.ids)
        .unwrap_err();
    assert_eq!(error.code(), "invalid_transition");
    assert!(
        error.to_string().contains("1 of") && error.to_string().contains("(audience)"),
        "{error}"
    );

    let (mut f, choice) = finished("names", Tier::Pro);
    for (name, needle) in [("9lives", "start with a letter"), ("Bad Name", "lowercase")] {
        let error = onboarding::accept(&mut f.store, &f.customer, &choice, name, &at(2), &f.ids)
            .unwrap_err();
        assert!(
            error.is_bad_input() && error.to_string().contains(needle),
            "{error}"
        );
    }
    // The owner's existing agent is never touched by a customer's wizard.
    versions::create_draft(&mut f.store, &f.owner, "ops", None, &at(1)).unwrap();
    let error =
        onboarding::accept(&mut f.store, &f.customer, &choice, "ops", &at(2), &f.ids).unwrap_err();
    assert!(matches!(error, Error::Conflict(_)), "{error:?}");
    assert!(pending(&f).is_empty(), "a refused accept opens no request");
}
