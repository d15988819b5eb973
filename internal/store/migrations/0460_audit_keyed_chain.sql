-- Keyed audit chain and aggregated refusals. Entries written from now on are
-- chained with HMAC-SHA256 under a key derived from the master key and never
-- stored (chain = 1); entries written before keep their SHA-256 form
-- (chain = 0) and keep verifying as they were, so checkpoints exported
-- earlier still match. occurrences counts the refusals of unauthenticated
-- callers that one entry stands for (one per source, reason and interval);
-- every other entry stands for one event.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 1;

-- Where the keyed chain starts: the seq and hash of the last legacy entry
-- (0 and no hash on a new installation), authenticated by an HMAC under the
-- audit chain key. escudo migrate writes the one row in the transaction that
-- applies this migration, and nothing writes it again, so someone holding
-- the database cannot move the boundary to pass keyed entries off as
-- legacy ones, nor delete the row unnoticed.
CREATE TABLE audit_chain_start (
	id          INTEGER PRIMARY KEY,
	legacy_seq  BIGINT NOT NULL,
	legacy_hash {{blob}} NOT NULL,
	mac         {{blob}} NOT NULL
);
