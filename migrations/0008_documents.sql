-- Versioned documents: one table and one set of rules for every draft -> publish -> immutable
-- stack (persona spec versions per agent, preset versions). It replaces persona_versions,
-- active_persona, preset_versions and preset_labels (migrations 0002 and 0005) and moves every
-- row forward unchanged; the owners (agents, presets) keep their own tables.
--
-- A document is (tenant_id, kind, doc_id); each version is a draft (edited freely, at most one
-- per document) or published (frozen: triggers refuse any UPDATE or DELETE). Publishing records
-- the content hash and the parent hash (the hash of the latest published version before it).
-- Labels point only at published versions; a persona's active version is its label 'active'.

CREATE TABLE documents (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    kind          TEXT NOT NULL CHECK (kind IN ('persona_spec', 'preset')),
    -- An agent name for 'persona_spec', a preset id for 'preset'.
    doc_id        TEXT NOT NULL CHECK (length(doc_id) BETWEEN 1 AND 64),
    version       INTEGER NOT NULL CHECK (version >= 1),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    -- The payload: a spec as typed (draft) or as canonical JSON (published); a preset bundle
    -- as canonical JSON.
    body          TEXT NOT NULL,
    -- A draft has one only when its body is valid; a published version always has one.
    content_hash  TEXT,
    parent_hash   TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    published_at  TEXT,
    published_by  TEXT,
    -- The owner row of each kind, so a document never outlives its agent or preset id (a NULL
    -- foreign key is not checked, so each kind checks only its own owner).
    agent         TEXT GENERATED ALWAYS AS (CASE kind WHEN 'persona_spec' THEN doc_id END) VIRTUAL,
    preset        TEXT GENERATED ALWAYS AS (CASE kind WHEN 'preset' THEN doc_id END) VIRTUAL,
    PRIMARY KEY (tenant_id, kind, doc_id, version),
    FOREIGN KEY (tenant_id, agent) REFERENCES agents(tenant_id, name),
    FOREIGN KEY (tenant_id, preset) REFERENCES presets(tenant_id, id),
    CHECK (state = 'draft' OR (content_hash IS NOT NULL AND published_at IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX documents_one_draft
    ON documents(tenant_id, kind, doc_id) WHERE state = 'draft';

CREATE TABLE document_labels (
    tenant_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 32),
    version    INTEGER NOT NULL,
    moved_at   TEXT NOT NULL,
    moved_by   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, doc_id, label),
    FOREIGN KEY (tenant_id, kind, doc_id, version)
        REFERENCES documents(tenant_id, kind, doc_id, version)
) STRICT;

-- Every row moves forward as it is. Persona versions had no lineage column: a published
-- version's parent is the latest version published before it, as publishing now records.
INSERT INTO documents (tenant_id, kind, doc_id, version, state, body, content_hash, parent_hash,
                       created_at, created_by, published_at, published_by)
SELECT v.tenant_id, 'persona_spec', v.agent, v.version, v.state, v.spec_json, v.persona_hash,
       CASE WHEN v.state = 'published' THEN
           (SELECT p.persona_hash FROM persona_versions p
            WHERE p.tenant_id = v.tenant_id AND p.agent = v.agent AND p.state = 'published'
              AND p.version < v.version
            ORDER BY p.version DESC LIMIT 1)
       END,
       v.created_at, v.created_by, v.published_at, v.published_by
FROM persona_versions v;

INSERT INTO documents (tenant_id, kind, doc_id, version, state, body, content_hash, parent_hash,
                       created_at, created_by, published_at, published_by)
SELECT tenant_id, 'preset', preset_id, version, state, bundle, content_hash, parent_hash,
       created_at, created_by, published_at, published_by
FROM preset_versions;

-- The active version becomes the label 'active', moved when that version was published.
INSERT INTO document_labels (tenant_id, kind, doc_id, label, version, moved_at, moved_by)
SELECT a.tenant_id, 'persona_spec', a.agent, 'active', a.version,
       COALESCE(v.published_at, v.created_at), COALESCE(v.published_by, v.created_by)
FROM active_persona a
JOIN persona_versions v
  ON v.tenant_id = a.tenant_id AND v.agent = a.agent AND v.version = a.version;

INSERT INTO document_labels (tenant_id, kind, doc_id, label, version, moved_at, moved_by)
SELECT tenant_id, 'preset', preset_id, label, version, moved_at, moved_by
FROM preset_labels;

-- Children first, so no foreign key points at a dropped table. Dropping a table drops its
-- triggers and fires none.
DROP TABLE active_persona;
DROP TABLE persona_versions;
DROP TABLE preset_labels;
DROP TABLE preset_versions;

-- The rules, once for every kind.
CREATE TRIGGER documents_published_immutable
BEFORE UPDATE ON documents WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published versions are immutable');
END;

CREATE TRIGGER documents_published_kept
BEFORE DELETE ON documents WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published versions cannot be deleted');
END;

CREATE TRIGGER document_labels_insert_published
BEFORE INSERT ON document_labels
WHEN (SELECT state FROM documents
      WHERE tenant_id = NEW.tenant_id AND kind = NEW.kind AND doc_id = NEW.doc_id
        AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'labels point only at published versions');
END;

CREATE TRIGGER document_labels_update_published
BEFORE UPDATE ON document_labels
WHEN (SELECT state FROM documents
      WHERE tenant_id = NEW.tenant_id AND kind = NEW.kind AND doc_id = NEW.doc_id
        AND version = NEW.version) IS NOT 'published'
BEGIN
    SELECT RAISE(ABORT, 'labels point only at published versions');
END;
