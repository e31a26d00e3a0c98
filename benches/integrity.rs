//! Benchmark: hashing a workspace of about 500 MB in files of many sizes, as `integrity check`
//! reads them (each file once), against `sha256sum` over the same files in the same run.
//! Target: at least 3x faster than `sha256sum`. `INTEGRITY_BENCH_MB` sets the size.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark that cannot run should stop loudly.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use persona_studio::integrity::baseline::hash_file;

fn main() {
    let megabytes: u64 = std::env::var("INTEGRITY_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("temp dir");
    // Sizes from 1 KiB to 64 MiB, repeated until the total is reached.
    let sizes: [u64; 8] = [
        1 << 10,
        16 << 10,
        256 << 10,
        1 << 20,
        4 << 20,
        16 << 20,
        32 << 20,
        64 << 20,
    ];
    let mut files: Vec<PathBuf> = Vec::new();
    let mut total = 0u64;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut index = 0;
    while total < megabytes << 20 {
        let size = sizes[index % sizes.len()];
        let path = dir.path().join(format!("file-{index:04}.bin"));
        let mut file = std::fs::File::create(&path).expect("create");
        let mut chunk = vec![0u8; size.min(1 << 20) as usize];
        let mut written = 0;
        while written < size {
            for byte in chunk.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = state as u8;
            }
            let n = (size - written).min(chunk.len() as u64) as usize;
            file.write_all(&chunk[..n]).expect("write");
            written += n as u64;
        }
        total += size;
        files.push(path);
        index += 1;
    }
    let mb = total as f64 / 1e6;
    println!(
        "hash {} files, {mb:.0} MB (page cache warm for both)",
        files.len()
    );

    // Warm the page cache so both read from memory.
    for file in &files {
        hash_file(file, 0).unwrap();
    }
    let start = Instant::now();
    let ours: Vec<String> = files
        .iter()
        .map(|f| hash_file(f, 0).unwrap().0.to_hex())
        .collect();
    let ours_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let output = Command::new("sha256sum")
        .args(&files)
        .output()
        .expect("run sha256sum");
    let peer_secs = start.elapsed().as_secs_f64();
    assert!(output.status.success());
    let peer: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ours, peer, "both must compute the same digests");

    println!(
        "  ours (integrity::baseline::hash_file): {:.0} MB/s",
        mb / ours_secs
    );
    println!(
        "  sha256sum:                              {:.0} MB/s",
        mb / peer_secs
    );
    let ratio = peer_secs / ours_secs;
    println!(
        "  ratio ours/sha256sum: {ratio:.1}x  (target >= 3x: {})",
        if ratio >= 3.0 { "PASS" } else { "MISS" }
    );
}
