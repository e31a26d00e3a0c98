//! Thin IPC commands for the OpenClaw runtime: the install's status, a sync's plan, applying
//! the plan the user confirmed (by its hash), and importing the install's agents. This is where
//! the app reads its process environment (the core never does) and looks `openclaw` up on PATH,
//! as the CLI does.

use std::path::{Path, PathBuf};

use persona_studio::canon::Digest;
use persona_studio::openclaw::{
    self, Environment, ImportReport, Status, SyncOptions, SyncOutcome, SyncPlan, SyncRequest,
};
use tauri::State;

use crate::{AppState, IpcError};

/// What OpenClaw would see if it ran from the app: its variables and current folder.
pub(crate) fn environment() -> Environment {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    Environment::new(std::env::vars(), cwd)
}

fn options(environment: &Environment, overwrite_agent_files: bool) -> SyncOptions {
    SyncOptions {
        model_levels: None,
        overwrite_agent_files,
        openclaw_bin: environment
            .var("PATH")
            .and_then(|path| openclaw::find_on_path(path, "openclaw")),
    }
}

/// Every agent of the install at `openclaw` (a state folder or config file; `None`: found as
/// OpenClaw finds it) and its state against ours.
#[tauri::command]
pub async fn openclaw_status(
    state: State<'_, AppState>,
    openclaw: Option<String>,
) -> Result<Status, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            let environment = environment();
            let dir = openclaw.as_deref().map(Path::new);
            openclaw::status(store, &actor.tenant_id, dir, &environment, None)
        })
        .await
}

/// The plan that would sync `agent`, with its hash; writes nothing.
#[tauri::command]
pub async fn openclaw_plan(
    state: State<'_, AppState>,
    agent: String,
    openclaw: Option<String>,
    overwrite_agent_files: bool,
) -> Result<SyncPlan, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let environment = environment();
            let options = options(&environment, overwrite_agent_files);
            let install = (openclaw.as_deref().map(Path::new), &environment);
            openclaw::plan(
                store,
                actor,
                install,
                &agent,
                &options,
                state.clock.as_ref(),
            )
        })
        .await
}

/// Applies the plan the user reviewed, refused when anything changed since (its hash differs).
#[tauri::command]
pub async fn openclaw_sync(
    state: State<'_, AppState>,
    agent: String,
    openclaw: Option<String>,
    overwrite_agent_files: bool,
    plan_hash: Digest,
) -> Result<SyncOutcome, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let environment = environment();
            let options = options(&environment, overwrite_agent_files);
            let install = (openclaw.as_deref().map(Path::new), &environment);
            let request = SyncRequest {
                agent: &agent,
                options: &options,
                plan_hash: &plan_hash,
            };
            openclaw::sync(store, actor, install, &request, state.clock.as_ref())
        })
        .await
}

/// Brings the install's agents in (each workspace as a preset draft, baselines, one audit
/// entry each); `dry_run` reports what would happen.
#[tauri::command]
pub async fn openclaw_import(
    state: State<'_, AppState>,
    openclaw: Option<String>,
    dry_run: bool,
) -> Result<ImportReport, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let environment = environment();
            let install = (openclaw.as_deref().map(Path::new), &environment);
            openclaw::import(store, actor, install, None, dry_run, state.clock.as_ref())
        })
        .await
}
