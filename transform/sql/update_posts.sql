-- Applies newer observations of posts already in the warehouse (edits, counts, last_seen).
WITH latest AS (
    SELECT *
    FROM stage_posts
    QUALIFY row_number() OVER (PARTITION BY shortcode ORDER BY seen_at DESC, source_file) = 1
)
UPDATE posts SET
    username = coalesce(l.username, posts.username),
    typename = l.typename,
    is_video = l.is_video,
    caption = l.caption,
    accessibility_caption = l.accessibility_caption,
    is_sponsored = l.is_sponsored,
    sponsor_users = l.sponsor_users,
    tagged_users = l.tagged_users,
    hashtags = l.hashtags,
    mentions = l.mentions,
    location = l.location,
    likes = l.likes,
    comments = l.comments,
    source_file = CASE WHEN l.content_hash <> posts.content_hash
                       THEN l.source_file ELSE posts.source_file END,
    checked_rule_version = CASE WHEN l.content_hash <> posts.content_hash
                                THEN NULL ELSE posts.checked_rule_version END,
    content_hash = l.content_hash,
    last_seen = l.seen_at,
    removed_at = NULL
FROM latest AS l
WHERE posts.shortcode = l.shortcode
  AND l.seen_at > posts.last_seen;
