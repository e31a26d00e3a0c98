//! Tier quotas: the ability slots and storage bytes each tier allows, the usage computed from
//! installed items (a SUM over installed rows, never a counter that can drift), and the check
//! that runs before an install or an enable, with refusals that give the numbers and the fix.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::auth::Tier;
use crate::store::Store;
use crate::{Error, Result};

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

/// A tier's name as people read it.
pub fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "Free",
        Tier::Pro => "Pro",
        Tier::Business => "Business",
    }
}

/// Slots and storage in use and allowed, computed from installed items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
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
    let limit = limits(tier);
    Ok(QuotaUsage {
        tier,
        slots_used,
        slots_limit: limit.slots,
        storage_used,
        storage_limit: limit.storage_bytes,
        installed,
    })
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
    let tier = tier_label(usage.tier);
    let next = next_tier(usage.tier);
    if usage.slots_used + slots > usage.slots_limit {
        let needs = if slots == 1 && usage.slots_used >= usage.slots_limit {
            String::new()
        } else {
            format!(" and {what} needs {slots}")
        };
        let fix = match next {
            Some(n) => format!(
                "Uninstall one, or move to {} for {} slots.",
                tier_label(n.tier),
                n.slots
            ),
            None => format!("Uninstall one; {tier} is the largest tier."),
        };
        return Err(Error::QuotaExceeded(format!(
            "{} of {} ability slots are used on {tier}{needs}. {fix}",
            usage.slots_used, usage.slots_limit
        )));
    }
    if usage.storage_used + bytes > usage.storage_limit {
        let fix = match next {
            Some(n) => format!(
                "Uninstall something, or move to {} for {}.",
                tier_label(n.tier),
                format_bytes(n.storage_bytes)
            ),
            None => format!("Uninstall something; {tier} is the largest tier."),
        };
        return Err(Error::QuotaExceeded(format!(
            "{} of {} storage is used on {tier} and {what} needs {} ({} of {} bytes used, {} more needed). {fix}",
            format_bytes(usage.storage_used),
            format_bytes(usage.storage_limit),
            format_bytes(bytes),
            usage.storage_used,
            usage.storage_limit,
            bytes
        )));
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
