-- Rebuilds the weekly audit tables for the weeks in $weeks: delete the slice, insert it again.
-- A pure function of posts, flags, staff decisions and the current registry (active doctors
-- and accounts). Flags staff dismissed do not count (flags_effective); a confirmed flag counts
-- with the severity staff confirmed. A post counts once in flagged_posts, once in each check
-- it has, once in each severity.
CREATE OR REPLACE TEMP TABLE audit_post_facts AS
WITH weeks AS (
    SELECT unnest($weeks::VARCHAR[]) AS post_week
),
monitored AS (
    SELECT a.owner_id, a.username, a.npa, d.branch
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND a.owner_id IS NOT NULL
)
SELECT
    p.post_week, p.owner_id, m.username, m.npa, m.branch, p.shortcode,
    count(f.rule_id) > 0 AS flagged,
    coalesce(bool_or(f.check_name = 'promotion'), FALSE) AS promotion,
    coalesce(bool_or(f.check_name = 'testimonial_repost'), FALSE) AS testimonial_repost,
    coalesce(bool_or(f.check_name = 'personal_mixing'), FALSE) AS personal_mixing,
    coalesce(bool_or(f.check_name = 'patient_privacy'), FALSE) AS patient_privacy,
    coalesce(bool_or(coalesce(f.confirmed_severity, f.severity) = 'ringan'), FALSE) AS ringan,
    coalesce(bool_or(coalesce(f.confirmed_severity, f.severity) = 'sedang'), FALSE) AS sedang,
    coalesce(bool_or(coalesce(f.confirmed_severity, f.severity) = 'berat'), FALSE) AS berat,
    coalesce(max(f.risk_score), 0) AS risk_score
FROM posts AS p
JOIN weeks AS w ON w.post_week = p.post_week
JOIN monitored AS m ON m.owner_id = p.owner_id
LEFT JOIN flags_effective AS f ON f.shortcode = p.shortcode
GROUP BY ALL;

DELETE FROM audit_weekly_account WHERE post_week IN (SELECT unnest($weeks::VARCHAR[]));

INSERT INTO audit_weekly_account
SELECT
    post_week, owner_id, username, npa, branch,
    count(*) AS posts,
    count(*) FILTER (WHERE flagged) AS flagged_posts,
    count(*) FILTER (WHERE promotion) AS promotion_posts,
    count(*) FILTER (WHERE testimonial_repost) AS testimonial_repost_posts,
    count(*) FILTER (WHERE personal_mixing) AS personal_mixing_posts,
    count(*) FILTER (WHERE patient_privacy) AS patient_privacy_posts,
    count(*) FILTER (WHERE ringan) AS ringan_posts,
    count(*) FILTER (WHERE sedang) AS sedang_posts,
    count(*) FILTER (WHERE berat) AS berat_posts,
    max(risk_score) AS max_risk_score
FROM audit_post_facts
GROUP BY post_week, owner_id, username, npa, branch
ORDER BY post_week, branch, username;

DELETE FROM audit_weekly_branch WHERE post_week IN (SELECT unnest($weeks::VARCHAR[]));

INSERT INTO audit_weekly_branch
WITH weeks AS (
    SELECT unnest($weeks::VARCHAR[]) AS post_week
),
branches AS (
    SELECT d.branch, count(*) AS accounts
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active
    GROUP BY d.branch
),
weekly AS (
    SELECT
        post_week, branch,
        count(*) AS accounts_with_posts,
        count(*) FILTER (WHERE flagged_posts > 0) AS flagged_accounts,
        sum(posts) AS posts,
        sum(flagged_posts) AS flagged_posts,
        sum(promotion_posts) AS promotion_posts,
        sum(testimonial_repost_posts) AS testimonial_repost_posts,
        sum(personal_mixing_posts) AS personal_mixing_posts,
        sum(patient_privacy_posts) AS patient_privacy_posts,
        sum(ringan_posts) AS ringan_posts,
        sum(sedang_posts) AS sedang_posts,
        sum(berat_posts) AS berat_posts
    FROM audit_weekly_account
    WHERE post_week IN (SELECT post_week FROM weeks)
    GROUP BY post_week, branch
)
SELECT
    w.post_week, b.branch, b.accounts,
    coalesce(k.accounts_with_posts, 0), coalesce(k.flagged_accounts, 0),
    coalesce(k.posts, 0), coalesce(k.flagged_posts, 0),
    coalesce(k.promotion_posts, 0), coalesce(k.testimonial_repost_posts, 0),
    coalesce(k.personal_mixing_posts, 0), coalesce(k.patient_privacy_posts, 0),
    coalesce(k.ringan_posts, 0), coalesce(k.sedang_posts, 0), coalesce(k.berat_posts, 0)
FROM weeks AS w
CROSS JOIN branches AS b
LEFT JOIN weekly AS k ON k.post_week = w.post_week AND k.branch = b.branch
ORDER BY w.post_week, b.branch;

DROP TABLE audit_post_facts;
