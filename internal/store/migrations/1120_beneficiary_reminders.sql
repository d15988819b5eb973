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
