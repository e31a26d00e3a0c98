-- Governance: member passphrases and unlock sessions, the capability catalog, install requests
-- and approvals, break-glass overrides, and change requests. Every row carries tenant_id.
-- States are CHECKed here; transitions are enforced in src/governance/.

-- One argon2id verifier (PHC string) per member; the passphrase itself is never stored.
CREATE TABLE member_credentials (
    tenant_id   TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    verifier    TEXT NOT NULL CHECK (verifier LIKE '$argon2id$%'),
    set_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members(tenant_id, id)
) STRICT;

-- A member is unlocked while now < unlocked_until (each CLI call is its own process).
CREATE TABLE member_unlocks (
    tenant_id       TEXT NOT NULL,
    member_id       TEXT NOT NULL,
    unlocked_at     TEXT NOT NULL,
    unlocked_until  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members(tenant_id, id)
) STRICT;

-- The current version of each catalog entry; content_hash = sha256 of the canonical manifest.
CREATE TABLE capabilities (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    id             TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    version        TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 32),
    kind           TEXT NOT NULL CHECK (kind IN ('skill', 'library', 'device')),
    name           TEXT NOT NULL,
    summary        TEXT NOT NULL,
    risk           TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high', 'critical')),
    scope          TEXT NOT NULL,  -- JSON array of strings
    trust          TEXT NOT NULL CHECK (trust IN ('official', 'community')),
    slots          INTEGER NOT NULL CHECK (slots BETWEEN 0 AND 10),
    storage_bytes  INTEGER NOT NULL CHECK (storage_bytes >= 0),
    traits         TEXT NOT NULL,  -- JSON array of strings
    content_hash   TEXT NOT NULL CHECK (content_hash LIKE 'sha256:%'),
    origin         TEXT NOT NULL CHECK (origin IN ('starter', 'admin')),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- Install requests: pending -> approved | rejected | expired; approved -> installed | expired;
-- installed -> uninstalled. The approval binds the version and content hash seen at request.
CREATE TABLE install_requests (
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    id                  TEXT NOT NULL,
    capability_id       TEXT NOT NULL,
    capability_version  TEXT NOT NULL,
    content_hash        TEXT NOT NULL,
    requested_scope     TEXT NOT NULL,  -- JSON array
    reason              TEXT NOT NULL,
    requested_by        TEXT NOT NULL,
    requested_at        TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN
                          ('pending', 'approved', 'rejected', 'expired', 'installed', 'uninstalled')),
    decided_by          TEXT,
    decided_at          TEXT,
    decision_note       TEXT,
    approved_scope      TEXT,  -- JSON array, a subset of requested_scope
    approval_valid_until TEXT,
    break_glass_id      TEXT,
    slots               INTEGER CHECK (slots IS NULL OR slots >= 0),
    storage_bytes       INTEGER CHECK (storage_bytes IS NULL OR storage_bytes >= 0),
    installed_at        TEXT,
    uninstalled_at      TEXT,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, capability_id) REFERENCES capabilities(tenant_id, id),
    CHECK (state NOT IN ('installed', 'uninstalled')
           OR (installed_at IS NOT NULL AND slots IS NOT NULL AND storage_bytes IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX install_requests_one_open
    ON install_requests(tenant_id, capability_id) WHERE state IN ('pending', 'approved');
CREATE UNIQUE INDEX install_requests_one_installed
    ON install_requests(tenant_id, capability_id) WHERE state = 'installed';

-- Break-glass overrides: open while closed_at IS NULL AND now < expires_at.
CREATE TABLE break_glass (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (length(reason) >= 20),
    opened_by     TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT,
    close_reason  TEXT CHECK (close_reason IS NULL OR close_reason IN ('closed', 'expired')),
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE UNIQUE INDEX break_glass_one_unclosed
    ON break_glass(tenant_id) WHERE closed_at IS NULL;

-- Change requests: submitted -> triage -> approved | rejected; approved -> applied.
CREATE TABLE change_requests (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    id             TEXT NOT NULL,
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    TEXT NOT NULL,
    target_preset  TEXT,
    target_agent   TEXT,
    state          TEXT NOT NULL CHECK (state IN
                     ('submitted', 'triage', 'approved', 'rejected', 'applied')),
    submitted_by   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE change_comments (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    change_id   TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, change_id) REFERENCES change_requests(tenant_id, id)
) STRICT;
