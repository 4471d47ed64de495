-- Doctors of the branch with a flagged post in any of the weeks in $weeks (the report week and
-- the three before it), from audit_weekly_account; ranked by this week's highest risk.
WITH recent AS (
    SELECT w.*
    FROM audit_weekly_account AS w
    JOIN doctors AS d ON d.npa = w.npa AND d.branch = $branch
    WHERE w.branch = $branch AND w.post_week IN (SELECT unnest($weeks::VARCHAR[]))
),
per_doctor AS (
    SELECT
        npa,
        string_agg(DISTINCT username, ', ' ORDER BY username) AS accounts,
        coalesce(sum(posts) FILTER (WHERE post_week = $week), 0) AS posts,
        coalesce(sum(flagged_posts) FILTER (WHERE post_week = $week), 0) AS flagged_posts,
        coalesce(sum(berat_posts) FILTER (WHERE post_week = $week), 0) AS berat_posts,
        coalesce(max(max_risk_score) FILTER (WHERE post_week = $week), 0) AS max_risk_score,
        count(DISTINCT post_week) FILTER (WHERE flagged_posts > 0) AS weeks_flagged
    FROM recent
    GROUP BY npa
),
final AS (
    SELECT p.npa, d.full_name AS doctor, p.accounts, p.posts, p.flagged_posts, p.berat_posts,
           p.max_risk_score, p.weeks_flagged
    FROM per_doctor AS p
    JOIN doctors AS d ON d.npa = p.npa
    WHERE p.weeks_flagged > 0
)
SELECT * FROM final
ORDER BY max_risk_score DESC, flagged_posts DESC, weeks_flagged DESC, doctor, npa;
