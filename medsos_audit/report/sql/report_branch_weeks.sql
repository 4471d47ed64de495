-- The branch's rows of audit_weekly_branch for the weeks in $weeks: the report's figures are
-- these rows, never a recount, so the report and the audit tables cannot disagree.
SELECT
    post_week, accounts, accounts_with_posts, flagged_accounts, posts, flagged_posts,
    promotion_posts, testimonial_repost_posts, personal_mixing_posts, patient_privacy_posts,
    ringan_posts, sedang_posts, berat_posts
FROM audit_weekly_branch
WHERE branch = $branch AND post_week IN (SELECT unnest($weeks::VARCHAR[]))
ORDER BY post_week;
