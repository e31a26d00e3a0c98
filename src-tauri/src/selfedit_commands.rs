//! Thin IPC commands of the Integrity page's self-edit loop (`persona_studio::selfedit`): the
//! page, a scan, a file's revert (with its preview) and the decision on a file review. The
//! live scans come from the watcher (`watch.rs`).

use persona_studio::integrity::baseline::FileDiff;
use persona_studio::selfedit::page::{self, IntegrityPage};
use persona_studio::selfedit::revert::{self, Reverted};
use persona_studio::selfedit::review::{self, Decided, Decision};
use persona_studio::selfedit::scan::{self, ScanReport, ScanRequest};
use tauri::State;

use crate::openclaw_commands::environment;
use crate::{AppState, IpcError};

#[tauri::command]
pub async fn integrity_page(state: State<'_, AppState>) -> Result<IntegrityPage, IpcError> {
    state
        .with_actor(|store, actor, _| page::page(store, &actor.tenant_id))
        .await
}

/// "Scan now": every agent, and the OpenClaw config entries.
#[tauri::command]
pub async fn integrity_scan(state: State<'_, AppState>) -> Result<ScanReport, IpcError> {
    state
        .with_actor(|store, actor, shared| {
            let env = environment();
            let request = ScanRequest {
                agents: &[],
                openclaw: Some((None, &env)),
            };
            scan::scan(
                store,
                actor,
                &request,
                shared.clock.as_ref(),
                shared.ids.as_ref(),
            )
        })
        .await
}

/// What reverting `path` of `agent` to version `to` would change: the file now on the left,
/// the version on the right.
#[tauri::command]
pub async fn integrity_revert_preview(
    state: State<'_, AppState>,
    agent: String,
    path: String,
    to: String,
) -> Result<FileDiff, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            revert::preview(store, &actor.tenant_id, (&agent, &path), &to)
        })
        .await
}

#[tauri::command]
pub async fn integrity_revert(
    state: State<'_, AppState>,
    agent: String,
    path: String,
    to: String,
) -> Result<Reverted, IpcError> {
    state
        .with_actor(move |store, actor, shared| {
            revert::revert(store, actor, (&agent, &path), &to, shared.clock.as_ref())
        })
        .await
}

/// Approve (keep the edit, optionally also as a new draft of the agent's preset) or reject
/// (put the approved bytes back) a file review.
#[tauri::command]
pub async fn integrity_decide(
    state: State<'_, AppState>,
    id: String,
    approve: bool,
    save_as_draft: bool,
    note: Option<String>,
) -> Result<Decided, IpcError> {
    let decision = if approve {
        Decision::Approve { save_as_draft }
    } else {
        Decision::Reject
    };
    state
        .with_actor(move |store, actor, shared| {
            review::decide(
                store,
                actor,
                &id,
                decision,
                note.as_deref(),
                shared.clock.as_ref(),
                shared.ids.as_ref(),
            )
        })
        .await
}
