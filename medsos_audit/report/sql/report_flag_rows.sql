-- Every flag row of the branch's posts posted in weeks $week_from..$week_to and first seen in
-- [$seen_from, $seen_to), with the post, account and doctor; highest risk first.
-- Only active accounts of active doctors of this branch: the same posts the audit tables count.
WITH monitored AS (
    SELECT a.owner_id, a.username, d.npa, d.full_name, d.branch
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND a.owner_id IS NOT NULL AND d.branch = $branch
),
final AS (
    SELECT
        f.shortcode, f.owner_id, m.username, m.npa, m.full_name AS doctor, m.branch,
        p.posted_at, p.post_week, p.first_seen, p.caption, p.accessibility_caption,
        NULL::VARCHAR AS biography, NULL::VARCHAR AS profile_name, NULL::VARCHAR AS external_url,
        f.check_name, f.rule_id, f.rule_version, f.severity, f.evidence, f.evidence_field,
        f.span_start, f.span_end, f.fatwa_ref, f.risk_score
    FROM flags AS f
    JOIN posts AS p ON p.shortcode = f.shortcode
    JOIN monitored AS m ON m.owner_id = p.owner_id
    WHERE p.post_week BETWEEN $week_from AND $week_to
      AND p.first_seen >= $seen_from AND p.first_seen < $seen_to
)
SELECT * FROM final
ORDER BY risk_score DESC, posted_at, shortcode,
         CASE severity WHEN 'berat' THEN 0 WHEN 'sedang' THEN 1 ELSE 2 END, check_name, rule_id;
