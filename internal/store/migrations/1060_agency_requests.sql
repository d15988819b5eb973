-- Inter-agency requests (issue 15, item 2; docs/coordination.md): from a
-- case to an agency, with the legal basis, a deadline and proof of receipt.
-- What was asked and the answer are sealed in the risk compartment; what
-- the agency performance table counts (agency, kind, status, entity,
-- times) stays readable. entity is the case's federal entity when the
-- request was sent, so the table groups without opening people's records.
CREATE TABLE agency_requests (
    id              {{id}},
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    agency_id       BIGINT NOT NULL REFERENCES agencies(id),
    kind            TEXT NOT NULL,   -- implement_measure | investigate | information | police_support
    measure_id      BIGINT REFERENCES granted_measures(id),
    legal_basis     TEXT NOT NULL,
    details_enc     {{blob}},
    entity          TEXT NOT NULL DEFAULT '',
    deadline        BIGINT NOT NULL,
    status          TEXT NOT NULL,   -- sent | acknowledged | completed | cancelled
    sent_by         BIGINT REFERENCES users(id),
    sent_at         BIGINT NOT NULL,
    acknowledged_at BIGINT,
    ack_channel     TEXT NOT NULL DEFAULT '', -- escudo | link | staff
    ack_by_enc      {{blob}},                 -- the account's or the typed name and post
    completed_at    BIGINT,
    outcome_enc     {{blob}},
    updated_at      BIGINT NOT NULL,
    escalation      INTEGER NOT NULL DEFAULT -1, -- highest tier told, -1 none
    next_escalation_at BIGINT
);
CREATE INDEX agency_requests_case ON agency_requests (case_id, id);
CREATE INDEX agency_requests_agency ON agency_requests (agency_id, status, deadline);
CREATE INDEX agency_requests_sent ON agency_requests (sent_at);
CREATE INDEX agency_requests_escalation ON agency_requests (next_escalation_at);

-- Each step of a request, oldest first.
CREATE TABLE agency_request_history (
    id         {{id}},
    request_id BIGINT NOT NULL REFERENCES agency_requests(id),
    at         BIGINT NOT NULL,
    actor_id   BIGINT REFERENCES users(id),
    step       TEXT NOT NULL, -- sent | link_sent | acknowledged | completed | cancelled | overdue_N | link_refused
    note_enc   {{blob}}
);
CREATE INDEX agency_request_history_request ON agency_request_history (request_id, at);

-- The signed, expiring acknowledgement links sent by e-mail. The token is
-- never stored: it carries its id, request and expiry, signed with the
-- letter key; the row says whether it was used. The address is sealed.
CREATE TABLE agency_request_links (
    id         {{id}},
    request_id BIGINT NOT NULL REFERENCES agency_requests(id),
    sent_to_enc {{blob}},
    key_id     TEXT NOT NULL,
    expires_at BIGINT NOT NULL, -- Unix seconds, as the token carries it
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX agency_request_links_request ON agency_request_links (request_id);
