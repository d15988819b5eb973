-- The measures dashboard over tens of thousands of measures (issue 14's
-- budget: p99 ≤ 50 ms with 20,000). Its counts group by status, kind and
-- agency with the deadline for the overdue ones: one index holds all four,
-- so the count reads the index alone, in group order, without a sort. Its
-- list (the most pressing first, by deadline) walks the deadline index and
-- stops at the page's end. A liaison's scope (their agency or measures
-- addressed to them) reads the agency and liaison indexes.
CREATE INDEX granted_measures_tally ON granted_measures (status, kind, agency_id, deadline);
CREATE INDEX granted_measures_deadline ON granted_measures (deadline, id);
CREATE INDEX granted_measures_liaison ON granted_measures (liaison_id);
