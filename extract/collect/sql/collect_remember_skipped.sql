-- Remember a post left out as older than the lookback window, once.
INSERT INTO collect_skipped (owner_id, shortcode, posted_at, reason, run_id, seen_at)
SELECT $1, $2, $3, 'before_lookback', $4, $5
WHERE NOT EXISTS (SELECT 1 FROM collect_skipped WHERE owner_id = $1 AND shortcode = $2)
