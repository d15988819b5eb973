-- Open imminent-danger requests, read first by every backlog and queue page
-- (store.pinnedCond). The index holds only those rows, so the pinned head of
-- a page costs the same at 100,000 cases as at 100.
CREATE INDEX cases_pinned ON cases(received_at) WHERE imminent_danger = 1 AND stage <> 'closed';
