//! Persona Studio's core: everything the CLI and the desktop app do, with no Tauri in sight.
//!
//! A tour, bottom layer first (a module uses only its own layer or lower ones; a test in this
//! file fails on an upward use or an import cycle, see ARCHITECTURE.md):
//!
//! - Base: [`home`] finds the data folder (`--home`, `PERSONA_STUDIO_HOME`, or the OS app-data
//!   folder); [`canon`], [`json`] (the one door for JSON from outside), [`clock`], [`ids`], [`secrets`], [`fsutil`], [`textdiff`], [`naming`],
//!   [`problem`] and the [`Error`] type.
//! - [`store`] opens the SQLite database in it and applies the embedded, forward-only migrations.
//! - [`audit`] keeps the hash-chained audit log that every state change appends to.
//! - [`auth`]: who acts (tenant, member, role, the local profile) and proof of identity
//!   ([`auth::members`]: passphrases, unlocking, the checks every guarded action calls).
//! - Domains: [`persona`] (specs, the compiler, presets), [`backup`], [`integrity`] (baselines,
//!   attestations, the registry), [`governance`] (catalog, installs, break-glass, quotas, change
//!   requests), [`onboarding`] (the wizard, the recommender, accept), [`provision`] (applying a
//!   preset to an agent's workspace) and [`openclaw`] (the OpenClaw install our agents run in:
//!   its JSON5 config with `$include`, its agents, drift, and the sync plan).
//! - [`selfedit`]: the self-edit loop over agents' own edits of their workspaces (scan, file
//!   reviews, revert, the Integrity page).
//! - The façade: [`tenant`] creates the first tenant and answers "who am I and what do I have"
//!   (the overview the Dashboard shows); [`doctor`] checks the installation.
//!
//! [`backup`] exports, verifies and restores the tenant's encrypted, customer-owned backups;
//! [`secrets`] is the only door to the OS keyring (values travel as [`secrets::Sensitive`]);
//! [`clock`] and [`ids`] are passed in, so that time and identifiers are deterministic in tests.
//!
//! Every fallible function returns [`Error`], whose [`Error::code`] is the stable string the UI
//! and scripts switch on.

/// Declares that a type crosses IPC as a TypeScript `string` (it serializes as text).
#[macro_export]
#[doc(hidden)]
macro_rules! ts_as_string {
    ($ty:ty) => {
        impl ts_rs::TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name() -> String {
                "string".to_owned()
            }
            fn inline() -> String {
                "string".to_owned()
            }
            fn inline_flattened() -> String {
                "string".to_owned()
            }
            fn decl() -> String {
                format!("type {} = string;", stringify!($ty))
            }
            fn decl_concrete() -> String {
                Self::decl()
            }
        }
    };
}

/// The release version, `MAJOR.MINOR.PATCH` (SemVer 2.0.0), from `[workspace.package]` in the
/// workspace `Cargo.toml`: the one place it is written. The CLI's `--version`, the app's Settings
/// page and backup manifests (`app_version`) show this; the packages carry the same number.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod audit;
pub mod auth;
pub mod backup;
pub mod canon;
pub mod clock;
pub mod doctor;
mod error;
pub mod fsutil;
pub mod governance;
pub mod guide;
pub mod home;
pub mod ids;
pub mod integrity;
pub mod json;
pub mod naming;
pub mod onboarding;
pub mod openclaw;
pub mod persona;
pub mod problem;
pub mod provision;
pub mod secrets;
pub mod selfedit;
pub mod store;
pub mod tenant;
pub mod textdiff;

pub use error::{Error, Result};

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// The core's layers, bottom first (ARCHITECTURE.md, "Layers"). A module may use only
    /// modules of its own layer or below, and the modules may not import one another in a cycle.
    const LAYERS: &[&[&str]] = &[
        &[
            "canon", "clock", "error", "fsutil", "guide", "home", "ids", "json", "naming",
            "problem", "secrets", "textdiff",
        ],
        &["store"],
        &["audit"],
        &["auth"],
        &["persona", "backup"],
        &["integrity"],
        &["governance"],
        &["onboarding"],
        &["provision", "openclaw"],
        &["selfedit"],
        &["tenant", "doctor"],
    ];

    /// Every `.rs` file under `dir`, except the binaries' folder.
    fn sources(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if !path.ends_with("bin") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        out.sort();
        out
    }

    /// The top-level modules a file's code names through `crate::`, both `crate::x::…` and
    /// `crate::{x, y::…}`; comments and the `#[cfg(test)]` tail are left out.
    fn crate_references(text: &str) -> BTreeSet<String> {
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = BTreeSet::new();
        for piece in code.split("crate::").skip(1) {
            if let Some(group) = piece.strip_prefix('{') {
                let mut depth = 0;
                let end = group
                    .find(|c: char| {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => return true,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        false
                    })
                    .unwrap_or(group.len());
                let mut depth = 0;
                let mut item = String::new();
                for c in group[..end].chars().chain([',']) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.insert(first_word(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
            } else {
                out.insert(first_word(piece));
            }
        }
        out.remove("");
        out
    }

    fn first_word(text: &str) -> String {
        text.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    }

    /// Which module, by its top-level name, uses which others.
    fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in sources(&src) {
            let relative = path.strip_prefix(&src).unwrap();
            let module = relative
                .iter()
                .next()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let uses = graph.entry(module.clone()).or_default();
            for target in crate_references(&text) {
                let target = match target.as_str() {
                    "Error" | "Result" => "error".to_owned(),
                    _ => target,
                };
                // `VERSION` and `ts_as_string` are the crate root's own items, in no layer.
                if target != module && target != "ts_as_string" && target != "VERSION" {
                    uses.insert(target);
                }
            }
        }
        graph
    }

    fn layer_of(module: &str) -> usize {
        LAYERS
            .iter()
            .position(|layer| layer.contains(&module))
            .unwrap_or_else(|| panic!("module {module} is in no layer: add it to LAYERS"))
    }

    #[test]
    fn layers_go_one_way_and_modules_never_import_in_a_cycle() {
        let graph = module_graph();
        assert!(graph.len() >= 18, "{graph:?}");
        let mut upward = Vec::new();
        for (module, uses) in &graph {
            for target in uses {
                if layer_of(target) > layer_of(module) {
                    upward.push(format!("{module} -> {target}"));
                }
            }
        }
        assert!(
            upward.is_empty(),
            "a lower layer uses a higher one: {upward:?}"
        );
        // Depth-first search for a cycle among the modules themselves.
        fn visit<'g>(
            node: &'g str,
            graph: &'g BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<&'g str>,
            done: &mut BTreeSet<&'g str>,
        ) {
            if let Some(start) = path.iter().position(|n| *n == node) {
                panic!(
                    "import cycle: {}",
                    path[start..].join(" -> ") + " -> " + node
                );
            }
            if !done.insert(node) {
                return;
            }
            path.push(node);
            for next in graph.get(node).into_iter().flatten() {
                visit(next, graph, path, done);
            }
            path.pop();
        }
        let mut done = BTreeSet::new();
        for module in graph.keys() {
            visit(module, &graph, &mut Vec::new(), &mut done);
        }
    }

    #[test]
    fn the_layer_check_sees_grouped_and_nested_imports() {
        let refs = crate_references(
            "use crate::{audit, auth::{members, Actor}, Error};\nfn f() { crate::backup::list(); }\n// crate::tenant\n#[cfg(test)]\nuse crate::onboarding;",
        );
        let want: BTreeSet<String> = ["audit", "auth", "Error", "backup"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(refs, want);
    }

    /// The core speaks of the domain; which command to run (or button to press) is the front
    /// end's hint (`output.rs` in the CLI, `explain` in the UI), keyed by the error.
    #[test]
    fn no_core_message_names_a_cli_command() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offending = Vec::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if path != src.join("bin") {
                        dirs.push(path);
                    }
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let needle = concat!("persona-studio", " ");
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if !code.starts_with("//") && code.contains(needle) {
                        offending.push(format!("{}:{}", path.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            offending.is_empty(),
            "CLI commands in core messages: {offending:?}"
        );
    }
}
