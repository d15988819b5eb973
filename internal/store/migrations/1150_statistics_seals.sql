-- Sealed months (issue 17; docs/statistics.md, "Backdated records"): when
-- the statistics.publish sweep first counts a population's records of a
-- month, it writes which records it counted. Every later table of that
-- month (its quarter, its year) counts exactly those records again, so a
-- record written afterwards with a date in the month (a bulk import)
-- changes nothing already published: a quarter or a year always equals the
-- sum of what its months published. Nothing here is updated or deleted.
CREATE TABLE stat_seals (
    pop       TEXT NOT NULL,   -- population: requests.monthly, decisions, grants, alerts, incidents
    month     TEXT NOT NULL,   -- 2026-10
    sealed_at BIGINT NOT NULL,
    PRIMARY KEY (pop, month)
);
CREATE TABLE stat_sealed_records (
    pop       TEXT NOT NULL,
    month     TEXT NOT NULL,
    record_id BIGINT NOT NULL,            -- the case, measure, alert or incident counted
    milestone TEXT NOT NULL DEFAULT '',   -- for a decision, the milestone that took it
    PRIMARY KEY (pop, month, record_id)
);
