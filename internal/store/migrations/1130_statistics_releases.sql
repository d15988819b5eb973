-- Published statistics (issue 17; docs/statistics.md): every table escudo
-- has ever published, as disclosure control recorded it (each cell's key,
-- labels, atoms, status, and its count only when published). Every new
-- table is protected against all of them, so no count from 1 to 9 can be
-- worked out by combining releases; `escudo report verify` re-audits them.
-- A release is never changed once written: the name is unique, and a
-- correction would be a new release.
CREATE TABLE stat_releases (
    id           {{id}},
    name         TEXT NOT NULL UNIQUE, -- series and period, e.g. requests.monthly/2026-10
    series       TEXT NOT NULL,        -- requests.monthly
    period       TEXT NOT NULL,        -- 2026-10
    published_at BIGINT NOT NULL,
    cells        TEXT NOT NULL         -- JSON, see store.StatCell
);
CREATE INDEX stat_releases_series ON stat_releases (series, period);
