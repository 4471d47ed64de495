-- The flags the warehouse gate validates (suite warehouse_flags), named by their subject
-- (shortcode, or 'profile:<owner_id>'): every flag of the weeks being published ($weeks), every
-- profile flag, and any other flag whose check, severity or score is out of bounds (the
-- bounds come from the suite itself: $checks, $severities, $score_min, $score_max).
WITH final AS (
    SELECT
        coalesce(shortcode, 'profile:' || owner_id) AS subject,
        check_name,
        rule_id,
        severity,
        risk_score
    FROM flags
    WHERE post_week IN (SELECT unnest($weeks::VARCHAR[]))
       OR shortcode IS NULL
       OR post_week IS NULL
       OR check_name IS NULL OR check_name NOT IN (SELECT unnest($checks::VARCHAR[]))
       OR severity IS NULL OR severity NOT IN (SELECT unnest($severities::VARCHAR[]))
       OR risk_score IS NULL OR risk_score NOT BETWEEN $score_min AND $score_max
)
SELECT * FROM final;
