//! Benchmark: one Dashboard refresh (`tenant::self_access`) for a tenant with 200 baselined
//! agents, eight 20 KB watched files each, as the app refreshes it (digests cached by stat data,
//! re-hashing only what changed) against the full re-hash every refresh did before, measured in
//! the same run. `DASHBOARD_BENCH_AGENTS` sets the number of agents. Release build:
//! `cargo bench -p persona-studio --bench dashboard`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark that cannot run should stop loudly.

use std::time::{Instant, SystemTime};

use persona_studio::clock::{FixedClock, Timestamp};
use persona_studio::home::Home;
use persona_studio::ids::SequentialIds;
use persona_studio::integrity::baseline;
use persona_studio::tenant::{self, DigestCache, Tier};

mod support;

const FILES: [&str; 8] = [
    "SOUL.md",
    "USER.md",
    "IDENTITY.md",
    "AGENTS.md",
    "TOOLS.md",
    "HEARTBEAT.md",
    "MEMORY.md",
    "BOOTSTRAP.md",
];
const ROUNDS: usize = 9;

fn main() {
    let agents: usize = std::env::var("DASHBOARD_BENCH_AGENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let now_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let setup_clock = FixedClock(Timestamp::from_unix_millis(now_ms));
    // Refreshes happen well after the files were written, as on a real Dashboard.
    let clock = FixedClock(Timestamp::from_unix_millis(now_ms + 60_000));
    let ids = SequentialIds::new("bench");
    let home = Home::new(dir.path().join("home"));
    let (mut store, owner) =
        support::unlocked_owner(&home, Tier::Business, 3600, &setup_clock, &ids);
    let body: String = "A line of persona text for the benchmark.\n".repeat(20 * 1024 / 43);
    let watch: Vec<String> = FILES[4..].iter().map(|f| f.to_string()).collect();
    for agent in 0..agents {
        let workspace = dir.path().join(format!("agent-{agent:04}"));
        std::fs::create_dir(&workspace).unwrap();
        for file in FILES {
            std::fs::write(workspace.join(file), &body).unwrap();
        }
        let name = format!("agent-{agent:04}");
        baseline::record(&mut store, &owner, &name, &workspace, &watch, &setup_clock).unwrap();
    }
    let bytes = agents * FILES.len() * body.len();
    println!(
        "Dashboard refresh, {agents} baselined agents x {} files of {} KB ({:.0} MB), median of {ROUNDS}",
        FILES.len(),
        body.len() / 1024,
        bytes as f64 / 1e6
    );

    let cache = DigestCache::new();
    let first = tenant::self_access_cached(&store, &clock, &cache).unwrap();
    assert!(first.drift_alerts.is_empty());
    assert_eq!(
        cache.len(),
        agents * FILES.len(),
        "every settled file is cached"
    );
    let (mut full, mut cached) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        // Interleaved, so both see the same machine load.
        let start = Instant::now();
        let a = tenant::self_access(&store, &clock).unwrap();
        full.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let b = tenant::self_access_cached(&store, &clock, &cache).unwrap();
        cached.push(start.elapsed().as_secs_f64());
        assert_eq!(a, b, "both refreshes see the same state");
    }
    // One edited file: the cached refresh finds it, hashing only that file again.
    std::fs::write(dir.path().join("agent-0000").join("SOUL.md"), "edited").unwrap();
    let after_edit = tenant::self_access_cached(&store, &clock, &cache).unwrap();
    assert_eq!(after_edit.drift_alerts.len(), 1);

    let (full, cached) = (support::median(full), support::median(cached));
    println!("  full re-hash (before): {:>8.2} ms", full * 1e3);
    println!("  cached stat data (now): {:>7.2} ms", cached * 1e3);
    println!("  ratio full/cached: {:.1}x", full / cached);
}
