//! One file of a baseline at a time, for the self-edit loop (`selfedit`): what one covered path
//! is now (read as a baseline reads it: `lstat`, type, link target, content of a regular file
//! through `fsutil`), the baseline row of one path set or removed without touching the others,
//! and the approved bytes of a baseline row (its kept blob). The whole-workspace operations
//! (record, accept, check) are `baseline`'s.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::baseline::{scan, FileState};
use crate::canon::Digest;
use crate::Result;

pub use super::baseline::MAX_BLOB_BYTES;

/// What one covered path is now: its state (`None` when nothing is there) and its content when
/// it is a regular file (or an allowed link to one) of at most [`MAX_BLOB_BYTES`].
pub type Current = (Option<FileState>, Option<Vec<u8>>);

/// Reads `path` (relative, checked by the caller) inside `workspace` as a baseline would.
///
/// # Errors
/// `io` when the path cannot be looked at (not when it is absent).
pub fn read_now(workspace: &Path, path: &str) -> Result<Current> {
    let (mut states, blobs) = scan(workspace, &[path.to_owned()])?;
    let state = states.pop();
    let bytes = state.as_ref().and_then(|s| blobs.get(&s.sha256).cloned());
    Ok((state, bytes))
}

/// A relative path inside a workspace, without `..` or a root, with `/` separators; the
/// normalized text, or `invalid_input` naming it.
pub fn check_relative(path: &str) -> Result<String> {
    super::baseline::check_relative(path)
}

/// Sets the baseline row of `path` of `agent` to `state` (removes it when `None`) inside `tx`,
/// keeping `bytes` as the row's blob when given. No audit entry: the caller appends one.
pub fn set_in(
    tx: &Transaction<'_>,
    (tenant, agent): (&str, &str),
    path: &str,
    state: Option<&FileState>,
    bytes: Option<&[u8]>,
) -> Result<()> {
    tx.execute(
        "DELETE FROM baseline_files WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3",
        params![tenant, agent, path],
    )?;
    let Some(state) = state else {
        return Ok(());
    };
    super::baseline::insert_file(tx, (tenant, agent), path, state, bytes)
}

/// The kept content of a baseline blob, if it was small enough to keep.
pub fn blob(conn: &Connection, tenant: &str, sha256: &Digest) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT content FROM baseline_blobs WHERE tenant_id = ?1 AND sha256 = ?2",
            params![tenant, sha256.to_string()],
            |row| row.get(0),
        )
        .optional()?)
}
