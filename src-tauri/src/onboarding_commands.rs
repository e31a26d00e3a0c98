//! Thin IPC commands for the onboarding wizard: state in, one core call, error mapped. The
//! wizard lives in SQLite per member, so the UI resumes it from `onboarding_state`.

use persona_studio::onboarding::accept::{self, AcceptOutcome};
use persona_studio::onboarding::customize::{Choice, Customization};
use persona_studio::onboarding::recommend::Answer;
use persona_studio::onboarding::session::{self, WizardState};
use tauri::State;

use crate::{AppState, IpcError};

#[tauri::command]
pub async fn onboarding_state(state: State<'_, AppState>) -> Result<WizardState, IpcError> {
    state
        .with_actor(move |store, actor, _| session::load(store, actor))
        .await
}

#[tauri::command]
pub async fn onboarding_answer(
    state: State<'_, AppState>,
    question: String,
    value: Answer,
) -> Result<WizardState, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            session::answer(store, actor, &question, value, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn onboarding_back(state: State<'_, AppState>) -> Result<WizardState, IpcError> {
    state
        .with_actor(move |store, actor, state| session::back(store, actor, state.clock.as_ref()))
        .await
}

#[tauri::command]
pub async fn onboarding_revisit(
    state: State<'_, AppState>,
    question: String,
) -> Result<WizardState, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            session::revisit(store, actor, &question, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn onboarding_reset(state: State<'_, AppState>) -> Result<WizardState, IpcError> {
    state
        .with_actor(|store, actor, _| session::reset(store, actor))
        .await
}

#[tauri::command]
pub async fn onboarding_customize(
    state: State<'_, AppState>,
    choice: Choice,
) -> Result<Customization, IpcError> {
    state
        .with_actor(move |store, actor, _| accept::customize_for_tenant(store, actor, &choice))
        .await
}

#[tauri::command]
pub async fn onboarding_accept(
    state: State<'_, AppState>,
    choice: Choice,
    agent: String,
) -> Result<AcceptOutcome, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            accept::accept(
                store,
                actor,
                &choice,
                &agent,
                state.clock.as_ref(),
                state.ids.as_ref(),
            )
        })
        .await
}
