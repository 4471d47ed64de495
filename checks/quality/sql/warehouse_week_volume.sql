-- Per branch, each week in $weeks beside the week before it ($previous, same order): the posts
-- of both, 0 where the audit has no row (suite warehouse_week_volume).
WITH pairs AS (
    SELECT unnest($weeks::VARCHAR[]) AS post_week, unnest($previous::VARCHAR[]) AS previous_week
),
branches AS (
    SELECT DISTINCT branch FROM audit_weekly_branch
),
final AS (
    SELECT
        p.post_week,
        b.branch,
        coalesce(cur.posts, 0) AS posts,
        coalesce(prev.posts, 0) AS previous_posts
    FROM pairs AS p
    CROSS JOIN branches AS b
    LEFT JOIN audit_weekly_branch AS cur
        ON cur.post_week = p.post_week AND cur.branch = b.branch
    LEFT JOIN audit_weekly_branch AS prev
        ON prev.post_week = p.previous_week AND prev.branch = b.branch
)
SELECT * FROM final
ORDER BY post_week, branch;
