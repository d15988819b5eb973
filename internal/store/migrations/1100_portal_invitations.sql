-- Portal invitations (issue 16 item 1; docs/accounts.md). An invitation
-- opens a beneficiary's (or a collective representative's) account: only
-- the SHA-256 digest of its random token is kept, the address it was sent
-- to is sealed, and it is used once, before it expires, unless revoked.
CREATE TABLE portal_invitations (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users(id),
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    token_hash  TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL, -- email | sms
    address_enc {{blob}} NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT,
    revoked_by  BIGINT REFERENCES users(id),
    -- A recovery: the account's passphrase and second factors are reset
    -- when it is accepted; who checked the identity, the witness and how
    -- (sealed) are kept.
    recovery    INTEGER NOT NULL DEFAULT 0,
    witness     BIGINT REFERENCES users(id),
    reason_enc  {{blob}},
    -- A collective's representative: their name, sealed (the account's
    -- display name, in clear, names no one).
    name_enc    {{blob}}
);
CREATE INDEX portal_invitations_case ON portal_invitations (case_id, created_at);
CREATE INDEX portal_invitations_user ON portal_invitations (user_id, created_at);

-- A collective's representative signs in for the collective (person_id is
-- the collective's); the flag tells them from the beneficiary's own account.
ALTER TABLE users ADD COLUMN portal_representative INTEGER NOT NULL DEFAULT 0;
