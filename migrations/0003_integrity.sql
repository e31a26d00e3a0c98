-- Integrity: workspace baselines, the watch list, attestations and per-tenant settings.

-- One recorded baseline per agent: where its workspace is and when it was taken.
CREATE TABLE baselines (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    agent        TEXT NOT NULL CHECK (length(agent) BETWEEN 1 AND 64),
    workspace    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent)
) STRICT;

-- Each file of a baseline: raw attributes and the sha256 of its raw bytes.
CREATE TABLE baseline_files (
    tenant_id  TEXT NOT NULL,
    agent      TEXT NOT NULL,
    path       TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns   INTEGER NOT NULL,
    mode       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent, path),
    FOREIGN KEY (tenant_id, agent) REFERENCES baselines(tenant_id, agent)
) STRICT;

-- Baseline contents of small text files, by hash, so drift can be shown as a diff.
CREATE TABLE baseline_blobs (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    sha256     TEXT NOT NULL,
    content    BLOB NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
) STRICT;

-- Extra files the user watches besides SOUL.md, USER.md, IDENTITY.md and AGENTS.md.
CREATE TABLE watch_list (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    agent      TEXT NOT NULL,
    path       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent, path)
) STRICT;

-- in-toto Statement v1 attestations of compiles that were used.
CREATE TABLE attestations (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    agent           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    persona_hash    TEXT NOT NULL,
    plan_hash       TEXT NOT NULL,
    published_hash  TEXT,
    drift           INTEGER NOT NULL CHECK (drift IN (0, 1)),
    statement       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT;

CREATE INDEX attestations_by_agent ON attestations(tenant_id, agent, seq);

CREATE TABLE tenant_settings (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT;
