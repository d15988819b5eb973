-- The trust fund's quarterly releases (issue 17; docs/funds.md). Once a
-- quarter is over, statistics.publish writes the quarter's counts of
-- payments by kind of measure, by supplier and by contract to
-- stat_releases (protected by disclosure control against every release
-- before them) and, here, in the same transaction, the amounts it may
-- publish with them: the ledger's totals at the quarter's end, and each
-- published cell's amount (none for a withheld cell). Written once, never
-- changed.
CREATE TABLE fund_releases (
    period       TEXT PRIMARY KEY, -- 2026-Q3
    published_at BIGINT NOT NULL,
    body         TEXT NOT NULL     -- JSON, see store.fundReleaseBody
);
