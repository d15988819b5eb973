-- The Governing Board (issue 14 item 1; rules in internal/board). Seats
-- are configuration; the people who hold them (a member and an alternate
-- per seat, accounts with role board or council) are rows here. A session
-- publishes its quorum rule and, once its agenda is published, the agenda
-- is locked. Attendance is per seat; a quorum check records who checked,
-- when, what was counted and the result, and is the one attendance was
-- last checked by (sessions.quorum_check_id, cleared when attendance
-- changes). A resolution is one case's decision at one session; what it
-- says of the threats and its reasons are sealed in the risk compartment,
-- like the measure decisions (they may carry details such as a phone's
-- number) and the minutes.
CREATE TABLE board_seat_members (
    id        {{id}},
    seat      TEXT NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    alternate INTEGER NOT NULL DEFAULT 0,
    since     BIGINT NOT NULL
);
CREATE UNIQUE INDEX board_seat_members_user ON board_seat_members (user_id);
CREATE UNIQUE INDEX board_seat_members_seat ON board_seat_members (seat, alternate);

CREATE TABLE board_sessions (
    id               {{id}},
    scheduled_at     BIGINT NOT NULL,
    place            TEXT NOT NULL,
    kind             TEXT NOT NULL, -- ordinary | extraordinary
    state            TEXT NOT NULL, -- scheduled | published | open | closed
    quorum_rule      TEXT NOT NULL, -- the rule in plain words as published (es-MX)
    quorum_rule_en   TEXT NOT NULL,
    quorum_check_id  BIGINT,
    published_at     BIGINT,
    published_by     BIGINT REFERENCES users(id),
    minutes_state    TEXT NOT NULL DEFAULT 'draft', -- draft | amended | final
    minutes_enc      {{blob}},
    minutes_final_at BIGINT,
    minutes_final_by BIGINT REFERENCES users(id),
    created_by       BIGINT REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX board_sessions_at ON board_sessions (scheduled_at);

CREATE TABLE board_agenda_items (
    id                  {{id}},
    session_id          BIGINT NOT NULL REFERENCES board_sessions(id),
    case_id             BIGINT NOT NULL REFERENCES cases(id),
    evaluation_id       BIGINT REFERENCES risk_evaluations(id),
    position            INTEGER NOT NULL,
    hearing_requested   INTEGER NOT NULL DEFAULT 0,
    hearing_waived      INTEGER NOT NULL DEFAULT 0,
    beneficiary_present INTEGER NOT NULL DEFAULT 0,
    refusal             TEXT NOT NULL DEFAULT '', -- translation keys of the last refusal to decide, comma list
    refused_at          BIGINT,
    refused_by          BIGINT REFERENCES users(id),
    resolution_id       BIGINT
);
CREATE UNIQUE INDEX board_agenda_items_case ON board_agenda_items (session_id, case_id);
CREATE INDEX board_agenda_items_by_case ON board_agenda_items (case_id);

CREATE TABLE board_attendance (
    session_id  BIGINT NOT NULL REFERENCES board_sessions(id),
    seat        TEXT NOT NULL,
    attendance  TEXT NOT NULL, -- member | alternate | absent
    user_id     BIGINT REFERENCES users(id),
    recorded_by BIGINT REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seat)
);

CREATE TABLE board_quorum_checks (
    id           {{id}},
    session_id   BIGINT NOT NULL REFERENCES board_sessions(id),
    checked_by   BIGINT REFERENCES users(id),
    checked_at   BIGINT NOT NULL,
    present      INTEGER NOT NULL,
    council      INTEGER NOT NULL,
    need_seats   INTEGER NOT NULL,
    need_council INTEGER NOT NULL,
    met          INTEGER NOT NULL,
    reasons      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX board_quorum_checks_session ON board_quorum_checks (session_id, id);

CREATE TABLE board_resolutions (
    id               {{id}},
    identifier       TEXT NOT NULL UNIQUE,
    session_id       BIGINT NOT NULL REFERENCES board_sessions(id),
    case_id          BIGINT NOT NULL REFERENCES cases(id),
    evaluation_id    BIGINT REFERENCES risk_evaluations(id), -- NULL only for imported past decisions
    level            TEXT NOT NULL,
    measures_enc     {{blob}},
    reasons_enc      {{blob}},
    threat_brief_enc {{blob}},
    adopted          INTEGER NOT NULL,
    votes_for        INTEGER NOT NULL,
    votes_against    INTEGER NOT NULL,
    votes_abstain    INTEGER NOT NULL,
    quorum_check_id  BIGINT NOT NULL REFERENCES board_quorum_checks(id),
    imported         INTEGER NOT NULL DEFAULT 0, -- a past decision loaded by ImportResolution
    supersedes       BIGINT REFERENCES board_resolutions(id),
    recorded_by      BIGINT REFERENCES users(id),
    recorded_at      BIGINT NOT NULL
);
CREATE INDEX board_resolutions_case ON board_resolutions (case_id, recorded_at);
CREATE INDEX board_resolutions_session ON board_resolutions (session_id);

CREATE TABLE board_votes (
    resolution_id BIGINT NOT NULL REFERENCES board_resolutions(id),
    seat          TEXT NOT NULL,
    member_id     BIGINT NOT NULL REFERENCES users(id),
    alternate     INTEGER NOT NULL DEFAULT 0,
    choice        TEXT NOT NULL, -- for | against | abstain
    PRIMARY KEY (resolution_id, seat)
);

CREATE TABLE board_minutes_amendments (
    id         {{id}},
    session_id BIGINT NOT NULL REFERENCES board_sessions(id),
    author_id  BIGINT NOT NULL REFERENCES users(id),
    text_enc   {{blob}} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX board_minutes_amendments_session ON board_minutes_amendments (session_id, id);
