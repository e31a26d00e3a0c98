//! Thin IPC commands for the preset editor: state in, one core call, error mapped. Versions
//! are addressed by number, except `reference` strings (`ID@3`, `ID:production`) for apply.

use std::path::PathBuf;

use persona_studio::integrity::baseline::FileDiff;
use persona_studio::persona::compile::PromptPlan;
use persona_studio::persona::preset::catalog::{
    self, LabelInfo, PresetFilter, PresetSummary, PresetVersion, VersionRef,
};
use persona_studio::persona::preset::editing::{self, PresetCheck, PresetTexts};
use persona_studio::persona::spec::InteractionContext;
use persona_studio::provision::apply::{self, ApplyOptions, ApplyReport};
use tauri::State;

use std::path::Path;

use persona_studio::openclaw::claw::{self, ClawExport};

use crate::state::blocking;
use crate::{AppState, IpcError};

#[tauri::command]
pub async fn preset_list(
    state: State<'_, AppState>,
    filter: PresetFilter,
) -> Result<Vec<PresetSummary>, IpcError> {
    state
        .with_actor(move |store, actor, _| catalog::list(store, &actor.tenant_id, &filter))
        .await
}

#[tauri::command]
pub async fn preset_history(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<PresetVersion>, IpcError> {
    state
        .with_actor(move |store, actor, _| catalog::history(store, &actor.tenant_id, &id))
        .await
}

#[tauri::command]
pub async fn preset_texts(
    state: State<'_, AppState>,
    id: String,
    version: u32,
) -> Result<PresetTexts, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            let stored = catalog::get(store, &actor.tenant_id, &id, &VersionRef::Number(version))?;
            editing::texts_of(&stored.bundle)
        })
        .await
}

#[tauri::command]
pub async fn preset_check(texts: PresetTexts) -> Result<PresetCheck, IpcError> {
    blocking(move || Ok(editing::check(&texts))).await
}

#[tauri::command]
pub async fn preset_preview(
    texts: PresetTexts,
    context: InteractionContext,
) -> Result<PromptPlan, IpcError> {
    blocking(move || Ok(editing::preview(&texts, context)?)).await
}

/// A new preset copied from the version `from` names as a bare id (its production label, else
/// its newest published version), or (with `from` absent) the next draft of preset `id` itself.
#[tauri::command]
pub async fn preset_new_draft(
    state: State<'_, AppState>,
    id: String,
    from: Option<String>,
) -> Result<PresetVersion, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let bundle = match from {
                Some(source) => Some(
                    catalog::get(store, &actor.tenant_id, &source, &VersionRef::Default)?.bundle,
                ),
                None => None,
            };
            catalog::create_draft(store, actor, &id, bundle, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn preset_save_draft(
    state: State<'_, AppState>,
    id: String,
    texts: PresetTexts,
) -> Result<PresetVersion, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let bundle = editing::bundle_of(&texts)?;
            catalog::save_draft(store, actor, &id, bundle, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn preset_publish(
    state: State<'_, AppState>,
    id: String,
) -> Result<PresetVersion, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            catalog::publish(store, actor, &id, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn preset_move_label(
    state: State<'_, AppState>,
    id: String,
    label: String,
    version: u32,
) -> Result<LabelInfo, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            catalog::move_label(store, actor, &id, &label, version, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn preset_deprecate(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    state
        .with_actor(move |store, actor, state| {
            catalog::deprecate(store, actor, &id, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn preset_diff(
    state: State<'_, AppState>,
    id: String,
    from: u32,
    to: u32,
) -> Result<Vec<FileDiff>, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            editing::diff_versions(store, &actor.tenant_id, &id, from, to)
        })
        .await
}

/// `reference` is what the CLI takes: `ID`, `ID@3`, `ID:production`.
#[tauri::command]
pub async fn preset_apply(
    state: State<'_, AppState>,
    reference: String,
    agent: String,
    workspace: PathBuf,
    options: ApplyOptions,
) -> Result<ApplyReport, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            let (id, version) = catalog::parse_ref(&reference)?;
            apply::apply(
                store,
                actor,
                &id,
                &version,
                &agent,
                &workspace,
                &options,
                state.clock.as_ref(),
            )
        })
        .await
}

/// Writes a stored preset version (`ID@N`) as an OpenClaw Claw package into `dir`, and as an
/// npm-style tarball when `tgz` names a file.
#[tauri::command]
pub async fn preset_export_claw(
    state: State<'_, AppState>,
    reference: String,
    dir: String,
    tgz: Option<String>,
) -> Result<ClawExport, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            claw::export_stored(
                store,
                &actor.tenant_id,
                &reference,
                Some(Path::new(&dir)),
                tgz.as_deref().map(Path::new),
            )
        })
        .await
}
