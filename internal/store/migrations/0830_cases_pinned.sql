-- The pinned flag of a case (procedure.Pinned: an open imminent-danger
-- request with nobody assigned or no urgent measures issued), kept by the
-- store in the transaction of every change it depends on. Every backlog and
-- queue page reads the pinned cases first, from a partial index that holds
-- only them.
ALTER TABLE cases ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET pinned = 1 WHERE imminent_danger = 1 AND stage <> 'closed'
	AND (assigned_to IS NULL OR NOT EXISTS (SELECT 1 FROM case_milestones m WHERE m.case_id = cases.id AND m.milestone = 'urgent_measures_issued'));
CREATE INDEX cases_pinned ON cases(received_at) WHERE pinned = 1;
