-- Per account and week in $weeks: the audit row beside a fresh count of the stored posts of the
-- monitored account (active account of an active doctor), so a stale or missing audit row shows
-- (suite warehouse_audit_accounts). A FULL JOIN keeps rows missing on either side.
WITH weeks AS (
    SELECT unnest($weeks::VARCHAR[]) AS post_week
),
monitored AS (
    SELECT a.owner_id
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND a.owner_id IS NOT NULL
),
counted AS (
    SELECT p.post_week, p.owner_id, count(*) AS warehouse_posts
    FROM posts AS p
    JOIN weeks AS w ON w.post_week = p.post_week
    JOIN monitored AS m ON m.owner_id = p.owner_id
    GROUP BY p.post_week, p.owner_id
),
audited AS (
    SELECT *
    FROM audit_weekly_account
    WHERE post_week IN (SELECT post_week FROM weeks)
),
final AS (
    SELECT
        coalesce(a.post_week, c.post_week) AS post_week,
        coalesce(a.owner_id, c.owner_id) AS owner_id,
        coalesce(a.posts, 0) AS posts,
        coalesce(c.warehouse_posts, 0) AS warehouse_posts,
        coalesce(a.flagged_posts, 0) AS flagged_posts,
        coalesce(a.promotion_posts, 0) AS promotion_posts,
        coalesce(a.testimonial_repost_posts, 0) AS testimonial_repost_posts,
        coalesce(a.personal_mixing_posts, 0) AS personal_mixing_posts,
        coalesce(a.patient_privacy_posts, 0) AS patient_privacy_posts,
        coalesce(a.ringan_posts, 0) AS ringan_posts,
        coalesce(a.sedang_posts, 0) AS sedang_posts,
        coalesce(a.berat_posts, 0) AS berat_posts
    FROM audited AS a
    FULL JOIN counted AS c ON c.post_week = a.post_week AND c.owner_id = a.owner_id
)
SELECT * FROM final
ORDER BY post_week, owner_id;
