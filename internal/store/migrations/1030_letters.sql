-- Letters of the Governing Board's resolutions (issue 14, item 6;
-- internal/letters). The letter key is an Ed25519 key whose private half is
-- wrapped by the master key, like the audit signing key; a rotation keeps
-- the old public keys, so letters signed with them still verify. A letter
-- row is written once and never edited: only superseded_* is set, once,
-- when a later resolution on the case replaces it. The canonical payload
-- (names, reasons, threats) is sealed in the identity compartment; the
-- hash and signature are public facts of the letter.
CREATE TABLE letter_keys (
	id         TEXT PRIMARY KEY,
	public_key {{blob}} NOT NULL,
	wrapped    {{blob}} NOT NULL,
	provider   TEXT NOT NULL,
	active     INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	retired_at BIGINT
);

CREATE TABLE letters (
	id                 {{id}},
	identifier         TEXT NOT NULL UNIQUE,
	resolution_id      BIGINT NOT NULL,
	resolution_ident   TEXT NOT NULL,
	case_id            BIGINT NOT NULL REFERENCES cases(id),
	kind               TEXT NOT NULL, -- notification | instruction
	agency_id          BIGINT,
	agency_code        TEXT,
	lang               TEXT NOT NULL,
	hash               TEXT NOT NULL,
	signature          {{blob}} NOT NULL,
	key_id             TEXT NOT NULL REFERENCES letter_keys(id),
	payload_enc        {{blob}} NOT NULL,
	superseded_by      BIGINT,
	superseded_ident   TEXT,
	superseded_at      BIGINT,
	issued_by          BIGINT REFERENCES users(id),
	issued_at          BIGINT NOT NULL
);
CREATE INDEX letters_case ON letters (case_id, issued_at);
CREATE INDEX letters_resolution ON letters (resolution_id);
