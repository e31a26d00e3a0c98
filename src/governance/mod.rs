//! Governance: the capability catalog, install requests and approvals ("ask first"),
//! break-glass overrides, tier quotas and change requests. Every rule is enforced here, in the
//! core, scoped by tenant; every transition appends exactly one audit entry in its transaction.
//!
//! Time-based state (a pending request past its TTL, a break-glass override past its TTL) is
//! derived from the injected clock whenever it is read, so nothing needs a background thread.
//! The first write that observes such a lapse records it (state and one audit entry with actor
//! `system`) through [`sweep`], so the audit log also shows when an expiry was noticed.

pub mod breakglass;
pub mod catalog;
pub mod changes;
pub mod installs;
pub mod quota;

use rusqlite::{params, Transaction};
use serde_json::{json, Value};

use crate::audit;
use crate::auth::Actor;
use crate::clock::Timestamp;
use crate::Result;

/// The audit actor of transitions that the clock caused (expiries).
pub const SYSTEM_ACTOR: &str = "system";

/// Appends one audit entry for a governance transition. While a break-glass override is open,
/// the entry is marked with `data.break_glass = <id>`.
pub(crate) fn record(
    tx: &Transaction<'_>,
    actor: &Actor,
    kind: &str,
    mut data: Value,
    now: Timestamp,
) -> Result<Option<String>> {
    let open = breakglass::open_id(tx, &actor.tenant_id, now)?;
    if let (Some(id), Value::Object(map)) = (&open, &mut data) {
        map.insert("break_glass".to_owned(), json!(id));
    }
    audit::append(tx, &actor.tenant_id, &actor.member_id, kind, data, now)?;
    Ok(open)
}

/// Records lapses the clock has caused since the last write: pending requests past their TTL,
/// approvals past their validity and break-glass overrides past their TTL. Each gets its state
/// written and one audit entry by `system`. Called at the start of every governance write.
pub(crate) fn sweep(tx: &Transaction<'_>, tenant: &str, now: Timestamp) -> Result<()> {
    let now_text = now.to_string();
    let mut lapsed: Vec<(String, String, String, String)> = Vec::new();
    {
        let mut statement = tx.prepare(
            "SELECT id, capability_id, state,
                    CASE state WHEN 'pending' THEN expires_at ELSE approval_valid_until END
             FROM install_requests
             WHERE tenant_id = ?1
               AND ((state = 'pending' AND expires_at <= ?2)
                 OR (state = 'approved' AND approval_valid_until IS NOT NULL
                     AND approval_valid_until <= ?2))
             ORDER BY requested_at, id",
        )?;
        let rows = statement.query_map(params![tenant, now_text], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
        for row in rows {
            lapsed.push(row?);
        }
    }
    for (id, capability, from, at) in lapsed {
        tx.execute(
            "UPDATE install_requests SET state = 'expired', updated_at = ?1
             WHERE tenant_id = ?2 AND id = ?3",
            params![now_text, tenant, id],
        )?;
        audit::append(
            tx,
            tenant,
            SYSTEM_ACTOR,
            "install.expired",
            json!({"request": id, "capability": capability, "from": from, "expired_at": at}),
            now,
        )?;
    }
    breakglass::sweep(tx, tenant, now)
}

#[cfg(test)]
mod tests {
    use crate::clock::Timestamp;
    use ts_rs::TS;

    /// The result types cross IPC: their TypeScript declarations must generate, with numbers
    /// (not bigint) for counts and sizes.
    #[test]
    fn typescript_declarations_generate() {
        let decls = [
            super::catalog::Capability::decl(),
            super::catalog::CapabilityManifest::decl(),
            super::installs::InstallRequest::decl(),
            super::installs::InstalledCapability::decl(),
            super::breakglass::BreakGlassStatus::decl(),
            super::quota::QuotaUsage::decl(),
            super::changes::ChangeDetail::decl(),
            crate::auth::members::MemberSummary::decl(),
            crate::tenant::SelfAccess::decl(),
        ];
        let all = decls.join("\n");
        assert!(!all.contains("bigint"), "{all}");
        for needle in [
            "content_hash: string",
            "storage_bytes: number",
            "break_glass: BreakGlassStatus",
        ] {
            assert!(all.contains(needle), "{needle} in {all}");
        }
    }

    /// Canonical timestamps sort as text (fixed-width RFC 3339 in UTC), which the SQL uses.

    #[test]
    fn timestamps_sort_as_text() {
        let a = Timestamp::parse("2026-11-21T09:59:59.999Z").unwrap();
        let b = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        assert!(a.to_string() < b.to_string());
    }
}
