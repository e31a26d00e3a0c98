-- The self-edit loop (src/selfedit/): file reviews and the product's announced writes.

-- A change request opened because a `review` file of an agent's workspace changed on disk: the
-- file, the approved (baseline) and new hashes, and the prompt plan hashes before and after.
-- The request itself (title, state, who, when) is its `change_requests` row.
CREATE TABLE file_reviews (
    tenant_id         TEXT NOT NULL,
    change_id         TEXT NOT NULL,
    agent             TEXT NOT NULL,
    path              TEXT NOT NULL,
    policy            TEXT NOT NULL CHECK (policy IN ('locked', 'review', 'agent_editable')),
    old_sha256        TEXT,
    new_sha256        TEXT,
    plan_before       TEXT,
    plan_after        TEXT,
    -- JSON array of section titles whose text differs between the two plans.
    sections_changed  TEXT NOT NULL DEFAULT '[]',
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, change_id),
    FOREIGN KEY (tenant_id, change_id) REFERENCES change_requests(tenant_id, id)
) STRICT;

CREATE INDEX file_reviews_by_file ON file_reviews(tenant_id, agent, path);

-- Files the product announced it is about to write (preset apply, OpenClaw sync), before the
-- transaction that records their baseline; a scan leaves such bytes alone (src/integrity/pending.rs).
CREATE TABLE pending_writes (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    agent         TEXT NOT NULL,
    path          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    source        TEXT NOT NULL,
    announced_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent, path, sha256)
) STRICT;

-- The last change of each file (or config entry) a scan reported and audited, so that a change
-- is audited once, not at every scan: its sha256, or '' for a file that was removed. A row
-- goes when the file is back to its approved bytes.
CREATE TABLE file_changes_seen (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    agent      TEXT NOT NULL,
    path       TEXT NOT NULL,
    seen       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent, path)
) STRICT;
