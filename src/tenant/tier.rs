//! Changing a tenant's tier: the owner's decision, audited, and never below what is installed.

use rusqlite::params;
use serde_json::json;

use crate::audit;
use crate::auth::members::require_unlocked_owner;
use crate::auth::{Actor, Tier};
use crate::clock::Clock;
use crate::governance::quota::{self, QuotaUsage};
use crate::store::Store;
use crate::{Error, Result};

/// Moves the actor's tenant to `tier`: the owner only, unlocked, with one `tenant.tier_changed`
/// audit entry (`from`, `to`). A smaller tier must still hold what is installed; requests
/// still waiting are not counted (they are reported by [`QuotaUsage::overcommitted`]).
/// Returns the usage under the new tier. Choosing the current tier changes nothing and
/// records nothing.
///
/// Errors: `forbidden` (an admin or customer), `locked`, `quota_exceeded` with the numbers.
pub fn set_tier(
    store: &mut Store,
    actor: &Actor,
    tier: Tier,
    clock: &dyn Clock,
) -> Result<QuotaUsage> {
    let now = clock.now();
    require_unlocked_owner(store.conn(), actor, now, "change the tier")?;
    store.write(|tx| {
        let usage = quota::usage_in(tx, &actor.tenant_id)?;
        if usage.tier == tier {
            return Ok(());
        }
        let limits = quota::limits(tier);
        let label = quota::tier_label(tier);
        if usage.slots_used > limits.slots || usage.storage_used > limits.storage_bytes {
            return Err(Error::QuotaExceeded(format!(
                "{} ability slots and {} are installed; {label} allows {} slots and {}. Uninstall some first.",
                usage.slots_used,
                quota::format_bytes(usage.storage_used),
                limits.slots,
                quota::format_bytes(limits.storage_bytes)
            )));
        }
        tx.execute(
            "UPDATE tenants SET tier = ?1 WHERE id = ?2",
            params![tier.as_str(), actor.tenant_id],
        )?;
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "tenant.tier_changed",
            json!({"from": usage.tier.as_str(), "to": tier.as_str()}),
            now,
        )?;
        Ok(())
    })?;
    quota::usage(store, &actor.tenant_id)
}
