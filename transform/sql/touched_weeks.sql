-- The weeks whose audit rows change: weeks of staged posts that are new or whose content changed.
SELECT DISTINCT s.post_week
FROM stage_posts AS s
LEFT JOIN posts AS p ON p.shortcode = s.shortcode
WHERE p.shortcode IS NULL OR (p.content_hash <> s.content_hash AND s.seen_at > p.last_seen);
