-- Running clocks only, by deadline: a small index (running clocks are a
-- fraction of all clocks) that both engines read in deadline order for the
-- backlog and range-scan for the breached figure, without touching the rows.
CREATE INDEX case_clocks_running_by_due ON case_clocks(due_at, case_id, rule) WHERE stopped_at IS NULL;
