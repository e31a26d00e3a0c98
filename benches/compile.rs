//! Benchmark: compiling a typical preset (the sample spec plus four persona files of a few KB)
//! in a release build. Prints p50/p90/p99 per compile and the ratio to a peer measured in the
//! same run: serializing the same spec to JSON with serde_json. Target: p50 under 200 µs.

#![allow(clippy::expect_used)] // A benchmark that cannot run its subject should stop loudly.

use std::time::Instant;

use persona_studio::persona::compile;
use persona_studio::persona::spec::{sample_spec, InteractionContext};
use persona_studio::persona::workspace::{PersonaFile, WorkspaceFiles};

fn paragraph(topic: &str, lines: usize) -> String {
    (0..lines)
        .map(|i| format!("- {topic} guideline {i}: keep answers grounded, cite sources, and ask before acting on anything irreversible.\n"))
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn measure(iterations: usize, mut f: impl FnMut()) -> Vec<f64> {
    for _ in 0..200 {
        f();
    }
    let mut samples: Vec<f64> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples
}

fn main() {
    let spec = sample_spec();
    let files = WorkspaceFiles::new()
        .with(
            PersonaFile::Soul,
            format!("# Soul\n- **Vibe:** calm\n{}", paragraph("soul", 30)),
        )
        .with(
            PersonaFile::User,
            format!("# User\n- Tone: brisk\n{}", paragraph("user", 20)),
        )
        .with(
            PersonaFile::Identity,
            format!(
                "- **Name:** Juniper\n- **Emoji:** 🌲\n{}",
                paragraph("identity", 15)
            ),
        )
        .with(
            PersonaFile::Agents,
            format!("# Agents\n{}", paragraph("agents", 40)),
        );
    let input_chars: usize = PersonaFile::BY_PRECEDENCE
        .iter()
        .filter_map(|f| files.get(*f))
        .map(str::len)
        .sum();

    let ours = measure(5_000, || {
        let plan =
            compile::compile(&spec, &files, InteractionContext::OwnerChat).expect("compiles");
        std::hint::black_box(plan);
    });
    let peer = measure(5_000, || {
        std::hint::black_box(serde_json::to_vec(&spec).expect("serializes"));
    });
    let p50 = percentile(&ours, 0.5);
    println!("compile a typical preset ({input_chars} bytes of persona files + the sample spec)");
    println!(
        "  ours:  p50 {p50:.1} µs  p90 {:.1} µs  p99 {:.1} µs",
        percentile(&ours, 0.9),
        percentile(&ours, 0.99)
    );
    println!(
        "  peer (serde_json::to_vec of the spec): p50 {:.1} µs",
        percentile(&peer, 0.5)
    );
    println!(
        "  ratio compile/peer at p50: {:.1}x",
        p50 / percentile(&peer, 0.5)
    );
    println!(
        "  target p50 < 200 µs: {}",
        if p50 < 200.0 { "PASS" } else { "MISS" }
    );
}
