//! Issue 17 §6: OpenClaw workspaces as people really save them (on Windows: a byte order mark
//! and CRLF line ends; from OpenClaw's templates: front matter, `- **Name:**` and `_(…)_`
//! hints). Fields are read through them; the bytes are kept exactly where bytes matter.

use crate::openclaw::Install;
use crate::support::{cli_with, TestHome};

/// `text` as a Windows editor saves it: a byte order mark and CRLF line ends.
fn windows(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

/// OpenClaw's IDENTITY.md template (docs/reference/templates/IDENTITY.md), filled in or not.
fn identity_template(name: Option<&str>) -> String {
    let name = name.map_or("\n  _(pick something you like)_".to_owned(), |n| {
        format!(" {n}")
    });
    format!(
        "---\nsummary: \"Agent identity record\"\ntitle: \"IDENTITY template\"\nread_when:\n  - \
         Bootstrapping a workspace manually\n---\n\n# IDENTITY.md - Who Am I?\n\n_Fill this in \
         during your first conversation. Make it yours._\n\n- **Name:**{name}\n- **Creature:**\n  \
         _(AI? robot? familiar? ghost in the machine? something weirder?)_\n- **Emoji:**\n  \
         _(your signature \u{2014} pick one that feels right)_\n"
    )
}

fn import_workspace(home: &TestHome, identity: &str, id: &str) -> serde_json::Value {
    let workspace = home.path().join(format!("ws-{id}"));
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(workspace.join("SOUL.md"), windows("Be kind.\nStay calm.\n")).unwrap();
    std::fs::write(workspace.join("IDENTITY.md"), identity).unwrap();
    home.cli(&[
        "--json",
        "preset",
        "import",
        "--openclaw",
        workspace.to_str().unwrap(),
        "--id",
        id,
    ])
    .expect_code(0)
    .json()
}

#[test]
fn a_workspace_saved_on_windows_keeps_its_name_and_its_bytes() {
    let home = TestHome::new();
    home.init_unlocked(&[]);
    let identity = windows("Name: Wren\nEmoji: 🐦\n");
    let draft = import_workspace(&home, &identity, "wren");
    assert_eq!(draft["bundle"]["manifest"]["name"], "Wren");
    assert_eq!(
        draft["bundle"]["manifest"]["spec"]["identity"]["name"],
        "Wren"
    );
    // The templates are the files as they were, BOM and CRLF included.
    assert_eq!(draft["bundle"]["files"]["IDENTITY.md"], identity.as_str());
    assert_eq!(
        draft["bundle"]["files"]["SOUL.md"],
        windows("Be kind.\nStay calm.\n").as_str()
    );

    for (id, text, name) in [
        ("filled", windows(&identity_template(Some("Wren"))), "Wren"),
        ("unix_filled", identity_template(Some("**Wren**")), "Wren"),
        // The template as shipped has placeholders only: the name falls back to the id.
        (
            "blank_template",
            windows(&identity_template(None)),
            "blank template",
        ),
        // OpenClaw keeps the last Name it reads.
        (
            "renamed",
            windows("- Name: Old\n- **Name:** Wren\n"),
            "Wren",
        ),
    ] {
        let draft = import_workspace(&home, &text, id);
        assert_eq!(draft["bundle"]["manifest"]["name"], name, "{id}");
    }
}

#[test]
fn the_compiler_reads_settings_from_files_saved_on_windows() {
    let home = TestHome::new();
    let workspace = home.path().join("ws");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(
        workspace.join("SOUL.md"),
        windows("---\ntitle: \"SOUL.md template\"\n---\n\nName: Wren\n- **Vibe:** calm\n"),
    )
    .unwrap();
    let spec_path = home.path().join("spec.json");
    std::fs::write(
        &spec_path,
        serde_json::to_string(&persona_studio::persona::spec::sample_spec()).unwrap(),
    )
    .unwrap();
    let plan = cli_with(
        None,
        &[
            "--json",
            "spec",
            "compile",
            spec_path.to_str().unwrap(),
            "--workspace",
            workspace.to_str().unwrap(),
        ],
        None,
    )
    .expect_code(0)
    .json();
    let parts: Vec<&serde_json::Value> = plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["parts"].as_array().unwrap())
        .collect();
    let part = |text: &str| {
        parts
            .iter()
            .find(|p| p["text"] == text)
            .unwrap_or_else(|| panic!("no part {text:?} in {plan:#}"))
    };
    // Line numbers count the file as it is, front matter included.
    assert_eq!(part("name: Wren")["source"]["start_line"], 5, "{plan:#}");
    assert_eq!(part("vibe: calm")["source"]["start_line"], 6, "{plan:#}");
}

#[test]
fn openclaw_import_names_a_windows_workspace_from_its_identity() {
    let install = Install::new("");
    let workspace = install.path("agents/wren");
    let identity = windows("Name: Wren\n");
    install.write("agents/wren/SOUL.md", &windows("Be kind.\n"));
    install.write("agents/wren/IDENTITY.md", &identity);
    install.write(
        "state/openclaw.json",
        &format!(
            r#"{{ agents: {{ entries: {{ wren: {{ workspace: "{}" }} }} }} }}"#,
            workspace.display()
        ),
    );
    let home = TestHome::new();
    home.init_core("Acme");
    let done = install
        .ours(&home, &["import", "--agent", "wren"])
        .expect_code(0)
        .json();
    assert_eq!(done["agents"][0]["action"], "imported", "{done:#}");
    let draft = home
        .cli(&["--json", "preset", "show", "wren@draft"])
        .expect_code(0)
        .json();
    assert_eq!(draft["bundle"]["manifest"]["name"], "Wren", "{draft:#}");
    assert_eq!(draft["bundle"]["files"]["IDENTITY.md"], identity.as_str());
    // The baseline recorded the bytes as they are: nothing has drifted.
    let status = install
        .ours(&home, &["status", "--agent", "wren"])
        .expect_code(0)
        .json();
    assert_eq!(status["agents"][0]["state"], "in_sync", "{status:#}");
}
