-- Personal API tokens for machine clients. Only a keyed hash of each token is
-- stored; the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
	id           {{id}},
	user_id      BIGINT NOT NULL REFERENCES users(id),
	role         TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	prefix       TEXT NOT NULL,
	token_mac    {{blob}} NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT,
	last_used_at BIGINT,
	revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
