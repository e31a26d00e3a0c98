//! Repository automation, run as `cargo xtask <task>`. It installs what a fresh Debian or
//! Ubuntu machine is missing, builds the UI and the app, and runs every test suite.

mod bundle;
mod deps;
mod docs;
mod process;
mod run;
mod test;

use anyhow::{bail, Result};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  run [-- APP ARGS]   install what is missing, build the UI and the app, and launch it
                      (with no display: under Xvfb, saving a screenshot to artifacts/)
  test                install what is missing and run every test suite (Rust, UI, end to end)
  bench               run the release benchmarks; each prints ratios against a peer
                      measured in the same run
  docs                build the user guide (docs/) to artifacts/docs/, check its links and
                      run its command examples against the real CLI
  bundle              build the release packages (.deb, .rpm) with the user guide into
                      artifacts/bundle/ (no AppImage: its tooling downloads from GitHub)
  test-bundle         package the debug build, then install, run, upgrade and remove it
                      with apt (root or sudo); the last stage of `test`
  bindings            regenerate ui/src/lib/bindings.ts and commands.ts from the Rust code
  setup               only install what is missing";

fn main() {
    if let Err(error) = dispatch() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn dispatch() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.skip_while(|a| a == "--").collect();
    match task.as_str() {
        "run" => run::run(&rest),
        "test" => test::test(),
        "bindings" => test::bindings(),
        "bundle" => bundle::bundle().map(|_| ()),
        "test-bundle" => bundle::test_bundle(),
        "docs" => docs::docs(docs::Screenshots::Optional),
        "docs-examples" => docs::run_examples(&rest),
        "bench" => test::bench(),
        "setup" => deps::setup_all(),
        "" | "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{USAGE}"),
    }
}
