-- Current profile (bio, name, link) flags of the branch's active accounts, highest risk first.
WITH monitored AS (
    SELECT a.owner_id, a.username, d.npa, d.full_name, d.branch
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND a.owner_id IS NOT NULL AND d.branch = $branch
),
final AS (
    SELECT
        NULL::VARCHAR AS shortcode, f.owner_id, m.username, m.npa, m.full_name AS doctor,
        m.branch, NULL::TIMESTAMP AS posted_at, NULL::VARCHAR AS post_week,
        pr.first_seen, NULL::VARCHAR AS caption, NULL::VARCHAR AS accessibility_caption,
        pr.biography, pr.full_name AS profile_name, pr.external_url,
        f.check_name, f.rule_id, f.rule_version, f.severity, f.evidence, f.evidence_field,
        f.span_start, f.span_end, f.fatwa_ref, f.risk_score
    FROM flags AS f
    JOIN monitored AS m ON m.owner_id = f.owner_id
    LEFT JOIN profiles AS pr ON pr.owner_id = f.owner_id
    WHERE f.shortcode IS NULL
)
SELECT * FROM final
ORDER BY risk_score DESC, username,
         CASE severity WHEN 'berat' THEN 0 WHEN 'sedang' THEN 1 ELSE 2 END, check_name, rule_id;
