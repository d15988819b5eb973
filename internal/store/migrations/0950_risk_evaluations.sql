-- Risk evaluations (issue 13, docs/risk.md). The instrument versions an
-- evaluation can use are stored whole, so that an evaluation can always be
-- recomputed from the version it names; a version once used is never
-- replaced (store/risk.go refuses a different body under a used version).
CREATE TABLE risk_instruments (
    instrument TEXT NOT NULL,
    version    INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    body       TEXT NOT NULL, -- the instrument as published (JSON)
    created_at BIGINT NOT NULL,
    retired_at BIGINT,        -- a retired version takes no new evaluation
    PRIMARY KEY (instrument, version)
);

-- One evaluation of one case. Everything the analyst wrote (factor answers,
-- context, evidence notes, proposed measures with their reasons, the
-- justification) is sealed in the risk compartment. What the procedure and
-- the calibration report count stays readable: kind, state, the analyst,
-- the level and the dates. calibration_enc holds the few answers the
-- calibration report groups by (gender, ethnic identity, the beneficiary's
-- profile), sealed too, opened only to count.
CREATE TABLE risk_evaluations (
    id                {{id}},
    case_id           BIGINT NOT NULL REFERENCES cases(id),
    kind              TEXT NOT NULL,  -- immediate | full
    reason            TEXT NOT NULL,  -- initial | scheduled | incident | appeal | request
    state             TEXT NOT NULL,  -- draft | submitted
    instrument        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    analyst_id        BIGINT REFERENCES users(id),
    previous_id       BIGINT REFERENCES risk_evaluations(id),
    answers_enc       {{blob}},
    proposals_enc     {{blob}},
    justification_enc {{blob}},
    calibration_enc   {{blob}},
    level             TEXT,           -- on submission
    value_num         BIGINT,
    value_den         BIGINT,
    board_flag        TEXT NOT NULL DEFAULT '', -- '' | below_other_body | lowers_level | fewer_measures (comma list)
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    submitted_at      BIGINT,
    FOREIGN KEY (instrument, version) REFERENCES risk_instruments (instrument, version)
);
CREATE INDEX risk_evaluations_case ON risk_evaluations (case_id, id);
CREATE INDEX risk_evaluations_submitted ON risk_evaluations (submitted_at) WHERE state = 'submitted';
CREATE INDEX risk_evaluations_analyst ON risk_evaluations (analyst_id, submitted_at) WHERE state = 'submitted';
