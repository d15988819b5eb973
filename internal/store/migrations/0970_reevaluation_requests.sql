-- Re-evaluation requests (issue 13, item 7): a serious new incident staff
-- recorded, or an alert of the case's beneficiary resolved as a real
-- emergency (help reached the person), asks for a new evaluation of the
-- case. The request is written in the same transaction as what caused it
-- (no deferred job: nothing is sent, the queue page reads the table). It
-- counts as pending until an evaluation of the case is submitted after it.
-- The incident's description is sealed in the risk compartment.
CREATE TABLE reevaluation_requests (
    id           {{id}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    cause        TEXT NOT NULL,  -- incident | alert
    alert_id     BIGINT,
    note_enc     {{blob}},
    requested_by BIGINT REFERENCES users(id),
    requested_at BIGINT NOT NULL
);
CREATE INDEX reevaluation_requests_case ON reevaluation_requests (case_id, requested_at);
