-- One review item per flag identity (subject, check): the unit staff decide on. Runs on the
-- desk's in-memory copy after `flag_rows` is loaded.
CREATE TABLE items AS
WITH ranked AS (
    SELECT
        *,
        CASE severity WHEN 'berat' THEN 3 WHEN 'sedang' THEN 2 ELSE 1 END AS severity_rank
    FROM flag_rows
),

final AS (
    SELECT
        subject_key,
        check_name,
        any_value(shortcode) AS shortcode,
        any_value(owner_id) AS owner_id,
        max(risk_score) AS risk_score,
        max(severity_rank) AS severity_rank,
        any_value(post_week) AS post_week,
        any_value(posted_at) AS posted_at,
        any_value(removed_at) AS removed_at,
        any_value(username) AS username,
        any_value(npa) AS npa,
        any_value(full_name) AS full_name,
        any_value(branch) AS branch,
        bool_or(doctor_active) AS doctor_active,
        min(first_flagged_at) AS first_flagged_at,
        list(DISTINCT rule_id ORDER BY rule_id) AS rule_ids
    FROM ranked
    GROUP BY subject_key, check_name
)

SELECT * FROM final;

CREATE TABLE weeks AS
SELECT DISTINCT post_week, branch FROM items WHERE post_week IS NOT NULL;
