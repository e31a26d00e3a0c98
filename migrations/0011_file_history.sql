-- File history: every version of a managed file the product sees, per tenant, agent and path.
-- Contents are content-addressed per tenant (one blob per (tenant_id, sha256), shared by any
-- number of versions) and compressed with zstd, a blob optionally against the raw content of
-- an earlier blob (its base) as a prefix dictionary, so similar versions cost little.

-- One stored content. `content` is one zstd frame; with `base_sha256` it was compressed with
-- that blob's raw content as its prefix, and `depth` counts the bases behind it (0 = a frame
-- of its own), so reading a blob decompresses `depth + 1` frames.
CREATE TABLE history_blobs (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    base_sha256  TEXT CHECK (base_sha256 IS NULL OR base_sha256 <> sha256),
    depth        INTEGER NOT NULL CHECK (depth >= 0),
    content      BLOB NOT NULL,
    PRIMARY KEY (tenant_id, sha256),
    CHECK ((base_sha256 IS NULL) = (depth = 0))
) STRICT;

CREATE INDEX history_blobs_by_base ON history_blobs(tenant_id, base_sha256)
    WHERE base_sha256 IS NOT NULL;

-- One version of one file: `seq` grows per (tenant, agent, path); `kept` is 0 when only the
-- hash is known (content over the size limit, unreadable, or not a regular file).
CREATE TABLE file_versions (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    agent        TEXT NOT NULL,
    path         TEXT NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    source       TEXT NOT NULL CHECK (source IN ('baseline', 'sync', 'apply', 'import',
                                                 'agent_edit', 'revert')),
    actor        TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    kept         INTEGER NOT NULL CHECK (kept IN (0, 1)),
    PRIMARY KEY (tenant_id, agent, path, seq)
) STRICT;

CREATE INDEX file_versions_by_sha ON file_versions(tenant_id, sha256);
