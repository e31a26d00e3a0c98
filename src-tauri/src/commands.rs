//! Thin IPC commands: state in, one core call, error mapped.

use persona_studio::doctor::{self, DoctorReport};
use persona_studio::tenant::{self, InitRequest, SelfAccess};
use serde::Serialize;
use tauri::State;

use crate::{AppState, IpcError};

/// What the shell tells the UI about itself.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub home: String,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        home: state.home()?.root().display().to_string(),
    })
}

#[tauri::command]
pub fn tenant_self(state: State<'_, AppState>) -> Result<SelfAccess, IpcError> {
    state.with_store(|store| tenant::self_access(store))
}

#[tauri::command]
pub fn init_home(state: State<'_, AppState>, request: InitRequest) -> Result<SelfAccess, IpcError> {
    state
        .with_store(|store| tenant::init(store, &request, state.clock.as_ref(), state.ids.as_ref()))
}

#[tauri::command]
pub fn run_doctor(state: State<'_, AppState>) -> Result<DoctorReport, IpcError> {
    Ok(doctor::run(state.home()?, state.ids.as_ref()))
}
