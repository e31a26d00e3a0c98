-- Customer-owned backups: where they go, what was written (metadata only, never payload or
-- secrets), and the tenant's reminder settings. Secrets (passphrase, cloud keys) live only in
-- the OS keyring.

CREATE TABLE backup_destinations (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    label       TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    kind        TEXT NOT NULL CHECK (kind IN ('local', 'drive', 's3', 'webdav')),
    -- JSON without secrets: path, volume uuid, endpoint, bucket, region, root, user name.
    config      TEXT NOT NULL,
    keep_last   INTEGER NOT NULL CHECK (keep_last >= 1),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, label)
) STRICT;

CREATE TABLE backups (
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    id                 TEXT NOT NULL,
    -- NULL for a manual export (`--out FILE`).
    destination_id     TEXT,
    dest_kind          TEXT NOT NULL CHECK (dest_kind IN ('local', 'drive', 's3', 'webdav', 'file')),
    dest_label         TEXT NOT NULL,
    -- The backup's name at the destination, or the file path of a manual export.
    location           TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    size               INTEGER NOT NULL CHECK (size >= 0),
    sha256             TEXT NOT NULL,
    part_count         INTEGER NOT NULL CHECK (part_count >= 0),
    verified           INTEGER NOT NULL CHECK (verified IN (0, 1)),
    verified_at        TEXT,
    restore_tested_at  TEXT,
    deleted_at         TEXT,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE INDEX backups_by_destination ON backups(tenant_id, destination_id, created_at);

CREATE TABLE backup_settings (
    tenant_id                TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
    snoozed_until            TEXT,
    passphrase_shown_at      TEXT,
    passphrase_confirmed_at  TEXT
) STRICT;
