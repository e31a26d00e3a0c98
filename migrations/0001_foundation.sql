-- Foundation: the tables every later feature scopes by.
-- Forward-only: a shipped migration is never edited; add a new numbered file instead.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tier        TEXT NOT NULL CHECK (tier IN ('free', 'pro', 'business')),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'customer')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- Hash-chained per tenant: hash = sha256(0x01 || canonical entry), prev = hash of seq - 1.
CREATE TABLE audit_log (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    ts         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    prev       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT;

-- Who this installation runs as: one tenant and one member at a time.
CREATE TABLE local_profile (
    singleton   INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    install_id  TEXT NOT NULL,
    tenant_id   TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    FOREIGN KEY (tenant_id, member_id) REFERENCES members(tenant_id, id)
) STRICT;
