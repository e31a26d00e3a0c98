//! The Tauri shell: app state, thin commands and the IPC error shape. No business logic lives
//! here; every command takes the state, calls one core function and maps the error.

mod backup_commands;
mod bindings;
mod commands;
mod error;
mod gov_commands;
mod guide_protocol;
mod ipc_surface;
mod onboarding_commands;
mod openclaw_commands;
mod preset_commands;
mod selfedit_commands;
mod state;
mod watch;

pub use error::IpcError;
pub use state::AppState;

/// Builds and runs the app. `main.rs` only calls this.
pub fn run() {
    let state = AppState::from_environment();
    let watched = state.clone();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(move |app| {
            watch::start(app.handle().clone(), watched);
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol(guide_protocol::SCHEME, guide_protocol::handle)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::tenant_self,
            commands::init_home,
            commands::run_doctor,
            commands::spec_check,
            commands::spec_preview,
            commands::spec_agents,
            commands::spec_versions,
            commands::spec_get,
            commands::spec_new_draft,
            commands::spec_save_draft,
            commands::spec_publish,
            commands::integrity_overview,
            commands::integrity_diff,
            commands::integrity_accept,
            selfedit_commands::integrity_page,
            selfedit_commands::integrity_scan,
            selfedit_commands::integrity_revert_preview,
            selfedit_commands::integrity_revert,
            selfedit_commands::integrity_decide,
            commands::audit_list,
            commands::audit_verify,
            commands::spec_use,
            gov_commands::member_list,
            gov_commands::member_switch,
            gov_commands::member_unlock,
            gov_commands::member_lock,
            gov_commands::member_set_passphrase,
            gov_commands::member_set_first_passphrase,
            gov_commands::catalog_list,
            gov_commands::install_request,
            gov_commands::install_list,
            gov_commands::install_approve,
            gov_commands::install_reject,
            gov_commands::install_apply,
            gov_commands::install_uninstall,
            gov_commands::quota_usage,
            gov_commands::tenant_set_tier,
            gov_commands::breakglass_open,
            gov_commands::breakglass_close,
            gov_commands::breakglass_status,
            gov_commands::change_list,
            gov_commands::change_get,
            gov_commands::change_submit,
            gov_commands::change_transition,
            gov_commands::change_comment,
            preset_commands::preset_list,
            preset_commands::preset_history,
            preset_commands::preset_texts,
            preset_commands::preset_check,
            preset_commands::preset_preview,
            preset_commands::preset_new_draft,
            preset_commands::preset_save_draft,
            preset_commands::preset_publish,
            preset_commands::preset_move_label,
            preset_commands::preset_deprecate,
            preset_commands::preset_diff,
            preset_commands::preset_apply,
            preset_commands::preset_export_claw,
            openclaw_commands::openclaw_status,
            openclaw_commands::openclaw_plan,
            openclaw_commands::openclaw_sync,
            openclaw_commands::openclaw_import,
            onboarding_commands::onboarding_state,
            onboarding_commands::onboarding_answer,
            onboarding_commands::onboarding_back,
            onboarding_commands::onboarding_revisit,
            onboarding_commands::onboarding_reset,
            onboarding_commands::onboarding_customize,
            onboarding_commands::onboarding_accept,
            backup_commands::destination_list,
            backup_commands::destination_add,
            backup_commands::destination_remove,
            backup_commands::drive_list,
            backup_commands::backup_list,
            backup_commands::backup_export,
            backup_commands::backup_verify,
            backup_commands::backup_preview,
            backup_commands::backup_restore_target,
            backup_commands::backup_restore,
            backup_commands::backup_cancel,
            backup_commands::backup_snooze,
            backup_commands::backup_passphrase_reveal,
            backup_commands::backup_passphrase_confirm,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("Persona Studio could not start: {error}");
        std::process::exit(1);
    }
}
