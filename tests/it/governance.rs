//! Governance through the core API: every privileged function as each role, unlocking, install
//! requests and approvals (self-approval, hash binding, expiry, tightening), break-glass, tier
//! quotas, change requests, the self-access context, and the audit chain after a full scenario.

use persona_studio::audit;
use persona_studio::clock::{Clock, FixedClock};
use persona_studio::governance::breakglass::{self, BreakGlassState};
use persona_studio::governance::catalog::{
    self, CapabilityKind, CapabilityManifest, CatalogFilter, RiskLevel, TrustTier,
};
use persona_studio::governance::changes::{self, ChangeAction, ChangeState, NewChange};
use persona_studio::governance::installs::{self, ApprovalInput, InstallState, RequestInput};
use persona_studio::governance::quota;
use persona_studio::ids::SequentialIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use persona_studio::tenant::members::{self, NewMember};
use persona_studio::tenant::{self, Actor, InitRequest, Role, Tier};
use persona_studio::Error;

use crate::support::{test_clock, TestHome};

pub const OWNER_PW: &str = "correct horse battery staple";
pub const ADMIN_PW: &str = "admin passphrase 42";

pub fn pw(text: &str) -> Sensitive<String> {
    Sensitive::new(text.to_owned())
}

pub fn at(minutes: i64) -> FixedClock {
    FixedClock(test_clock().now().plus_millis(minutes * 60_000))
}

/// One tenant with an unlocked owner and admin, two customers, a second owner who is locked
/// and a third owner with no passphrase yet.
pub struct Fixture {
    pub home: TestHome,
    pub store: Store,
    pub ids: SequentialIds,
    pub owner: Actor,
    pub admin: Actor,
    pub customer: Actor,
    pub customer2: Actor,
    pub locked_owner: Actor,
    pub bare_owner: Actor,
}

pub fn fixture_with(prefix: &str, tier: Tier) -> Fixture {
    let home = TestHome::new();
    let mut store = Store::open(&home.home()).unwrap();
    let ids = SequentialIds::new(prefix);
    let clock = test_clock();
    tenant::init(
        &mut store,
        &InitRequest {
            tenant_name: format!("{prefix} tenant"),
            owner_name: "Olive Owner".to_owned(),
            tier,
        },
        &clock,
        &ids,
    )
    .unwrap();
    let owner = tenant::current_actor(&store).unwrap();
    members::set_passphrase(&mut store, &owner, None, &pw(OWNER_PW), &clock, &ids).unwrap();
    members::unlock(&mut store, &owner, &pw(OWNER_PW), Some(8 * 3600), &clock).unwrap();
    let add = |store: &mut Store, name: &str, role: Role, passphrase: Option<&str>| {
        let info = members::add_member(
            store,
            &owner,
            &NewMember {
                display_name: name.to_owned(),
                role,
                passphrase: passphrase.map(pw),
            },
            &clock,
            &ids,
        )
        .unwrap();
        Actor {
            tenant_id: owner.tenant_id.clone(),
            member_id: info.id,
            role,
        }
    };
    let admin = add(&mut store, "Ada Admin", Role::Admin, Some(ADMIN_PW));
    members::unlock(&mut store, &admin, &pw(ADMIN_PW), Some(8 * 3600), &clock).unwrap();
    let customer = add(&mut store, "Cass Customer", Role::Customer, None);
    let customer2 = add(&mut store, "Cole Customer", Role::Customer, None);
    let locked_owner = add(
        &mut store,
        "Lou Locked",
        Role::Owner,
        Some("locked owner pw"),
    );
    let bare_owner = add(&mut store, "Bea Bare", Role::Owner, None);
    Fixture {
        home,
        store,
        ids,
        owner,
        admin,
        customer,
        customer2,
        locked_owner,
        bare_owner,
    }
}

pub fn fixture(prefix: &str) -> Fixture {
    fixture_with(prefix, Tier::Pro)
}

pub fn manifest(id: &str, slots: u32, storage_bytes: u64) -> CapabilityManifest {
    CapabilityManifest {
        kind: CapabilityKind::Skill,
        id: id.to_owned(),
        version: "1.0.0".to_owned(),
        name: format!("Test {id}"),
        summary: "A capability made by a test.".to_owned(),
        risk: RiskLevel::Medium,
        scope: vec!["files:read".to_owned(), "files:write".to_owned()],
        trust: TrustTier::Community,
        slots,
        storage_bytes,
        traits: vec!["test".to_owned()],
    }
}

impl Fixture {
    pub fn audit_count(&self) -> i64 {
        audit::count(self.store.conn(), &self.owner.tenant_id).unwrap()
    }

    pub fn audit_kinds(&self) -> Vec<(String, String)> {
        let mut statement = self
            .store
            .conn()
            .prepare("SELECT kind, data FROM audit_log WHERE tenant_id = ?1 ORDER BY seq")
            .unwrap();
        statement
            .query_map([&self.owner.tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    pub fn add_cap(&mut self, id: &str, slots: u32, bytes: u64) {
        catalog::create(
            &mut self.store,
            &self.admin,
            &manifest(id, slots, bytes),
            &test_clock(),
        )
        .unwrap();
    }

    /// `who` requests capability `id` with all its scope.
    pub fn request(&mut self, who: &Actor, id: &str) -> String {
        let request = installs::request(
            &mut self.store,
            who,
            &RequestInput {
                capability_id: id.to_owned(),
                ..Default::default()
            },
            &test_clock(),
            &self.ids,
        )
        .unwrap();
        assert_eq!(request.state, InstallState::Pending);
        request.id
    }

    /// A request by `who`, approved by the owner as asked.
    pub fn approved(&mut self, who: &Actor, id: &str) -> String {
        let owner = self.owner.clone();
        let request = self.request(who, id);
        installs::approve(
            &mut self.store,
            &owner,
            &request,
            &ApprovalInput::default(),
            &test_clock(),
        )
        .unwrap();
        request
    }

    pub fn install_as_customer(&mut self, id: &str) -> String {
        let customer = self.customer.clone();
        let request = self.approved(&customer, id);
        let done = installs::install(&mut self.store, &customer, &request, &test_clock()).unwrap();
        assert_eq!(done.state, InstallState::Installed);
        request
    }

    pub fn change_in(&mut self, state: ChangeState) -> String {
        let customer = self.customer.clone();
        let owner = self.owner.clone();
        let clock = test_clock();
        let change = changes::submit(
            &mut self.store,
            &customer,
            &NewChange {
                title: "Make the support bot warmer".to_owned(),
                description: "Customers find it curt.".to_owned(),
                target_preset: None,
                target_agent: Some("support-bot".to_owned()),
            },
            &clock,
            &self.ids,
        )
        .unwrap();
        let path: &[ChangeAction] = match state {
            ChangeState::Submitted => &[],
            ChangeState::Triage => &[ChangeAction::Triage],
            ChangeState::Approved => &[ChangeAction::Triage, ChangeAction::Approve],
            ChangeState::Rejected => &[ChangeAction::Triage, ChangeAction::Reject],
            ChangeState::Applied => &[
                ChangeAction::Triage,
                ChangeAction::Approve,
                ChangeAction::Apply,
            ],
        };
        for action in path {
            changes::transition(&mut self.store, &owner, &change.id, *action, None, &clock)
                .unwrap();
        }
        change.id
    }

    pub fn close_break_glass(&mut self) {
        let owner = self.owner.clone();
        if breakglass::status(&self.store, &owner.tenant_id, test_clock().now())
            .unwrap()
            .open
        {
            breakglass::close(&mut self.store, &owner, &test_clock()).unwrap();
        }
    }
}

type Prepare = fn(&mut Fixture, &str) -> String;
type Act = fn(&mut Fixture, &Actor, &str) -> Result<(), Error>;

fn privileged_cases() -> Vec<(&'static str, Prepare, Act)> {
    vec![
        (
            "persona::versions::publish",
            |fx, tag| {
                let agent = format!("pub-{}", tag.replace('_', "-"));
                let owner = fx.owner.clone();
                persona_studio::persona::versions::create_draft(
                    &mut fx.store,
                    &owner,
                    &agent,
                    None,
                    &test_clock(),
                )
                .unwrap();
                agent
            },
            |fx, who, agent| {
                persona_studio::persona::versions::publish(&mut fx.store, who, agent, &test_clock())
                    .map(drop)
            },
        ),
        (
            "integrity::baseline::accept",
            |fx, tag| {
                let agent = format!("ws-{}", tag.replace('_', "-"));
                let dir = fx.home.path().join(&agent);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("SOUL.md"), "Be kind.\n").unwrap();
                let owner = fx.owner.clone();
                persona_studio::integrity::baseline::record(
                    &mut fx.store,
                    &owner,
                    &agent,
                    &dir,
                    &[],
                    &test_clock(),
                )
                .unwrap();
                std::fs::write(dir.join("SOUL.md"), "Be kinder.\n").unwrap();
                agent
            },
            |fx, who, agent| {
                persona_studio::integrity::baseline::accept(
                    &mut fx.store,
                    who,
                    agent,
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "integrity::attest::set_enforcement",
            |_, _| String::new(),
            |fx, who, _| {
                persona_studio::integrity::attest::set_enforcement(
                    &mut fx.store,
                    who,
                    persona_studio::integrity::attest::Enforcement::Enforce,
                    &test_clock(),
                )
            },
        ),
        (
            "catalog::create",
            |_, tag| format!("cap_{tag}"),
            |fx, who, id| {
                catalog::create(&mut fx.store, who, &manifest(id, 0, 0), &test_clock()).map(drop)
            },
        ),
        (
            "catalog::edit",
            |fx, tag| {
                let id = format!("edit_{tag}");
                fx.add_cap(&id, 0, 0);
                id
            },
            |fx, who, id| {
                let mut m = manifest(id, 0, 0);
                m.version = "1.1.0".to_owned();
                catalog::edit(&mut fx.store, who, &m, &test_clock()).map(drop)
            },
        ),
        (
            "installs::approve",
            |fx, tag| {
                let id = format!("appr_{tag}");
                fx.add_cap(&id, 0, 0);
                let customer2 = fx.customer2.clone();
                fx.request(&customer2, &id)
            },
            |fx, who, request| {
                installs::approve(
                    &mut fx.store,
                    who,
                    request,
                    &ApprovalInput::default(),
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "installs::reject",
            |fx, tag| {
                let id = format!("rej_{tag}");
                fx.add_cap(&id, 0, 0);
                let customer2 = fx.customer2.clone();
                fx.request(&customer2, &id)
            },
            |fx, who, request| {
                installs::reject(&mut fx.store, who, request, Some("not now"), &test_clock())
                    .map(drop)
            },
        ),
        (
            "installs::uninstall",
            |fx, tag| {
                let id = format!("unin_{tag}");
                fx.add_cap(&id, 0, 0);
                fx.install_as_customer(&id);
                id
            },
            |fx, who, id| installs::uninstall(&mut fx.store, who, id, &test_clock()).map(drop),
        ),
        (
            "breakglass::open",
            |fx, _| {
                fx.close_break_glass();
                String::new()
            },
            |fx, who, _| {
                breakglass::open(
                    &mut fx.store,
                    who,
                    "Production agent is down; need the fix now",
                    None,
                    &test_clock(),
                    &fx.ids,
                )
                .map(drop)
            },
        ),
        (
            "breakglass::close",
            |fx, _| {
                fx.close_break_glass();
                let owner = fx.owner.clone();
                breakglass::open(
                    &mut fx.store,
                    &owner,
                    "Production agent is down; need the fix now",
                    Some(600),
                    &test_clock(),
                    &fx.ids,
                )
                .unwrap();
                String::new()
            },
            |fx, who, _| breakglass::close(&mut fx.store, who, &test_clock()).map(drop),
        ),
        (
            "changes::transition(triage)",
            |fx, _| fx.change_in(ChangeState::Submitted),
            |fx, who, id| {
                changes::transition(
                    &mut fx.store,
                    who,
                    id,
                    ChangeAction::Triage,
                    None,
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "changes::transition(approve)",
            |fx, _| fx.change_in(ChangeState::Triage),
            |fx, who, id| {
                changes::transition(
                    &mut fx.store,
                    who,
                    id,
                    ChangeAction::Approve,
                    None,
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "changes::transition(reject)",
            |fx, _| fx.change_in(ChangeState::Triage),
            |fx, who, id| {
                changes::transition(
                    &mut fx.store,
                    who,
                    id,
                    ChangeAction::Reject,
                    None,
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "changes::transition(apply)",
            |fx, _| fx.change_in(ChangeState::Approved),
            |fx, who, id| {
                changes::transition(
                    &mut fx.store,
                    who,
                    id,
                    ChangeAction::Apply,
                    None,
                    &test_clock(),
                )
                .map(drop)
            },
        ),
        (
            "members::add_member",
            |_, tag| format!("New {tag}"),
            |fx, who, name| {
                members::add_member(
                    &mut fx.store,
                    who,
                    &NewMember {
                        display_name: name.to_owned(),
                        role: Role::Customer,
                        passphrase: None,
                    },
                    &test_clock(),
                    &fx.ids,
                )
                .map(drop)
            },
        ),
    ]
}

#[test]
fn every_privileged_function_as_each_role() {
    let mut fx = fixture("roles");
    let roles = [
        ("owner", fx.owner.clone(), "ok"),
        ("admin", fx.admin.clone(), "ok"),
        ("customer", fx.customer.clone(), "forbidden"),
        ("locked owner", fx.locked_owner.clone(), "locked"),
        ("owner without passphrase", fx.bare_owner.clone(), "locked"),
    ];
    for (name, prepare, act) in privileged_cases() {
        for (role_name, actor, expected) in &roles {
            let tag = format!("{}_{}", name.len(), role_name.replace(' ', "_"));
            let target = prepare(&mut fx, &tag);
            let before = fx.audit_count();
            let result = act(&mut fx, actor, &target);
            let after = fx.audit_count();
            match (*expected, &result) {
                ("ok", Ok(())) => {
                    assert_eq!(after, before + 1, "{name} as {role_name}: one audit entry")
                }
                ("forbidden", Err(Error::Forbidden { .. })) => {
                    assert_eq!(after, before, "{name} as {role_name}: nothing written")
                }
                ("locked", Err(e @ (Error::Locked(_) | Error::NoPassphrase { .. }))) => {
                    assert_eq!(e.code(), "locked");
                    assert_eq!(after, before, "{name} as {role_name}: nothing written");
                    let message = e.to_string();
                    if *role_name == "owner without passphrase" {
                        assert!(message.contains("none yet"), "{message}");
                    } else {
                        assert!(message.contains("you are locked"), "{message}");
                    }
                    // The core speaks of the domain; the CLI and the app add their own hints.
                    assert!(!message.contains("persona-studio "), "{message}");
                }
                _ => panic!("{name} as {role_name}: expected {expected}, got {result:?}"),
            }
        }
    }
    assert!(crate::support::verified_entries(fx.store.conn(), &fx.owner.tenant_id).unwrap() > 40);
}

#[test]
fn a_customer_role_in_the_actor_cannot_be_upgraded_by_the_caller() {
    let mut fx = fixture("forged");
    // The role is read from SQLite, not trusted from the Actor value.
    let forged = Actor {
        role: Role::Owner,
        ..fx.customer.clone()
    };
    let err = catalog::create(
        &mut fx.store,
        &forged,
        &manifest("forged", 0, 0),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
}

#[test]
fn unlocking_needs_the_passphrase_and_ends_by_clock_or_lock() {
    let mut fx = fixture("unlock");
    let owner = fx.locked_owner.clone();
    let status = members::unlock_status(&fx.store, &owner, test_clock().now()).unwrap();
    assert!(!status.unlocked && status.has_passphrase);

    let before = fx.audit_count();
    let err = members::unlock(
        &mut fx.store,
        &owner,
        &pw("wrong guess!"),
        None,
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "wrong_passphrase");
    assert_eq!(fx.audit_count(), before + 1, "a failed unlock is audited");
    assert_eq!(fx.audit_kinds().last().unwrap().0, "member.unlock_failed");

    let status = members::unlock(
        &mut fx.store,
        &owner,
        &pw("locked owner pw"),
        None,
        &test_clock(),
    )
    .unwrap();
    assert_eq!(
        status.unlocked_until,
        Some(
            test_clock()
                .now()
                .plus_millis(members::DEFAULT_UNLOCK_SECS * 1000)
        )
    );
    let create = |fx: &mut Fixture, id: &str, minutes: i64| {
        catalog::create(&mut fx.store, &owner, &manifest(id, 0, 0), &at(minutes))
    };
    create(&mut fx, "while_unlocked", 14).unwrap();
    let err = create(&mut fx, "after_timeout", 15).unwrap_err();
    assert_eq!(err.code(), "locked");
    assert!(err.to_string().contains("ended at"), "{err}");

    members::unlock(
        &mut fx.store,
        &owner,
        &pw("locked owner pw"),
        Some(3600),
        &at(20),
    )
    .unwrap();
    create(&mut fx, "unlocked_again", 21).unwrap();
    members::lock(&mut fx.store, &owner, &at(22)).unwrap();
    assert_eq!(
        create(&mut fx, "after_lock", 23).unwrap_err().code(),
        "locked"
    );

    // Out-of-range timeouts are bad input.
    let err = members::unlock(
        &mut fx.store,
        &owner,
        &pw("locked owner pw"),
        Some(9 * 3600),
        &at(24),
    )
    .unwrap_err();
    assert!(err.is_bad_input(), "{err}");
}

#[test]
fn passphrases_are_stored_only_as_argon2id_verifiers() {
    let mut fx = fixture("verifier");
    let verifier: String = fx
        .store
        .conn()
        .query_row(
            "SELECT verifier FROM member_credentials WHERE tenant_id = ?1 AND member_id = ?2",
            [&fx.owner.tenant_id, &fx.owner.member_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        verifier.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{verifier}"
    );
    // Changing it needs the current one.
    let owner = fx.owner.clone();
    let err = members::set_passphrase(
        &mut fx.store,
        &owner,
        None,
        &pw("a new passphrase"),
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "denied");
    let err = members::set_passphrase(
        &mut fx.store,
        &owner,
        Some(&pw("not the current")),
        &pw("a new passphrase"),
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "wrong_passphrase");
    let err = members::set_passphrase(
        &mut fx.store,
        &owner,
        Some(&pw(OWNER_PW)),
        &pw("short"),
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(err.is_bad_input());
    members::set_passphrase(
        &mut fx.store,
        &owner,
        Some(&pw(OWNER_PW)),
        &pw("a new passphrase"),
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    // A new passphrase ends the old unlock.
    assert!(
        !members::unlock_status(&fx.store, &owner, test_clock().now())
            .unwrap()
            .unlocked
    );
    drop(fx.store);
    // No passphrase appears anywhere in the database files.
    for entry in std::fs::read_dir(fx.home.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for secret in [OWNER_PW, ADMIN_PW, "a new passphrase", "locked owner pw"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} leaked"
            );
        }
    }
}

#[test]
fn switching_members_ends_every_unlock() {
    let mut fx = fixture("switch");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    let as_customer =
        members::switch(&mut fx.store, &owner, &customer.member_id, &test_clock()).unwrap();
    assert_eq!(as_customer.role, Role::Customer);
    assert_eq!(
        tenant::current_actor(&fx.store).unwrap().member_id,
        customer.member_id
    );
    // Switching back to the owner does not bring the earlier unlock back.
    let back = members::switch(&mut fx.store, &customer, &owner.member_id, &test_clock()).unwrap();
    let err = catalog::create(
        &mut fx.store,
        &back,
        &manifest("after_switch", 0, 0),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "locked");
    assert!(
        !members::unlock_status(&fx.store, &admin, test_clock().now())
            .unwrap()
            .unlocked
    );
    let err = members::switch(&mut fx.store, &owner, "nobody", &test_clock()).unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[test]
fn only_an_owner_adds_an_owner() {
    let mut fx = fixture("addowner");
    let admin = fx.admin.clone();
    let err = members::add_member(
        &mut fx.store,
        &admin,
        &NewMember {
            display_name: "Sneaky".to_owned(),
            role: Role::Owner,
            passphrase: None,
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "denied");
}

#[test]
fn the_requester_can_never_approve_their_own_request() {
    let mut fx = fixture("selfapprove");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    let mine = fx.request(&owner, "web_research");
    let err = installs::approve(
        &mut fx.store,
        &owner,
        &mine,
        &ApprovalInput::default(),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "denied");
    assert!(
        err.to_string().contains("cannot approve it yourself"),
        "{err}"
    );
    // Nor install it unapproved.
    let err = installs::install(&mut fx.store, &owner, &mine, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert!(err.to_string().contains("is pending"), "{err}");
    // Another privileged member can.
    let approved = installs::approve(
        &mut fx.store,
        &admin,
        &mine,
        &ApprovalInput::default(),
        &test_clock(),
    )
    .unwrap();
    assert_eq!(approved.state, InstallState::Approved);
    assert_eq!(
        approved.decided_by.as_deref(),
        Some(admin.member_id.as_str())
    );

    let theirs = fx.request(&customer, "code_review");
    let err = installs::approve(
        &mut fx.store,
        &customer,
        &theirs,
        &ApprovalInput::default(),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "forbidden");
}

#[test]
fn an_approval_is_bound_to_the_version_and_content_hash() {
    let mut fx = fixture("binding");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    fx.add_cap("bound", 1, 1000);
    let request = fx.request(&customer, "bound");
    let approved = installs::approve(
        &mut fx.store,
        &owner,
        &request,
        &ApprovalInput::default(),
        &test_clock(),
    )
    .unwrap();
    let approved_hash = approved.content_hash;
    // The content changes after approval, even with the same version.
    let mut changed = manifest("bound", 1, 1000);
    changed.scope.push("net:fetch".to_owned());
    let edited = catalog::edit(&mut fx.store, &admin, &changed, &test_clock()).unwrap();
    assert_ne!(edited.content_hash, approved_hash);
    let before = fx.audit_count();
    let err = installs::install(&mut fx.store, &customer, &request, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "hash_mismatch");
    let message = err.to_string();
    assert!(message.contains(&approved_hash.to_string()), "{message}");
    assert!(
        message.contains(&edited.content_hash.to_string()),
        "{message}"
    );
    assert_eq!(fx.audit_count(), before, "a refused install writes nothing");
    let still = installs::get(&fx.store, &owner.tenant_id, &request, test_clock().now()).unwrap();
    assert_eq!(still.state, InstallState::Approved);
    assert!(installs::installed(&fx.store, &owner.tenant_id)
        .unwrap()
        .is_empty());

    // A request made before an edit cannot be approved after it either.
    fx.add_cap("bound2", 1, 1000);
    let request2 = fx.request(&customer, "bound2");
    let mut riskier = manifest("bound2", 1, 1000);
    riskier.risk = RiskLevel::Critical;
    riskier.version = "2.0.0".to_owned();
    catalog::edit(&mut fx.store, &admin, &riskier, &test_clock()).unwrap();
    let err = installs::approve(
        &mut fx.store,
        &owner,
        &request2,
        &ApprovalInput::default(),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "hash_mismatch");

    // An unchanged edit is refused.
    let err = catalog::edit(&mut fx.store, &admin, &riskier, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "conflict");
}

#[test]
fn a_pending_request_expires_by_the_clock_and_expiry_means_deny() {
    let mut fx = fixture("expiry");
    let (owner, customer) = (fx.owner.clone(), fx.customer.clone());
    let request = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "calendar_scheduler".to_owned(),
            ttl_secs: Some(3600),
            ..Default::default()
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    assert_eq!(request.expires_at, at(60).now());
    let read = |fx: &Fixture, minutes| {
        installs::get(&fx.store, &owner.tenant_id, &request.id, at(minutes).now())
            .unwrap()
            .state
    };
    assert_eq!(read(&fx, 59), InstallState::Pending);
    assert_eq!(read(&fx, 60), InstallState::Expired);
    assert_eq!(
        installs::count_pending(&fx.store, &owner.tenant_id, at(61).now()).unwrap(),
        0
    );
    let err = installs::approve(
        &mut fx.store,
        &owner,
        &request.id,
        &ApprovalInput::default(),
        &at(61),
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert!(err.to_string().contains("is expired"), "{err}");
    assert!(err.to_string().contains("expiry means deny"), "{err}");
    // The next write records the expiry (once), then a new request may be made.
    let again = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "calendar_scheduler".to_owned(),
            ..Default::default()
        },
        &at(62),
        &fx.ids,
    )
    .unwrap();
    assert_eq!(again.state, InstallState::Pending);
    let kinds: Vec<String> = fx.audit_kinds().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "install.expired").count(), 1);
    assert_eq!(
        &kinds[kinds.len() - 2..],
        ["install.expired", "install.requested"]
    );
    let stored: String = fx
        .store
        .conn()
        .query_row(
            "SELECT state FROM install_requests WHERE id = ?1",
            [&request.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "expired");
}

#[test]
fn approvals_can_only_tighten() {
    let mut fx = fixture("tighten");
    let (owner, customer) = (fx.owner.clone(), fx.customer.clone());
    // A request may only ask for declared scope.
    let err = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "email_triage".to_owned(),
            scope: Some(vec!["mail:send".to_owned()]),
            ..Default::default()
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(err.is_bad_input(), "{err}");
    let request = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "email_triage".to_owned(),
            scope: Some(vec!["mail:read".to_owned()]),
            reason: Some("triage my inbox".to_owned()),
            ..Default::default()
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    // Widening is refused: mail:draft is declared but was not requested.
    let err = installs::approve(
        &mut fx.store,
        &owner,
        &request.id,
        &ApprovalInput {
            scope: Some(vec!["mail:read".to_owned(), "mail:draft".to_owned()]),
            ..Default::default()
        },
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "denied");
    assert!(err.to_string().contains("only tighten"), "{err}");
    // An approval with a short validity lapses.
    let approved = installs::approve(
        &mut fx.store,
        &owner,
        &request.id,
        &ApprovalInput {
            scope: Some(vec!["mail:read".to_owned()]),
            note: Some("read only".to_owned()),
            valid_for_secs: Some(600),
        },
        &test_clock(),
    )
    .unwrap();
    assert_eq!(approved.approved_scope, Some(vec!["mail:read".to_owned()]));
    let err = installs::install(&mut fx.store, &customer, &request.id, &at(11)).unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn invalid_install_transitions_name_the_current_state() {
    let mut fx = fixture("transitions");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    let request = fx.request(&customer, "web_research");
    let err = installs::install(&mut fx.store, &customer, &request, &test_clock()).unwrap_err();
    assert!(err.to_string().contains("is pending"), "{err}");
    let err = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "web_research".to_owned(),
            ..Default::default()
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("which is pending"), "{err}");
    installs::reject(&mut fx.store, &owner, &request, Some("no"), &test_clock()).unwrap();
    for result in [
        installs::approve(
            &mut fx.store,
            &admin,
            &request,
            &ApprovalInput::default(),
            &test_clock(),
        ),
        installs::reject(&mut fx.store, &admin, &request, None, &test_clock()),
        installs::install(&mut fx.store, &admin, &request, &test_clock()),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.code(), "invalid_transition");
        assert!(err.to_string().contains("is rejected"), "{err}");
    }
    let err =
        installs::uninstall(&mut fx.store, &owner, "web_research", &test_clock()).unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert!(err.to_string().contains("is rejected"), "{err}");
    let err = installs::uninstall(&mut fx.store, &owner, "code_review", &test_clock()).unwrap_err();
    assert!(err.to_string().contains("never requested"), "{err}");

    let installed = fx.install_as_customer("code_review");
    let err = installs::install(&mut fx.store, &customer, &installed, &test_clock()).unwrap_err();
    assert!(err.to_string().contains("is installed"), "{err}");
    let err = installs::request(
        &mut fx.store,
        &customer,
        &RequestInput {
            capability_id: "code_review".to_owned(),
            ..Default::default()
        },
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(err.to_string().contains("already installed"), "{err}");
    let gone = installs::uninstall(&mut fx.store, &owner, "code_review", &test_clock()).unwrap();
    assert_eq!(gone.state, InstallState::Uninstalled);
    let err = installs::uninstall(&mut fx.store, &owner, "code_review", &test_clock()).unwrap_err();
    assert!(err.to_string().contains("is uninstalled"), "{err}");
    // Someone else's approved request: a customer cannot install it.
    let other = fx.approved(&fx.customer2.clone(), "pdf_toolkit");
    let err = installs::install(&mut fx.store, &customer, &other, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    let err = installs::get(
        &fx.store,
        &owner.tenant_id,
        "no-such-request",
        test_clock().now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[test]
fn break_glass_rules_ttl_reason_and_marking() {
    let mut fx = fixture("glass");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    let reason = "Payments agent is failing; hotfix needed"; // >= 20 characters
                                                             // Reason and TTL rules.
    let short = breakglass::open(
        &mut fx.store,
        &owner,
        "too short reason",
        None,
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(
        short.is_bad_input() && short.to_string().contains("at least 20"),
        "{short}"
    );
    let long = breakglass::open(
        &mut fx.store,
        &owner,
        reason,
        Some(24 * 3600 + 1),
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(
        long.is_bad_input() && long.to_string().contains("24h"),
        "{long}"
    );
    let zero = breakglass::open(
        &mut fx.store,
        &owner,
        reason,
        Some(0),
        &test_clock(),
        &fx.ids,
    )
    .unwrap_err();
    assert!(zero.is_bad_input());
    let max = breakglass::open(
        &mut fx.store,
        &owner,
        reason,
        Some(24 * 3600),
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    assert_eq!(max.expires_at, at(24 * 60).now());
    breakglass::close(&mut fx.store, &admin, &test_clock()).unwrap();
    let err = breakglass::close(&mut fx.store, &admin, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert!(err.to_string().contains("is closed"), "{err}");

    // Default TTL is one hour.
    let opened =
        breakglass::open(&mut fx.store, &owner, reason, None, &test_clock(), &fx.ids).unwrap();
    assert_eq!(opened.expires_at, at(60).now());
    assert_eq!(opened.state, BreakGlassState::Open);
    let err =
        breakglass::open(&mut fx.store, &admin, reason, None, &test_clock(), &fx.ids).unwrap_err();
    assert_eq!(err.code(), "conflict");

    // While open: an unlocked owner's request installs at once, marked.
    let before = fx.audit_count();
    let done = installs::request(
        &mut fx.store,
        &owner,
        &RequestInput {
            capability_id: "support_inbox".to_owned(),
            ..Default::default()
        },
        &at(5),
        &fx.ids,
    )
    .unwrap();
    assert_eq!(done.state, InstallState::Installed);
    assert_eq!(done.break_glass_id.as_deref(), Some(opened.id.as_str()));
    assert_eq!(fx.audit_count(), before + 2);
    let kinds = fx.audit_kinds();
    for (kind, data) in &kinds[kinds.len() - 2..] {
        let data: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(data["break_glass"], opened.id.as_str(), "{kind}");
    }
    assert_eq!(kinds.last().unwrap().0, "install.installed");
    // A customer's request still waits for approval, but is marked too.
    let pending = fx.request(&customer, "meeting_notes");
    let (_, data) = fx.audit_kinds().pop().unwrap();
    assert!(data.contains(&opened.id), "{data}");
    // An unlocked admin may install a pending request without approval.
    let installed = installs::install(&mut fx.store, &admin, &pending, &at(6)).unwrap();
    assert_eq!(installed.state, InstallState::Installed);
    let (_, data) = fx.audit_kinds().pop().unwrap();
    assert!(data.contains("\"approval_skipped\":true"), "{data}");

    // It closes by itself when the TTL ends, with no write and no thread.
    let status = breakglass::status(&fx.store, &owner.tenant_id, at(59).now()).unwrap();
    assert!(status.open);
    assert_eq!(status.remaining_secs, Some(60));
    let status = breakglass::status(&fx.store, &owner.tenant_id, at(60).now()).unwrap();
    assert!(!status.open);
    assert_eq!(status.latest.unwrap().state, BreakGlassState::Expired);
    // After it: pending requests need approval again, and entries are not marked.
    let customer_request = fx.request(&customer, "invoice_reader");
    let err = installs::install(&mut fx.store, &admin, &customer_request, &at(61)).unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    // The first write after the lapse records it once, by `system`.
    let err = breakglass::close(&mut fx.store, &owner, &at(61)).unwrap_err();
    assert!(err.to_string().contains("is expired"), "{err}");
    installs::reject(&mut fx.store, &owner, &customer_request, None, &at(61)).unwrap();
    let kinds = fx.audit_kinds();
    let expired: Vec<_> = kinds
        .iter()
        .filter(|(k, _)| k == "breakglass.expired")
        .collect();
    assert_eq!(expired.len(), 1);
    let (_, last) = kinds.last().unwrap();
    assert!(!last.contains("break_glass"), "{last}");

    // Opening and closing are audited; closed early is closed, not expired.
    let second =
        breakglass::open(&mut fx.store, &admin, reason, Some(1800), &at(70), &fx.ids).unwrap();
    let closed = breakglass::close(&mut fx.store, &owner, &at(75)).unwrap();
    assert_eq!(closed.id, second.id);
    assert_eq!(closed.state, BreakGlassState::Closed);
    assert_eq!(closed.closed_at, Some(at(75).now()));
    let kinds: Vec<String> = fx.audit_kinds().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "breakglass.opened").count(),
        3
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "breakglass.closed").count(),
        2
    );
    assert_eq!(
        breakglass::list(&fx.store, &owner.tenant_id, at(80).now())
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        breakglass::parse_duration_secs("--ttl", "1h").unwrap(),
        breakglass::DEFAULT_TTL_SECS
    );
}

#[test]
fn quota_refusals_give_the_numbers_and_the_next_tier() {
    let mut fx = fixture("quota"); // Pro: 3 slots, 1 GiB
    let owner = fx.owner.clone();
    fx.install_as_customer("web_research");
    fx.install_as_customer("code_review");
    fx.install_as_customer("meeting_notes");
    let usage = quota::usage(&fx.store, &owner.tenant_id).unwrap();
    assert_eq!(
        (usage.slots_used, usage.slots_limit, usage.installed),
        (3, 3, 3)
    );
    assert_eq!(usage.storage_used, (3 + 8 + 2) * 1024 * 1024);
    let customer = fx.customer.clone();
    let request = fx.approved(&customer, "email_triage");
    let err = installs::install(&mut fx.store, &customer, &request, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "quota_exceeded");
    assert_eq!(
        err.to_string(),
        "3 of 3 ability slots are used on Pro. Uninstall one, or move to Business for 10 slots."
    );
    // A two-slot capability says how many it needs.
    installs::uninstall(&mut fx.store, &owner, "meeting_notes", &test_clock()).unwrap();
    let chromium = fx.approved(&customer, "uplay_chromium");
    let err = installs::install(&mut fx.store, &customer, &chromium, &test_clock()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 of 3 ability slots are used on Pro and uplay_chromium needs 2. Uninstall one, or move to Business for 10 slots."
    );
    // Usage is recomputed from installed rows: the uninstall freed a slot.
    installs::install(&mut fx.store, &customer, &request, &test_clock()).unwrap();
    assert_eq!(
        quota::usage(&fx.store, &owner.tenant_id)
            .unwrap()
            .slots_used,
        3
    );
}

#[test]
fn storage_quota_refusal_has_the_numbers() {
    let mut fx = fixture_with("storage", Tier::Free); // Free: 2 slots, 100 MiB
    let customer = fx.customer.clone();
    let request = fx.approved(&customer, "voice_tts_stt");
    let err = installs::install(&mut fx.store, &customer, &request, &test_clock()).unwrap_err();
    assert_eq!(err.code(), "quota_exceeded");
    assert_eq!(
        err.to_string(),
        "0 bytes of 100 MiB storage is used on Free and voice_tts_stt needs 180 MiB, 80 MiB more than is free. Uninstall something, or move to Pro for 1 GiB."
    );
    // Business is the top tier: no upgrade to suggest.
    assert!(quota::next_tier(Tier::Business).is_none());
    assert_eq!(quota::limits(Tier::Business).slots, 10);
}

#[test]
fn change_requests_move_through_their_states_with_comments() {
    let mut fx = fixture("changes");
    let (owner, admin, customer, customer2) = (
        fx.owner.clone(),
        fx.admin.clone(),
        fx.customer.clone(),
        fx.customer2.clone(),
    );
    let clock = test_clock();
    let bad = changes::submit(
        &mut fx.store,
        &customer,
        &NewChange {
            title: "  ".to_owned(),
            ..Default::default()
        },
        &clock,
        &fx.ids,
    )
    .unwrap_err();
    assert!(bad.is_bad_input());
    let id = fx.change_in(ChangeState::Submitted);
    let step = |fx: &mut Fixture, who: &Actor, action| {
        changes::transition(&mut fx.store, who, &id, action, Some("noted"), &clock)
    };
    for (action, from) in [
        (ChangeAction::Approve, "submitted"),
        (ChangeAction::Reject, "submitted"),
        (ChangeAction::Apply, "submitted"),
    ] {
        let err = step(&mut fx, &owner, action).unwrap_err();
        assert_eq!(err.code(), "invalid_transition");
        assert!(err.to_string().contains(&format!("is {from}")), "{err}");
    }
    assert_eq!(
        step(&mut fx, &customer, ChangeAction::Triage)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        step(&mut fx, &owner, ChangeAction::Triage).unwrap().state,
        ChangeState::Triage
    );
    let err = step(&mut fx, &owner, ChangeAction::Triage).unwrap_err();
    assert!(err.to_string().contains("is triage"), "{err}");
    let err = step(&mut fx, &owner, ChangeAction::Apply).unwrap_err();
    assert!(
        err.to_string().contains("only when it is approved"),
        "{err}"
    );

    // Comments: the requester and unlocked owners or admins, not other customers.
    changes::comment(
        &mut fx.store,
        &customer,
        &id,
        "Thanks, any update?",
        &clock,
        &fx.ids,
    )
    .unwrap();
    changes::comment(
        &mut fx.store,
        &admin,
        &id,
        "Looking at it.",
        &clock,
        &fx.ids,
    )
    .unwrap();
    let err =
        changes::comment(&mut fx.store, &customer2, &id, "me too", &clock, &fx.ids).unwrap_err();
    assert_eq!(err.code(), "denied");
    let err = changes::comment(
        &mut fx.store,
        &fx.locked_owner.clone(),
        &id,
        "hi",
        &clock,
        &fx.ids,
    )
    .unwrap_err();
    assert_eq!(err.code(), "denied");

    assert_eq!(
        step(&mut fx, &admin, ChangeAction::Approve).unwrap().state,
        ChangeState::Approved
    );
    assert_eq!(changes::count_open(&fx.store, &owner.tenant_id).unwrap(), 1);
    let applied = step(&mut fx, &owner, ChangeAction::Apply).unwrap();
    assert_eq!(applied.state, ChangeState::Applied);
    assert_eq!(applied.comments, 2);
    let err = step(&mut fx, &owner, ChangeAction::Reject).unwrap_err();
    assert!(err.to_string().contains("is applied"), "{err}");
    assert_eq!(changes::count_open(&fx.store, &owner.tenant_id).unwrap(), 0);

    let rejected = fx.change_in(ChangeState::Rejected);
    let err = changes::transition(
        &mut fx.store,
        &owner,
        &rejected,
        ChangeAction::Apply,
        None,
        &clock,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is rejected"), "{err}");

    let detail = changes::get(&fx.store, &owner.tenant_id, &id).unwrap();
    assert_eq!(detail.comments.len(), 2);
    assert_eq!(detail.comments[0].body, "Thanks, any update?");
    assert_eq!(
        changes::list(&fx.store, &owner.tenant_id, false, None)
            .unwrap()
            .len(),
        2
    );
    assert!(changes::list(&fx.store, &owner.tenant_id, true, None)
        .unwrap()
        .is_empty());
    assert_eq!(
        changes::list(&fx.store, &owner.tenant_id, false, Some("WARMER"))
            .unwrap()
            .len(),
        2
    );
    let kinds: Vec<String> = fx.audit_kinds().into_iter().map(|(k, _)| k).collect();
    for kind in [
        "change.submitted",
        "change.triaged",
        "change.approved",
        "change.rejected",
        "change.applied",
        "change.commented",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind}");
    }
}

#[test]
fn the_catalog_ships_real_entries_and_only_privileged_members_change_it() {
    let mut fx = fixture("catalog");
    let tenant = fx.owner.tenant_id.clone();
    let all = catalog::list(&fx.store, &tenant, &CatalogFilter::default()).unwrap();
    assert_eq!(all.len(), catalog::starter_catalog().unwrap().len());
    assert_eq!(catalog::count(&fx.store, &tenant).unwrap(), 20);
    let chromium = catalog::get(&fx.store, &tenant, "uplay_chromium").unwrap();
    assert_eq!(chromium.manifest.kind, CapabilityKind::Device);
    assert_eq!(
        chromium.content_hash,
        catalog::content_hash(&chromium.manifest).unwrap()
    );
    let voice = catalog::list(
        &fx.store,
        &tenant,
        &CatalogFilter {
            kind: Some(CapabilityKind::Device),
            query: Some("Voice".to_owned()),
        },
    )
    .unwrap();
    assert!(
        voice.iter().any(|c| c.manifest.id == "voice_tts_stt"),
        "{voice:?}"
    );
    // Bad manifests are bad input.
    let admin = fx.admin.clone();
    for broken in [
        CapabilityManifest {
            id: "Bad Id".to_owned(),
            ..manifest("x", 0, 0)
        },
        CapabilityManifest {
            scope: vec![],
            ..manifest("x", 0, 0)
        },
        CapabilityManifest {
            slots: 11,
            ..manifest("x", 0, 0)
        },
        CapabilityManifest {
            version: String::new(),
            ..manifest("x", 0, 0)
        },
    ] {
        let err = catalog::create(&mut fx.store, &admin, &broken, &test_clock()).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
    }
    let err = catalog::create(
        &mut fx.store,
        &admin,
        &manifest("web_research", 0, 0),
        &test_clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "conflict");
    // ensure_starter is a no-op once seeded.
    assert_eq!(
        catalog::ensure_starter(&mut fx.store, &admin, &test_clock()).unwrap(),
        0
    );
}

#[test]
fn self_access_shows_the_governance_state() {
    let mut fx = fixture("selfaccess");
    let (owner, customer) = (fx.owner.clone(), fx.customer.clone());
    fx.install_as_customer("web_research");
    fx.request(&customer, "code_review");
    fx.change_in(ChangeState::Triage);
    fx.change_in(ChangeState::Applied);
    breakglass::open(
        &mut fx.store,
        &owner,
        "Support backlog emergency this morning",
        Some(1800),
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    let context = tenant::self_access(&fx.store, &at(1)).unwrap();
    assert_eq!(context.member.role, Role::Owner);
    assert!(context.unlock.unlocked);
    assert_eq!(context.quota.slots_used, 1);
    assert_eq!(context.quota.slots_limit, 3);
    assert_eq!(context.installed.len(), 1);
    assert_eq!(context.installed[0].capability_id, "web_research");
    assert_eq!(context.counts.installed_capabilities, 1);
    assert_eq!(context.pending_requests.len(), 1);
    assert_eq!(context.counts.pending_requests, 1);
    assert!(context.break_glass.open);
    assert_eq!(context.open_changes.len(), 1);
    assert_eq!(context.counts.open_change_requests, 1);
    assert_eq!(context.counts.catalog_entries, 20);
    assert_eq!(context.counts.members, 6);
    // Later: break-glass over, the request expired (7 days), the unlock ended.
    let later = tenant::self_access(&fx.store, &at(8 * 24 * 60)).unwrap();
    assert!(!later.break_glass.open);
    assert!(later.pending_requests.is_empty());
    assert!(!later.unlock.unlocked);
    let json = serde_json::to_string(&later).unwrap();
    assert!(!json.contains(OWNER_PW));
}

#[test]
fn a_full_scenario_leaves_an_intact_audit_chain() {
    let mut fx = fixture("chain");
    let (owner, admin, customer) = (fx.owner.clone(), fx.admin.clone(), fx.customer.clone());
    fx.add_cap("scenario_cap", 1, 4096);
    let request = fx.install_as_customer("scenario_cap");
    let rejected = fx.request(&customer, "crm_sync");
    installs::reject(
        &mut fx.store,
        &admin,
        &rejected,
        Some("too risky"),
        &test_clock(),
    )
    .unwrap();
    breakglass::open(
        &mut fx.store,
        &admin,
        "Incident 4711: agent stuck in a loop",
        None,
        &test_clock(),
        &fx.ids,
    )
    .unwrap();
    installs::uninstall(&mut fx.store, &owner, "scenario_cap", &at(1)).unwrap();
    fx.request(&customer, "web_research");
    fx.change_in(ChangeState::Applied);
    // Let the break-glass override and the pending request lapse, then write.
    fx.change_in(ChangeState::Submitted);
    changes::submit(
        &mut fx.store,
        &customer,
        &NewChange {
            title: "After the lapse".to_owned(),
            ..Default::default()
        },
        &at(8 * 24 * 60),
        &fx.ids,
    )
    .unwrap();
    let kinds: Vec<String> = fx.audit_kinds().into_iter().map(|(k, _)| k).collect();
    for kind in [
        "tenant.created",
        "member.passphrase_set",
        "member.unlocked",
        "member.added",
        "capability.created",
        "install.requested",
        "install.approved",
        "install.installed",
        "install.rejected",
        "install.uninstalled",
        "install.expired",
        "breakglass.opened",
        "breakglass.expired",
        "change.submitted",
        "change.applied",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "missing {kind}");
    }
    let tenant = owner.tenant_id.clone();
    let n = crate::support::verified_entries(fx.store.conn(), &tenant).unwrap();
    assert_eq!(n, u64::try_from(fx.audit_count()).unwrap());
    assert_eq!(
        installs::get(&fx.store, &tenant, &request, at(2).now())
            .unwrap()
            .state,
        InstallState::Uninstalled
    );
    // Tampering with any entry breaks the chain.
    fx.store
        .conn()
        .execute(
            "UPDATE audit_log SET data = replace(data, 'too risky', 'fine') WHERE tenant_id = ?1",
            [&tenant],
        )
        .unwrap();
    let err = crate::support::verified_entries(fx.store.conn(), &tenant).unwrap_err();
    assert!(err.contains("does not match its hash"), "{err}");
    fx.store
        .conn()
        .execute(
            "DELETE FROM audit_log WHERE tenant_id = ?1 AND seq = 2",
            [&tenant],
        )
        .unwrap();
    let err = crate::support::verified_entries(fx.store.conn(), &tenant).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn the_starter_catalog_is_recorded_with_tenant_creation_in_one_entry() {
    let home = TestHome::new();
    let (store, _) = home.init_bare("Acme");
    let tenant = tenant::current_actor(&store).unwrap().tenant_id;
    assert_eq!(audit::count(store.conn(), &tenant).unwrap(), 1);
    let data: String = store
        .conn()
        .query_row(
            "SELECT data FROM audit_log WHERE tenant_id = ?1",
            [&tenant],
            |r| r.get(0),
        )
        .unwrap();
    assert!(data.contains("\"starter_catalog\""), "{data}");
    assert_eq!(catalog::count(&store, &tenant).unwrap(), 20);
}
