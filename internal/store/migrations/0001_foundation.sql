-- Foundation: keys, users, sessions, people, cases, timeline, clocks, outbox, audit.
-- Portable SQL: {{id}} and {{blob}} are filled per dialect; times are Unix microseconds.

CREATE TABLE data_keys (
	id          TEXT PRIMARY KEY,
	compartment TEXT NOT NULL,
	wrapped     {{blob}} NOT NULL,
	provider    TEXT NOT NULL,
	active      INTEGER NOT NULL,
	created_at  BIGINT NOT NULL
);

CREATE TABLE users (
	id            {{id}},
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL,
	organization  TEXT NOT NULL DEFAULT '',
	agency        TEXT NOT NULL DEFAULT '',
	entity        TEXT NOT NULL DEFAULT '',
	person_id     BIGINT,
	supervisor_id BIGINT REFERENCES users(id),
	email         TEXT NOT NULL DEFAULT '',
	locale        TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   {{blob}} NOT NULL,
	expiry BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expiry);

CREATE TABLE people (
	id            {{id}},
	kind          TEXT NOT NULL,
	profile       TEXT NOT NULL,
	name_enc      {{blob}},
	name_bidx     {{blob}},
	alias_enc     {{blob}},
	gender        TEXT NOT NULL DEFAULT '',
	ethnicity     TEXT NOT NULL DEFAULT '',
	language      TEXT NOT NULL DEFAULT '',
	entity        TEXT NOT NULL,
	municipality  TEXT NOT NULL DEFAULT '',
	occupation    TEXT NOT NULL DEFAULT '',
	organization  TEXT NOT NULL DEFAULT '',
	phone_enc     {{blob}},
	phone_bidx    {{blob}},
	email_enc     {{blob}},
	address_enc   {{blob}},
	contact       TEXT NOT NULL DEFAULT '{}',
	relatives_enc {{blob}},
	members_enc   {{blob}},
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX people_name_bidx ON people(name_bidx);
CREATE INDEX people_phone_bidx ON people(phone_bidx);

CREATE TABLE cases (
	id                   {{id}},
	reference            TEXT NOT NULL UNIQUE,
	code_mac             {{blob}} NOT NULL,
	person_id            BIGINT NOT NULL REFERENCES people(id),
	channel              TEXT NOT NULL,
	referred_by          TEXT NOT NULL DEFAULT '',
	received_at          BIGINT NOT NULL,
	imminent_danger      INTEGER NOT NULL,
	procedure            TEXT NOT NULL,
	admission            TEXT NOT NULL,
	admission_reason_enc {{blob}},
	stage                TEXT NOT NULL,
	entity               TEXT NOT NULL,
	assigned_to          BIGINT REFERENCES users(id),
	narrative_enc        {{blob}},
	aggressors_enc       {{blob}},
	created_by           BIGINT,
	created_at           BIGINT NOT NULL,
	updated_at           BIGINT NOT NULL
);
CREATE INDEX cases_received ON cases(received_at);
CREATE INDEX cases_stage_received ON cases(stage, received_at);
CREATE INDEX cases_entity_received ON cases(entity, received_at);
CREATE INDEX cases_assigned_received ON cases(assigned_to, received_at);
CREATE INDEX cases_person ON cases(person_id);

CREATE TABLE case_milestones (
	case_id   BIGINT NOT NULL REFERENCES cases(id),
	milestone TEXT NOT NULL,
	at        BIGINT NOT NULL,
	PRIMARY KEY (case_id, milestone)
);

CREATE TABLE case_events (
	id       {{id}},
	case_id  BIGINT NOT NULL REFERENCES cases(id),
	at       BIGINT NOT NULL,
	actor_id BIGINT,
	kind     TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT '',
	note_enc {{blob}}
);
CREATE INDEX case_events_case ON case_events(case_id, at);

CREATE TABLE case_clocks (
	case_id            BIGINT NOT NULL REFERENCES cases(id),
	rule               TEXT NOT NULL,
	started_at         BIGINT NOT NULL,
	due_at             BIGINT NOT NULL,
	stopped_at         BIGINT,
	breached_at        BIGINT,
	escalation         INTEGER NOT NULL DEFAULT 0,
	next_escalation_at BIGINT,
	PRIMARY KEY (case_id, rule)
);
CREATE INDEX case_clocks_due ON case_clocks(stopped_at, due_at);
CREATE INDEX case_clocks_escalation ON case_clocks(next_escalation_at);

-- One outbox for every notification of the system; delivery workers drain it.
CREATE TABLE outbox (
	id              {{id}},
	created_at      BIGINT NOT NULL,
	channel         TEXT NOT NULL,
	recipient_user  BIGINT REFERENCES users(id),
	recipient_enc   {{blob}},
	kind            TEXT NOT NULL,
	case_id         BIGINT,
	subject         TEXT NOT NULL DEFAULT '',
	body_enc        {{blob}},
	dedup_key       TEXT,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	delivered_at    BIGINT,
	read_at         BIGINT
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
CREATE INDEX outbox_user ON outbox(recipient_user, created_at);
CREATE UNIQUE INDEX outbox_dedup ON outbox(dedup_key);

-- Append-only, hash-chained audit log. Never holds sensitive values.
CREATE TABLE audit_log (
	seq         BIGINT PRIMARY KEY,
	at          BIGINT NOT NULL,
	actor_id    BIGINT,
	actor_role  TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id   TEXT NOT NULL DEFAULT '',
	fields      TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL,
	remote      TEXT NOT NULL DEFAULT '',
	prev_hash   {{blob}} NOT NULL,
	hash        {{blob}} NOT NULL
);
