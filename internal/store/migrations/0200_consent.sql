-- Consent records: a beneficiary grants a named person (user) or organisation
-- access to named compartments of their case until an expiry; revocation
-- takes effect on the next request because every decision reads this table.
-- Contractor tasks: the measure tasks a contractor technician is assigned,
-- which are the only cases a contractor reaches.

CREATE TABLE consents (
	id           {{id}},
	person_id    BIGINT NOT NULL REFERENCES people(id),
	grantee_user BIGINT REFERENCES users(id),
	grantee_org  TEXT NOT NULL DEFAULT '',
	scope        TEXT NOT NULL,
	purpose      TEXT NOT NULL DEFAULT '',
	granted_by   BIGINT,
	granted_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	revoked_at   BIGINT,
	revoked_by   BIGINT
);
CREATE INDEX consents_person ON consents(person_id, expires_at);
CREATE INDEX consents_user ON consents(grantee_user);

CREATE TABLE contractor_tasks (
	id          {{id}},
	case_id     BIGINT NOT NULL REFERENCES cases(id),
	user_id     BIGINT NOT NULL REFERENCES users(id),
	scope       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	assigned_by BIGINT,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT,
	closed_at   BIGINT
);
CREATE INDEX contractor_tasks_user ON contractor_tasks(user_id, case_id);
