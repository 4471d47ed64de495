-- Applies newer observations of profiles already known (stage_profiles): newest wins.
WITH latest AS (
    SELECT *
    FROM stage_profiles
    QUALIFY row_number() OVER (PARTITION BY owner_id ORDER BY seen_at DESC, source_file) = 1
)
UPDATE profiles SET
    username = l.username,
    full_name = l.full_name,
    biography = l.biography,
    external_url = l.external_url,
    business_category = l.business_category,
    is_business_account = l.is_business_account,
    is_private = l.is_private,
    is_verified = l.is_verified,
    followers = l.followers,
    followees = l.followees,
    checked_rule_version = CASE WHEN l.content_hash <> profiles.content_hash
                                THEN NULL ELSE profiles.checked_rule_version END,
    content_hash = l.content_hash,
    source_file = l.source_file,
    last_seen = l.seen_at
FROM latest AS l
WHERE profiles.owner_id = l.owner_id
  AND l.seen_at > profiles.last_seen;
