-- Signed checkpoints of the audit log. An ed25519 key, its private half
-- wrapped by the master key like the data keys, signs (seq, time, hash) of
-- the chain every N entries or on command; auditors export the checkpoints
-- and keep them elsewhere, so even someone able to rewrite the whole chain
-- cannot make it match what they hold.

CREATE TABLE audit_signing_keys (
	id         TEXT PRIMARY KEY,
	public_key {{blob}} NOT NULL,
	wrapped    {{blob}} NOT NULL,
	provider   TEXT NOT NULL,
	active     INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE audit_checkpoints (
	seq       BIGINT PRIMARY KEY,
	at        BIGINT NOT NULL,
	hash      {{blob}} NOT NULL,
	key_id    TEXT NOT NULL,
	signature {{blob}} NOT NULL
);
