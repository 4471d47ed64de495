-- The posts of these accounts the warehouse has, and those fetched before but left out as older
-- than the lookback window: a pass fetches neither again.
SELECT owner_id, shortcode, posted_at
FROM posts
WHERE list_contains($owners::VARCHAR[], owner_id)

UNION ALL

SELECT owner_id, shortcode, posted_at
FROM collect_skipped
WHERE list_contains($owners::VARCHAR[], owner_id)
