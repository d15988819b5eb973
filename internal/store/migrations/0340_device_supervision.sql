-- Device supervision: the last heartbeat of every device, written in batches
-- from the in-memory supervisor so a restart keeps supervising, and drills
-- (scheduled test alerts timed through the whole chain).
-- device_id refers to devices(id); no foreign key so batches never wait on
-- the registry's locks.

CREATE TABLE device_supervision (
	device_id    BIGINT PRIMARY KEY,
	last_seen    BIGINT NOT NULL,
	battery      INTEGER,
	location_enc {{blob}},
	silent_since BIGINT,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX device_supervision_silent ON device_supervision(silent_since);

CREATE TABLE drills (
	id              {{id}},
	device_id       BIGINT NOT NULL,
	alert_id        BIGINT,
	started_at      BIGINT NOT NULL,
	stored_at       BIGINT,
	notified_at     BIGINT,
	acknowledged_at BIGINT,
	status          TEXT NOT NULL,
	error           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX drills_started ON drills(started_at);
CREATE INDEX drills_device ON drills(device_id, started_at);
