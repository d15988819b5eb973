-- Resets of a lost second factor (escudo user reset-factor). Two staff
-- members take part: the one who checked the person's identity and a
-- witness. The reason may name circumstances of the person (a seized
-- phone), so it is sealed like any sensitive field.

CREATE TABLE factor_resets (
	id          {{id}},
	user_id     BIGINT NOT NULL REFERENCES users(id),
	by_user     BIGINT NOT NULL REFERENCES users(id),
	witness     BIGINT NOT NULL REFERENCES users(id),
	factors     TEXT NOT NULL,
	reason_enc  {{blob}} NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE INDEX factor_resets_user ON factor_resets(user_id);
