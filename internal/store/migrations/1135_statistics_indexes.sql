-- The statistics (issue 17) and the workload page count milestones by when
-- they were reached (admissions, refusals, evaluations in a period), and
-- measures and incidents by when they were granted and recorded.
CREATE INDEX case_milestones_reached ON case_milestones (milestone, at);
CREATE INDEX granted_measures_granted ON granted_measures (granted_at);
CREATE INDEX incidents_recorded ON incidents (recorded_at);
