//! Benchmark: export (snapshot + pack + encrypt + write + full read-back verify), verify and
//! restore of about 1 GiB of tenant data (a large database plus files), against two peers on
//! the same data in the same run: the plain pipeline `tar -c | zstd -3 | age -p` and restic's
//! first `restic backup`. Prints MB/s and ratios. Targets (issue 8): export at least 0.8x the
//! plain pipeline, and faster than restic's first backup.
//!
//! Fairness: every figure is the data folder's size over the wall time. The peers read the same
//! data folder (the live database file and the tenant's files, the bytes our snapshot holds);
//! our export also takes a consistent, tenant-filtered copy of the database, hashes everything
//! for the manifest, flushes every part to disk and reads the whole archive back and checks it,
//! which the peers do not. `age -p` is the age CLI with a passphrase, typed into a
//! pseudo-terminal (`script`) because it reads passphrases only from one; it pays its own scrypt
//! (the work factors of both are printed). `tar | zstd -3 | age -r` (X25519, no scrypt) is shown
//! for reference. zstd runs at level 3 everywhere (the CLI with its default single worker).
//! Each measurement is repeated `BACKUP_BENCH_RUNS` times (default 3). Within a run our export
//! and each peer are measured back to back, so a ratio (ours ÷ peer, as speeds: the peer's time
//! over ours) compares two runs that shared the machine's state of the moment; the headline is
//! the median of those per-run ratios with their spread (min–max). Best against best, which
//! this replaced, let one lucky run of either side decide, and on a shared machine two runs of
//! the benchmark disagreed by 30 %. Speeds are the median run's.
//!
//! `BACKUP_BENCH_MB=64` runs a smaller data set. Needs a Secret Service (run it like the tests,
//! inside `dbus-run-session` with an unlocked gnome-keyring) and the `age`, `zstd`, `restic` and
//! `script` CLIs. Run with `cargo bench -p persona-studio --bench backup` (release profile).

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark that cannot run should stop loudly.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use persona_studio::backup::{
    self, destinations, ArchiveSource, ExportRequest, ExportTo, OsEntropy,
};
use persona_studio::clock::SystemClock;
use persona_studio::home::Home;
use persona_studio::ids::RandomIds;
use persona_studio::tenant::Tier;

mod support;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const WORDS: &[&str] = &[
    "persona",
    "agent",
    "policy",
    "the",
    "customer",
    "answer",
    "source",
    "tool",
    "evidence",
    "governance",
    "and",
    "of",
    "reply",
    "tone",
    "warm",
    "concise",
    "memory",
    "context",
    "plan",
];

/// Text-like bytes (compress ~3-4x) mixed with random bytes (do not compress).
fn fill(rng: &mut Rng, buf: &mut Vec<u8>, len: usize) {
    buf.clear();
    while buf.len() < len {
        if rng.next() % 4 == 0 {
            for _ in 0..64 {
                buf.extend_from_slice(&rng.next().to_le_bytes());
            }
        } else {
            for _ in 0..80 {
                let w = WORDS[(rng.next() % WORDS.len() as u64) as usize];
                buf.extend_from_slice(w.as_bytes());
                buf.push(if rng.next() % 12 == 0 { b'\n' } else { b' ' });
            }
        }
    }
    buf.truncate(len);
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            dir_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

fn timed(label: &str, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    let secs = start.elapsed().as_secs_f64();
    eprintln!("  {label}: {secs:.2} s");
    secs
}

fn sh(script: &str) {
    let status = Command::new("sh").arg("-c").arg(script).status().unwrap();
    assert!(status.success(), "failed: {script}");
}

/// Runs `command` under a pseudo-terminal, typing `passphrase` twice (enter and confirm) for
/// `age -p`. The lines wait in the terminal until age reads them.
fn sh_typing(command: &str, passphrase: &str) {
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{passphrase}\n{passphrase}\n").as_bytes())
        .unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert!(status.success(), "failed: {command}");
}

/// log2 N of an age scrypt file (the second header line: `-> scrypt SALT N`).
fn work_factor(age_file: &Path) -> String {
    let bytes = std::fs::read(age_file).unwrap();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    head.lines()
        .nth(1)
        .and_then(|l| l.split(' ').nth(3))
        .unwrap_or("?")
        .to_owned()
}

/// Every time of each measurement, in run order (one per run).
#[derive(Default)]
struct Samples(Vec<(&'static str, Vec<f64>)>);

impl Samples {
    fn add(&mut self, label: &'static str, secs: f64) {
        match self.0.iter_mut().find(|(l, _)| *l == label) {
            Some((_, times)) => times.push(secs),
            None => self.0.push((label, vec![secs])),
        }
    }

    fn times(&self, label: &str) -> &[f64] {
        &self.0.iter().find(|(l, _)| *l == label).unwrap().1
    }

    /// The median time of a measurement.
    fn median(&self, label: &str) -> f64 {
        support::median(self.times(label).to_vec())
    }

    /// Ours ÷ peer as speeds, run by run (the peer's time over ours in the same run): the
    /// median and the spread (min, max).
    fn paired(&self, ours: &str, peer: &str) -> (f64, f64, f64) {
        let ratios: Vec<f64> = self
            .times(peer)
            .iter()
            .zip(self.times(ours))
            .map(|(p, o)| p / o)
            .collect();
        let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = ratios.iter().copied().fold(0.0, f64::max);
        (support::median(ratios), min, max)
    }
}

fn main() {
    let mb: u64 = std::env::var("BACKUP_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let work = tempfile::tempdir().unwrap();
    let home = Home::new(work.path().join("home"));
    // Backups need proof of identity: the owner unlocks for the whole run.
    let (mut store, owner) =
        support::unlocked_owner(&home, Tier::Pro, 8 * 3600, &SystemClock, &RandomIds);
    let tenant_id = owner.tenant_id;

    // Half the data in the database, half in files.
    eprintln!("generating {mb} MiB of tenant data…");
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut buf = Vec::new();
    let half = mb * 1024 * 1024 / 2;
    store.conn().execute_batch("CREATE TABLE bench_blobs (tenant_id TEXT NOT NULL, id INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (tenant_id, id)) STRICT").unwrap();
    store
        .write(|tx| {
            let mut stmt =
                tx.prepare("INSERT INTO bench_blobs (tenant_id, id, body) VALUES (?1, ?2, ?3)")?;
            let mut written = 0u64;
            let mut id = 0i64;
            while written < half {
                fill(&mut rng, &mut buf, 64 * 1024);
                stmt.execute(rusqlite::params![tenant_id, id, buf])?;
                written += buf.len() as u64;
                id += 1;
            }
            Ok(())
        })
        .unwrap();
    store
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let files_dir = home.tenant_dir(&tenant_id).join("agents");
    let mut written = 0u64;
    let mut n = 0;
    while written < half {
        let dir = files_dir.join(format!("agent-{}", n / 50));
        std::fs::create_dir_all(&dir).unwrap();
        let len = 256 * 1024 + (rng.next() % (3 * 1024 * 1024)) as usize;
        fill(&mut rng, &mut buf, len);
        std::fs::write(dir.join(format!("file-{n}.md")), &buf).unwrap();
        written += len as u64;
        n += 1;
    }
    let data = dir_size(home.root()) as f64;
    let data_mb = data / 1e6;
    eprintln!("data: {data_mb:.0} MB ({n} files + database)");
    sh("sync");

    let dest = work.path().join("dest");
    std::fs::create_dir_all(&dest).unwrap();
    destinations::add(
        &mut store,
        "bench",
        destinations::DestinationSpec::Local {
            path: dest.display().to_string(),
        },
        Some(3),
        &SystemClock,
        &RandomIds,
    )
    .unwrap();
    let runs: usize = std::env::var("BACKUP_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let cancel = AtomicBool::new(false);
    let key = work.path().join("key.txt");
    sh(&format!("age-keygen -o {} 2>/dev/null", key.display()));
    let recipient = String::from_utf8(
        Command::new("age-keygen")
            .arg("-y")
            .arg(&key)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let plain_out = work.path().join("plain.tar.zst.age");
    let tar_zstd = format!("tar -C {} -cf - . | zstd -3 -q -c", home.root().display());
    let repo = work.path().join("restic-repo");
    let restic_env = format!(
        "RESTIC_PASSWORD=bench-password RESTIC_REPOSITORY={}",
        repo.display()
    );
    let into = work.path().join("restored");
    let mut samples = Samples::default();
    let mut ours_wf = String::new();
    for run in 1..=runs {
        eprintln!("run {run} of {runs}");
        eprintln!(" persona-studio:");
        sh("sync");
        let mut name = String::new();
        samples.add(
            "export",
            timed("export (incl. read-back verify)", || {
                let start = Instant::now();
                let mut last = None;
                let outcome = backup::export(
                    &mut store,
                    &ExportRequest::to(ExportTo::Destination("bench".into())),
                    &SystemClock,
                    &RandomIds,
                    &OsEntropy,
                    &mut |p| {
                        // When each stage first reports (they overlap).
                        if run == 1 && last.is_none_or(|l| l < p.stage as u8) {
                            eprintln!(
                                "    {:>6.2} s  {:?}",
                                start.elapsed().as_secs_f64(),
                                p.stage
                            );
                            last = Some(p.stage as u8);
                        }
                    },
                    &cancel,
                )
                .unwrap();
                eprintln!(
                    "    archive {:.0} MB in {} parts",
                    outcome.record.size as f64 / 1e6,
                    outcome.record.part_count
                );
                name = outcome.record.location;
            }),
        );
        eprintln!(" plain pipelines:");
        sh("sync");
        samples.add(
            "age -p",
            timed("tar | zstd -3 | age -p", || {
                sh_typing(
                    &format!("{tar_zstd} | age -p -o {}", plain_out.display()),
                    "bench-passphrase",
                );
            }),
        );
        sh("sync");
        samples.add(
            "age -r",
            timed("tar | zstd -3 | age -r", || {
                sh(&format!(
                    "{tar_zstd} | age -r {} -o {}",
                    recipient.trim(),
                    plain_out.display()
                ));
            }),
        );

        eprintln!(" restic (first backup):");
        let _ = std::fs::remove_dir_all(&repo);
        sh(&format!("{restic_env} restic init -q"));
        sh("sync");
        samples.add(
            "restic",
            timed("restic backup", || {
                sh(&format!(
                    "{restic_env} restic backup -q {}",
                    home.root().display()
                ));
            }),
        );

        // Verify and restore have no peer: after the paired measurements.
        ours_wf = work_factor(&dest.join(&name).join("part-000001"));
        let source = ArchiveSource::Destination {
            label: "bench".into(),
            name: Some(name.clone()),
        };
        sh("sync");
        samples.add(
            "verify",
            timed("verify", || {
                backup::verify(
                    Some(&mut store),
                    &source,
                    None,
                    &SystemClock,
                    &RandomIds,
                    &mut |_| {},
                    &cancel,
                )
                .unwrap();
            }),
        );
        let _ = std::fs::remove_dir_all(&into);
        sh("sync");
        samples.add(
            "restore",
            timed("restore", || {
                backup::restore(
                    Some(&mut store),
                    &backup::RestoreRequest {
                        source: source.clone(),
                        into: into.clone(),
                        passphrase: None,
                        force: false,
                    },
                    &SystemClock,
                    &RandomIds,
                    &mut |_| {},
                    &cancel,
                )
                .unwrap();
            }),
        );
        std::fs::remove_dir_all(&into).unwrap();
    }
    sh_typing(
        &format!("echo | age -p -o {}", plain_out.display()),
        "bench-passphrase",
    );
    let peer_wf = work_factor(&plain_out);

    report(&samples, data_mb, runs, &ours_wf, &peer_wf);
}

/// Prints the median speeds and, for each peer, the median of the per-run paired ratios with
/// their spread.
fn report(samples: &Samples, data_mb: f64, runs: usize, ours_wf: &str, peer_wf: &str) {
    let rate = |label: &str| data_mb / samples.median(label);
    println!("backup benchmark: {data_mb:.0} MB of tenant data, median of {runs} runs");
    println!(
        "  persona-studio export+verify  {:8.1} MB/s  (scrypt log2 N = {ours_wf})",
        rate("export")
    );
    println!(
        "  persona-studio verify         {:8.1} MB/s",
        rate("verify")
    );
    println!(
        "  persona-studio restore        {:8.1} MB/s",
        rate("restore")
    );
    println!(
        "  tar | zstd -3 | age -p        {:8.1} MB/s  (scrypt log2 N = {peer_wf})",
        rate("age -p")
    );
    println!(
        "  tar | zstd -3 | age -r        {:8.1} MB/s  (X25519, for reference)",
        rate("age -r")
    );
    println!(
        "  restic backup (first run)     {:8.1} MB/s",
        rate("restic")
    );
    println!("  export ÷ peer, median of the {runs} paired runs (min–max):");
    for (peer, label, target) in [
        ("age -p", "plain pipeline (age -p)", "target >= 0.8x"),
        ("age -r", "pipeline with age -r", "for reference"),
        ("restic", "restic first backup", "target > 1x"),
    ] {
        let (median, min, max) = samples.paired("export", peer);
        println!("  export / {label:<24} {median:5.2}x ({min:.2}–{max:.2}) ({target})");
    }
}
