-- The review desk's own store (SQLite): users, sessions, login attempts and the review log.
-- Times are UTC, written 'YYYY-MM-DD HH:MM:SS.ffffff'. Version 1 (PRAGMA user_version).

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL              -- 'store_id': random id that tells this store's log apart
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,   -- the login name
    name           TEXT NOT NULL,
    branch         TEXT,              -- IDI branch; NULL = all branches (MKEK staff)
    role           TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
    password_hash  TEXT NOT NULL,     -- 'scrypt$n$r$p$salt$hash', never the password
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    disabled_at    TEXT
);

-- A user is disabled, never deleted: the review log names who decided.
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN
    SELECT RAISE(ABORT, 'users are disabled, never deleted');
END;

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,   -- SHA-256 of the cookie value; the value itself is not kept
    user_id       INTEGER NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL       -- absolute end; idle time is checked against last_seen_at
);

-- What was typed as the e-mail is not kept (people type passwords into the wrong field): only
-- an HMAC of it under a key that lives in the server's memory, so attempts on one address can
-- be counted alike whether an account exists or not, and nothing here turns back into text.
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    subject  TEXT NOT NULL,           -- HMAC of the typed e-mail (key in memory only)
    user_id  INTEGER,                 -- the user the e-mail belongs to; NULL when none does
    client   TEXT NOT NULL,           -- client address as the server saw it
    at       TEXT NOT NULL,
    ok       INTEGER NOT NULL
);
CREATE INDEX login_attempts_subject ON login_attempts (subject, at);
CREATE INDEX login_attempts_client ON login_attempts (client, at);

CREATE TABLE review_log (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    logged_at       TEXT NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    user_name       TEXT NOT NULL,
    user_email      TEXT NOT NULL,
    user_role       TEXT NOT NULL,
    subject_key     TEXT NOT NULL,    -- shortcode, or 'profile:<owner_id>'
    shortcode       TEXT,
    owner_id        TEXT,
    check_name      TEXT NOT NULL,
    npa             TEXT,
    branch          TEXT,
    action          TEXT NOT NULL CHECK (action IN ('confirm', 'dismiss', 'escalate', 'reopen')),
    from_state      TEXT NOT NULL CHECK (from_state IN ('open', 'confirmed', 'dismissed', 'escalated')),
    to_state        TEXT NOT NULL CHECK (to_state IN ('open', 'confirmed', 'dismissed', 'escalated')),
    severity        TEXT CHECK (severity IN ('ringan', 'sedang', 'berat')),
    sanction        TEXT,
    dismiss_reason  TEXT,
    escalate_to     TEXT,
    note            TEXT,
    rule_ids        TEXT NOT NULL,    -- JSON array of the rules that had fired when decided
    prev_hash       TEXT,             -- row_hash of the row before (NULL for the first)
    row_hash        TEXT NOT NULL     -- SHA-256 over prev_hash and this row's fields
);
CREATE INDEX review_log_flag ON review_log (subject_key, check_name, seq);
CREATE INDEX review_log_npa ON review_log (npa, seq);

-- The log is evidence: nothing in it is ever changed or removed.
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
BEGIN
    SELECT RAISE(ABORT, 'review_log is append-only');
END;

CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
BEGIN
    SELECT RAISE(ABORT, 'review_log is append-only');
END;

-- Current state of every flag that has a decision: its latest log row.
CREATE VIEW flag_state AS
SELECT l.*
FROM review_log AS l
WHERE l.seq = (
    SELECT max(x.seq) FROM review_log AS x
    WHERE x.subject_key = l.subject_key AND x.check_name = l.check_name
);
