-- WebAuthn security keys. data is the library's credential record (public
-- key, sign counter, flags) as JSON: nothing in it is secret.

CREATE TABLE security_keys (
	id            {{id}},
	user_id       BIGINT NOT NULL REFERENCES users(id),
	credential_id {{blob}} NOT NULL,
	data          TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	last_used_at  BIGINT
);
CREATE UNIQUE INDEX security_keys_credential ON security_keys(credential_id);
CREATE INDEX security_keys_user ON security_keys(user_id);
