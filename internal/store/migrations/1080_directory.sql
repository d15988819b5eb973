-- The directory (issue 15, item 1). Agencies gain what kind of body each
-- is (docs/directory.md) and how the Mechanism reaches it: institutional
-- details, not personal data, so not sealed. Existing agencies take the
-- kind their level and police flag imply.
ALTER TABLE agencies ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN contact_person TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN notes TEXT NOT NULL DEFAULT '';
UPDATE agencies SET kind = CASE
    WHEN level = 'contractor' THEN 'contractor'
    WHEN police = 1 THEN 'police'
    WHEN level = 'state' THEN 'state_government'
    WHEN level = 'municipal' THEN 'municipal'
    ELSE 'federal_institution' END;

-- Each federal entity's cooperation agreement with the Mechanism: every
-- change is a new row, the newest current (one per entity, by the partial
-- index), the older ones its history. Dates are days, stored at noon in
-- Mexico City as microseconds; NULL for none.
CREATE TABLE cooperation_agreements (
    id          {{id}},
    entity      TEXT NOT NULL,
    status      TEXT NOT NULL, -- in_force | expired | negotiation | none
    signed_on   BIGINT,
    valid_until BIGINT,
    document    TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    current     INTEGER NOT NULL DEFAULT 0,
    recorded_by BIGINT REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX cooperation_agreements_entity ON cooperation_agreements (entity, id);
CREATE UNIQUE INDEX cooperation_agreements_current ON cooperation_agreements (entity) WHERE current = 1;

-- The measures another body set that the catalogue has (issue 15, item
-- 3), sealed in the risk compartment like the words beside them: a JSON
-- list of catalogue ids.
ALTER TABLE risk_assessments ADD COLUMN catalogue_measures_enc {{blob}};
