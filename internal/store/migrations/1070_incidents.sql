-- Incidents, investigations and early warnings (issue 15, items 4-6; rules
-- in internal/prevention, docs/prevention.md). What statistics count stays
-- readable: kind, presumed aggressor, entity, municipality, dates and their
-- precision. The exact place is sealed in the location compartment; the
-- description, the evidence, the file number and the notes on an
-- investigation in the risk compartment.
CREATE TABLE incidents (
    id              {{id}},
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    kind            TEXT NOT NULL,
    aggressor       TEXT NOT NULL,
    occurred_at     BIGINT NOT NULL, -- first instant of the span the precision names
    time_precision  TEXT NOT NULL,   -- exact | day | week | month
    entity          TEXT NOT NULL,
    municipality    TEXT NOT NULL DEFAULT '',
    place_precision TEXT NOT NULL,   -- exact | municipality | entity
    place_enc       {{blob}},
    description_enc {{blob}},
    evidence_enc    {{blob}},
    serious         INTEGER NOT NULL DEFAULT 0,
    recorded_by     BIGINT REFERENCES users(id),
    recorded_at     BIGINT NOT NULL
);
CREATE INDEX incidents_case ON incidents (case_id, occurred_at);
CREATE INDEX incidents_occurred ON incidents (occurred_at);

CREATE TABLE incident_alerts (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    alert_id    BIGINT NOT NULL REFERENCES alerts(id),
    PRIMARY KEY (incident_id, alert_id)
);

CREATE TABLE investigations (
    id            {{id}},
    incident_id   BIGINT NOT NULL REFERENCES incidents(id),
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    entity        TEXT NOT NULL, -- the incident's, for the impunity table
    authority     TEXT NOT NULL,
    file_enc      {{blob}},
    status        TEXT NOT NULL,
    opened_at     BIGINT NOT NULL,
    last_progress BIGINT NOT NULL,
    stalled_at    BIGINT,        -- flagged by the sweep; cleared by progress
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX investigations_incident ON investigations (incident_id);
CREATE INDEX investigations_progress ON investigations (status, last_progress);

CREATE TABLE investigation_updates (
    id               {{id}},
    investigation_id BIGINT NOT NULL REFERENCES investigations(id),
    from_status      TEXT NOT NULL DEFAULT '', -- '' for the opening
    status           TEXT NOT NULL,
    at               BIGINT NOT NULL,          -- when the progress happened
    note_enc         {{blob}},
    recorded_by      BIGINT REFERENCES users(id),
    recorded_at      BIGINT NOT NULL
);
CREATE INDEX investigation_updates_inv ON investigation_updates (investigation_id, at);

-- One row per area and week the early-warning rules raised.
CREATE TABLE early_warnings (
    id           {{id}},
    level        TEXT NOT NULL, -- entity | municipality
    entity       TEXT NOT NULL,
    municipality TEXT NOT NULL DEFAULT '',
    week_start   BIGINT NOT NULL,
    incidents    INTEGER NOT NULL,
    mean4        DOUBLE PRECISION NOT NULL,
    baseline     DOUBLE PRECISION NOT NULL,
    p_value      DOUBLE PRECISION NOT NULL,
    surge        INTEGER NOT NULL,
    unusual      INTEGER NOT NULL,
    raised_at    BIGINT NOT NULL,
    UNIQUE (level, entity, municipality, week_start)
);
CREATE INDEX early_warnings_week ON early_warnings (week_start);

CREATE TABLE early_warning_cases (
    warning_id BIGINT NOT NULL REFERENCES early_warnings(id),
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    PRIMARY KEY (warning_id, case_id)
);
