-- 060: staff decisions from the review desk (issue 10). The desk keeps its own store
-- ($MEDSOS_HOME/review/review.sqlite); the pipeline mirrors its log here at the start of a run
-- (medsos_audit.review.sync.import_decisions), so reports, alerts and rule authors can join on it.

-- Mirror of the desk's review log: rows are only ever appended, in the desk's order.
CREATE TABLE review_log (
    store_id        VARCHAR NOT NULL,     -- which desk store the row came from
    seq             BIGINT NOT NULL,      -- position in that store's log
    logged_at       TIMESTAMP NOT NULL,
    user_id         BIGINT NOT NULL,
    user_name       VARCHAR NOT NULL,
    user_email      VARCHAR NOT NULL,
    user_role       VARCHAR NOT NULL,
    subject_key     VARCHAR NOT NULL,     -- shortcode, or 'profile:<owner_id>'
    shortcode       VARCHAR,
    owner_id        VARCHAR,
    check_name      VARCHAR NOT NULL,
    npa             VARCHAR,
    branch          VARCHAR,
    action          VARCHAR NOT NULL,
    from_state      VARCHAR NOT NULL,
    to_state        VARCHAR NOT NULL,
    severity        VARCHAR,
    sanction        VARCHAR,
    dismiss_reason  VARCHAR,
    escalate_to     VARCHAR,
    note            VARCHAR,              -- patient identifiers masked on import
    rule_ids        VARCHAR[] NOT NULL,
    row_hash        VARCHAR NOT NULL,
    imported_at     TIMESTAMP NOT NULL,
    CHECK (action IN ('confirm', 'dismiss', 'escalate', 'reopen')),
    CHECK (to_state IN ('open', 'confirmed', 'dismissed', 'escalated'))
);

-- Current review status of every flag identity that has a decision: its latest log row.
CREATE VIEW flag_reviews AS
WITH ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY subject_key, check_name ORDER BY logged_at DESC, seq DESC
        ) AS newest
    FROM review_log
),
final AS (
    SELECT
        subject_key,
        check_name,
        shortcode,
        owner_id,
        npa,
        branch,
        to_state AS status,
        CASE WHEN to_state = 'confirmed' THEN severity END AS severity,
        CASE WHEN to_state = 'confirmed' THEN sanction END AS sanction,
        CASE WHEN to_state = 'dismissed' THEN dismiss_reason END AS dismiss_reason,
        CASE WHEN to_state = 'escalated' THEN escalate_to END AS escalate_to,
        logged_at AS decided_at,
        user_name AS decided_by,
        rule_ids
    FROM ranked
    WHERE newest = 1
)
SELECT * FROM final;

-- Every flag except those staff dismissed, with its review status: what alerts, reports and
-- repeat-offence counts read instead of `flags`.
CREATE VIEW flags_effective AS
WITH final AS (
    SELECT
        coalesce(f.shortcode, 'profile:' || f.owner_id) AS subject_key,
        f.shortcode,
        f.owner_id,
        f.check_name,
        f.rule_id,
        f.rule_version,
        f.severity,
        f.evidence,
        f.evidence_field,
        f.span_start,
        f.span_end,
        f.fatwa_ref,
        f.risk_score,
        f.post_week,
        f.first_flagged_at,
        f.run_id,
        coalesce(r.status, 'open') AS review_status,
        r.severity AS confirmed_severity,
        r.sanction,
        r.decided_at AS reviewed_at
    FROM flags AS f
    LEFT JOIN flag_reviews AS r
        ON r.subject_key = coalesce(f.shortcode, 'profile:' || f.owner_id)
        AND r.check_name = f.check_name
    WHERE r.status IS DISTINCT FROM 'dismissed'
)
SELECT * FROM final;

-- Per rule: how staff decided the flags it raised (the rules recorded with each decision),
-- and how many of its current flags still wait for a decision.
CREATE VIEW rule_quality AS
WITH decided AS (
    SELECT check_name, unnest(rule_ids) AS rule_id, status
    FROM flag_reviews
    WHERE status <> 'open'
),
decided_counts AS (
    SELECT
        check_name,
        rule_id,
        count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
        count(*) FILTER (WHERE status = 'dismissed') AS dismissed,
        count(*) FILTER (WHERE status = 'escalated') AS escalated
    FROM decided
    GROUP BY check_name, rule_id
),
waiting AS (
    SELECT check_name, rule_id, count(DISTINCT subject_key) AS open_flags
    FROM flags_effective
    WHERE review_status = 'open'
    GROUP BY check_name, rule_id
),
final AS (
    SELECT
        coalesce(d.check_name, w.check_name) AS check_name,
        coalesce(d.rule_id, w.rule_id) AS rule_id,
        coalesce(d.confirmed, 0) AS confirmed,
        coalesce(d.dismissed, 0) AS dismissed,
        coalesce(d.escalated, 0) AS escalated,
        coalesce(w.open_flags, 0) AS open_flags,
        d.dismissed / nullif(d.confirmed + d.dismissed, 0) AS dismissed_share
    FROM decided_counts AS d
    FULL OUTER JOIN waiting AS w ON w.check_name = d.check_name AND w.rule_id = d.rule_id
)
SELECT * FROM final;
