//! The stored contents of file history (`history_blobs`): one zstd frame per (tenant, sha256),
//! compressed with an earlier blob's raw content as its prefix (zstd's raw-content dictionary)
//! when the file had one, so a version that changes a few lines costs a few hundred bytes.
//! Chains are capped: a blob sits at most `CHAIN_CAP - 1` bases deep, so reading one
//! decompresses at most `CHAIN_CAP` frames; past that, a blob is a frame of its own. Every read
//! is checked against its sha256.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use zstd::zstd_safe::{self, CCtx, CParameter, DCtx};

use crate::canon::Digest;
use crate::{Error, Result};

/// At most this many frames are decompressed to read one blob (the chain cap).
pub(super) const CHAIN_CAP: u32 = 16;

/// zstd level: history is written once per change and read rarely, and files are small.
const LEVEL: i32 = 19;

/// One stored frame and what it needs to be read.
struct Frame {
    size: usize,
    base: Option<String>,
    depth: u32,
    content: Vec<u8>,
}

fn frame(conn: &Connection, tenant: &str, sha256: &str) -> Result<Option<Frame>> {
    Ok(conn
        .prepare_cached(
            "SELECT size, base_sha256, depth, content FROM history_blobs
             WHERE tenant_id = ?1 AND sha256 = ?2",
        )?
        .query_row(params![tenant, sha256], |row| {
            Ok(Frame {
                size: usize::try_from(row.get::<_, i64>(0)?).unwrap_or(usize::MAX),
                base: row.get(1)?,
                depth: u32::try_from(row.get::<_, i64>(2)?).unwrap_or(u32::MAX),
                content: row.get(3)?,
            })
        })
        .optional()?)
}

/// True when `tenant` has the blob `sha256`.
pub(super) fn exists(conn: &Connection, tenant: &str, sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM history_blobs WHERE tenant_id = ?1 AND sha256 = ?2")?
        .exists(params![tenant, sha256])?)
}

fn damaged(sha256: &str, detail: impl Into<String>) -> Error {
    Error::HistoryDamaged {
        sha256: sha256.to_owned(),
        detail: detail.into(),
    }
}

/// The raw content of blob `sha256`, decoded along its chain and checked against its hash;
/// `None` when the tenant has no such blob.
pub(super) fn read(conn: &Connection, tenant: &str, sha256: &str) -> Result<Option<Vec<u8>>> {
    let Some(first) = frame(conn, tenant, sha256)? else {
        return Ok(None);
    };
    let mut chain = vec![(sha256.to_owned(), first)];
    while let Some(base) = chain.last().and_then(|(_, f)| f.base.clone()) {
        if chain.len() >= CHAIN_CAP as usize {
            return Err(damaged(sha256, "its chain of bases is longer than the cap"));
        }
        let found = frame(conn, tenant, &base)?
            .ok_or_else(|| damaged(sha256, format!("its base {base} is missing")))?;
        chain.push((base, found));
    }
    let mut raw: Option<Vec<u8>> = None;
    for (sha, frame) in chain.iter().rev() {
        if frame.size as u64 > super::MAX_VERSION_BYTES {
            return Err(damaged(sha, "its recorded size is over the limit"));
        }
        let bytes = decompress(&frame.content, frame.size, raw.as_deref())
            .map_err(|detail| damaged(sha, detail))?;
        if Digest::of_bytes(&bytes).to_string() != *sha {
            return Err(damaged(sha, "it does not decode to its hash"));
        }
        raw = Some(bytes);
    }
    Ok(raw)
}

/// Stores `bytes` as blob `sha256` unless the tenant has it, compressed against the raw content
/// of blob `base` when that exists and is less than the cap deep.
pub(super) fn store(
    tx: &Transaction<'_>,
    tenant: &str,
    sha256: &str,
    bytes: &[u8],
    base: Option<&str>,
) -> Result<()> {
    if exists(tx, tenant, sha256)? {
        return Ok(());
    }
    let base = match base.filter(|b| *b != sha256) {
        Some(base) => frame(tx, tenant, base)?
            .filter(|f| f.depth + 1 < CHAIN_CAP)
            .map(|f| (base, f.depth + 1)),
        None => None,
    };
    let (base_sha, depth, content) = match base {
        Some((base, depth)) => {
            let raw = read(tx, tenant, base)?.unwrap_or_default();
            (Some(base), depth, compress(bytes, Some(&raw), sha256)?)
        }
        None => (None, 0, compress(bytes, None, sha256)?),
    };
    tx.execute(
        "INSERT INTO history_blobs (tenant_id, sha256, size, base_sha256, depth, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            tenant,
            sha256,
            i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            base_sha,
            depth,
            content
        ],
    )?;
    Ok(())
}

/// Deletes blob `sha256` when no kept version and no other blob refers to it, then its base by
/// the same rule, and so on down the chain.
pub(super) fn collect(tx: &Transaction<'_>, tenant: &str, sha256: &str) -> Result<()> {
    let mut next = Some(sha256.to_owned());
    while let Some(sha) = next.take() {
        let referenced: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM file_versions
                            WHERE tenant_id = ?1 AND sha256 = ?2 AND kept = 1)
                 OR EXISTS (SELECT 1 FROM history_blobs
                            WHERE tenant_id = ?1 AND base_sha256 = ?2)",
            params![tenant, sha],
            |row| row.get(0),
        )?;
        if referenced {
            break;
        }
        next = tx
            .query_row(
                "DELETE FROM history_blobs WHERE tenant_id = ?1 AND sha256 = ?2
                 RETURNING base_sha256",
                params![tenant, sha],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten();
    }
    Ok(())
}

/// The smallest window (log2, at least zstd's minimum 10) that holds `bytes` bytes, so the
/// whole prefix stays reachable from every byte of the new content.
fn window_log(bytes: usize) -> u32 {
    let mut log = 10;
    while log < 30 && (1usize << log) < bytes {
        log += 1;
    }
    log
}

fn zstd_error(code: usize) -> String {
    zstd_safe::get_error_name(code).to_owned()
}

/// One zstd frame of `bytes`, with `prefix` as raw-content dictionary when given.
fn compress(bytes: &[u8], prefix: Option<&[u8]>, sha256: &str) -> Result<Vec<u8>> {
    let failed = |detail: String| {
        Error::io(
            "compress",
            format!("history content {sha256}"),
            std::io::Error::other(detail),
        )
    };
    let mut cctx = CCtx::try_create().ok_or_else(|| failed("out of memory".to_owned()))?;
    cctx.set_parameter(CParameter::CompressionLevel(LEVEL))
        .map_err(|c| failed(zstd_error(c)))?;
    if let Some(prefix) = prefix {
        cctx.set_parameter(CParameter::WindowLog(window_log(
            prefix.len() + bytes.len(),
        )))
        .map_err(|c| failed(zstd_error(c)))?;
        cctx.ref_prefix(prefix).map_err(|c| failed(zstd_error(c)))?;
    }
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
    cctx.compress2(&mut out, bytes)
        .map_err(|c| failed(zstd_error(c)))?;
    Ok(out)
}

/// The `size` bytes of one frame, with `prefix` as its raw-content dictionary when given.
fn decompress(
    frame: &[u8],
    size: usize,
    prefix: Option<&[u8]>,
) -> std::result::Result<Vec<u8>, String> {
    let mut dctx = DCtx::try_create().ok_or("out of memory")?;
    if let Some(prefix) = prefix {
        dctx.ref_prefix(prefix).map_err(zstd_error)?;
    }
    let mut out = Vec::with_capacity(size);
    dctx.decompress(&mut out, frame).map_err(zstd_error)?;
    if out.len() != size {
        return Err(format!("it decodes to {} bytes, not {size}", out.len()));
    }
    Ok(out)
}
