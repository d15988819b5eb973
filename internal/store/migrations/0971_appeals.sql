-- Appeals (inconformidad, issue 13 item 8; rules in internal/procedure/
-- appeal.go). One row per appeal of one evaluation: its state, the new
-- evaluation it asked for, the Council's independent study with its
-- deadline (shown as a clock on the appeal pages rather than a clock rule)
-- and the ruling. What people wrote is sealed in the risk compartment.
CREATE TABLE appeals (
    id                {{id}},
    case_id           BIGINT NOT NULL REFERENCES cases(id),
    evaluation_id     BIGINT NOT NULL REFERENCES risk_evaluations(id),
    state             TEXT NOT NULL, -- filed | agreed | persisted | study | ruled
    grounds_enc       {{blob}},
    filed_by          BIGINT REFERENCES users(id),
    filed_at          BIGINT NOT NULL,
    new_evaluation_id BIGINT REFERENCES risk_evaluations(id),
    answered_at       BIGINT,
    study_started_at  BIGINT,
    study_due_at      BIGINT,
    study_enc         {{blob}},
    ruling_enc        {{blob}},
    ruled_by          BIGINT REFERENCES users(id),
    ruled_at          BIGINT,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX appeals_case ON appeals (case_id, filed_at);
CREATE INDEX appeals_state ON appeals (state, filed_at);
