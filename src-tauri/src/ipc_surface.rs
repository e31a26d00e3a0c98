//! The IPC surface, read from its one declaration: the `#[tauri::command]` functions in this
//! crate's sources (parsed with `syn`). From them it generates `ui/src/lib/commands.ts`, the
//! TypeScript map of every command's argument object (keys as Tauri expects them, camelCased) and
//! return type, which the UI's only `invoke` wrapper is typed with, so a renamed command, argument
//! or type fails `svelte-check`. The tests also fail when the committed file is stale
//! (`cargo xtask bindings` regenerates it), when a command is not `async` or does its work
//! outside the blocking pool, and when `build.rs`, `generate_handler!` and the capability file do
//! not list the same commands.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use quote::ToTokens;
    use syn::{FnArg, GenericArgument, Item, ItemFn, PathArguments, ReturnType, Type, UseTree};

    /// Core types whose TypeScript name differs from their Rust name (`#[ts(rename)]`); checked
    /// against ts-rs below.
    const RENAMED: [(&str, &str); 1] =
        [("persona_studio::backup::VerifyReport", "BackupVerifyReport")];

    /// Commands that touch nothing but memory, so they need no worker thread.
    const IN_MEMORY_ONLY: [&str; 2] = ["app_info", "backup_cancel"];

    struct Command {
        file: String,
        item: ItemFn,
        /// Imported name → full path, from the file's `use` items.
        imports: BTreeMap<String, String>,
    }

    fn src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    fn commands() -> Vec<Command> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(src())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        let mut out = Vec::new();
        for path in files {
            let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut imports = BTreeMap::new();
            for item in &file.items {
                if let Item::Use(item) = item {
                    collect_imports(&item.tree, String::new(), &mut imports);
                }
            }
            for item in file.items {
                if let Item::Fn(item) = item {
                    if item.attrs.iter().any(is_command_attribute) {
                        out.push(Command {
                            file: path.display().to_string(),
                            item,
                            imports: imports.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    fn is_command_attribute(attribute: &syn::Attribute) -> bool {
        let path = attribute.path();
        path.segments.len() == 2
            && path.segments[0].ident == "tauri"
            && path.segments[1].ident == "command"
    }

    fn collect_imports(tree: &UseTree, prefix: String, out: &mut BTreeMap<String, String>) {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}::{name}")
            }
        };
        match tree {
            UseTree::Path(path) => collect_imports(&path.tree, join(&path.ident.to_string()), out),
            UseTree::Name(name) if name.ident == "self" => {
                let last = prefix.rsplit("::").next().unwrap_or_default().to_owned();
                out.insert(last, prefix);
            }
            UseTree::Name(name) => {
                out.insert(name.ident.to_string(), join(&name.ident.to_string()));
            }
            UseTree::Rename(rename) => {
                out.insert(rename.rename.to_string(), join(&rename.ident.to_string()));
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    collect_imports(tree, prefix.clone(), out);
                }
            }
            UseTree::Glob(_) => {}
        }
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

    /// Generic arguments of the last path segment.
    fn generics(path: &syn::Path) -> Vec<&Type> {
        match &path.segments.last().unwrap().arguments {
            PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The TypeScript type serde and ts-rs give `ty`; named types must exist in bindings.ts.
    fn typescript(ty: &Type, command: &Command, named: &mut BTreeSet<String>) -> String {
        let path = match ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => return "void".to_owned(),
            Type::Path(path) => &path.path,
            other => panic!(
                "{}: unsupported type {}",
                command.file,
                other.to_token_stream()
            ),
        };
        let ident = path.segments.last().unwrap().ident.to_string();
        let inner = generics(path);
        let mut map = |t: &Type| typescript(t, command, named);
        match ident.as_str() {
            // A `Digest` crosses as its `sha256:<hex>` text.
            "String" | "PathBuf" | "Digest" => "string".to_owned(),
            "bool" => "boolean".to_owned(),
            "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" | "f64" => {
                "number".to_owned()
            }
            "Option" => format!("{} | null", map(inner[0])),
            "Vec" => {
                let item = map(inner[0]);
                if item.contains(' ') {
                    format!("({item})[]")
                } else {
                    format!("{item}[]")
                }
            }
            "Channel" => format!("Channel<{}>", map(inner[0])),
            "BTreeMap" | "HashMap" => format!("Record<{}, {}>", map(inner[0]), map(inner[1])),
            _ => {
                let full = if path.segments.len() > 1 {
                    path.to_token_stream().to_string().replace(' ', "")
                } else {
                    command
                        .imports
                        .get(&ident)
                        .cloned()
                        .unwrap_or_else(|| ident.clone())
                };
                let name = RENAMED
                    .iter()
                    .find(|(rust, _)| *rust == full)
                    .map_or(ident, |(_, ts)| (*ts).to_owned());
                named.insert(name.clone());
                name
            }
        }
    }

    /// `commands.ts` as generated from the Rust commands.
    fn generate() -> (String, BTreeSet<String>) {
        let mut named = BTreeSet::new();
        let mut rows = BTreeMap::new();
        for command in commands() {
            let mut args = Vec::new();
            for input in &command.item.sig.inputs {
                let FnArg::Typed(arg) = input else { continue };
                if arg.ty.to_token_stream().to_string().starts_with("State") {
                    continue;
                }
                let name = camel(&arg.pat.to_token_stream().to_string());
                let optional = matches!(&*arg.ty, Type::Path(p) if p.path.segments.last().unwrap().ident == "Option");
                let ty = typescript(&arg.ty, &command, &mut named);
                args.push(format!("{name}{}: {ty}", if optional { "?" } else { "" }));
            }
            let ReturnType::Type(_, returned) = &command.item.sig.output else {
                panic!("{}: a command returns Result<T, IpcError>", command.file)
            };
            let Type::Path(result) = &**returned else {
                panic!("{}: returns Result", command.file)
            };
            let returns = typescript(generics(&result.path)[0], &command, &mut named);
            let args = if args.is_empty() {
                "Record<string, never>".to_owned()
            } else {
                format!("{{ {} }}", args.join("; "))
            };
            rows.insert(
                command.item.sig.ident.to_string(),
                format!(
                    "  {}: {{ args: {args}; returns: {returns} }};\n",
                    command.item.sig.ident
                ),
            );
        }
        let imports: Vec<&str> = named.iter().map(String::as_str).collect();
        let mut out = String::from(
            "// Generated from the #[tauri::command] functions in src-tauri/src by src-tauri/src/ipc_surface.rs.\n\
             // Do not edit: run `cargo xtask bindings`.\n\
             import type { Channel } from '@tauri-apps/api/core';\n",
        );
        out.push_str(&format!(
            "import type {{ {} }} from './bindings';\n\n",
            imports.join(", ")
        ));
        out.push_str("/** Every IPC command: its argument object, keyed as Tauri expects, and what it returns. */\nexport type Commands = {\n");
        for row in rows.values() {
            out.push_str(row);
        }
        out.push_str("};\n");
        (out, named)
    }

    #[test]
    fn typescript_command_bindings_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (generated, named) = generate();
        let bindings = std::fs::read_to_string(root.join("../ui/src/lib/bindings.ts")).unwrap();
        for name in &named {
            assert!(
                bindings.contains(&format!("export type {name} ")),
                "{name} crosses IPC but is not in bindings.ts; add it to bindings.rs"
            );
        }
        crate::bindings::assert_fresh(&root.join("../ui/src/lib/commands.ts"), &generated);
    }

    #[test]
    fn renamed_types_match_ts_rs() {
        use ts_rs::TS;
        assert_eq!(RENAMED[0].1, persona_studio::backup::VerifyReport::name());
    }

    /// Tauri v2 runs a command that is not `async` on the main thread, where a database query,
    /// a keyring call, a file read or argon2 freezes the window. Every command is `async` and
    /// hands its work to the blocking pool (`with_store`, `with_actor`, `with_long_operation`,
    /// `blocking`); only [`IN_MEMORY_ONLY`] touch nothing but memory.
    #[test]
    fn every_command_runs_off_the_main_thread() {
        let commands = commands();
        assert!(commands.len() > 50, "{}", commands.len());
        for command in commands {
            let name = command.item.sig.ident.to_string();
            let attribute = command
                .item
                .attrs
                .iter()
                .find(|a| is_command_attribute(a))
                .unwrap();
            assert!(
                matches!(attribute.meta, syn::Meta::Path(_)),
                "{}: {name}: use a plain #[tauri::command] on an async fn",
                command.file
            );
            assert!(
                command.item.sig.asyncness.is_some(),
                "{}: {name} is not async, so Tauri runs it on the main thread",
                command.file
            );
            let body = command
                .item
                .block
                .to_token_stream()
                .to_string()
                .replace(' ', "");
            let hands_off = [
                ".with_store(",
                ".with_actor(",
                ".with_long_operation(",
                "blocking(",
            ]
            .iter()
            .any(|call| body.contains(call));
            assert!(
                hands_off || IN_MEMORY_ONLY.contains(&name.as_str()),
                "{}: {name} does its work on the async worker; hand it to the blocking pool",
                command.file
            );
        }
    }

    /// The names listed in `text` between `start` and the next `end`.
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

    /// A command must be declared (build.rs), registered (`generate_handler!`) and allowed (the
    /// capability); missing one of the three only shows when the UI calls it.
    #[test]
    fn every_command_is_declared_registered_and_allowed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let defined: BTreeSet<String> = commands()
            .iter()
            .map(|c| c.item.sig.ident.to_string())
            .collect();
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
        assert_eq!(
            defined, declared,
            "the #[tauri::command] functions and build.rs differ"
        );
        assert_eq!(
            defined, registered,
            "the #[tauri::command] functions and generate_handler! differ"
        );
        assert_eq!(
            defined, allowed,
            "the #[tauri::command] functions and capabilities/default.json differ"
        );
    }

    /// The wrappers in `ui/src/lib/backend/tauri.ts` call every command by its name (their
    /// argument keys and types are checked by TypeScript against `commands.ts`).
    #[test]
    fn every_command_has_a_typescript_wrapper() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ts = std::fs::read_to_string(root.join("../ui/src/lib/backend/tauri.ts")).unwrap();
        let called: BTreeSet<String> = ts
            .split("call('")
            .skip(1)
            .map(|piece| piece[..piece.find('\'').unwrap()].to_owned())
            .collect();
        let defined: BTreeSet<String> = commands()
            .iter()
            .map(|c| c.item.sig.ident.to_string())
            .collect();
        assert_eq!(
            called, defined,
            "commands without a wrapper, or wrappers without a command"
        );
    }
}
