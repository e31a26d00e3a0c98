-- Persona presets: ids that are never removed (only deprecated), immutable published versions
-- with content hashes and lineage, and labels that point at published versions.

CREATE TABLE presets (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    trust       TEXT NOT NULL CHECK (trust IN ('official', 'community', 'local')),
    lifecycle   TEXT NOT NULL CHECK (lifecycle IN ('active', 'deprecated')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TRIGGER presets_never_removed
BEFORE DELETE ON presets
BEGIN
    SELECT RAISE(ABORT, 'preset ids are never removed; deprecate the preset instead');
END;

CREATE TRIGGER presets_never_undeprecated
BEFORE UPDATE OF lifecycle ON presets WHEN OLD.lifecycle = 'deprecated' AND NEW.lifecycle <> 'deprecated'
BEGIN
    SELECT RAISE(ABORT, 'a deprecated preset stays deprecated');
END;

CREATE TABLE preset_versions (
    tenant_id     TEXT NOT NULL,
    preset_id     TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    -- The bundle: preset.json and the Markdown templates, as canonical JSON.
    bundle        TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    parent_hash   TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    published_at  TEXT,
    published_by  TEXT,
    PRIMARY KEY (tenant_id, preset_id, version),
    FOREIGN KEY (tenant_id, preset_id) REFERENCES presets(tenant_id, id),
    CHECK (state = 'draft' OR published_at IS NOT NULL)
) STRICT;

CREATE UNIQUE INDEX preset_versions_one_draft
    ON preset_versions(tenant_id, preset_id) WHERE state = 'draft';

CREATE TRIGGER preset_versions_published_immutable
BEFORE UPDATE ON preset_versions WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published preset versions are immutable');
END;

CREATE TRIGGER preset_versions_published_kept
BEFORE DELETE ON preset_versions WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published preset versions cannot be deleted');
END;

CREATE TABLE preset_labels (
    tenant_id  TEXT NOT NULL,
    preset_id  TEXT NOT NULL,
    label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 32),
    version    INTEGER NOT NULL,
    moved_at   TEXT NOT NULL,
    moved_by   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, preset_id, label),
    FOREIGN KEY (tenant_id, preset_id, version) REFERENCES preset_versions(tenant_id, preset_id, version)
) STRICT;

CREATE TRIGGER preset_labels_insert_published
BEFORE INSERT ON preset_labels
WHEN (SELECT state FROM preset_versions
      WHERE tenant_id = NEW.tenant_id AND preset_id = NEW.preset_id AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'labels point only at published preset versions');
END;

CREATE TRIGGER preset_labels_update_published
BEFORE UPDATE ON preset_labels
WHEN (SELECT state FROM preset_versions
      WHERE tenant_id = NEW.tenant_id AND preset_id = NEW.preset_id AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'labels point only at published preset versions');
END;
