-- Per rule, in the user's scope: how staff decided the findings it raised (with the rules
-- recorded at the decision) and how many of its current findings still wait. Mirrors the
-- warehouse view `rule_quality`.
WITH decided AS (
    SELECT check_name, unnest(rule_ids) AS rule_id, state
    FROM state
    WHERE state <> 'open' AND ($branch IS NULL OR branch = $branch)
),

decided_counts AS (
    SELECT
        check_name,
        rule_id,
        count(*) FILTER (WHERE state = 'confirmed') AS confirmed,
        count(*) FILTER (WHERE state = 'dismissed') AS dismissed,
        count(*) FILTER (WHERE state = 'escalated') AS escalated
    FROM decided
    GROUP BY check_name, rule_id
),

waiting AS (
    SELECT f.check_name, f.rule_id, count(DISTINCT f.subject_key) AS open_flags
    FROM flag_rows AS f
    LEFT JOIN state AS s ON s.subject_key = f.subject_key AND s.check_name = f.check_name
    WHERE coalesce(s.state, 'open') = 'open' AND ($branch IS NULL OR f.branch = $branch)
    GROUP BY f.check_name, f.rule_id
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

SELECT * FROM final
ORDER BY dismissed_share DESC NULLS LAST, dismissed DESC, check_name, rule_id;
