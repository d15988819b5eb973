-- Running clocks of one rule by deadline, carrying every column the queries
-- below need, so they read the index alone:
--  * start-up re-applies the configured limits rule by rule
--    (RecomputeDeadlines), which otherwise reads every running clock once per
--    rule: at 100,000 cases, seconds instead of milliseconds;
--  * the backlog's "due soon" figure, one deadline range per rule.
CREATE INDEX case_clocks_rule_running ON case_clocks(rule, stopped_at, due_at, breached_at, started_at, case_id);
