-- OpenClaw: what we last wrote into (or imported from) an agent's config entry, and the sync
-- plans we showed, so that a plan applied later can say what changed since it was shown.
-- Rules live in src/openclaw/.

-- The config entry of an OpenClaw agent as it was right after our last sync or import: the
-- baseline `openclaw status` compares the entry with (drift of the config entry).
CREATE TABLE openclaw_entries (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    agent        TEXT NOT NULL CHECK (length(agent) BETWEEN 1 AND 64),
    -- The config file and where the entry is in it (agents.entries.<id> or agents.list[i]).
    config_path  TEXT NOT NULL,
    entry_path   TEXT NOT NULL,
    -- RFC 8785 canonical JSON of the entry (includes resolved, `${VAR}` kept as written) and
    -- its sha256.
    entry        TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent)
) STRICT;

-- The sync plans shown by a dry run, newest kept per agent (the core trims older ones).
CREATE TABLE openclaw_plans (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    agent       TEXT NOT NULL,
    plan_hash   TEXT NOT NULL,
    -- RFC 8785 canonical JSON of the plan without its hash.
    body        TEXT NOT NULL,
    shown_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, agent, plan_hash)
) STRICT;
