-- Early paging across nodes (internal/alert/early.go): before a node pages
-- an alert ahead of its commit it claims the alert's keys here (a hash of
-- its dedup key, of its device and message, of its device and type), so a
-- repeat taken by another node within the window is left to the commit
-- path, where the database decides, and pages once. Used on PostgreSQL
-- only, where the table is UNLOGGED: no WAL, no fsync, emptied by a crash
-- (at worst one page too many after one); a pass deletes old claims.

CREATE {{unlogged}} TABLE alert_early_claims (
	claim_key TEXT PRIMARY KEY,
	seen_at   BIGINT NOT NULL
);
CREATE INDEX alert_early_claims_seen ON alert_early_claims(seen_at);
