//! The Tauri shell: app state, thin commands and the IPC error shape. No business logic lives
//! here; every command takes the state, calls one core function and maps the error.

mod backup_commands;
mod bindings;
mod commands;
mod error;
mod gov_commands;
mod onboarding_commands;
mod preset_commands;
mod state;

pub use error::IpcError;
pub use state::AppState;

/// Builds and runs the app. `main.rs` only calls this.
pub fn run() {
    let state = AppState::from_environment();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The quoted names between `start` and the next `end` in `text`.
    fn names_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
        let from = text.find(start).expect("start marker") + start.len();
        let to = from + text[from..].find(end).expect("end marker");
        text[from..to]
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .map(|line| {
                line.trim_end_matches(',')
                    .trim_matches('"')
                    .rsplit("::")
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    /// A command must be declared (build.rs), registered (here) and allowed (the capability);
    /// missing one of the three only shows when the UI calls it.
    #[test]
    fn every_command_is_declared_registered_and_allowed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let build = std::fs::read_to_string(root.join("build.rs")).unwrap();
        let declared = names_between(&build, ".commands(&[", "]);");
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
        let registered = names_between(&lib, "generate_handler![", "])");
        let capability: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("capabilities/default.json")).unwrap(),
        )
        .unwrap();
        let allowed: BTreeSet<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|name| name.replace('-', "_"))
            .collect();
        assert!(declared.len() > 50, "{declared:?}");
        assert_eq!(
            declared, registered,
            "build.rs and generate_handler! differ"
        );
        assert_eq!(
            declared, allowed,
            "build.rs and capabilities/default.json differ"
        );
    }

    /// Tauri v2 runs a command that is not `async` on the main thread, where a database query,
    /// a keyring call, a file read or argon2 freezes the window. Every command is `async` and
    /// hands its work to the blocking pool (`with_store`, `with_actor`, `with_long_operation`,
    /// `blocking`); only the commands listed here touch nothing but memory.
    #[test]
    fn every_command_runs_off_the_main_thread() {
        const IN_MEMORY_ONLY: [&str; 2] = ["app_info", "backup_cancel"];
        let mut checked = 0;
        for (file, text) in command_sources() {
            for piece in text.split("\n#[tauri::command").skip(1) {
                let (attribute, item) = piece.split_once('\n').unwrap();
                assert_eq!(
                    attribute, "]",
                    "{file}: use a plain #[tauri::command] on an async fn"
                );
                let signature = item.trim_start_matches(|c| c != 'p');
                let name = signature
                    .strip_prefix("pub async fn ")
                    .unwrap_or_else(|| {
                        panic!("{file}: a command that is not async: {signature:.60}")
                    })
                    .split('(')
                    .next()
                    .unwrap();
                let body = &item[..item.find("\n}\n").unwrap_or(item.len())];
                let hands_off = [
                    ".with_store(",
                    ".with_actor(",
                    ".with_long_operation(",
                    "blocking(",
                ]
                .iter()
                .any(|call| body.contains(call));
                assert!(
                    hands_off || IN_MEMORY_ONLY.contains(&name),
                    "{file}: command {name} does its work on the async worker; hand it to the blocking pool"
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "{checked}");
    }

    /// Every `(name, file text)` of the command modules.
    fn command_sources() -> Vec<(String, String)> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out: Vec<(String, String)> = std::fs::read_dir(&src)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Each Rust command's argument names, camelCased as Tauri expects them over IPC (state
    /// and channels-as-`Channel<…>` included; the `State` argument excluded).
    fn rust_commands() -> std::collections::BTreeMap<String, BTreeSet<String>> {
        let mut out = std::collections::BTreeMap::new();
        for (_, text) in command_sources() {
            let mut rest = text.as_str();
            const MARK: &str = "\n#[tauri::command";
            while let Some(at) = rest.find(MARK) {
                rest = &rest[at + MARK.len()..];
                let Some(sig_start) = rest
                    .find("pub async fn ")
                    .filter(|&i| rest[..i].trim() == "]")
                    .map(|i| i + "pub async fn ".len())
                else {
                    continue;
                };
                let open = sig_start + rest[sig_start..].find('(').unwrap();
                let close = open + rest[open..].find(") ->").unwrap();
                let name = rest[sig_start..open].trim().to_owned();
                let args = rest[open + 1..close]
                    .split(',')
                    .filter_map(|arg| arg.split_once(':'))
                    .filter(|(_, ty)| !ty.trim_start().starts_with("State<"))
                    .map(|(arg, _)| camel(arg.trim()))
                    .collect();
                out.insert(name, args);
                rest = &rest[close..];
            }
        }
        out
    }

    fn camel(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The TypeScript wrappers (`ui/src/lib/backend/tauri.ts`) name each command and its
    /// argument keys by hand; this keeps them equal to the Rust commands, so a renamed command
    /// or argument fails here instead of in the window.
    #[test]
    fn typescript_wrappers_call_the_commands_with_their_argument_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let ts = std::fs::read_to_string(root.join("../ui/src/lib/backend/tauri.ts")).unwrap();
        let mut called = std::collections::BTreeMap::new();
        for piece in ts.split("call('").skip(1) {
            let name_end = piece.find('\'').unwrap();
            let name = piece[..name_end].to_owned();
            let after = &piece[name_end + 1..];
            let args: BTreeSet<String> = match after.trim_start().strip_prefix(", {") {
                Some(object) => object[..object.find('}').unwrap()]
                    .split(',')
                    .map(|entry| entry.split(':').next().unwrap().trim().to_owned())
                    .filter(|key| !key.is_empty())
                    .collect(),
                None => BTreeSet::new(),
            };
            called.insert(name, args);
        }
        let commands = rust_commands();
        assert!(commands.len() > 50, "{commands:?}");
        assert_eq!(
            called.keys().collect::<Vec<_>>(),
            commands.keys().collect::<Vec<_>>(),
            "commands without a wrapper, or wrappers without a command"
        );
        for (name, args) in &commands {
            assert_eq!(&called[name], args, "argument names of {name}");
        }
    }
}
