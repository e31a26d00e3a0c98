//! What several benchmarks set up the same way: a data folder with one tenant whose owner has a
//! passphrase and is unlocked (owner actions need proof of identity), and the median of samples.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // Each bench uses part of it.

use persona_studio::clock::Clock;
use persona_studio::home::Home;
use persona_studio::ids::IdSource;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use persona_studio::tenant::{self, members, Actor, InitRequest, Tier};

/// A new tenant "Bench" in `home` (tier `tier`), its owner unlocked for `unlock_secs` seconds.
pub fn unlocked_owner(
    home: &Home,
    tier: Tier,
    unlock_secs: i64,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> (Store, Actor) {
    let mut store = Store::open(home).unwrap();
    let request = InitRequest {
        tenant_name: "Bench".to_owned(),
        owner_name: "Ada".to_owned(),
        tier,
    };
    tenant::init(&mut store, &request, clock, ids).unwrap();
    let owner = tenant::current_actor(&store).unwrap();
    let passphrase = Sensitive::new("bench owner passphrase".to_owned());
    members::set_passphrase(&mut store, &owner, None, &passphrase, clock, ids).unwrap();
    members::unlock(&mut store, &owner, &passphrase, Some(unlock_secs), clock).unwrap();
    (store, owner)
}

/// The median of `samples` (the upper one of an even count).
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
