-- Assessments of the case by other bodies (issue 13, item 6): the
-- Inter-American Commission's precautionary measures with their number, the
-- national and state human rights commissions, other countries'
-- programmes. The level is the one escudo's scale gives their decision; the
-- measures they set and the document are sealed. ended_at marks one no
-- longer in force. An evaluation below a current one must be justified and
-- flags the case for the Board.
CREATE TABLE risk_assessments (
    id            {{id}},
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    body          TEXT NOT NULL,  -- iachr | cndh | state_commission | foreign_programme | other
    body_name_enc {{blob}},
    reference     TEXT NOT NULL DEFAULT '', -- e.g. MC-1234-18; sealed copy in document_enc when needed
    level         TEXT NOT NULL,
    measures_enc  {{blob}},
    document_enc  {{blob}},
    decided_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    recorded_by   BIGINT REFERENCES users(id),
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX risk_assessments_case ON risk_assessments (case_id, decided_at);
