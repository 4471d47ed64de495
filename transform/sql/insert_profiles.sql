-- Inserts profiles seen for the first time (stage_profiles).
WITH latest AS (
    SELECT *
    FROM stage_profiles
    QUALIFY row_number() OVER (PARTITION BY owner_id ORDER BY seen_at DESC, source_file) = 1
)
INSERT INTO profiles
SELECT
    l.owner_id, l.username, l.full_name, l.biography, l.external_url, l.business_category,
    l.is_business_account, l.is_private, l.is_verified, l.followers, l.followees,
    l.content_hash, l.source_file, l.seen_at AS first_seen, l.seen_at AS last_seen,
    $run_id AS run_id, NULL AS checked_rule_version
FROM latest AS l
WHERE NOT EXISTS (SELECT 1 FROM profiles AS p WHERE p.owner_id = l.owner_id);
