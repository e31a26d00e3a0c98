//! Export progress and cancellation through the core API, as the app's progress bar and cancel
//! button use them: every stage's `done` only grows, events come in small steps, and a cancel
//! at any stage returns promptly and leaves nothing that looks complete.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use persona_studio::backup::{
    self, destinations, ExportRequest, ExportTo, OsEntropy, Progress, Stage,
};
use persona_studio::clock::{FixedClock, Timestamp};
use persona_studio::ids::SequentialIds;
use persona_studio::store::Store;
use rusqlite::params;

use crate::backup::unique;
use crate::support::TestHome;

const MIB: usize = 1024 * 1024;

/// Poorly compressible bytes (xorshift), so the archive is about as large as the data.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A tenant with `files` MiB of files and `db` MiB of rows, and a local destination "d".
fn setup(home: &TestHome, dest: &Path, files: usize, db: usize) -> Store {
    let mut store = home.init_core(&unique("Progress"));
    let tenant = persona_studio::tenant::current_actor(&store)
        .unwrap()
        .tenant_id;
    let dir = home.home().tenant_dir(&tenant).join("notes");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..files {
        std::fs::write(dir.join(format!("note-{i}.bin")), noise(i as u64 + 7, MIB)).unwrap();
    }
    store
        .conn()
        .execute_batch("CREATE TABLE blobs (tenant_id TEXT NOT NULL, body BLOB NOT NULL) STRICT")
        .unwrap();
    store
        .write(|tx| {
            for i in 0..db {
                tx.execute(
                    "INSERT INTO blobs (tenant_id, body) VALUES (?1, ?2)",
                    params![tenant, noise(1000 + i as u64, MIB)],
                )?;
            }
            Ok(())
        })
        .unwrap();
    destinations::add(
        &mut store,
        "d",
        destinations::DestinationSpec::Local {
            path: dest.display().to_string(),
        },
        Some(10),
        &clock(),
        &SequentialIds::new(unique("dest")),
    )
    .unwrap();
    store
}

fn clock() -> FixedClock {
    FixedClock(Timestamp::parse("2026-11-21T12:00:00Z").unwrap())
}

fn request(to: ExportTo) -> ExportRequest {
    let mut request = ExportRequest::to(to);
    request.work_factor = Some(10);
    request.part_size = Some(512 * 1024);
    request
}

/// Names in `dir` that look like complete backups, and unfinished leftovers.
fn listing(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut complete = Vec::new();
    let mut partial = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            partial.push(name);
        } else if entry.path().join("index.json").exists() {
            complete.push(name);
        }
    }
    (complete, partial)
}

#[test]
fn progress_is_monotonic_per_stage_and_comes_in_small_steps() {
    let home = TestHome::new();
    let dest = tempfile::tempdir().unwrap();
    let mut store = setup(&home, dest.path(), 12, 6);
    let mut events: Vec<Progress> = Vec::new();
    let outcome = backup::export(
        &mut store,
        &request(ExportTo::Destination("d".into())),
        &clock(),
        &SequentialIds::new(unique("p")),
        &OsEntropy,
        &mut |p| events.push(p),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(outcome.record.verified);
    for stage in [
        Stage::Snapshot,
        Stage::Pack,
        Stage::Encrypt,
        Stage::Upload,
        Stage::Verify,
    ] {
        let seen: Vec<&Progress> = events.iter().filter(|p| p.stage == stage).collect();
        assert!(!seen.is_empty(), "no {stage:?} events");
        for pair in seen.windows(2) {
            assert!(
                pair[1].done >= pair[0].done,
                "{stage:?} went back: {pair:?}"
            );
        }
        assert_eq!(seen[0].done, 0, "{stage:?} did not start at 0");
        let last = seen[seen.len() - 1];
        assert_eq!(last.done, last.total, "{stage:?} did not end complete");
        assert!(last.total > 0, "{stage:?} ended at 0");
    }
    // About 18 MiB of data: hashing and verifying report every few MiB, not only at the end
    // (packing runs ahead of the rest by zstd's buffers, which hold most of this data).
    for stage in [Stage::Snapshot, Stage::Verify] {
        let n = events
            .iter()
            .filter(|p| p.stage == stage && p.done < p.total)
            .count();
        assert!(n >= 2, "only {n} {stage:?} events before the end");
    }
    let verify = events
        .iter()
        .rev()
        .find(|p| p.stage == Stage::Verify)
        .unwrap();
    assert_eq!(verify.total, outcome.data_size);
    // Verify is the last stage to finish.
    assert_eq!(events.last().unwrap().stage, Stage::Verify);
}

#[test]
fn a_cancel_at_any_stage_returns_promptly_and_leaves_nothing_complete() {
    let home = TestHome::new();
    let dest = tempfile::tempdir().unwrap();
    let mut store = setup(&home, dest.path(), 12, 6);
    let ids = SequentialIds::new(unique("c"));
    let scratch = home.path().join(".backup-tmp");
    for stage in [Stage::Snapshot, Stage::Pack, Stage::Upload, Stage::Verify] {
        for to in [
            ExportTo::Destination("d".into()),
            ExportTo::File(home.path().join("manual.age")),
        ] {
            let cancel = AtomicBool::new(false);
            let mut cancelled_at = None;
            let result = backup::export(
                &mut store,
                &request(to.clone()),
                &clock(),
                &ids,
                &OsEntropy,
                &mut |p| {
                    if p.stage == stage && p.done > 0 && cancelled_at.is_none() {
                        cancel.store(true, Ordering::Relaxed);
                        cancelled_at = Some(Instant::now());
                    }
                },
                &cancel,
            );
            let at = cancelled_at.unwrap_or_else(|| panic!("no {stage:?} event with bytes"));
            let err = result.expect_err("a cancelled export must fail");
            assert_eq!(err.code(), "cancelled", "{stage:?} {to:?}: {err}");
            assert!(
                at.elapsed() < Duration::from_secs(5),
                "{stage:?} {to:?}: the cancel took {:?}",
                at.elapsed()
            );
            let (complete, partial) = listing(dest.path());
            assert!(
                complete.is_empty(),
                "{stage:?}: {complete:?} looks complete"
            );
            assert!(partial.is_empty(), "{stage:?}: {partial:?} left behind");
            assert!(!home.path().join("manual.age").exists());
            let stray: Vec<_> = std::fs::read_dir(home.path())
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
                .collect();
            assert!(stray.is_empty(), "{stage:?}: {stray:?}");
            let scratch_left = std::fs::read_dir(&scratch).map(|d| d.count()).unwrap_or(0);
            assert_eq!(scratch_left, 0, "{stage:?}: the scratch folder was kept");
        }
    }
    // Nothing was recorded, and the next export works.
    assert!(backup::list(&store, true, crate::support::test_clock().0)
        .unwrap()
        .is_empty());
    let outcome = backup::export(
        &mut store,
        &request(ExportTo::Destination("d".into())),
        &clock(),
        &ids,
        &OsEntropy,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(outcome.record.verified);
    assert_eq!(listing(dest.path()).0.len(), 1);
}
