-- One row per flag, named by its subject (shortcode, or 'profile:<owner_id>') (suite warehouse_flags).
WITH final AS (
    SELECT
        coalesce(shortcode, 'profile:' || owner_id) AS subject,
        check_name,
        rule_id,
        severity,
        risk_score
    FROM flags
)
SELECT * FROM final;
