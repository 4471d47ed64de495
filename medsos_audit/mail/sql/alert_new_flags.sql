-- Every flag row of the identities (subject_key, check_name) that were never alerted and whose
-- heaviest rule is at or above $min_rank (1 ringan, 2 sedang, 3 berat), for active accounts of
-- active doctors; with the post or profile, account, doctor and branch. One branch after another,
-- highest risk first.
WITH monitored AS (
    SELECT a.owner_id, a.username, d.npa, d.full_name, d.branch
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND a.owner_id IS NOT NULL
),
keyed AS (
    SELECT
        f.*,
        coalesce(f.shortcode, 'profile:' || f.owner_id) AS subject_key,
        CASE f.severity WHEN 'berat' THEN 3 WHEN 'sedang' THEN 2 WHEN 'ringan' THEN 1 ELSE 0 END
            AS severity_rank
    FROM flags AS f
),
fresh AS (
    SELECT subject_key, check_name
    FROM keyed
    GROUP BY subject_key, check_name
    HAVING max(severity_rank) >= $min_rank
    EXCEPT
    SELECT subject_key, check_name FROM outbox_flags
),
final AS (
    SELECT
        k.shortcode, k.owner_id, m.username, m.npa, m.full_name AS doctor, m.branch,
        p.posted_at, p.post_week, coalesce(p.first_seen, pr.first_seen) AS first_seen,
        p.caption, p.accessibility_caption,
        CASE WHEN k.shortcode IS NULL THEN pr.biography END AS biography,
        CASE WHEN k.shortcode IS NULL THEN pr.full_name END AS profile_name,
        CASE WHEN k.shortcode IS NULL THEN pr.external_url END AS external_url,
        k.check_name, k.rule_id, k.rule_version, k.severity, k.evidence, k.evidence_field,
        k.span_start, k.span_end, k.fatwa_ref, k.risk_score, k.subject_key
    FROM keyed AS k
    JOIN fresh AS n ON n.subject_key = k.subject_key AND n.check_name = k.check_name
    JOIN monitored AS m ON m.owner_id = k.owner_id
    LEFT JOIN posts AS p ON p.shortcode = k.shortcode
    LEFT JOIN profiles AS pr ON pr.owner_id = k.owner_id
    WHERE k.shortcode IS NULL OR p.shortcode IS NOT NULL
)
SELECT * FROM final
ORDER BY branch, risk_score DESC, posted_at NULLS LAST, shortcode NULLS LAST, owner_id,
         CASE severity WHEN 'berat' THEN 0 WHEN 'sedang' THEN 1 ELSE 2 END, check_name, rule_id;
