//! Benchmark: export (snapshot + pack + encrypt + write + full read-back verify), verify and
//! restore of about 1 GiB of tenant data (a large database plus files), against two peers on
//! the same data in the same run: the plain pipeline `tar -c | zstd -3 | age` and restic's first
//! `restic backup`. Prints MB/s and ratios. Targets (issue 8): export at least 0.8x the plain
//! pipeline, and faster than restic's first backup.
//!
//! `BACKUP_BENCH_MB=64` runs a smaller data set. Needs a Secret Service (run it like the tests,
//! inside `dbus-run-session` with an unlocked gnome-keyring) and the `age`, `zstd`, `restic` CLIs.
//! The plain pipeline uses `age -r` with a generated X25519 key: the age CLI reads passphrases
//! only from a terminal. That spares it the ~1 s of scrypt our export pays.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark that cannot run should stop loudly.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use persona_studio::backup::{
    self, destinations, ArchiveSource, ExportRequest, ExportTo, OsEntropy,
};
use persona_studio::clock::SystemClock;
use persona_studio::home::Home;
use persona_studio::ids::RandomIds;
use persona_studio::store::Store;
use persona_studio::tenant::{self, InitRequest, Tier};

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

fn main() {
    let mb: u64 = std::env::var("BACKUP_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let work = tempfile::tempdir().unwrap();
    let home = Home::new(work.path().join("home"));
    let mut store = Store::open(&home).unwrap();
    tenant::init(
        &mut store,
        &InitRequest {
            tenant_name: "Bench".into(),
            owner_name: "Ada".into(),
            tier: Tier::Pro,
        },
        &SystemClock,
        &RandomIds,
    )
    .unwrap();
    let tenant_id = tenant::current_actor(&store).unwrap().tenant_id;

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
    let cancel = AtomicBool::new(false);
    eprintln!("persona-studio:");
    let mut name = String::new();
    let export = timed("export (incl. read-back verify)", || {
        let start = Instant::now();
        let mut last = None;
        let outcome = backup::export(
            &mut store,
            &ExportRequest::to(ExportTo::Destination("bench".into())),
            &SystemClock,
            &RandomIds,
            &OsEntropy,
            &mut |p| {
                if last != Some(p.stage) {
                    eprintln!(
                        "    {:>6.2} s  {:?}",
                        start.elapsed().as_secs_f64(),
                        p.stage
                    );
                    last = Some(p.stage);
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
    });
    let source = ArchiveSource::Destination {
        label: "bench".into(),
        name: Some(name.clone()),
    };
    let verify = timed("verify", || {
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
    });
    let into = work.path().join("restored");
    let restore = timed("restore", || {
        backup::restore(
            Some(&mut store),
            &source,
            &into,
            None,
            &SystemClock,
            &RandomIds,
            &mut |_| {},
            &cancel,
        )
        .unwrap();
    });

    eprintln!("tar | zstd -3 | age -r (X25519):");
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
    sh("sync");
    let plain = timed("tar | zstd -3 | age", || {
        sh(&format!(
            "tar -C {} -cf - . | zstd -3 -q -c | age -r {} -o {}",
            home.root().display(),
            recipient.trim(),
            work.path().join("plain.tar.zst.age").display()
        ));
    });

    eprintln!("restic (first backup):");
    let repo = work.path().join("restic-repo");
    let restic_env = format!(
        "RESTIC_PASSWORD=bench-password RESTIC_REPOSITORY={}",
        repo.display()
    );
    sh(&format!("{restic_env} restic init -q"));
    sh("sync");
    let restic = timed("restic backup", || {
        sh(&format!(
            "{restic_env} restic backup -q {}",
            home.root().display()
        ));
    });

    let rate = |secs: f64| data_mb / secs;
    println!("backup benchmark: {data_mb:.0} MB of tenant data");
    println!("  persona-studio export+verify  {:8.1} MB/s", rate(export));
    println!("  persona-studio verify         {:8.1} MB/s", rate(verify));
    println!("  persona-studio restore        {:8.1} MB/s", rate(restore));
    println!("  tar | zstd -3 | age           {:8.1} MB/s", rate(plain));
    println!("  restic backup (first run)     {:8.1} MB/s", rate(restic));
    println!(
        "  export / plain pipeline       {:8.2}x (target >= 0.8x)",
        plain / export
    );
    println!(
        "  export / restic first backup  {:8.2}x (target > 1x)",
        restic / export
    );
}
