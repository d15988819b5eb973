-- The beneficiary portal (issue 16; docs/portal.md). A beneficiary asks
-- to be heard by the Governing Board before it decides on their case; an
-- incident they report as urgent rings on the duty console as an alert,
-- which the incident names.
CREATE TABLE hearing_requests (
    id           {{id}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    requested_by BIGINT REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    note_enc     {{blob}}
);
CREATE INDEX hearing_requests_case ON hearing_requests (case_id);

ALTER TABLE incidents ADD COLUMN reported_by_beneficiary INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN urgent_alert_id BIGINT REFERENCES alerts(id);
