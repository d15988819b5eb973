-- Deadline reminders to beneficiaries (issue 16, item 4; docs/portal.md):
-- each deadline of theirs (an appeal window about to close, a measure's
-- implementation deadline gone by) is told once; this table remembers
-- which were, so that the sweep on any node never tells one twice.
CREATE TABLE beneficiary_reminders (
    about     TEXT NOT NULL,   -- appeal | measure
    object_id BIGINT NOT NULL, -- the evaluation or the granted measure
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    at        BIGINT NOT NULL,
    PRIMARY KEY (about, object_id)
);

-- A notice to a beneficiary joins the one still waiting to go out: that
-- look-up reads only the case's pending rows.
CREATE INDEX outbox_case_pending ON outbox (case_id, kind) WHERE status = 'pending';
