//! The façade's tenant use cases: `init` (the first tenant, its owner, the seeded catalog and
//! presets), `set_tier` (`tier.rs`) and `self_access`, the overview the Dashboard shows ("who am I, what do I have"),
//! which gathers every domain. Who acts and whether they may lives one layer down, in
//! [`crate::auth`]; its types are re-exported here for the front ends.

mod tier;

use crate::auth::{clean_name, current_actor_opt};
pub use crate::auth::{
    current_actor, install_id, members, names, tenant_info, Actor, MemberInfo, Role, TenantInfo,
    Tier,
};

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::clock::Clock;
use crate::governance::breakglass::{self, BreakGlassStatus};
use crate::governance::catalog;
use crate::governance::changes::{self, ChangeRequest};
use crate::governance::installs::{self, InstallRequest, InstallState, InstalledCapability};
use crate::governance::quota::{self, QuotaUsage};
use crate::ids::IdSource;
use crate::integrity::baseline::{self, AgentIntegrity};
pub use crate::integrity::digest_cache::DigestCache;
use crate::persona::preset::policy::{FilePolicies, FilePolicy};
use crate::provision::applied::policies_for_agent;
use crate::store::Store;
use crate::{Error, Result};
pub use tier::set_tier;

/// What `init` needs to create the first tenant and its owner.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct InitRequest {
    pub tenant_name: String,
    pub owner_name: String,
    pub tier: Tier,
}

/// Counts that the Dashboard shows; later features add theirs here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SelfCounts {
    #[ts(type = "number")]
    pub members: i64,
    #[ts(type = "number")]
    pub audit_entries: i64,
    #[ts(type = "number")]
    pub catalog_entries: i64,
    #[ts(type = "number")]
    pub installed_capabilities: i64,
    #[ts(type = "number")]
    pub pending_requests: i64,
    #[ts(type = "number")]
    pub open_change_requests: i64,
}

/// The tenant self-access context: everything a tenant may see about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SelfAccess {
    pub tenant: TenantInfo,
    pub member: MemberInfo,
    pub counts: SelfCounts,
    /// Whether the acting member is unlocked for owner/admin actions, and until when.
    pub unlock: members::UnlockStatus,
    /// Ability slots and storage used and allowed by the tier, from installed items.
    pub quota: QuotaUsage,
    pub installed: Vec<InstalledCapability>,
    /// Install requests waiting for a decision (expired ones are not pending).
    pub pending_requests: Vec<InstallRequest>,
    pub break_glass: BreakGlassStatus,
    /// Change requests that are submitted, in triage or approved.
    pub open_changes: Vec<ChangeRequest>,
    /// Agents whose workspace differs from its baseline (or cannot be checked).
    pub drift_alerts: Vec<DriftAlert>,
    /// Whether a backup is due, and "Last verified backup: N days ago".
    pub backup: crate::backup::remind::ReminderStatus,
}

/// One agent's drift, for the Dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DriftAlert {
    pub agent: String,
    /// Changed files; 0 when the check could not run.
    pub changes: u32,
    /// Why the check could not run (a missing folder, say).
    pub problem: Option<String>,
    /// The changed files whose policy is `locked` (`persona::preset::policy`): each one is a
    /// violation the owner should revert (enforcement `enforce` reverts them at once).
    pub locked: Vec<String>,
}

/// Creates the first tenant, its owner and the local profile, and records it in the audit log.
pub fn init(
    store: &mut Store,
    request: &InitRequest,
    clock: &dyn Clock,
    ids: &dyn IdSource,
) -> Result<SelfAccess> {
    let tenant_name = clean_name("tenant name", &request.tenant_name)?;
    let owner_name = clean_name("owner name", &request.owner_name)?;
    if let Some(existing) = current_actor_opt(store.conn())? {
        let tenant = tenant_info(store.conn(), &existing.tenant_id)?;
        return Err(Error::AlreadyInitialized {
            home: store.home_dir(),
            tenant: tenant.name,
        });
    }
    let now = clock.now();
    let tenant_id = ids.new_id();
    let owner_id = ids.new_id();
    let install_id = ids.new_id();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO tenants (id, name, tier, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                tenant_id,
                tenant_name,
                request.tier.as_str(),
                now.to_string()
            ],
        )?;
        tx.execute(
            "INSERT INTO members (tenant_id, id, display_name, role, created_at)
             VALUES (?1, ?2, ?3, 'owner', ?4)",
            params![tenant_id, owner_id, owner_name, now.to_string()],
        )?;
        tx.execute(
            "INSERT INTO local_profile (singleton, install_id, tenant_id, member_id)
             VALUES (1, ?1, ?2, ?3)",
            params![install_id, tenant_id, owner_id],
        )?;
        let (entries, digest) = catalog::seed_starter(tx, &tenant_id, now)?;
        let (presets, presets_digest) =
            crate::persona::preset::catalog::seed_official(tx, &tenant_id, &owner_id, now)?;
        audit::append(
            tx,
            &tenant_id,
            &owner_id,
            "tenant.created",
            json!({"name": tenant_name, "tier": request.tier.as_str(), "owner": owner_id,
                   "starter_catalog": {"entries": entries, "digest": digest.to_string()},
                   "official_presets": {"presets": presets, "digest": presets_digest.to_string()}}),
            now,
        )?;
        Ok(())
    })?;
    self_access(store, clock)
}

/// Opens the data folder's store with the audit checkpoint hook installed, so every committed
/// write advances the keyring checkpoint. Both front ends open their stores through this.
pub fn open(home: &crate::home::Home) -> Result<Store> {
    let mut store = Store::open(home)?;
    audit::install_checkpointing(&mut store);
    Ok(store)
}

/// The self-access context of the acting member, read from SQLite and scoped to its tenant.
/// Time-based state (unlock, expiry, break-glass) is evaluated at `clock.now()`. Every watched
/// workspace file is hashed; the app refreshes through [`self_access_cached`] instead.
pub fn self_access(store: &Store, clock: &dyn Clock) -> Result<SelfAccess> {
    gather(store, clock, None)
}

/// [`self_access`] with drift computed through `cache`: only files whose stat data changed
/// since the last refresh are hashed again (see [`DigestCache`]).
pub fn self_access_cached(
    store: &Store,
    clock: &dyn Clock,
    cache: &DigestCache,
) -> Result<SelfAccess> {
    gather(store, clock, Some(cache))
}

fn gather(store: &Store, clock: &dyn Clock, cache: Option<&DigestCache>) -> Result<SelfAccess> {
    let now = clock.now();
    let actor = current_actor(store)?;
    let conn = store.conn();
    let tenant = tenant_info(conn, &actor.tenant_id)?;
    let display_name: String = conn.query_row(
        "SELECT display_name FROM members WHERE tenant_id = ?1 AND id = ?2",
        params![actor.tenant_id, actor.member_id],
        |row| row.get(0),
    )?;
    let members: i64 = conn.query_row(
        "SELECT COUNT(*) FROM members WHERE tenant_id = ?1",
        params![actor.tenant_id],
        |row| row.get(0),
    )?;
    let installed = installs::installed(store, &actor.tenant_id)?;
    let pending_requests =
        installs::list(store, &actor.tenant_id, Some(InstallState::Pending), now)?;
    let open_changes = changes::list(store, &actor.tenant_id, true, None)?;
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let integrity = match cache {
        Some(cache) => baseline::overview_cached(store, &actor.tenant_id, cache, now)?,
        None => baseline::overview(store, &actor.tenant_id)?,
    };
    let drift_alerts = drift_alerts(store, &actor.tenant_id, integrity)?;
    Ok(SelfAccess {
        drift_alerts,
        backup: crate::backup::remind::status(store, clock)?,
        counts: SelfCounts {
            members,
            audit_entries: audit::count(conn, &actor.tenant_id)?,
            catalog_entries: catalog::count(store, &actor.tenant_id)?,
            installed_capabilities: len(installed.len()),
            pending_requests: len(pending_requests.len()),
            open_change_requests: len(open_changes.len()),
        },
        unlock: members::unlock_status(store, &actor, now)?,
        quota: quota::usage(store, &actor.tenant_id)?,
        installed,
        pending_requests,
        break_glass: breakglass::status(store, &actor.tenant_id, now)?,
        open_changes,
        member: MemberInfo {
            id: actor.member_id,
            display_name,
            role: actor.role,
        },
        tenant,
    })
}

/// The agents whose workspace drifted from its baseline, or could not be checked, with the
/// changed files their policies lock.
fn drift_alerts(
    store: &Store,
    tenant: &str,
    integrity: Vec<AgentIntegrity>,
) -> Result<Vec<DriftAlert>> {
    let mut alerts = Vec::new();
    for item in integrity {
        match (item.report, item.error) {
            (_, Some(problem)) => alerts.push(DriftAlert {
                agent: item.agent,
                changes: 0,
                problem: Some(problem),
                locked: Vec::new(),
            }),
            (Some(report), None) if !report.is_clean() => {
                // A preset since removed from the catalog leaves the defaults, not a broken page.
                let policies = match policies_for_agent(store, tenant, &item.agent) {
                    Err(Error::NotFound { .. }) => FilePolicies::defaults(),
                    other => other?,
                };
                let locked = report
                    .changes
                    .iter()
                    .filter(|c| policies.policy_for(&c.path).0 == FilePolicy::Locked)
                    .map(|c| c.path.clone())
                    .collect();
                alerts.push(DriftAlert {
                    agent: item.agent,
                    changes: u32::try_from(report.changes.len()).unwrap_or(u32::MAX),
                    problem: None,
                    locked,
                });
            }
            _ => {}
        }
    }
    Ok(alerts)
}

/// Verifies the acting tenant's audit chain against its keyring checkpoint (`audit verify`).
pub fn verify_audit(store: &Store) -> Result<audit::VerifyReport> {
    let actor = current_actor(store)?;
    let keyring = install_id(store)?.map(crate::secrets::Keyring::new);
    audit::verify(store.conn(), &actor.tenant_id, keyring.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{FixedClock, Timestamp};
    use crate::home::Home;
    use crate::ids::SequentialIds;

    /// The checkpoint `open` arms lands in the (here in-memory) keyring after each committed
    /// write, so deleting the newest audit rows is caught even though the rest still chains.
    #[test]
    fn the_keyring_checkpoint_catches_a_chain_cut_short() {
        crate::secrets::memory::install();
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&Home::new(dir.path())).unwrap();
        let clock = FixedClock(Timestamp::from_unix_millis(1_790_000_000_000));
        let request = InitRequest {
            tenant_name: "Checkpoint Co".to_owned(),
            owner_name: "Olive".to_owned(),
            tier: Tier::Pro,
        };
        init(&mut store, &request, &clock, &SequentialIds::new("cp")).unwrap();
        let report = verify_audit(&store).unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!(report.checkpoint_seq, Some(report.entries));

        let last = report.entries;
        store
            .conn()
            .execute("DELETE FROM audit_log WHERE seq = ?1", params![last])
            .unwrap();
        let report = verify_audit(&store).unwrap();
        assert!(!report.ok, "{report:?}");
        assert!(report.reason.unwrap().contains("checkpoint"));
    }

    /// Opening a store without the checkpoint hook is something only this module, the store
    /// itself and a restore's staging (whose checkpoint starts through
    /// `audit::checkpoint_restored`) may do: every other path, in the core and in both front
    /// ends, opens through [`open`], so no command can forget the hook.
    #[test]
    fn only_open_opens_a_store_for_the_front_ends_and_the_core() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let allowed = [
            "src/tenant/mod.rs",
            "src/store/mod.rs",
            "src/backup/restore.rs",
        ];
        let mut found = Vec::new();
        let mut dirs = vec![root.join("src"), root.join("src-tauri/src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Test modules come last in a file and may open stores as they like.
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if (code.contains("Store::open(") || code.contains("Store::open_path("))
                    && !allowed.contains(&relative.as_str())
                {
                    found.push(relative);
                }
            }
        }
        assert!(
            found.is_empty(),
            "open stores through tenant::open (the audit checkpoint hook): {found:?}"
        );
    }
}
