//! Thin IPC commands for members and governance: state in, one core call, error mapped.
//! Passphrases arrive as plain strings over IPC and become `Sensitive` at once.

use persona_studio::governance::breakglass::{self, BreakGlass, BreakGlassStatus};
use persona_studio::governance::catalog::{self, Capability, CatalogFilter};
use persona_studio::governance::changes::{
    self, ChangeAction, ChangeComment, ChangeDetail, ChangeRequest, NewChange,
};
use persona_studio::governance::installs::{
    self, ApprovalInput, InstallRequest, InstallState, RequestInput,
};
use persona_studio::governance::quota::{self, QuotaUsage};
use persona_studio::secrets::Sensitive;
use persona_studio::tenant::members::{self, MemberSummary, UnlockStatus};
use persona_studio::tenant::{self, SelfAccess, Tier};
use tauri::State;

use crate::{AppState, IpcError};

#[tauri::command]
pub async fn member_list(state: State<'_, AppState>) -> Result<Vec<MemberSummary>, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            members::list(store, &actor.tenant_id, state.clock.now())
        })
        .await
}

#[tauri::command]
pub async fn member_switch(
    state: State<'_, AppState>,
    member: String,
) -> Result<SelfAccess, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            members::switch(store, actor, &member, state.clock.as_ref())?;
            tenant::self_access(store, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn member_unlock(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<UnlockStatus, IpcError> {
    let passphrase = Sensitive::new(passphrase);
    state
        .with_actor(move |store, actor, state| {
            members::unlock(store, actor, &passphrase, None, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn member_lock(state: State<'_, AppState>) -> Result<UnlockStatus, IpcError> {
    state
        .with_actor(move |store, actor, state| members::lock(store, actor, state.clock.as_ref()))
        .await
}

#[tauri::command]
pub async fn member_set_passphrase(
    state: State<'_, AppState>,
    current: Option<String>,
    passphrase: String,
) -> Result<(), IpcError> {
    let current = current.map(Sensitive::new);
    let passphrase = Sensitive::new(passphrase);
    state
        .with_actor(move |store, actor, state| {
            members::set_passphrase(
                store,
                actor,
                current.as_ref(),
                &passphrase,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

/// An unlocked owner or admin sets the first passphrase of a member who has none.
#[tauri::command]
pub async fn member_set_first_passphrase(
    state: State<'_, AppState>,
    member: String,
    passphrase: String,
) -> Result<(), IpcError> {
    let passphrase = Sensitive::new(passphrase);
    state
        .with_actor(move |store, actor, state| {
            members::set_first_passphrase(
                store,
                actor,
                &member,
                &passphrase,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn catalog_list(
    state: State<'_, AppState>,
    filter: CatalogFilter,
) -> Result<Vec<Capability>, IpcError> {
    state
        .with_actor(move |store, actor, _| catalog::list(store, &actor.tenant_id, &filter))
        .await
}

#[tauri::command]
pub async fn install_request(
    state: State<'_, AppState>,
    input: RequestInput,
) -> Result<InstallRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::request(
                store,
                actor,
                &input,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn install_list(
    state: State<'_, AppState>,
    filter: Option<InstallState>,
) -> Result<Vec<InstallRequest>, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::list(store, &actor.tenant_id, filter, state.clock.now())
        })
        .await
}

#[tauri::command]
pub async fn install_approve(
    state: State<'_, AppState>,
    request: String,
    input: ApprovalInput,
) -> Result<InstallRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::approve(store, actor, &request, &input, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn install_reject(
    state: State<'_, AppState>,
    request: String,
    note: Option<String>,
) -> Result<InstallRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::reject(
                store,
                actor,
                &request,
                note.as_deref(),
                state.clock.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn install_apply(
    state: State<'_, AppState>,
    request: String,
) -> Result<InstallRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::install(store, actor, &request, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn install_uninstall(
    state: State<'_, AppState>,
    capability: String,
) -> Result<InstallRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            installs::uninstall(store, actor, &capability, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn quota_usage(state: State<'_, AppState>) -> Result<QuotaUsage, IpcError> {
    state
        .with_actor(move |store, actor, _| quota::usage(store, &actor.tenant_id))
        .await
}

#[tauri::command]
pub async fn tenant_set_tier(
    state: State<'_, AppState>,
    tier: Tier,
) -> Result<QuotaUsage, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            tenant::set_tier(store, actor, tier, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn breakglass_open(
    state: State<'_, AppState>,
    reason: String,
    ttl_secs: Option<i64>,
) -> Result<BreakGlass, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            breakglass::open(
                store,
                actor,
                &reason,
                ttl_secs,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn breakglass_close(state: State<'_, AppState>) -> Result<BreakGlass, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            breakglass::close(store, actor, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn breakglass_status(state: State<'_, AppState>) -> Result<BreakGlassStatus, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            breakglass::status(store, &actor.tenant_id, state.clock.now())
        })
        .await
}

#[tauri::command]
pub async fn change_list(
    state: State<'_, AppState>,
    open_only: bool,
) -> Result<Vec<ChangeRequest>, IpcError> {
    state
        .with_actor(move |store, actor, _| changes::list(store, &actor.tenant_id, open_only, None))
        .await
}

#[tauri::command]
pub async fn change_get(state: State<'_, AppState>, id: String) -> Result<ChangeDetail, IpcError> {
    state
        .with_actor(move |store, actor, _| changes::get(store, &actor.tenant_id, &id))
        .await
}

#[tauri::command]
pub async fn change_submit(
    state: State<'_, AppState>,
    change: NewChange,
) -> Result<ChangeRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            changes::submit(
                store,
                actor,
                &change,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn change_transition(
    state: State<'_, AppState>,
    id: String,
    action: ChangeAction,
    note: Option<String>,
) -> Result<ChangeRequest, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            changes::transition(
                store,
                actor,
                &id,
                action,
                note.as_deref(),
                state.clock.as_ref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn change_comment(
    state: State<'_, AppState>,
    id: String,
    body: String,
) -> Result<ChangeComment, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            changes::comment(
                store,
                actor,
                &id,
                &body,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}
