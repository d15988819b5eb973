-- A stolen database must not identify a protected person: the attributes that
-- together single a person out (kind, gender, ethnic identity, language,
-- federal entity, municipality, occupation, organisation or media outlet,
-- contact preferences) and who referred the request are sealed like the
-- other personal fields. The store re-seals existing rows in Go right after
-- this migration (reseal.go) and blanks the plaintext columns, which stay
-- only because dropping columns is not portable to every SQLite in use.
-- Only the profile (defender, journalist, both) stays in clear for coarse
-- statistics; the case list filters by entity through a blind index.

ALTER TABLE people ADD COLUMN kind_enc {{blob}};
ALTER TABLE people ADD COLUMN gender_enc {{blob}};
ALTER TABLE people ADD COLUMN ethnicity_enc {{blob}};
ALTER TABLE people ADD COLUMN language_enc {{blob}};
ALTER TABLE people ADD COLUMN entity_enc {{blob}};
ALTER TABLE people ADD COLUMN municipality_enc {{blob}};
ALTER TABLE people ADD COLUMN occupation_enc {{blob}};
ALTER TABLE people ADD COLUMN organization_enc {{blob}};
ALTER TABLE people ADD COLUMN organization_bidx {{blob}};
ALTER TABLE people ADD COLUMN contact_enc {{blob}};
CREATE INDEX people_organization_bidx ON people(organization_bidx);

ALTER TABLE cases ADD COLUMN entity_bidx {{blob}};
ALTER TABLE cases ADD COLUMN referred_by_enc {{blob}};
DROP INDEX cases_entity_received;
CREATE INDEX cases_entity_bidx_received ON cases(entity_bidx, received_at);

-- Rows still holding plaintext, so the re-sealing finds them at once and a
-- start-up check costs nothing once they are gone.
CREATE INDEX people_unsealed ON people(id) WHERE entity <> '';
CREATE INDEX cases_unsealed ON cases(id) WHERE entity <> '';
