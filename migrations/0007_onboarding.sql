-- Onboarding wizard sessions: one per member of a tenant (each member runs their own wizard).
-- Answers are stored as they are given, so a half-finished wizard resumes after a restart.
-- Rules (which answers are valid, which questions are asked) live in src/onboarding/.

CREATE TABLE onboarding_sessions (
    tenant_id         TEXT NOT NULL,
    member_id         TEXT NOT NULL,
    -- The question bank version the answers were given against.
    bank_version      INTEGER NOT NULL CHECK (bank_version >= 1),
    -- JSON object: question id -> option ids (array) or text.
    answers           TEXT NOT NULL,
    -- The question being asked (NULL once every asked question is answered and none was
    -- revisited).
    current_question  TEXT,
    status            TEXT NOT NULL CHECK (status IN ('in_progress', 'accepted')),
    started_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    accepted_at       TEXT,
    -- Canonical JSON of the accepted choice (agent, preset, capabilities) and of what accepting
    -- created, so that accepting the same choice again returns the same outcome.
    accepted_choice   TEXT,
    accept_outcome    TEXT,
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members(tenant_id, id),
    CHECK ((status = 'accepted') = (accepted_at IS NOT NULL AND accepted_choice IS NOT NULL
                                     AND accept_outcome IS NOT NULL))
) STRICT;
