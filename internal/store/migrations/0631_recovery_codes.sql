-- One-time recovery codes for the second factor, for a person who lost the
-- phone. Only a SHA-256 digest of each code is kept (the codes are 80
-- random bits, so a digest cannot be reversed by trying them); used_at
-- marks a code spent. Issuing new codes deletes the old ones.
CREATE TABLE user_recovery_codes (
	user_id    BIGINT NOT NULL REFERENCES users(id),
	code_hash  TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	used_at    BIGINT,
	PRIMARY KEY (user_id, code_hash)
);
