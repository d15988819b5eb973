-- The job runner (internal/jobs, store/jobs.go): every periodic and deferred
-- task of every node goes through these tables, so that each runs once across
-- the nodes sharing the database and a dead node's work moves to another.

-- The nodes serving now: each writes seen_at every second while it runs.
CREATE TABLE job_nodes (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);

-- Periodic jobs: one row per name. A node runs a tick only by moving next_run
-- on and taking the lease in one conditional update; a lease that ran out
-- (its node died mid-run) lets another node run the tick again at once.
CREATE TABLE job_schedules (
    name TEXT PRIMARY KEY,
    interval_us BIGINT NOT NULL,
    next_run BIGINT NOT NULL,
    lease_node TEXT,
    lease_until BIGINT,
    runs BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    last_node TEXT,
    last_started BIGINT,
    last_finished BIGINT,
    last_duration_us BIGINT,
    last_error TEXT
);

-- Deferred jobs, enqueued in the transaction of the change that causes them.
CREATE TABLE jobs (
    id {{id}},
    kind TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '',
    unique_key TEXT,
    run_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_node TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    last_error TEXT
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'available';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed');
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running');
