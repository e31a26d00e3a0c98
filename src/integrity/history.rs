//! File history: every version of a managed file the product sees (baselines, OpenClaw sync
//! and import, preset apply, agent edits and reverts), per tenant, agent and path, with its
//! time, who recorded it and where it came from (`file_versions`, migration
//! `0011_file_history.sql`). Contents are content-addressed per tenant and stored once,
//! compressed against the file's previous version (`blobs`); a version over
//! [`MAX_VERSION_BYTES`], unreadable or not a regular file is kept by hash only. Each file keeps
//! its newest [`VERSIONS_KEPT`] versions; older ones are deleted with any blob nothing else
//! refers to. Recording runs inside the caller's transaction and appends no audit entry: the
//! caller's entry covers it.

mod blobs;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::scan::{check_relative, MAX_BLOB_BYTES};
use crate::canon::Digest;
use crate::clock::Timestamp;
use crate::store::Store;
use crate::{Error, Result};

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum VersionSource {
    /// An integrity baseline recorded or accepted.
    Baseline,
    /// An OpenClaw sync wrote the workspace.
    Sync,
    /// A preset version was applied to the workspace.
    Apply,
    /// An existing OpenClaw agent was imported.
    Import,
    /// The agent (or anyone outside the product) changed the file.
    AgentEdit,
    /// The file was put back to an earlier version.
    Revert,
}

impl VersionSource {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name; `invalid_input` naming the sources otherwise.
    pub fn parse(text: &str) -> Result<VersionSource> {
        Error::parse_name("version source", None, text)
    }
}

/// Who and when, for a version being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    pub source: VersionSource,
    /// A member id, or `system`.
    pub actor: &'a str,
    pub at: Timestamp,
}

/// One recorded version of one file of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FileVersion {
    pub agent: String,
    /// Relative to the agent's workspace, `/`-separated.
    pub path: String,
    /// `sha256:<hex>`, the text `canon::Digest` prints.
    pub sha256: String,
    /// Bytes of the file.
    #[ts(type = "number")]
    pub size: u64,
    pub source: VersionSource,
    /// A member id, or `system`.
    pub actor: String,
    pub recorded_at: Timestamp,
    /// False when only the hash is kept (content over the limit, unreadable, not a regular
    /// file): [`content`] cannot give it back.
    pub kept: bool,
}

/// A version larger than this is recorded by hash only (the baseline's blob limit).
pub const MAX_VERSION_BYTES: u64 = MAX_BLOB_BYTES;
/// Each (agent, path) keeps this many newest versions.
pub const VERSIONS_KEPT: usize = 100;

/// Records `bytes` as the newest version of (agent, path) inside the caller's transaction.
/// Returns false, writing nothing, when the newest version already has this content. Content
/// over [`MAX_VERSION_BYTES`] is recorded by hash only, as [`record_hash`] does.
pub fn record(
    tx: &Transaction<'_>,
    tenant: &str,
    agent: &str,
    path: &str,
    bytes: &[u8],
    origin: &Origin<'_>,
) -> Result<bool> {
    let sha256 = Digest::of_bytes(bytes).to_string();
    let size = bytes.len() as u64;
    if size > MAX_VERSION_BYTES {
        return record_hash(tx, tenant, agent, path, &sha256, size, origin);
    }
    let path = check_relative(path)?;
    if newest(tx, tenant, agent, &path)?.is_some_and(|v| v.sha256 == sha256 && v.kept) {
        return Ok(false);
    }
    let base = newest_kept_sha(tx, tenant, agent, &path)?;
    blobs::store(tx, tenant, &sha256, bytes, base.as_deref())?;
    insert(tx, tenant, (agent, &path), (&sha256, size, true), origin)?;
    prune(tx, tenant, agent, &path)?;
    Ok(true)
}

/// Records a version known only by hash (content over the limit, unreadable, or a non-regular
/// file) inside the caller's transaction. `sha256` may be written as [`normalize_sha`] reads it.
/// Returns false, writing nothing, when the newest version already has this hash.
pub fn record_hash(
    tx: &Transaction<'_>,
    tenant: &str,
    agent: &str,
    path: &str,
    sha256: &str,
    size: u64,
    origin: &Origin<'_>,
) -> Result<bool> {
    let sha256 = normalize_sha(sha256)?;
    let path = check_relative(path)?;
    if newest(tx, tenant, agent, &path)?.is_some_and(|v| v.sha256 == sha256) {
        return Ok(false);
    }
    insert(tx, tenant, (agent, &path), (&sha256, size, false), origin)?;
    prune(tx, tenant, agent, &path)?;
    Ok(true)
}

fn insert(
    tx: &Transaction<'_>,
    tenant: &str,
    (agent, path): (&str, &str),
    (sha256, size, kept): (&str, u64, bool),
    origin: &Origin<'_>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO file_versions
           (tenant_id, agent, path, seq, sha256, size, source, actor, recorded_at, kept)
         VALUES (?1, ?2, ?3,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM file_versions
            WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3),
           ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            tenant,
            agent,
            path,
            sha256,
            i64::try_from(size).unwrap_or(i64::MAX),
            origin.source.as_str(),
            origin.actor,
            origin.at.to_string(),
            kept
        ],
    )?;
    Ok(())
}

/// The hash of the newest version of the file whose content is kept: the new content's base.
fn newest_kept_sha(
    conn: &Connection,
    tenant: &str,
    agent: &str,
    path: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT sha256 FROM file_versions
             WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3 AND kept = 1
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![tenant, agent, path], |row| row.get(0))
        .optional()?)
}

/// Deletes the file's versions older than the newest [`VERSIONS_KEPT`], then each of their
/// blobs that nothing refers to any more.
fn prune(tx: &Transaction<'_>, tenant: &str, agent: &str, path: &str) -> Result<()> {
    let keep_from: Option<i64> = {
        tx.query_row(
            "SELECT seq FROM file_versions WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3
             ORDER BY seq DESC LIMIT 1 OFFSET ?4",
            params![
                tenant,
                agent,
                path,
                i64::try_from(VERSIONS_KEPT - 1).unwrap_or(i64::MAX)
            ],
            |row| row.get(0),
        )
        .optional()?
    };
    let Some(keep_from) = keep_from else {
        return Ok(());
    };
    let mut statement = tx.prepare_cached(
        "DELETE FROM file_versions
         WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3 AND seq < ?4
         RETURNING sha256, kept",
    )?;
    let dropped = statement
        .query_map(params![tenant, agent, path, keep_from], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (sha256, kept) in dropped {
        if kept {
            blobs::collect(tx, tenant, &sha256)?;
        }
    }
    Ok(())
}

const COLUMNS: &str = "agent, path, sha256, size, source, actor, recorded_at, kept";

/// A stored text column that does not read back as its type.
fn unreadable(column: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

fn version_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<FileVersion> {
    let size: i64 = row.get(3)?;
    let source: String = row.get(4)?;
    let recorded_at: String = row.get(6)?;
    Ok(FileVersion {
        agent: row.get(0)?,
        path: row.get(1)?,
        sha256: row.get(2)?,
        size: u64::try_from(size).unwrap_or(0),
        source: source.parse().map_err(|e| unreadable(4, e))?,
        actor: row.get(5)?,
        recorded_at: Timestamp::parse(&recorded_at).map_err(|e| unreadable(6, e))?,
        kept: row.get(7)?,
    })
}

/// Versions newest first (by time, then by the order they were recorded), of one file or of all
/// the agent's files. `not_found` when the agent has neither a baseline nor any history.
pub fn list(
    store: &Store,
    tenant: &str,
    agent: &str,
    path: Option<&str>,
) -> Result<Vec<FileVersion>> {
    let conn = store.conn();
    let path = path.map(check_relative).transpose()?;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM file_versions
         WHERE tenant_id = ?1 AND agent = ?2 AND (?3 IS NULL OR path = ?3)
         ORDER BY recorded_at DESC, rowid DESC"
    ))?;
    let versions = statement
        .query_map(params![tenant, agent, path], version_of)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if versions.is_empty() && !agent_known(conn, tenant, agent)? {
        return Err(Error::NotFound {
            what: format!("Agent {agent}"),
            hint: "File history is kept for agents with an integrity baseline; record one first."
                .to_owned(),
        });
    }
    Ok(versions)
}

/// True when the agent has a baseline or any recorded version.
fn agent_known(conn: &Connection, tenant: &str, agent: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM baselines WHERE tenant_id = ?1 AND agent = ?2)
             OR EXISTS (SELECT 1 FROM file_versions WHERE tenant_id = ?1 AND agent = ?2)",
        params![tenant, agent],
        |row| row.get(0),
    )?)
}

/// The newest version of one file, if any (usable inside a transaction: takes &Connection).
pub fn newest(
    conn: &Connection,
    tenant: &str,
    agent: &str,
    path: &str,
) -> Result<Option<FileVersion>> {
    let path = check_relative(path)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM file_versions
         WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3
         ORDER BY seq DESC LIMIT 1"
        ))?
        .query_row(params![tenant, agent, path], version_of)
        .optional()?)
}

/// The bytes of a recorded version of (agent, path); `sha256` as [`normalize_sha`] reads it.
/// `history_version_unknown` (bad input) when that file has no such version;
/// `history_content_gone` (refused) when only its hash is kept; `history_damaged` when the
/// stored content does not decode to its hash.
pub fn content(
    conn: &Connection,
    tenant: &str,
    agent: &str,
    path: &str,
    sha256: &str,
) -> Result<Vec<u8>> {
    let sha256 = normalize_sha(sha256)?;
    let path = check_relative(path)?;
    let kept: Option<bool> = conn.query_row(
        "SELECT MAX(kept) FROM file_versions
         WHERE tenant_id = ?1 AND agent = ?2 AND path = ?3 AND sha256 = ?4",
        params![tenant, agent, path, sha256],
        |row| row.get(0),
    )?;
    match kept {
        None => Err(Error::HistoryVersionUnknown {
            agent: agent.to_owned(),
            path: path.clone(),
            sha256: sha256.clone(),
        }),
        Some(false) => Err(Error::HistoryContentGone {
            agent: agent.to_owned(),
            path: path.clone(),
            sha256: sha256.clone(),
        }),
        Some(true) => blobs::read(conn, tenant, &sha256)?.ok_or_else(|| Error::HistoryDamaged {
            sha256: sha256.clone(),
            detail: "its content is missing".to_owned(),
        }),
    }
}

/// Bytes of history stored for the tenant: the compressed blobs plus what each blob and version
/// row holds besides (its text columns' bytes and 8 bytes per integer column).
pub fn stored_bytes(store: &Store, tenant: &str) -> Result<u64> {
    let bytes: i64 = store.conn().query_row(
        "SELECT
           (SELECT COALESCE(SUM(length(content) + length(tenant_id) + length(sha256)
                                + COALESCE(length(base_sha256), 0) + 16), 0)
            FROM history_blobs WHERE tenant_id = ?1)
         + (SELECT COALESCE(SUM(length(tenant_id) + length(agent) + length(path)
                                + length(sha256) + length(source) + length(actor)
                                + length(recorded_at) + 24), 0)
            FROM file_versions WHERE tenant_id = ?1)",
        params![tenant],
        |row| row.get(0),
    )?;
    Ok(u64::try_from(bytes).unwrap_or(0))
}

/// `sha256:<hex>` from a hash written with or without the prefix, in any case and with
/// surrounding spaces; `invalid_input` otherwise.
pub fn normalize_sha(text: &str) -> Result<String> {
    let trimmed = text.trim();
    let hex = trimmed
        .get(..7)
        .filter(|prefix| prefix.eq_ignore_ascii_case("sha256:"))
        .and_then(|_| trimmed.get(7..))
        .unwrap_or(trimmed);
    format!("sha256:{}", hex.to_ascii_lowercase())
        .parse::<Digest>()
        .map(|digest| digest.to_string())
        .map_err(|e| {
            Error::invalid(
                "sha256",
                format!("\"{text}\" is not a sha256 hash ({e}); write its 64 hex digits, with or without sha256: in front"),
            )
        })
}
