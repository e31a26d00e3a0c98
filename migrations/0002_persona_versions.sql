-- Agents and their stored persona spec versions. Published versions are immutable: triggers
-- refuse any UPDATE or DELETE of a published row, whatever code path tries it.

CREATE TABLE agents (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
) STRICT;

CREATE TABLE persona_versions (
    tenant_id     TEXT NOT NULL,
    agent         TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    -- Drafts keep the text as typed; published versions keep canonical JSON.
    spec_json     TEXT NOT NULL,
    persona_hash  TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    published_at  TEXT,
    published_by  TEXT,
    PRIMARY KEY (tenant_id, agent, version),
    FOREIGN KEY (tenant_id, agent) REFERENCES agents(tenant_id, name),
    CHECK (state = 'draft' OR (persona_hash IS NOT NULL AND published_at IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX persona_versions_one_draft
    ON persona_versions(tenant_id, agent) WHERE state = 'draft';

CREATE TRIGGER persona_versions_published_immutable
BEFORE UPDATE ON persona_versions WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published persona versions are immutable');
END;

CREATE TRIGGER persona_versions_published_kept
BEFORE DELETE ON persona_versions WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published persona versions cannot be deleted');
END;

-- Exactly one active version per agent once anything is published.
CREATE TABLE active_persona (
    tenant_id  TEXT NOT NULL,
    agent      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, agent),
    FOREIGN KEY (tenant_id, agent, version) REFERENCES persona_versions(tenant_id, agent, version)
) STRICT;

CREATE TRIGGER active_persona_insert_published
BEFORE INSERT ON active_persona
WHEN (SELECT state FROM persona_versions
      WHERE tenant_id = NEW.tenant_id AND agent = NEW.agent AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'only a published persona version can be active');
END;

CREATE TRIGGER active_persona_update_published
BEFORE UPDATE ON active_persona
WHEN (SELECT state FROM persona_versions
      WHERE tenant_id = NEW.tenant_id AND agent = NEW.agent AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'only a published persona version can be active');
END;
