//! The named failpoints of a backup export, where the fault tests stop or fail it on purpose.
//!
//! Each is a `fail::fail_point!` (the `fail` crate, tikv/fail-rs). They exist only in builds
//! with the crate's `failpoints` feature, which only the dev-dependency turns on (tests and
//! benches); in any other build the macro is empty. A front end arms them (the CLI from
//! `PERSONA_STUDIO_FAILPOINT`); the core never reads the environment for them.
//!
//! A failpoint is reached once per event it names, so "the Nth time" picks the event: the Nth
//! entry packed, the Nth part written, the Nth part read back.

/// After the snapshot (the database copy and the files' digests) is taken, before the
/// manifest and the pipeline: nothing has reached the destination yet.
pub const SNAPSHOT: &str = "backup.snapshot";
/// Before a tenant file is packed, once per file (on the packing thread).
pub const PACK_ENTRY: &str = "backup.pack.entry";
/// Before part N is written to the destination (or segment N of a manual export), on the
/// calling thread: parts 1 to N-1 are written.
pub const PART_WRITE: &str = "backup.part.write";
/// Before part N is flushed and read back from the destination (on the read-back thread).
pub const PART_READ_BACK: &str = "backup.part.read_back";
/// Before the index is written, once every part is written and verified.
pub const INDEX_WRITE: &str = "backup.index.write";
/// In a local folder, after `index.json` is in place in the hidden `.NAME.partial` folder and
/// before that folder is renamed: the last moment before the backup looks complete.
pub const INDEX_COMMIT: &str = "backup.index.commit";
/// A local folder's part write. Armed with `return(enospc)`, it writes half the part and fails
/// as a full disk does (`ENOSPC`, [`std::io::ErrorKind::StorageFull`]); any other argument
/// fails as an I/O error.
pub const LOCAL_WRITE: &str = "backup.local.write";

/// Every failpoint above, for front ends that check a name before arming it.
pub const ALL: [&str; 7] = [
    SNAPSHOT,
    PACK_ENTRY,
    PART_WRITE,
    PART_READ_BACK,
    INDEX_WRITE,
    INDEX_COMMIT,
    LOCAL_WRITE,
];

/// Whether this build carries the failpoints (a test or bench build).
pub const fn compiled_in() -> bool {
    fail::has_failpoints()
}
