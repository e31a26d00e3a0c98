//! Fault injection: a kill at every named stage of an export and at seeded progress points,
//! random byte flips in the parts of an archive. Deterministic (failpoints, seeds), so a
//! failure reproduces and no outcome depends on the machine's speed.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::backup::{add_local, export_file, export_to, home_with_data, FAST};
use crate::support::cli_env;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn complete(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Stages of an export, as the CLI's failpoint names them.
const STAGES: [&str; 5] = ["snapshot", "pack", "encrypt", "upload", "verify"];

/// A kill at 26 seeded points (stage, bytes done) of an export, made deterministic by the CLI's
/// failpoint (`PERSONA_STUDIO_FAILPOINT=backup.progress:STAGE:BYTES`, exit 137 like SIGKILL)
/// instead of timing: every run stops mid-way, whatever the machine's speed.
#[test]
fn sigkill_at_random_points_never_leaves_a_complete_looking_backup() {
    let home = home_with_data(6 * 1024);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "d", dest.path(), "50");
    export_to(&home, "d", &["--part-size", "262144"]).expect_code(0);
    let baseline = complete(dest.path());
    assert_eq!(baseline.len(), 1);

    let mut rng = Rng(0x5EED_2026_1121);
    for run in 0..26 {
        let stage = STAGES[rng.below(STAGES.len() as u64) as usize];
        // Below every stage's final count (about 6 MiB of poorly compressible data).
        let bytes = rng.below(4 << 20);
        let status = Command::new(env!("CARGO_BIN_EXE_persona-studio"))
            .arg("--home")
            .arg(home.path())
            .args([
                "--json",
                "backup",
                "export",
                "--to",
                "d",
                "--part-size",
                "262144",
                "--work-factor",
                FAST,
            ])
            .env(
                "PERSONA_STUDIO_FAILPOINT",
                format!("backup.progress:{stage}:{bytes}"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(
            status.code(),
            Some(137),
            "run {run} ({stage} at {bytes}) was not stopped mid-way"
        );
        // Whatever was stopped where, nothing new looks complete, and what does has its index.
        let now = complete(dest.path());
        for name in &now {
            assert!(
                dest.path().join(name).join("index.json").is_file(),
                "run {run}: {name} without index"
            );
        }
        assert!(
            now.len() <= baseline.len() + run + 1,
            "run {run}: unexpected entries {now:?}"
        );
    }
    // Every complete-looking backup verifies, and the next export succeeds and cleans up.
    let after = export_to(&home, "d", &["--part-size", "262144"])
        .expect_code(0)
        .json();
    assert_eq!(after["record"]["verified"], true);
    let leftovers: Vec<_> = std::fs::read_dir(dest.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the next export should clean unfinished backups"
    );
    for name in complete(dest.path()) {
        home.cli(&["backup", "verify", "--from", "d", "--name", &name])
            .expect_code(0);
    }
}

/// The hidden folder of an unfinished backup at `dir`, if there is one, and its part files.
fn unfinished(dir: &Path) -> Option<(std::path::PathBuf, usize)> {
    let partial = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".partial"))?;
    let parts = std::fs::read_dir(&partial)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("part-"))
        .count();
    Some((partial, parts))
}

/// Where a kill at a named stage must have left the destination.
enum Left {
    /// No part written yet.
    NoPart,
    /// Exactly this many parts (a kill before part N is written leaves N - 1).
    Parts(usize),
    /// At least this many parts and no index.
    AtLeast(usize),
    /// Every part and the index, inside the hidden folder.
    IndexNotRenamed,
}

/// A kill at each named stage of an export (the core's failpoints, armed as `NAME=kill@N`
/// through `PERSONA_STUDIO_FAILPOINT`): after the snapshot, while packing the first files,
/// before part N is written (first, second, middle, last), before part N is read back, before
/// the index is written, and with the index in place but its folder not yet renamed. What the
/// destination holds shows each kill landed where it was aimed, and nothing new looks complete.
#[test]
fn a_kill_at_each_named_stage_lands_there_and_leaves_nothing_complete_looking() {
    let home = home_with_data(2 * 1024);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "d", dest.path(), "50");
    let args = [
        "--json",
        "backup",
        "export",
        "--to",
        "d",
        "--part-size",
        "262144",
        "--work-factor",
        FAST,
    ];
    let first = home.cli(&args).expect_code(0).json();
    let parts = first["record"]["part_count"].as_u64().unwrap() as usize;
    assert!(parts >= 6, "{first}");
    let baseline = complete(dest.path());
    let cases = [
        ("backup.snapshot", 1, Left::NoPart),
        ("backup.pack.entry", 1, Left::NoPart),
        // The first file may be big enough to fill parts already: only the stop is checked.
        ("backup.pack.entry", 2, Left::AtLeast(0)),
        ("backup.part.write", 1, Left::NoPart),
        ("backup.part.write", 2, Left::Parts(1)),
        ("backup.part.write", parts / 2, Left::Parts(parts / 2 - 1)),
        ("backup.part.write", parts - 1, Left::Parts(parts - 2)),
        ("backup.part.read_back", 1, Left::AtLeast(1)),
        ("backup.part.read_back", parts / 2, Left::AtLeast(parts / 2)),
        ("backup.part.read_back", parts - 1, Left::AtLeast(parts - 1)),
        ("backup.index.write", 1, Left::AtLeast(parts - 1)),
        ("backup.index.commit", 1, Left::IndexNotRenamed),
    ];
    for (name, n, left) in cases {
        let spec = format!("{name}=kill@{n}");
        let run = cli_env(
            Some(home.path()),
            &args,
            None,
            &[("PERSONA_STUDIO_FAILPOINT", &spec)],
        );
        assert_eq!(
            run.code, 137,
            "{spec} did not stop the export: {}",
            run.stderr
        );
        let found = unfinished(dest.path());
        let index = found
            .as_ref()
            .is_some_and(|(dir, _)| dir.join("index.json").is_file());
        let written = found.as_ref().map_or(0, |(_, n)| *n);
        match left {
            Left::NoPart => assert_eq!(written, 0, "{spec}"),
            Left::Parts(n) => assert_eq!(written, n, "{spec}"),
            Left::AtLeast(n) => assert!(written >= n && !index, "{spec}: {written} parts"),
            Left::IndexNotRenamed => assert!(index && written >= parts - 1, "{spec}"),
        }
        assert_eq!(
            complete(dest.path()),
            baseline,
            "{spec}: something looks complete"
        );
    }
    // A name that is not a failpoint is refused before anything runs.
    let run = cli_env(
        Some(home.path()),
        &args,
        None,
        &[("PERSONA_STUDIO_FAILPOINT", "backup.nowhere=kill@1")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("backup.part.write"), "{}", run.stderr);
    // The next export cleans up and succeeds.
    let after = home.cli(&args).expect_code(0).json();
    assert_eq!(
        after["cleaned_incomplete"].as_array().unwrap().len(),
        1,
        "{after}"
    );
    assert!(unfinished(dest.path()).is_none());
}

#[test]
fn two_hundred_random_byte_flips_are_all_detected() {
    let home = home_with_data(256);
    let dest = tempfile::tempdir().unwrap();
    add_local(&home, "d", dest.path(), "3");
    export_to(&home, "d", &["--part-size", "65536"]).expect_code(0);
    let name = complete(dest.path()).pop().unwrap();
    let dir = dest.path().join(&name);
    let mut parts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    parts.sort();
    assert!(parts.len() >= 3);
    let originals: Vec<Vec<u8>> = parts.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut rng = Rng(0xB17F_11B5);
    for trial in 0..200 {
        let which = rng.below(parts.len() as u64) as usize;
        let mut bytes = originals[which].clone();
        let at = rng.below(bytes.len() as u64) as usize;
        let mask = (rng.below(255) + 1) as u8;
        bytes[at] ^= mask;
        std::fs::write(&parts[which], &bytes).unwrap();
        let run = home.cli(&["--json", "backup", "verify", "--from", "d", "--name", &name]);
        assert_eq!(
            run.code, 1,
            "trial {trial}: flip at part {which} byte {at} passed verify"
        );
        assert!(
            run.stderr.contains("\"backup_damaged\""),
            "trial {trial}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("panicked"),
            "trial {trial}: {}",
            run.stderr
        );
        std::fs::write(&parts[which], &originals[which]).unwrap();
    }
    home.cli(&["backup", "verify", "--from", "d", "--name", &name])
        .expect_code(0);
}

#[test]
fn byte_flips_in_a_single_file_export_are_caught_by_age_authentication() {
    // No part hashes here: the age MAC and STREAM tags, zstd and the manifest must catch it.
    let home = home_with_data(64);
    let out = home.path().join("m.age");
    export_file(&home, &out);
    let original = std::fs::read(&out).unwrap();
    let mut rng = Rng(0xF11E);
    for trial in 0..30 {
        let mut bytes = original.clone();
        let at = rng.below(bytes.len() as u64) as usize;
        bytes[at] ^= (rng.below(255) + 1) as u8;
        std::fs::write(&out, &bytes).unwrap();
        let run = home.cli(&[
            "--json",
            "backup",
            "verify",
            "--file",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 1, "trial {trial}: flip at {at} passed");
        assert!(
            run.stderr.contains("backup_damaged") || run.stderr.contains("wrong_passphrase"),
            "trial {trial}: {}",
            run.stderr
        );
    }
}
