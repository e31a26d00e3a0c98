//! `sync` (not a dry run): apply the plan the caller agreed to, identified by its hash.
//!
//! 1. The actor must be an unlocked owner or admin (as for `preset apply`).
//! 2. The plan is computed again; if its hash is not the one agreed to, nothing is written and
//!    the refusal says what changed since that plan was shown ([`super::plan_diff`]).
//! 3. The config entry is written when it changes: through the OpenClaw CLI when one is given
//!    (pointed at the config we read), else by us ([`super::write`]); an entry in an included
//!    file without the CLI is refused before anything is written.
//! 4. The workspace files are written atomically, as `preset apply` writes them.
//! 5. The config is read back and each managed key must hold what the plan wrote.
//! 6. In one transaction: the workspace baseline and the config entry baseline are replaced,
//!    and one `openclaw.synced` audit entry records the plan hash, the persona (spec) hash, the
//!    preset version and the old and new hashes of both baselines.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::process::{OpenClawCli, CLI_TIMEOUT};
use super::state::{entry_baseline, shown_plan, store_entry_in};
use super::sync::{compute, entry_of, Computed, SyncOptions, SyncPlan, MANAGED_KEYS, PLANS_KEPT};
use super::write::{entry_in_root, entry_patch, with_entry, write_own, write_with_cli, WriterKind};
use super::{plan_diff, read_config, Environment, OpenClawError};
use crate::audit;
use crate::auth::members::require_unlocked_privileged;
use crate::auth::Actor;
use crate::canon::Digest;
use crate::clock::Clock;
use crate::integrity::history::VersionSource;
use crate::integrity::{baseline, pending, snapshot};
use crate::provision::apply::FileAction;
use crate::store::Store;
use crate::Result;

/// What to sync, and the plan the caller agreed to.
#[derive(Debug, Clone)]
pub struct SyncRequest<'a> {
    /// The agent id (ours and OpenClaw's).
    pub agent: &'a str,
    /// As for the dry run; a different choice gives a different plan.
    pub options: &'a SyncOptions,
    /// The hash of the plan shown and agreed to.
    pub plan_hash: &'a Digest,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SyncOutcome {
    /// The plan applied.
    pub plan: SyncPlan,
    /// The workspace files written (created or updated).
    pub files_written: Vec<String>,
    /// Whether the config entry was written (false when it already matched).
    pub config_written: bool,
    /// The config entry's sha256 as recorded in its new baseline.
    pub entry_sha256: Digest,
}

/// Applies the sync plan of `request.agent` if its hash is still `request.plan_hash`.
pub fn sync(
    store: &mut Store,
    actor: &Actor,
    install: (Option<&Path>, &Environment),
    request: &SyncRequest<'_>,
    clock: &dyn Clock,
) -> Result<SyncOutcome> {
    let agent = request.agent;
    require_unlocked_privileged(
        store.conn(),
        actor,
        clock.now(),
        "sync agents into OpenClaw",
    )?;
    let computed = compute(store, actor, install, agent, request.options, clock)?;
    check_plan(store, &actor.tenant_id, &computed.plan, request.plan_hash)?;
    let body = &computed.plan.body;
    let config_written = !body.config.changes.is_empty();
    // The files and the entry about to be written are the product's, not drift (the scan of
    // the self-edit loop leaves them alone until the baselines below hold them).
    let mut planned = computed.rendered.planned();
    planned.push((
        crate::integrity::pending::CONFIG_ENTRY.to_owned(),
        crate::canon::digest_of(&body.config.after)?,
    ));
    pending::announce(
        store,
        (&actor.tenant_id, agent),
        &planned,
        "sync",
        clock.now(),
    )?;
    if config_written {
        write_config(&computed, request.options, install.1)?;
    }
    computed.rendered.write()?;
    let files = read_config(&computed.located.config)?;
    let (entry_path, entry) = entry_of(&files.value, agent);
    check_written(&computed, &entry)?;
    let workspace = Path::new(&body.workspace);
    let old = OldHashes::read(store, &actor.tenant_id, agent)?;
    let snapshot = snapshot::snapshot(store, &actor.tenant_id, agent, workspace)?;
    let config_path = computed.located.config.display().to_string();
    let now = clock.now();
    let entry_sha256 = store.write(|tx| {
        snapshot::store_in(tx, actor, (agent, VersionSource::Sync), &snapshot, now)?;
        let sha = store_entry_in(tx, actor, agent, (&config_path, &entry_path), &entry, now)?;
        let data = synced(
            &computed.plan,
            &entry_path,
            &old,
            (&snapshot.hashes(), &sha),
        );
        audit::append(
            tx,
            &actor.tenant_id,
            &actor.member_id,
            "openclaw.synced",
            data,
            now,
        )?;
        Ok(sha)
    })?;
    let files_written = body
        .files
        .iter()
        .filter(|f| matches!(f.action, FileAction::Create | FileAction::Update))
        .map(|f| f.file.clone())
        .collect();
    Ok(SyncOutcome {
        plan: computed.plan,
        files_written,
        config_written,
        entry_sha256,
    })
}

/// The baselines' hashes before a sync.
struct OldHashes {
    files: BTreeMap<String, String>,
    entry: Option<String>,
}

impl OldHashes {
    fn read(store: &Store, tenant: &str, agent: &str) -> Result<Self> {
        Ok(OldHashes {
            files: baseline::get(store, tenant, agent)?
                .map(|b| {
                    b.files
                        .into_iter()
                        .map(|f| (f.path, f.sha256.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            entry: entry_baseline(store, tenant, agent)?.map(|b| b.sha256.to_string()),
        })
    }
}

/// The `openclaw.synced` audit entry: the plan, the spec and preset it wrote, and the old and
/// new hashes of the workspace baseline and of the config entry baseline.
fn synced(
    plan: &SyncPlan,
    entry_path: &str,
    old: &OldHashes,
    (files, entry): (&BTreeMap<String, String>, &Digest),
) -> Value {
    let body = &plan.body;
    let actions: BTreeMap<&str, FileAction> = body
        .files
        .iter()
        .map(|f| (f.file.as_str(), f.action))
        .collect();
    json!({
        "agent": body.agent,
        "plan_hash": plan.plan_hash.to_string(),
        "persona_hash": body.persona_hash.to_string(),
        "spec_version": body.spec_version,
        "preset": body.preset.id,
        "preset_version": body.preset.version,
        "preset_content_hash": body.preset.content_hash,
        "writer": body.writer.kind,
        "config_path": body.config_path,
        "entry_path": entry_path,
        "entry": {"old": old.entry, "new": entry.to_string()},
        "workspace": body.workspace,
        "files": {"old": old.files, "new": files},
        "actions": actions,
    })
}

/// Refuses a plan hash that is not the plan now, saying what changed when the plan agreed to
/// is one we showed.
fn check_plan(store: &Store, tenant: &str, plan: &SyncPlan, expected: &Digest) -> Result<()> {
    if plan.plan_hash == *expected {
        return Ok(());
    }
    let agent = plan.body.agent.clone();
    let current = plan.plan_hash.to_string();
    let Some(shown) = shown_plan(store, tenant, &agent, expected)? else {
        return Err(OpenClawError::PlanUnknown {
            agent,
            given: expected.to_string(),
            current,
            kept: PLANS_KEPT,
        }
        .into());
    };
    let now = serde_json::to_value(&plan.body)
        .map_err(|e| crate::Error::invalid("plan", e.to_string()))?;
    Err(OpenClawError::PlanChanged {
        agent,
        expected: expected.to_string(),
        current,
        changes: plan_diff::changes(&shown, &now),
    }
    .into())
}

/// Writes the planned entry: through the OpenClaw CLI (told which config and state folder we
/// read) or, without one, ourselves into the config file itself.
fn write_config(computed: &Computed, options: &SyncOptions, env: &Environment) -> Result<()> {
    let body = &computed.plan.body;
    let located = &computed.located;
    match (body.writer.kind, options.openclaw_bin.as_deref()) {
        (WriterKind::OpenclawCli, Some(bin)) => {
            let Some(patch) = entry_patch(&body.agent, &body.config.before, &body.config.after)
            else {
                return Ok(());
            };
            let env = env
                .with_var(
                    "OPENCLAW_CONFIG_PATH",
                    &located.config.display().to_string(),
                )
                .with_var(
                    "OPENCLAW_STATE_DIR",
                    &located.state_dir.display().to_string(),
                );
            let cli = OpenClawCli {
                bin,
                env: &env,
                timeout: CLI_TIMEOUT,
            };
            write_with_cli(&cli, &patch)
        }
        _ => {
            let raw = computed.files.raw.clone();
            let at = entry_in_root(&raw, &body.agent, &located.config)?;
            let value = with_entry(raw, &body.agent, at, &body.config.after);
            write_own(&located.config, &value)
        }
    }
}

/// Each managed key of the entry as read back must be what the plan wrote.
fn check_written(computed: &Computed, entry: &Map<String, Value>) -> Result<()> {
    let body = &computed.plan.body;
    for key in MANAGED_KEYS {
        let (wrote, found) = (body.config.after.get(key), entry.get(key));
        if wrote != found {
            let show = |v: Option<&Value>| v.map_or("absent".to_owned(), Value::to_string);
            return Err(OpenClawError::WriteMismatch {
                agent: body.agent.clone(),
                path: computed.located.config.clone(),
                key: key.to_owned(),
                wrote: show(wrote),
                found: show(found),
            }
            .into());
        }
    }
    Ok(())
}
