//! Thin IPC commands: state in, one core call, error mapped.

use persona_studio::audit::{self, AuditFilter, AuditRecord, VerifyReport};
use persona_studio::doctor::{self, DoctorReport};
use persona_studio::integrity::attest::{self, AttestedPlan};
use persona_studio::integrity::baseline::{self, AgentIntegrity, Baseline, FileDiff};
use persona_studio::persona::compile::PromptPlan;
use persona_studio::persona::editor as spec_editor;
use persona_studio::persona::spec::InteractionContext;
use persona_studio::persona::versions::{self, StoredVersion, VersionSummary};
use persona_studio::provision::spec_draft;
use persona_studio::tenant::{self, InitRequest, SelfAccess};
use serde::Serialize;
use tauri::State;

use crate::state::blocking;
use crate::{AppState, IpcError};

/// What the shell tells the UI about itself.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub home: String,
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: persona_studio::VERSION.to_owned(),
        home: state.home()?.root().display().to_string(),
    })
}

#[tauri::command]
pub async fn tenant_self(state: State<'_, AppState>) -> Result<SelfAccess, IpcError> {
    state
        .with_store(|store, state| {
            tenant::self_access_cached(store, state.clock.as_ref(), &state.digests)
        })
        .await
}

#[tauri::command]
pub async fn init_home(
    state: State<'_, AppState>,
    request: InitRequest,
) -> Result<SelfAccess, IpcError> {
    state
        .with_store(move |store, state| {
            tenant::init(store, &request, state.clock.as_ref(), state.ids.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn run_doctor(state: State<'_, AppState>) -> Result<DoctorReport, IpcError> {
    let state = AppState::clone(&state);
    blocking(move || Ok(doctor::run(state.home()?, state.ids.as_ref()))).await
}

/// Live validation of spec text in the editor: every problem, and the hash when it is valid.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SpecCheck {
    pub problems: Vec<persona_studio::persona::spec::Problem>,
    pub persona_hash: Option<persona_studio::canon::Digest>,
}

#[tauri::command]
pub async fn spec_check(text: String) -> Result<SpecCheck, IpcError> {
    blocking(move || {
        let (problems, persona_hash) = spec_editor::check(&text);
        Ok(SpecCheck {
            problems,
            persona_hash,
        })
    })
    .await
}

#[tauri::command]
pub async fn spec_preview(
    text: String,
    context: InteractionContext,
) -> Result<PromptPlan, IpcError> {
    blocking(move || Ok(spec_editor::preview(&text, context)?)).await
}

#[tauri::command]
pub async fn spec_agents(state: State<'_, AppState>) -> Result<Vec<String>, IpcError> {
    state
        .with_actor(move |store, actor, _| versions::agents(store, &actor.tenant_id))
        .await
}

#[tauri::command]
pub async fn spec_versions(
    state: State<'_, AppState>,
    agent: String,
) -> Result<Vec<VersionSummary>, IpcError> {
    state
        .with_actor(move |store, actor, _| versions::list(store, &actor.tenant_id, &agent))
        .await
}

#[tauri::command]
pub async fn spec_get(
    state: State<'_, AppState>,
    agent: String,
    version: Option<u32>,
) -> Result<StoredVersion, IpcError> {
    state
        .with_actor(move |store, actor, _| versions::get(store, &actor.tenant_id, &agent, version))
        .await
}

#[tauri::command]
pub async fn spec_new_draft(
    state: State<'_, AppState>,
    agent: String,
) -> Result<VersionSummary, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            // The same starting point as everywhere: active, else the applied preset's spec.
            spec_draft::new_draft(store, actor, &agent, None, state.clock.as_ref())
                .map(|draft| draft.summary)
        })
        .await
}

#[tauri::command]
pub async fn spec_save_draft(
    state: State<'_, AppState>,
    agent: String,
    text: String,
) -> Result<VersionSummary, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            versions::save_draft(store, actor, &agent, &text, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn spec_publish(
    state: State<'_, AppState>,
    agent: String,
) -> Result<VersionSummary, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            versions::publish(store, actor, &agent, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn integrity_overview(
    state: State<'_, AppState>,
) -> Result<Vec<AgentIntegrity>, IpcError> {
    state
        .with_actor(move |store, actor, _| baseline::overview(store, &actor.tenant_id))
        .await
}

#[tauri::command]
pub async fn integrity_diff(
    state: State<'_, AppState>,
    agent: String,
    path: String,
) -> Result<FileDiff, IpcError> {
    state
        .with_actor(move |store, actor, _| {
            baseline::file_diff(store, &actor.tenant_id, &agent, &path)
        })
        .await
}

#[tauri::command]
pub async fn integrity_accept(
    state: State<'_, AppState>,
    agent: String,
) -> Result<Baseline, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            baseline::accept(store, actor, &agent, state.clock.as_ref())
        })
        .await
}

#[tauri::command]
pub async fn audit_list(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<Vec<AuditRecord>, IpcError> {
    state
        .with_actor(move |store, actor, _| audit::list(store.conn(), &actor.tenant_id, &filter))
        .await
}

#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>) -> Result<VerifyReport, IpcError> {
    state
        .with_store(move |store, _| tenant::verify_audit(store))
        .await
}

#[tauri::command]
pub async fn spec_use(
    state: State<'_, AppState>,
    agent: String,
    text: String,
    context: InteractionContext,
) -> Result<AttestedPlan, IpcError> {
    state
        .with_actor(move |store, actor, state| {
            attest::compile_for_use(store, actor, &agent, &text, context, state.clock.as_ref())
        })
        .await
}

#[cfg(test)]
mod tests {
    /// The version is written once, in `[workspace.package]`: every crate inherits it, and
    /// `tauri.conf.json` has none, so the bundler takes the app crate's. The packaging test
    /// (`e2e/packaging/`) checks that the package, the CLI, Settings and backups agree.
    #[test]
    fn the_core_the_app_and_the_bundler_read_one_version() {
        assert_eq!(persona_studio::VERSION, env!("CARGO_PKG_VERSION"));
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert!(
            conf.get("version").is_none(),
            "tauri.conf.json must not carry a version of its own"
        );
        for (name, manifest) in [
            ("Cargo.toml", include_str!("../../Cargo.toml")),
            ("src-tauri/Cargo.toml", include_str!("../Cargo.toml")),
            ("xtask/Cargo.toml", include_str!("../../xtask/Cargo.toml")),
        ] {
            let package = manifest.split("[package]").nth(1).unwrap();
            let package = package.split("\n[").next().unwrap();
            assert!(
                package.contains("\nversion.workspace = true"),
                "{name} must inherit the workspace version"
            );
        }
        let install_line = format!(
            "apt install ./persona-studio_{}_amd64.deb",
            persona_studio::VERSION
        );
        for (name, text) in [
            ("README.md", include_str!("../../README.md")),
            (
                "docs/src/getting-started.md",
                include_str!("../../docs/src/getting-started.md"),
            ),
        ] {
            assert!(
                text.contains(&install_line),
                "{name} must show `{install_line}`"
            );
        }
    }
}
