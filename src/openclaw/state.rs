//! What we keep of OpenClaw between runs, per tenant (migration `0009_openclaw.sql`):
//!
//! - the **config entry baseline** of each agent: its entry as it was right after our last
//!   sync or import (includes resolved, `${VAR}` as written), which `status` compares the
//!   entry with;
//! - the **sync plans shown** by a dry run (the last [`PLANS_KEPT`] per agent), so a plan
//!   applied later can say what changed since it was shown.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{Map, Value};

use super::sync::{SyncPlan, PLANS_KEPT};
use crate::auth::Actor;
use crate::canon::{self, Digest};
use crate::clock::Timestamp;
use crate::store::Store;
use crate::{Error, Result};

/// An agent's config entry as we last wrote or imported it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EntryBaseline {
    /// The agent id.
    pub agent: String,
    /// The config file it was in.
    pub config_path: String,
    /// Where in it (`agents.entries.exec`).
    pub entry_path: String,
    /// The entry.
    #[ts(type = "Record<string, unknown>")]
    pub entry: Map<String, Value>,
    /// sha256 of its canonical form.
    pub sha256: Digest,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// `agent`'s config entry baseline, if we have one.
pub fn entry_baseline(store: &Store, tenant: &str, agent: &str) -> Result<Option<EntryBaseline>> {
    let row: Option<(String, String, String, String, String)> = store
        .conn()
        .query_row(
            "SELECT config_path, entry_path, entry, sha256, recorded_at FROM openclaw_entries
             WHERE tenant_id = ?1 AND agent = ?2",
            params![tenant, agent],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((config_path, entry_path, entry, sha256, recorded_at)) = row else {
        return Ok(None);
    };
    let broken =
        |what: String| Error::AuditBroken(format!("config entry baseline of {agent}: {what}"));
    Ok(Some(EntryBaseline {
        agent: agent.to_owned(),
        config_path,
        entry_path,
        entry: serde_json::from_str(&entry).map_err(|e| broken(e.to_string()))?,
        sha256: sha256.parse().map_err(|e| broken(format!("{e}")))?,
        recorded_at: Timestamp::parse(&recorded_at).map_err(|e| broken(e.to_string()))?,
    }))
}

/// Records (or replaces) `agent`'s config entry baseline inside `tx`; the caller's audit entry
/// names the returned hash.
pub(super) fn store_entry_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    agent: &str,
    (config_path, entry_path): (&str, &str),
    entry: &Map<String, Value>,
    now: Timestamp,
) -> Result<Digest> {
    let canonical = canon::to_canonical_vec(entry)?;
    let sha256 = Digest::of_bytes(&canonical);
    let text = String::from_utf8(canonical).map_err(|e| Error::invalid("entry", e.to_string()))?;
    tx.execute(
        "INSERT INTO openclaw_entries
           (tenant_id, agent, config_path, entry_path, entry, sha256, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (tenant_id, agent) DO UPDATE SET
           config_path = excluded.config_path, entry_path = excluded.entry_path,
           entry = excluded.entry, sha256 = excluded.sha256,
           recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        params![
            actor.tenant_id,
            agent,
            config_path,
            entry_path,
            text,
            sha256.to_string(),
            now.to_string(),
            actor.member_id
        ],
    )?;
    Ok(sha256)
}

/// Remembers a plan that was shown, keeping the last [`PLANS_KEPT`] of its agent.
pub(super) fn remember_plan(
    store: &mut Store,
    tenant: &str,
    plan: &SyncPlan,
    now: Timestamp,
) -> Result<()> {
    let body = String::from_utf8(canon::to_canonical_vec(&plan.body)?)
        .map_err(|e| Error::invalid("plan", e.to_string()))?;
    remember(
        store,
        (tenant, &plan.body.agent),
        &plan.plan_hash,
        &body,
        now,
    )
}

fn remember(
    store: &mut Store,
    (tenant, agent): (&str, &str),
    hash: &Digest,
    body: &str,
    now: Timestamp,
) -> Result<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO openclaw_plans (tenant_id, agent, plan_hash, body, shown_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant_id, agent, plan_hash) DO UPDATE SET shown_at = excluded.shown_at",
            params![tenant, agent, hash.to_string(), body, now.to_string()],
        )?;
        tx.execute(
            "DELETE FROM openclaw_plans WHERE tenant_id = ?1 AND agent = ?2 AND plan_hash NOT IN
               (SELECT plan_hash FROM openclaw_plans WHERE tenant_id = ?1 AND agent = ?2
                ORDER BY shown_at DESC, rowid DESC LIMIT ?3)",
            params![tenant, agent, PLANS_KEPT],
        )?;
        Ok(())
    })
}

/// The body of a plan shown for `agent` with hash `hash`, if it is remembered.
pub(super) fn shown_plan(
    store: &Store,
    tenant: &str,
    agent: &str,
    hash: &Digest,
) -> Result<Option<Value>> {
    let body: Option<String> = store
        .conn()
        .query_row(
            "SELECT body FROM openclaw_plans WHERE tenant_id = ?1 AND agent = ?2 AND plan_hash = ?3",
            params![tenant, agent, hash.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|text| serde_json::from_str(&text).map_err(|e| Error::invalid("plan", e.to_string())))
        .transpose()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_last_plans_of_each_agent_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_path(&dir.path().join("db.sqlite")).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO tenants VALUES ('t1', 'A', 'pro', 'x'), ('t2', 'B', 'pro', 'x');",
            )
            .unwrap();
        let hash = |n: u32| Digest::of_bytes(format!("plan {n}").as_bytes());
        let at = |n: u32| Timestamp::parse(&format!("2026-11-21T12:{n:02}:00Z")).unwrap();
        for n in 0..12 {
            remember(
                &mut store,
                ("t1", "exec"),
                &hash(n),
                &format!("{{\"n\":{n}}}"),
                at(n),
            )
            .unwrap();
        }
        remember(&mut store, ("t1", "other"), &hash(0), "{}", at(13)).unwrap();
        let shown = |tenant: &str, agent: &str, n: u32| {
            shown_plan(&store, tenant, agent, &hash(n)).unwrap()
        };
        assert_eq!(shown("t1", "exec", 11), Some(serde_json::json!({"n": 11})));
        assert!(shown("t1", "exec", 2).is_some());
        assert_eq!(
            shown("t1", "exec", 1),
            None,
            "only the last {PLANS_KEPT} are kept"
        );
        assert!(shown("t1", "other", 0).is_some(), "kept per agent");
        assert_eq!(shown("t2", "exec", 11), None, "and per tenant");
    }
}
