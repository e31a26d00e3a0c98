// Declaring the app's commands makes Tauri generate one `allow-<command>` permission per
// command, so a capability must grant each command explicitly.
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "tenant_self",
        "init_home",
        "run_doctor",
        "spec_check",
        "spec_preview",
        "spec_agents",
        "spec_versions",
        "spec_get",
        "spec_new_draft",
        "spec_save_draft",
        "spec_publish",
        "integrity_overview",
        "integrity_diff",
        "integrity_accept",
        "audit_list",
        "audit_verify",
        "spec_use",
        "member_list",
        "member_switch",
        "member_unlock",
        "member_lock",
        "member_set_passphrase",
        "catalog_list",
        "install_request",
        "install_list",
        "install_approve",
        "install_reject",
        "install_apply",
        "install_uninstall",
        "quota_usage",
        "breakglass_open",
        "breakglass_close",
        "breakglass_status",
        "change_list",
        "change_get",
        "change_submit",
        "change_transition",
        "change_comment",
        "preset_list",
        "preset_history",
        "preset_texts",
        "preset_check",
        "preset_preview",
        "preset_new_draft",
        "preset_save_draft",
        "preset_publish",
        "preset_move_label",
        "preset_deprecate",
        "preset_diff",
        "preset_apply",
    ]);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        eprintln!("tauri build script failed: {error:#}");
        std::process::exit(1);
    }
}
