//! Benchmark: `openclaw sync --dry-run` for one agent (the executive assistant preset applied,
//! its spec published, a JSON5 config with comments and an `$include`), in a release build.
//! Prints the median of the core call (`openclaw::plan`) and of the whole CLI process, and
//! the ratio of the CLI to a peer measured in the same run on the same file: the real
//! `openclaw config get agents.entries.exec` (`PS_OPENCLAW_BIN`, default
//! `target/openclaw-cli/openclaw`, which `cargo xtask setup` installs). Without it the peer is
//! skipped and said so. `OPENCLAW_BENCH_RUNS` sets the runs of each process (default 7).

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark that cannot run should stop loudly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use persona_studio::clock::SystemClock;
use persona_studio::home::Home;
use persona_studio::ids::RandomIds;
use persona_studio::openclaw::{self, Environment, SyncOptions};
use persona_studio::persona::preset::catalog::VersionRef;
use persona_studio::persona::{spec, versions};
use persona_studio::provision::apply::{self, ApplyOptions};
use persona_studio::store::Store;
use persona_studio::tenant::{self, Tier};
use support::median;

mod support;

/// Seconds each of `runs` runs of `f` took (after one warm-up run).
fn time(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect()
}

/// A data folder whose unlocked owner applied the executive assistant to agent `exec` in
/// `workspace` and published its spec.
fn data_folder(root: &Path, workspace: &Path) -> Store {
    let home = Home::new(root.join("home"));
    let (mut store, owner) =
        support::unlocked_owner(&home, Tier::Pro, 3600, &SystemClock, &RandomIds);
    let options = ApplyOptions::default();
    let latest = VersionRef::Latest;
    apply::apply(
        &mut store,
        &owner,
        "executive_assistant",
        &latest,
        "exec",
        workspace,
        &options,
        &SystemClock,
    )
    .unwrap();
    let text = serde_json::to_string(&spec::sample_spec()).unwrap();
    versions::create_draft(&mut store, &owner, "exec", Some(&text), &SystemClock).unwrap();
    versions::publish(&mut store, &owner, "exec", &SystemClock).unwrap();
    store
}

/// The OpenClaw state folder: a commented config whose agents come from an include.
fn install(root: &Path, workspace: &Path) -> PathBuf {
    let state = root.join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join("openclaw.json"),
        "// bench\n{\n  agents: {\n    ownership: \"explicit\",\n    defaults: { skills: [\"github\"] },\n    entries: { $include: \"./agents.json5\" },\n  },\n  gateway: { auth: { token: \"${OPENCLAW_GATEWAY_TOKEN}\" } },\n}\n",
    )
    .unwrap();
    std::fs::write(
        state.join("agents.json5"),
        format!(
            "{{\n  exec: {{ workspace: \"{}\", model: \"anthropic/claude-opus-4-6\", thinkingDefault: \"low\" }}, // ours\n  helper: {{ name: \"Helper\" }},\n}}\n",
            workspace.display()
        ),
    )
    .unwrap();
    state
}

fn main() {
    let runs: usize = std::env::var("OPENCLAW_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let workspace = root.join("agents/exec");
    let mut store = data_folder(root, &workspace);
    let state = install(root, &workspace);
    for dir in ["os-home", "cwd"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let vars = vec![
        (
            "HOME".to_owned(),
            root.join("os-home").display().to_string(),
        ),
        ("OPENCLAW_STATE_DIR".to_owned(), state.display().to_string()),
    ];

    // The core call, in process.
    let env = Environment::new(vars.clone(), root.join("cwd"));
    let owner = tenant::current_actor(&store).unwrap();
    let options = SyncOptions::default();
    let core = median(time(200, || {
        openclaw::plan(
            &mut store,
            &owner,
            (None, &env),
            "exec",
            &options,
            &SystemClock,
        )
        .unwrap();
    }));
    println!(
        "openclaw::plan (core, in process): median {:.2} ms",
        core * 1e3
    );

    // The CLI as a user runs it, then the peer on the same file.
    let run = Runner { root, vars };
    let home = root.join("home").display().to_string();
    let ours = env!("CARGO_BIN_EXE_persona-studio");
    let args = [
        "--home",
        home.as_str(),
        "--json",
        "openclaw",
        "sync",
        "--agent",
        "exec",
        "--dry-run",
    ];
    let cli = median(time(runs, || run.run(ours, &args)));
    println!(
        "persona-studio openclaw sync --dry-run (process): median {:.1} ms over {runs} runs",
        cli * 1e3
    );
    let Some(peer) = peer(&run, runs) else {
        return;
    };
    println!(
        "ratio sync --dry-run / openclaw config get: {:.3} (lower is faster; the dry run also renders the preset, diffs the files and plans the entry)",
        cli / peer
    );
}

/// The median of the real `openclaw config get` of the agent's entry, or `None` (said) when
/// the OpenClaw CLI is not installed.
fn peer(run: &Runner<'_>, runs: usize) -> Option<f64> {
    let peer = std::env::var_os("PS_OPENCLAW_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/openclaw-cli/openclaw")
        });
    if !peer.is_file() {
        println!(
            "peer skipped: no OpenClaw CLI at {} (run `cargo xtask setup`)",
            peer.display()
        );
        return None;
    }
    let args = ["config", "get", "agents.entries.exec", "--json"];
    let time = median(time(runs, || run.run(peer.to_str().unwrap(), &args)));
    println!(
        "openclaw config get agents.entries.exec (peer, same file): median {:.1} ms",
        time * 1e3
    );
    Some(time)
}

/// Runs a program with only the install's variables, in its current folder.
struct Runner<'a> {
    root: &'a Path,
    vars: Vec<(String, String)>,
}

impl Runner<'_> {
    fn run(&self, program: &str, args: &[&str]) {
        let output = Command::new(program)
            .args(args)
            .env_clear()
            .envs(self.vars.iter().cloned())
            .env("PATH", "/usr/bin:/bin")
            .current_dir(self.root.join("cwd"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
