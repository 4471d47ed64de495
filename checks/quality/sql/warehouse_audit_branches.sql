-- Per branch and week in $weeks: the branch row beside the sums of its account rows
-- (suite warehouse_audit_branches). A FULL JOIN keeps rows missing on either side.
WITH weeks AS (
    SELECT unnest($weeks::VARCHAR[]) AS post_week
),
branch_rows AS (
    SELECT *
    FROM audit_weekly_branch
    WHERE post_week IN (SELECT post_week FROM weeks)
),
sums AS (
    SELECT
        post_week,
        branch,
        count(*) AS account_rows,
        count(*) FILTER (WHERE flagged_posts > 0) AS flagged_account_rows,
        sum(posts) AS sum_posts,
        sum(flagged_posts) AS sum_flagged_posts,
        sum(promotion_posts) AS sum_promotion_posts,
        sum(testimonial_repost_posts) AS sum_testimonial_repost_posts,
        sum(personal_mixing_posts) AS sum_personal_mixing_posts,
        sum(patient_privacy_posts) AS sum_patient_privacy_posts,
        sum(ringan_posts) AS sum_ringan_posts,
        sum(sedang_posts) AS sum_sedang_posts,
        sum(berat_posts) AS sum_berat_posts
    FROM audit_weekly_account
    WHERE post_week IN (SELECT post_week FROM weeks)
    GROUP BY post_week, branch
),
final AS (
    SELECT
        coalesce(b.post_week, s.post_week) AS post_week,
        coalesce(b.branch, s.branch) AS branch,
        coalesce(b.accounts, 0) AS accounts,
        coalesce(b.accounts_with_posts, 0) AS accounts_with_posts,
        coalesce(s.account_rows, 0) AS account_rows,
        coalesce(b.flagged_accounts, 0) AS flagged_accounts,
        coalesce(s.flagged_account_rows, 0) AS flagged_account_rows,
        coalesce(b.posts, 0) AS posts,
        coalesce(s.sum_posts, 0) AS sum_posts,
        coalesce(b.flagged_posts, 0) AS flagged_posts,
        coalesce(s.sum_flagged_posts, 0) AS sum_flagged_posts,
        coalesce(b.promotion_posts, 0) AS promotion_posts,
        coalesce(s.sum_promotion_posts, 0) AS sum_promotion_posts,
        coalesce(b.testimonial_repost_posts, 0) AS testimonial_repost_posts,
        coalesce(s.sum_testimonial_repost_posts, 0) AS sum_testimonial_repost_posts,
        coalesce(b.personal_mixing_posts, 0) AS personal_mixing_posts,
        coalesce(s.sum_personal_mixing_posts, 0) AS sum_personal_mixing_posts,
        coalesce(b.patient_privacy_posts, 0) AS patient_privacy_posts,
        coalesce(s.sum_patient_privacy_posts, 0) AS sum_patient_privacy_posts,
        coalesce(b.ringan_posts, 0) AS ringan_posts,
        coalesce(s.sum_ringan_posts, 0) AS sum_ringan_posts,
        coalesce(b.sedang_posts, 0) AS sedang_posts,
        coalesce(s.sum_sedang_posts, 0) AS sum_sedang_posts,
        coalesce(b.berat_posts, 0) AS berat_posts,
        coalesce(s.sum_berat_posts, 0) AS sum_berat_posts
    FROM branch_rows AS b
    FULL JOIN sums AS s ON s.post_week = b.post_week AND s.branch = b.branch
)
SELECT * FROM final
ORDER BY post_week, branch;
