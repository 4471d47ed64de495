-- Upserts the staged posts (stage_posts) into posts. The newest observation of a shortcode wins;
-- loading the same observation twice changes no row. Changed content is re-checked
-- (checked_rule_version back to NULL).
WITH latest AS (
    SELECT *
    FROM stage_posts
    QUALIFY row_number() OVER (PARTITION BY shortcode ORDER BY seen_at DESC, source_file) = 1
)
INSERT INTO posts
SELECT
    l.shortcode, l.media_id, l.owner_id, l.username, l.posted_at, l.post_week, l.typename,
    l.is_video, l.caption, l.accessibility_caption, l.is_sponsored, l.sponsor_users,
    l.tagged_users, l.hashtags, l.mentions, l.location, l.likes, l.comments, l.content_hash,
    l.source_file, l.seen_at AS first_seen, l.seen_at AS last_seen, $run_id AS run_id,
    NULL AS checked_rule_version, NULL AS removed_at
FROM latest AS l
WHERE NOT EXISTS (SELECT 1 FROM posts AS p WHERE p.shortcode = l.shortcode);
