-- Rapid response: the device registry, alerts with every timed step of their
-- handling, their timeline, and per-attempt delivery state of the outbox.

CREATE TABLE devices (
	id                 {{id}},
	kind               TEXT NOT NULL,
	person_id          BIGINT NOT NULL REFERENCES people(id),
	label              TEXT NOT NULL DEFAULT '',
	auth               TEXT NOT NULL,
	secret_mac         {{blob}},
	secret_enc         {{blob}},
	phone_enc          {{blob}},
	phone_bidx         {{blob}},
	heartbeat_interval BIGINT NOT NULL,
	disabled           INTEGER NOT NULL DEFAULT 0,
	last_test_at       BIGINT,
	last_alert_at      BIGINT,
	created_by         BIGINT,
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX devices_person ON devices(person_id);
CREATE INDEX devices_phone ON devices(phone_bidx);

CREATE TABLE alerts (
	id                 {{id}},
	device_id          BIGINT REFERENCES devices(id),
	person_id          BIGINT NOT NULL REFERENCES people(id),
	entity             TEXT NOT NULL,
	type               TEXT NOT NULL,
	source             TEXT NOT NULL,
	status             TEXT NOT NULL,
	message_id         TEXT,
	dedup_key          TEXT,
	location_enc       {{blob}},
	battery            INTEGER,
	flags              TEXT NOT NULL DEFAULT '',
	note_enc           {{blob}},
	tier               INTEGER NOT NULL DEFAULT 0,
	escalations        INTEGER NOT NULL DEFAULT 0,
	next_escalation_at BIGINT,
	occurred_at        BIGINT,
	received_at        BIGINT NOT NULL,
	stored_at          BIGINT NOT NULL,
	first_notified_at  BIGINT,
	acknowledged_at    BIGINT,
	acknowledged_by    BIGINT,
	dispatched_at      BIGINT,
	dispatched_by      BIGINT,
	agency             TEXT NOT NULL DEFAULT '',
	unit               TEXT NOT NULL DEFAULT '',
	resolved_at        BIGINT,
	resolved_by        BIGINT,
	outcome            TEXT NOT NULL DEFAULT '',
	resolution_enc     {{blob}}
);
CREATE UNIQUE INDEX alerts_device_message ON alerts(device_id, message_id);
CREATE UNIQUE INDEX alerts_dedup ON alerts(dedup_key);
CREATE INDEX alerts_device_type ON alerts(device_id, type, received_at);
CREATE INDEX alerts_status ON alerts(status, received_at);
CREATE INDEX alerts_escalation ON alerts(next_escalation_at);
CREATE INDEX alerts_entity ON alerts(entity, received_at);

CREATE TABLE alert_events (
	id       {{id}},
	alert_id BIGINT NOT NULL REFERENCES alerts(id),
	at       BIGINT NOT NULL,
	actor_id BIGINT,
	kind     TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_alert ON alert_events(alert_id, at);

-- The outbox learns which alert a notification belongs to (to time the first
-- notification) and which tier sent it.
ALTER TABLE outbox ADD COLUMN alert_id BIGINT;
ALTER TABLE outbox ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_alert ON outbox(alert_id);

CREATE TABLE outbox_attempts (
	id          {{id}},
	outbox_id   BIGINT NOT NULL REFERENCES outbox(id),
	attempt     INTEGER NOT NULL,
	started_at  BIGINT NOT NULL,
	finished_at BIGINT NOT NULL,
	outcome     TEXT NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts(outbox_id, attempt);
