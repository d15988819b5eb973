-- Granted measures (issue 14, items 2-4; rules in internal/measures). An
-- agency implements each measure; its life is a status moving only along
-- measures.Lifecycle, each move a row of measure_history. Details the
-- catalogue marks sealed are in the logistics compartment, the grant's
-- reasons and whatever people wrote about a measure in the risk
-- compartment. What the dashboard counts (status, kind, agency, deadline,
-- source) stays readable.
CREATE TABLE agencies (
    id         {{id}},
    code       TEXT NOT NULL UNIQUE, -- liaison accounts name it in users.agency
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,        -- federal | state | municipal | contractor
    entity     TEXT NOT NULL DEFAULT '',
    police     INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE granted_measures (
    id            {{id}},
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    measure       TEXT NOT NULL,   -- catalogue id
    kind          TEXT NOT NULL,   -- its catalogue kind when granted
    agency_id     BIGINT NOT NULL REFERENCES agencies(id),
    liaison_id    BIGINT REFERENCES users(id),
    status        TEXT NOT NULL,
    source        TEXT NOT NULL,   -- urgent | board
    resolution_id BIGINT,          -- the Board resolution granting it
    ratified_by   BIGINT,          -- the resolution ratifying an urgent measure
    deadline      BIGINT NOT NULL,
    discreet      INTEGER NOT NULL DEFAULT 0,
    details       TEXT NOT NULL DEFAULT '{}', -- details not sealed (JSON)
    details_enc   {{blob}},                   -- sealed details (JSON), logistics
    device_id     BIGINT REFERENCES devices(id),
    reason_enc    {{blob}},
    granted_by    BIGINT REFERENCES users(id),
    granted_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    escalation    INTEGER NOT NULL DEFAULT -1, -- highest escalation tier notified (index), -1 none
    next_escalation_at BIGINT           -- when the next tier is due, for the sweep
);
CREATE INDEX granted_measures_case ON granted_measures (case_id, id);
CREATE INDEX granted_measures_status ON granted_measures (status, deadline);
CREATE INDEX granted_measures_agency ON granted_measures (agency_id, status);
CREATE INDEX granted_measures_escalation ON granted_measures (next_escalation_at);

CREATE TABLE measure_history (
    id          {{id}},
    measure_id  BIGINT NOT NULL REFERENCES granted_measures(id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES users(id),
    from_status TEXT NOT NULL DEFAULT '', -- '' for the grant
    to_status   TEXT NOT NULL,
    what        TEXT NOT NULL DEFAULT '', -- grant | move | modify | ratify | confirm | reject
    reason_enc  {{blob}}
);
CREATE INDEX measure_history_measure ON measure_history (measure_id, at);

-- The beneficiary's word on an implementation, recorded by themselves or by
-- follow-up on their behalf through a channel (phone, visit, ...).
CREATE TABLE measure_confirmations (
    id          {{id}},
    measure_id  BIGINT NOT NULL REFERENCES granted_measures(id),
    confirmed   INTEGER NOT NULL, -- 1 confirmed, 0 rejected
    channel     TEXT NOT NULL,
    comment_enc {{blob}},
    recorded_by BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX measure_confirmations_measure ON measure_confirmations (measure_id, at);

CREATE TABLE measure_ratings (
    id          {{id}},
    measure_id  BIGINT NOT NULL REFERENCES granted_measures(id),
    rating      TEXT NOT NULL, -- useful | not_useful | counterproductive
    why_enc     {{blob}},
    recorded_by BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX measure_ratings_measure ON measure_ratings (measure_id, at);

CREATE TABLE measure_costs (
    id              {{id}},
    measure_id      BIGINT NOT NULL REFERENCES granted_measures(id),
    description     TEXT NOT NULL,
    amount_centavos BIGINT NOT NULL,
    period          TEXT NOT NULL, -- once | monthly | yearly ...
    payer           TEXT NOT NULL, -- mechanism | state | municipality | beneficiary | other
    cannot_pay      INTEGER NOT NULL DEFAULT 0, -- the beneficiary says they cannot pay it
    recorded_by     BIGINT REFERENCES users(id),
    at              BIGINT NOT NULL
);
CREATE INDEX measure_costs_measure ON measure_costs (measure_id);
