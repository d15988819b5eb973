-- Safe houses (issue 14 item 5; docs/safehouses.md). The registry: houses
-- with what locates them sealed in the safehouse compartment, requests
-- from a case, assignments of a request to a house, and the list of
-- people named to see it. Nothing here is in clear text that locates a
-- house: capacity, operator and dates only.
CREATE TABLE safe_houses (
    id              {{id}},
    name_enc        {{blob}} NOT NULL,
    address_enc     {{blob}} NOT NULL,
    coordinates_enc {{blob}},
    phone_enc       {{blob}},
    capacity        INTEGER NOT NULL,
    operator        TEXT NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1,
    created_by      BIGINT REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE safe_house_requests (
    id           {{id}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    requested_by BIGINT REFERENCES users(id),
    people       INTEGER NOT NULL,
    urgency      TEXT NOT NULL, -- today | days | planned
    needs        TEXT NOT NULL DEFAULT '', -- comma-separated: accessibility, children, ...
    note_enc     {{blob}},
    state        TEXT NOT NULL, -- pending | assigned | released
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX safe_house_requests_case ON safe_house_requests (case_id, created_at);
CREATE INDEX safe_house_requests_state ON safe_house_requests (state, created_at);

CREATE TABLE safe_house_assignments (
    id          {{id}},
    request_id  BIGINT NOT NULL REFERENCES safe_house_requests(id),
    house_id    BIGINT NOT NULL REFERENCES safe_houses(id),
    people      INTEGER NOT NULL,
    date_in     BIGINT NOT NULL,
    date_out    BIGINT,
    assigned_by BIGINT REFERENCES users(id),
    assigned_at BIGINT NOT NULL,
    released_at BIGINT,
    released_by BIGINT REFERENCES users(id)
);
CREATE INDEX safe_house_assignments_house ON safe_house_assignments (house_id, released_at);
CREATE INDEX safe_house_assignments_request ON safe_house_assignments (request_id);

-- Who may see the registry: named and un-named by an administrator. A row
-- is the person's current naming; un-naming deletes it (the audit log keeps
-- the history).
CREATE TABLE safe_house_named (
    user_id  BIGINT PRIMARY KEY REFERENCES users(id),
    named_by BIGINT REFERENCES users(id),
    named_at BIGINT NOT NULL
);
