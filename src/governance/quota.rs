//! Tier quotas: the ability slots and storage bytes each tier allows, the usage computed from
//! installed items (a SUM over installed rows, never a counter that can drift), what requests
//! still waiting (pending or approved) would add, and the check that runs before an install or
//! an enable, with refusals that give the numbers and the fix. The sentences people read about
//! all of this are built in [`words`].

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::auth::Tier;
use crate::store::Store;
use crate::{Error, Result};

pub mod words;

const MIB: i64 = 1024 * 1024;
const GIB: i64 = 1024 * MIB;

/// What a tier allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TierLimits {
    pub tier: Tier,
    #[ts(type = "number")]
    pub slots: i64,
    #[ts(type = "number")]
    pub storage_bytes: i64,
}

/// The tiers, smallest first.
pub const TIERS: [TierLimits; 3] = [
    TierLimits {
        tier: Tier::Free,
        slots: 2,
        storage_bytes: 100 * MIB,
    },
    TierLimits {
        tier: Tier::Pro,
        slots: 3,
        storage_bytes: GIB,
    },
    TierLimits {
        tier: Tier::Business,
        slots: 10,
        storage_bytes: 10 * GIB,
    },
];

/// The limits of `tier`.
pub fn limits(tier: Tier) -> TierLimits {
    match tier {
        Tier::Free => TIERS[0],
        Tier::Pro => TIERS[1],
        Tier::Business => TIERS[2],
    }
}

/// The next larger tier, if any.
pub fn next_tier(tier: Tier) -> Option<TierLimits> {
    match tier {
        Tier::Free => Some(TIERS[1]),
        Tier::Pro => Some(TIERS[2]),
        Tier::Business => None,
    }
}

/// The smallest tier larger than `tier` that holds `slots` ability slots and `storage` bytes:
/// the one every "move to …" advice names (quota refusals, the overcommit warning, the
/// recommender's trimmed items). `None` when no larger tier does.
pub fn larger_tier_holding(tier: Tier, slots: i64, storage: i64) -> Option<TierLimits> {
    let mut next = next_tier(tier);
    while let Some(limits) = next {
        if slots <= limits.slots && storage <= limits.storage_bytes {
            return Some(limits);
        }
        next = next_tier(limits.tier);
    }
    None
}

/// A tier's name as people read it.
pub fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "Free",
        Tier::Pro => "Pro",
        Tier::Business => "Business",
    }
}

/// Slots and storage in use and allowed, computed from installed items, and what the requests
/// still waiting (pending or approved, not installed) would add: they are not counted as used,
/// but a request is one approval away from using its share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QuotaUsage {
    pub tier: Tier,
    #[ts(type = "number")]
    pub slots_used: i64,
    #[ts(type = "number")]
    pub slots_limit: i64,
    #[ts(type = "number")]
    pub storage_used: i64,
    #[ts(type = "number")]
    pub storage_limit: i64,
    #[ts(type = "number")]
    pub installed: i64,
    /// Requests waiting for approval or install.
    #[ts(type = "number")]
    pub requested: i64,
    /// Slots the waiting requests would add (their catalog entries' slots).
    #[ts(type = "number")]
    pub slots_requested: i64,
    /// Bytes the waiting requests would add.
    #[ts(type = "number")]
    pub storage_requested: i64,
    /// Set when what is installed plus every waiting request would not fit the tier: the
    /// numbers, and that some requests cannot be installed unless others are rejected or
    /// uninstalled, or the tier grows.
    pub overcommitted: Option<String>,
    /// The slot meter in words: `Uses 1 of your 3 slots on Pro` ([`words::slots_of_plan`]).
    pub slots_text: String,
    /// The storage meter in words: `Uses 12 MiB of your 1 GiB of storage`.
    pub storage_text: String,
    /// What waiting requests would add, in words; `None` when none waits.
    pub waiting_text: Option<String>,
}

impl QuotaUsage {
    fn commitment(&self) -> words::Commitment {
        words::Commitment {
            tier: self.tier,
            slots_installed: self.slots_used,
            slots_requested: self.slots_requested,
            slots_total: self.slots_used + self.slots_requested,
            bytes_installed: self.storage_used,
            bytes_requested: self.storage_requested,
            bytes_total: self.storage_used.saturating_add(self.storage_requested),
        }
    }
}

fn tier_of(conn: &Connection, tenant: &str) -> Result<Tier> {
    let tier: String = conn.query_row(
        "SELECT tier FROM tenants WHERE id = ?1",
        params![tenant],
        |row| row.get(0),
    )?;
    Tier::parse(&tier)
}

/// Usage of `tenant`: a SUM over its installed items.
pub fn usage_in(conn: &Connection, tenant: &str) -> Result<QuotaUsage> {
    let tier = tier_of(conn, tenant)?;
    let (slots_used, storage_used, installed): (i64, i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(slots), 0), COALESCE(SUM(storage_bytes), 0), COUNT(*)
         FROM install_requests WHERE tenant_id = ?1 AND state = 'installed'",
        params![tenant],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    // A waiting request has no slots of its own yet: its catalog entry says what it will take.
    let (requested, slots_requested, storage_requested): (i64, i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(c.slots), 0), COALESCE(SUM(c.storage_bytes), 0)
         FROM install_requests r
         JOIN capabilities c ON c.tenant_id = r.tenant_id AND c.id = r.capability_id
         WHERE r.tenant_id = ?1 AND r.state IN ('pending', 'approved')",
        params![tenant],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let limit = limits(tier);
    let mut usage = QuotaUsage {
        tier,
        slots_used,
        slots_limit: limit.slots,
        storage_used,
        storage_limit: limit.storage_bytes,
        installed,
        requested,
        slots_requested,
        storage_requested,
        overcommitted: None,
        slots_text: String::new(),
        storage_text: String::new(),
        waiting_text: None,
    };
    usage.overcommitted = words::overcommitted(usage.commitment());
    usage.slots_text = words::slots_of_plan(usage.slots_used, usage.slots_limit, tier);
    usage.storage_text = words::storage_of_plan(usage.storage_used, usage.storage_limit);
    usage.waiting_text = words::waiting(requested, slots_requested, storage_requested);
    Ok(usage)
}

/// Usage of `tenant`.
pub fn usage(store: &Store, tenant: &str) -> Result<QuotaUsage> {
    usage_in(store.conn(), tenant)
}

/// Bytes as people read them: `512 KiB`, `310 MiB`, `1.5 GiB`.
pub fn format_bytes(bytes: i64) -> String {
    let trim = |v: f64| {
        let text = format!("{v:.1}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    };
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes >= GIB {
        format!("{} GiB", trim(b / GIB as f64))
    } else if bytes >= MIB {
        format!("{} MiB", trim(b / MIB as f64))
    } else if bytes >= 1024 {
        format!("{} KiB", trim(b / 1024.0))
    } else {
        format!("{bytes} bytes")
    }
}

/// Refuses when adding `slots` and `bytes` for `what` would exceed the tenant's tier.
/// Runs before an install (and, later, an enable).
pub fn check_fits(
    conn: &Connection,
    tenant: &str,
    what: &str,
    slots: i64,
    bytes: i64,
) -> Result<QuotaUsage> {
    let usage = usage_in(conn, tenant)?;
    let shortfall = words::Shortfall {
        tier: usage.tier,
        slots,
        bytes,
        slots_taken: usage.slots_used,
        bytes_taken: usage.storage_used,
    };
    if usage.slots_used + slots > usage.slots_limit
        || usage.storage_used.saturating_add(bytes) > usage.storage_limit
    {
        return Err(Error::QuotaExceeded(words::refusal(shortfall, what)));
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_well() {
        assert_eq!(format_bytes(100 * MIB), "100 MiB");
        assert_eq!(format_bytes(GIB), "1 GiB");
        assert_eq!(format_bytes(3 * GIB / 2), "1.5 GiB");
        assert_eq!(format_bytes(2048), "2 KiB");
        assert_eq!(format_bytes(12), "12 bytes");
    }

    #[test]
    fn tiers_grow() {
        for pair in TIERS.windows(2) {
            assert!(pair[0].slots < pair[1].slots);
            assert!(pair[0].storage_bytes < pair[1].storage_bytes);
        }
    }
}
