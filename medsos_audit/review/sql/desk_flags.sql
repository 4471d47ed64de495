-- The findings the review desk shows, one row per flag, with the post, account and doctor.
-- Runs on a read-only warehouse file (the published copy, or the warehouse itself) that is
-- closed right after: the desk never holds the pipeline's file.
WITH flag AS (
    SELECT
        shortcode, owner_id, check_name, rule_id, rule_version, severity, evidence,
        evidence_field, fatwa_ref, risk_score, post_week, first_flagged_at
    FROM flags
),

post AS (
    SELECT shortcode, username, posted_at, removed_at
    FROM posts
),

account AS (
    -- one row per Instagram user id: the most recently updated registration wins
    SELECT
        owner_id,
        arg_max(username, updated_at) AS username,
        arg_max(npa, updated_at) AS npa
    FROM accounts
    WHERE owner_id IS NOT NULL
    GROUP BY owner_id
),

doctor AS (
    SELECT npa, full_name, branch, active
    FROM doctors
),

final AS (
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
        f.fatwa_ref,
        f.risk_score,
        f.post_week,
        f.first_flagged_at,
        p.posted_at,
        p.removed_at,
        coalesce(a.username, p.username) AS username,
        a.npa,
        d.full_name,
        d.branch,
        coalesce(d.active, FALSE) AS doctor_active
    FROM flag AS f
    LEFT JOIN post AS p ON p.shortcode = f.shortcode
    LEFT JOIN account AS a ON a.owner_id = f.owner_id
    LEFT JOIN doctor AS d ON d.npa = a.npa
)

SELECT * FROM final;
