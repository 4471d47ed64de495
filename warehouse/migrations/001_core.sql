-- 001: the core warehouse. Every table an analyst may query is documented in docs/warehouse.md.
-- Times are UTC TIMESTAMPs; weeks are ISO weeks 'YYYY-Www' drawn in MEDSOS_TZ.

CREATE TABLE doctors (
    npa            VARCHAR NOT NULL,      -- IDI member number (Nomor Pokok Anggota)
    full_name      VARCHAR NOT NULL,
    branch         VARCHAR NOT NULL,      -- IDI branch; the current registry decides it
    specialty      VARCHAR,
    branch_email   VARCHAR,
    registered_on  DATE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,  -- false once the doctor leaves the registry
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    owner_id       VARCHAR,               -- Instagram user id; NULL until first seen
    username       VARCHAR NOT NULL,      -- current username (lower case)
    npa            VARCHAR NOT NULL,
    registered_on  DATE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    first_seen     TIMESTAMP,
    last_seen      TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE account_usernames (
    owner_id       VARCHAR NOT NULL,
    username       VARCHAR NOT NULL,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    source         VARCHAR NOT NULL       -- 'registry', 'snapshot' or 'collect'
);

CREATE TABLE profiles (
    owner_id            VARCHAR NOT NULL,
    username            VARCHAR NOT NULL,
    full_name           VARCHAR,
    biography           VARCHAR,
    external_url        VARCHAR,
    business_category   VARCHAR,
    is_business_account BOOLEAN,
    is_private          BOOLEAN,
    is_verified         BOOLEAN,
    followers           BIGINT,
    followees           BIGINT,
    content_hash        VARCHAR NOT NULL,
    source_file         VARCHAR,
    first_seen          TIMESTAMP NOT NULL,
    last_seen           TIMESTAMP NOT NULL,
    run_id              VARCHAR NOT NULL,
    checked_rule_version VARCHAR
);

CREATE TABLE posts (
    shortcode              VARCHAR NOT NULL,
    media_id               VARCHAR,
    owner_id               VARCHAR NOT NULL,
    username               VARCHAR NOT NULL,
    posted_at              TIMESTAMP NOT NULL,
    post_week              VARCHAR NOT NULL,
    typename               VARCHAR,
    is_video               BOOLEAN,
    caption                VARCHAR,
    accessibility_caption  VARCHAR,
    is_sponsored           BOOLEAN,
    sponsor_users          VARCHAR[],
    tagged_users           VARCHAR[],
    hashtags               VARCHAR[],
    mentions               VARCHAR[],
    location               VARCHAR,
    likes                  BIGINT,
    comments               BIGINT,
    content_hash           VARCHAR NOT NULL,
    source_file            VARCHAR,
    first_seen             TIMESTAMP NOT NULL,
    last_seen              TIMESTAMP NOT NULL,
    run_id                 VARCHAR NOT NULL,
    checked_rule_version   VARCHAR,
    removed_at             TIMESTAMP
);

CREATE TABLE flags (
    shortcode          VARCHAR,
    owner_id           VARCHAR,
    check_name         VARCHAR NOT NULL,
    rule_id            VARCHAR NOT NULL,
    rule_version       VARCHAR NOT NULL,
    severity           VARCHAR NOT NULL,
    evidence           VARCHAR NOT NULL,
    evidence_field     VARCHAR NOT NULL,
    span_start         INTEGER,
    span_end           INTEGER,
    fatwa_ref          VARCHAR NOT NULL,
    risk_score         INTEGER NOT NULL,
    post_week          VARCHAR,
    first_flagged_at   TIMESTAMP NOT NULL,
    run_id             VARCHAR NOT NULL,
    CHECK (check_name IN ('promotion', 'testimonial_repost', 'personal_mixing', 'patient_privacy')),
    CHECK (severity IN ('ringan', 'sedang', 'berat')),
    CHECK (risk_score BETWEEN 0 AND 100)
);

CREATE TABLE account_signals (
    owner_id       VARCHAR NOT NULL,
    signal         VARCHAR NOT NULL,
    window_start   VARCHAR NOT NULL,
    window_end     VARCHAR NOT NULL,
    value          DOUBLE NOT NULL,
    threshold      DOUBLE NOT NULL,
    posts          INTEGER NOT NULL,
    check_name     VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,
    rule_id        VARCHAR NOT NULL,
    rule_version   VARCHAR NOT NULL,
    fatwa_ref      VARCHAR NOT NULL
);

CREATE TABLE audit_weekly_account (
    post_week                 VARCHAR NOT NULL,
    owner_id                  VARCHAR NOT NULL,
    username                  VARCHAR NOT NULL,
    npa                       VARCHAR NOT NULL,
    branch                    VARCHAR NOT NULL,
    posts                     INTEGER NOT NULL,
    flagged_posts             INTEGER NOT NULL,
    promotion_posts           INTEGER NOT NULL,
    testimonial_repost_posts  INTEGER NOT NULL,
    personal_mixing_posts     INTEGER NOT NULL,
    patient_privacy_posts     INTEGER NOT NULL,
    ringan_posts              INTEGER NOT NULL,
    sedang_posts              INTEGER NOT NULL,
    berat_posts               INTEGER NOT NULL,
    max_risk_score            INTEGER NOT NULL
);

CREATE TABLE audit_weekly_branch (
    post_week                 VARCHAR NOT NULL,
    branch                    VARCHAR NOT NULL,
    accounts                  INTEGER NOT NULL,
    accounts_with_posts       INTEGER NOT NULL,
    flagged_accounts          INTEGER NOT NULL,
    posts                     INTEGER NOT NULL,
    flagged_posts             INTEGER NOT NULL,
    promotion_posts           INTEGER NOT NULL,
    testimonial_repost_posts  INTEGER NOT NULL,
    personal_mixing_posts     INTEGER NOT NULL,
    patient_privacy_posts     INTEGER NOT NULL,
    ringan_posts              INTEGER NOT NULL,
    sedang_posts              INTEGER NOT NULL,
    berat_posts               INTEGER NOT NULL
);

CREATE TABLE runs (
    run_id          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,     -- run, collect, report, alerts, purge, weekly_audit, ...
    airflow_run_id  VARCHAR,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,     -- running, success, partial, failed, blocked
    counts          JSON,
    error           VARCHAR,
    args            JSON
);

CREATE TABLE import_files (
    path         VARCHAR NOT NULL,        -- absolute path of the file as read
    size_bytes   BIGINT,
    mtime_ns     BIGINT,
    kind         VARCHAR NOT NULL,        -- post, profile, unknown
    status       VARCHAR NOT NULL,        -- loaded, skipped, quarantined
    reason       VARCHAR,
    username     VARCHAR,
    shortcode    VARCHAR,
    run_id       VARCHAR NOT NULL,
    seen_at      TIMESTAMP NOT NULL
);

CREATE TABLE collect_state (
    account_key        VARCHAR NOT NULL,
    owner_id           VARCHAR,
    username           VARCHAR NOT NULL,
    newest_posted_at   TIMESTAMP,
    newest_shortcode   VARCHAR,
    last_attempt_at    TIMESTAMP,
    last_success_at    TIMESTAMP,
    last_status        VARCHAR
);

CREATE TABLE collect_log (
    run_id       VARCHAR NOT NULL,
    username     VARCHAR NOT NULL,
    owner_id     VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    duration_s   DOUBLE,
    requests     INTEGER NOT NULL,
    new_posts    INTEGER NOT NULL,
    status       VARCHAR NOT NULL,
    error        VARCHAR
);

CREATE TABLE evidence_files (
    path         VARCHAR NOT NULL,        -- relative to MEDSOS_HOME
    sha256       VARCHAR NOT NULL,
    size_bytes   BIGINT NOT NULL,
    run_id       VARCHAR NOT NULL,
    username     VARCHAR,
    shortcode    VARCHAR,
    kind         VARCHAR NOT NULL,        -- post, profile
    landed_at    TIMESTAMP NOT NULL,
    purged_at    TIMESTAMP
);

CREATE TABLE evidence_manifests (
    run_id           VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    prev_sha256      VARCHAR,
    files            INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL
);

CREATE TABLE quarantine (
    run_id        VARCHAR NOT NULL,
    source_file   VARCHAR,
    shortcode     VARCHAR,
    suite         VARCHAR NOT NULL,
    expectation   VARCHAR NOT NULL,
    details       VARCHAR,
    quarantined_at TIMESTAMP NOT NULL
);

CREATE TABLE dq_results (
    run_id         VARCHAR NOT NULL,
    suite          VARCHAR NOT NULL,
    post_week      VARCHAR,
    success        BOOLEAN NOT NULL,
    evaluated      INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    details        JSON,
    result_path    VARCHAR,
    created_at     TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    message_id       VARCHAR NOT NULL,
    idempotency_key  VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,    -- alert, weekly_report, operator
    branch           VARCHAR,
    post_week        VARCHAR,
    recipients       VARCHAR[] NOT NULL,
    subject          VARCHAR NOT NULL,
    eml_path         VARCHAR NOT NULL,    -- relative to MEDSOS_HOME
    status           VARCHAR NOT NULL,    -- queued, sent, written (file outbox)
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    run_id           VARCHAR NOT NULL
);

CREATE TABLE outbox_flags (
    message_id   VARCHAR NOT NULL,
    subject_key  VARCHAR NOT NULL,        -- shortcode, or 'profile:<owner_id>'
    check_name   VARCHAR NOT NULL
);

CREATE TABLE purge_log (
    run_id            VARCHAR NOT NULL,
    purged_at         TIMESTAMP NOT NULL,
    cutoff            TIMESTAMP NOT NULL,
    raw_files         INTEGER NOT NULL,
    posts             INTEGER NOT NULL,
    flags             INTEGER NOT NULL,
    doctors_removed   INTEGER NOT NULL
);
