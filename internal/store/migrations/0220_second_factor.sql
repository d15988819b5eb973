-- Second factors and lockout. The TOTP secret is sealed like any sensitive
-- field; last_step is the last time step accepted, so a code works once.
-- Lockout counters are keyed by a keyed hash of the account name (whether
-- or not the account exists, so counters reveal nothing) or by address.

CREATE TABLE user_totp (
	user_id      BIGINT PRIMARY KEY REFERENCES users(id),
	secret_enc   {{blob}} NOT NULL,
	confirmed_at BIGINT,
	last_step    BIGINT NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL
);

CREATE TABLE auth_lockouts (
	subject      TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	window_start BIGINT NOT NULL,
	locked_until BIGINT
);
