//! `cargo xtask run`: build the UI and the app, then launch it. With no display it runs the app
//! under Xvfb for a few seconds, saves a screenshot and says how to run it headless.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::deps;
use crate::process::{root, run_in, sh_with_args, step};
use crate::test::{build_binaries, build_ui, Scratch, KEYRING_SESSION};

pub fn run(app_args: &[String]) -> Result<()> {
    deps::debian_packages()?;
    deps::node_packages()?;
    build_ui()?;
    build_binaries()?;
    let app = root().join("target/debug/persona-studio-app");
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()));
    if has_display {
        let _step = step("launching Persona Studio");
        let app_text = app.display().to_string();
        let args: Vec<&str> = app_args.iter().map(String::as_str).collect();
        return run_in(&root(), &app_text, &args);
    }
    headless(app, app_args)
}

fn headless(app: PathBuf, app_args: &[String]) -> Result<()> {
    let _step = step("no display found: running the app under Xvfb for a screenshot");
    let artifacts = root().join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let shot = artifacts.join("app-screenshot.png");
    let scratch = Scratch::new("run")?;
    let inner = r#""$PS_APP" "$@" & pid=$!; sleep 8; import -window root "$PS_SHOT"; kill $pid; wait $pid || true"#;
    let script = format!(
        r#"xvfb-run -a -s "-screen 0 1280x800x24" {KEYRING_SESSION} bash -c "$PS_INNER" app "$@""#
    );
    let mut env: Vec<(&str, &Path)> = vec![
        ("PS_APP", app.as_path()),
        ("PS_SHOT", shot.as_path()),
        ("PS_INNER", Path::new(inner)),
    ];
    let xdg = scratch.xdg_env();
    env.extend(xdg.iter().map(|(k, v)| (*k, v.as_path())));
    sh_with_args(&script, &env, app_args)?;
    println!(
        "\nSaved a screenshot of the running app to {}.\n\
         To use the app on this machine without a display, run it inside a virtual one:\n  \
         xvfb-run -a {} [--home DIR]\n\
         or connect with a display (X11 forwarding, VNC) and run `cargo xtask run` again.",
        shot.display(),
        app.display()
    );
    Ok(())
}
