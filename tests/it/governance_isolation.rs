//! Tenant isolation: two tenants in one database, both with data in every governance table.
//! No list, get, count or search from one returns anything of the other, and no write by one
//! reaches the other's rows.

use persona_studio::audit;
use persona_studio::clock::Clock;
use persona_studio::governance::breakglass;
use persona_studio::governance::catalog::{self, CatalogFilter};
use persona_studio::governance::changes::{self, ChangeAction, NewChange};
use persona_studio::governance::installs::{self, ApprovalInput, InstallState, RequestInput};
use persona_studio::governance::quota;
use persona_studio::ids::SequentialIds;
use persona_studio::store::Store;
use persona_studio::tenant::members::{self, NewMember};
use persona_studio::tenant::{self, Actor, Role};
use persona_studio::Error;
use serde::Serialize;

use crate::governance::{fixture, manifest, pw, Fixture};
use crate::support::test_clock;

/// Everything of `tenant` that a read function returns, as one JSON text.
fn everything_visible(store: &Store, tenant: &str, probe_ids: &[String]) -> String {
    let now = test_clock().now();
    let mut parts: Vec<String> = Vec::new();
    fn push<T: Serialize>(parts: &mut Vec<String>, value: &T) {
        parts.push(serde_json::to_string(value).unwrap());
    }
    push(
        &mut parts,
        &catalog::list(store, tenant, &CatalogFilter::default()).unwrap(),
    );
    push(&mut parts, &catalog::count(store, tenant).unwrap());
    for query in ["tenantb", "secret", "zz"] {
        push(
            &mut parts,
            &catalog::list(
                store,
                tenant,
                &CatalogFilter {
                    kind: None,
                    query: Some(query.to_owned()),
                },
            )
            .unwrap(),
        );
        push(
            &mut parts,
            &changes::list(store, tenant, false, Some(query)).unwrap(),
        );
    }
    push(
        &mut parts,
        &installs::list(store, tenant, None, now).unwrap(),
    );
    for state in [
        InstallState::Pending,
        InstallState::Installed,
        InstallState::Rejected,
    ] {
        push(
            &mut parts,
            &installs::list(store, tenant, Some(state), now).unwrap(),
        );
    }
    push(&mut parts, &installs::installed(store, tenant).unwrap());
    push(
        &mut parts,
        &installs::count_pending(store, tenant, now).unwrap(),
    );
    push(&mut parts, &quota::usage(store, tenant).unwrap());
    push(&mut parts, &breakglass::status(store, tenant, now).unwrap());
    push(&mut parts, &breakglass::list(store, tenant, now).unwrap());
    push(
        &mut parts,
        &changes::list(store, tenant, false, None).unwrap(),
    );
    push(
        &mut parts,
        &changes::list(store, tenant, true, None).unwrap(),
    );
    push(&mut parts, &changes::count_open(store, tenant).unwrap());
    push(&mut parts, &members::list(store, tenant, now).unwrap());
    push(&mut parts, &audit::count(store.conn(), tenant).unwrap());
    // Every get with the other tenant's ids is not found.
    for id in probe_ids {
        for result in [
            catalog::get(store, tenant, id).map(drop),
            installs::get(store, tenant, id, now).map(drop),
            breakglass::get(store, tenant, id, now).map(drop),
            changes::get(store, tenant, id).map(drop),
            members::get(store, tenant, id, now).map(drop),
        ] {
            match result {
                Err(Error::NotFound { .. }) => {}
                other => panic!("get of {id} from {tenant}: {other:?}"),
            }
        }
    }
    parts.join("\n")
}

/// Adds tenant B next to A in the same database (init makes only the local tenant), with an
/// owner, an admin and a customer; then B gets its catalog through the core.
fn add_tenant_b(fx: &mut Fixture, ids: &SequentialIds) -> (Actor, Actor, Actor) {
    let now = test_clock().now().to_string();
    for sql in [
        "INSERT INTO tenants (id, name, tier, created_at) VALUES ('tenantb', 'TenantB Corp', 'business', ?1)",
        "INSERT INTO members (tenant_id, id, display_name, role, created_at) VALUES ('tenantb', 'tenantb-owner', 'TenantB Owner', 'owner', ?1)",
        "INSERT INTO members (tenant_id, id, display_name, role, created_at) VALUES ('tenantb', 'tenantb-admin', 'TenantB Admin', 'admin', ?1)",
        "INSERT INTO members (tenant_id, id, display_name, role, created_at) VALUES ('tenantb', 'tenantb-customer', 'TenantB Customer', 'customer', ?1)",
    ] {
        fx.store.conn().execute(sql, [&now]).unwrap();
    }
    let actor = |id: &str, role| Actor {
        tenant_id: "tenantb".to_owned(),
        member_id: id.to_owned(),
        role,
    };
    let (owner, admin, customer) = (
        actor("tenantb-owner", Role::Owner),
        actor("tenantb-admin", Role::Admin),
        actor("tenantb-customer", Role::Customer),
    );
    let clock = test_clock();
    for who in [&owner, &admin] {
        // The owner sets their own first passphrase; the admin's is set by the unlocked owner.
        if who.role == Role::Owner {
            members::set_passphrase(
                &mut fx.store,
                who,
                None,
                &pw("tenantb passphrase"),
                &clock,
                ids,
            )
            .unwrap();
        } else {
            members::set_first_passphrase(
                &mut fx.store,
                &owner,
                &who.member_id,
                &pw("tenantb passphrase"),
                &clock,
                ids,
            )
            .unwrap();
        }
        members::unlock(
            &mut fx.store,
            who,
            &pw("tenantb passphrase"),
            Some(3600),
            &clock,
        )
        .unwrap();
    }
    assert_eq!(
        catalog::ensure_starter(&mut fx.store, &owner, &clock).unwrap(),
        20
    );
    (owner, admin, customer)
}

#[test]
fn two_tenants_never_see_each_other() {
    let mut fx = fixture("tenanta");
    let (a_owner, a_customer) = (fx.owner.clone(), fx.customer.clone());
    let a = a_owner.tenant_id.clone();
    // Tenant A's own activity.
    fx.add_cap("alpha_tool", 1, 1024);
    fx.install_as_customer("alpha_tool");
    fx.request(&a_customer, "web_research");
    fx.change_in(persona_studio::governance::changes::ChangeState::Triage);
    let a_before = everything_visible(&fx.store, &a, &[]);
    let a_audit_before = audit::count(fx.store.conn(), &a).unwrap();

    // Tenant B, with data in every table, ids and text marked "tenantb".
    let b_ids = SequentialIds::new("tenantb");
    let (b_owner, b_admin, b_customer) = add_tenant_b(&mut fx, &b_ids);
    let clock = test_clock();
    let b_cap = catalog::create(
        &mut fx.store,
        &b_admin,
        &manifest("tenantb_secret_tool", 1, 2048),
        &clock,
    )
    .unwrap();
    let b_req = installs::request(
        &mut fx.store,
        &b_customer,
        &RequestInput {
            capability_id: "tenantb_secret_tool".to_owned(),
            reason: Some("tenantb secret reason".to_owned()),
            ..Default::default()
        },
        &clock,
        &b_ids,
    )
    .unwrap();
    installs::approve(
        &mut fx.store,
        &b_owner,
        &b_req.id,
        &ApprovalInput::default(),
        &clock,
    )
    .unwrap();
    installs::install(&mut fx.store, &b_customer, &b_req.id, &clock).unwrap();
    // The same starter capability, pending in B and pending in A: separate rows.
    let b_pending = installs::request(
        &mut fx.store,
        &b_customer,
        &RequestInput {
            capability_id: "web_research".to_owned(),
            reason: Some("tenantb wants research".to_owned()),
            ..Default::default()
        },
        &clock,
        &b_ids,
    )
    .unwrap();
    let b_member = members::add_member(
        &mut fx.store,
        &b_owner,
        &NewMember {
            display_name: "TenantB Newcomer".to_owned(),
            role: Role::Customer,
            passphrase: None,
        },
        &clock,
        &b_ids,
    )
    .unwrap();
    let b_change = changes::submit(
        &mut fx.store,
        &b_customer,
        &NewChange {
            title: "tenantb secret change".to_owned(),
            description: "tenantb only".to_owned(),
            target_preset: Some("tenantb-preset".to_owned()),
            target_agent: None,
        },
        &clock,
        &b_ids,
    )
    .unwrap();
    changes::comment(
        &mut fx.store,
        &b_customer,
        &b_change.id,
        "tenantb comment",
        &clock,
        &b_ids,
    )
    .unwrap();
    changes::transition(
        &mut fx.store,
        &b_owner,
        &b_change.id,
        ChangeAction::Triage,
        None,
        &clock,
    )
    .unwrap();
    let b_glass = breakglass::open(
        &mut fx.store,
        &b_owner,
        "tenantb emergency, agents are down",
        None,
        &clock,
        &b_ids,
    )
    .unwrap();

    // A sees exactly what it saw before B existed: nothing of B in any list, count or search.
    let probes: Vec<String> = [
        b_cap.manifest.id.clone(),
        b_req.id.clone(),
        b_pending.id.clone(),
        b_member.id.clone(),
        b_change.id.clone(),
        b_glass.id.clone(),
        b_owner.member_id.clone(),
        b_customer.member_id.clone(),
    ]
    .into();
    let a_after = everything_visible(&fx.store, &a, &probes);
    assert_eq!(a_after, a_before);
    assert!(!a_after.to_lowercase().contains("tenantb"), "{a_after}");
    assert_eq!(audit::count(fx.store.conn(), &a).unwrap(), a_audit_before);
    assert!(!breakglass::status(&fx.store, &a, clock.now()).unwrap().open);
    let a_self = serde_json::to_string(&tenant::self_access(&fx.store, &clock).unwrap()).unwrap();
    assert!(!a_self.to_lowercase().contains("tenantb"), "{a_self}");
    assert_eq!(quota::usage(&fx.store, &a).unwrap().installed, 1);

    // B sees its own, and nothing of A.
    let a_probes: Vec<String> = vec![
        "alpha_tool".to_owned(),
        a_owner.member_id.clone(),
        a_customer.member_id.clone(),
    ];
    let b_view = everything_visible(&fx.store, "tenantb", &a_probes);
    assert!(!b_view.contains("tenanta"), "{b_view}");
    assert!(!b_view.contains("alpha_tool"));
    assert!(b_view.contains("tenantb_secret_tool"));
    assert_eq!(quota::usage(&fx.store, "tenantb").unwrap().installed, 1);
    assert_eq!(
        installs::count_pending(&fx.store, "tenantb", clock.now()).unwrap(),
        1
    );
    assert_eq!(changes::count_open(&fx.store, "tenantb").unwrap(), 1);

    // Writes across tenants find nothing: A's unlocked owner cannot touch B's rows, even while
    // B's break-glass is open (A's own installs still need approval).
    for result in [
        installs::approve(
            &mut fx.store,
            &a_owner,
            &b_pending.id,
            &ApprovalInput::default(),
            &clock,
        )
        .map(drop),
        installs::reject(&mut fx.store, &a_owner, &b_pending.id, None, &clock).map(drop),
        installs::install(&mut fx.store, &a_owner, &b_pending.id, &clock).map(drop),
        installs::uninstall(&mut fx.store, &a_owner, "tenantb_secret_tool", &clock).map(drop),
        changes::transition(
            &mut fx.store,
            &a_owner,
            &b_change.id,
            ChangeAction::Approve,
            None,
            &clock,
        )
        .map(drop),
        changes::comment(&mut fx.store, &a_owner, &b_change.id, "hi", &clock, &fx.ids).map(drop),
        members::switch(&mut fx.store, &a_owner, &b_member.id, &clock).map(drop),
    ] {
        assert_eq!(result.unwrap_err().code(), "not_found");
    }
    let pending_a =
        installs::list(&fx.store, &a, Some(InstallState::Pending), clock.now()).unwrap();
    let err = installs::install(&mut fx.store, &a_owner, &pending_a[0].id, &clock).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_transition",
        "B's break-glass does not open A"
    );
    // An actor claiming tenant A with B's member id is unknown in A.
    let mixed = Actor {
        tenant_id: a.clone(),
        member_id: b_owner.member_id.clone(),
        role: Role::Owner,
    };
    let err = catalog::create(&mut fx.store, &mixed, &manifest("mixed", 0, 0), &clock).unwrap_err();
    assert_eq!(err.code(), "not_found");

    // Both chains are intact and separate.
    assert_eq!(
        crate::support::verified_entries(fx.store.conn(), &a).unwrap(),
        u64::try_from(audit::count(fx.store.conn(), &a).unwrap()).unwrap()
    );
    assert!(crate::support::verified_entries(fx.store.conn(), "tenantb").unwrap() >= 10);
}
