-- Indexes for case lists, search and the backlog at 100,000 cases. Counts
-- (list totals, backlog figures) are answered from covering indexes, so they
-- read index pages only and never the rows with their sealed fields.

-- A case's running clocks in deadline order: the backlog's "earliest running
-- deadline" per case and the clocks shown on each backlog row. Without it the
-- planner reaches for case_clocks_due and walks every running clock.
CREATE INDEX case_clocks_case_running ON case_clocks(case_id, stopped_at, due_at);

-- Running clocks by deadline with rule and case: breached and due-soon counts
-- and the backlog's deadline order, from the index alone.
CREATE INDEX case_clocks_running_cover ON case_clocks(stopped_at, due_at, rule, case_id);

-- Lists filtered by procedure, entity or assignee, newest first, with the
-- stage (and procedure) at hand for the "open" filter and for counts.
CREATE INDEX cases_procedure_received ON cases(procedure, received_at, stage);
CREATE INDEX cases_entity_cover ON cases(entity, received_at, stage, procedure);
CREATE INDEX cases_assignee_cover ON cases(assigned_to, received_at, stage);
