-- Per account: posts and posts with a personal_mixing flag over the given weeks.
SELECT
    p.owner_id,
    count(*) AS posts,
    count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM flags AS f
        WHERE f.shortcode = p.shortcode AND f.check_name = 'personal_mixing'
    )) AS personal_posts
FROM posts AS p
WHERE p.post_week IN (SELECT unnest($weeks::VARCHAR[]))
GROUP BY p.owner_id
ORDER BY p.owner_id;
