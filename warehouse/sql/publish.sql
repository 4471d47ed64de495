-- The analysts' copy, written into the attached database `published` (see docs/warehouse.md,
-- "Reading while the pipeline writes"). Only the tables and columns below are published:
-- captions come masked from posts_masked; file paths, e-mail bookkeeping, run arguments,
-- evidence files and offsets into the unmasked text stay in the private warehouse.
CREATE TABLE published.doctors AS
SELECT npa, full_name, branch, specialty, branch_email, registered_on, active, updated_at
FROM doctors;

CREATE TABLE published.accounts AS
SELECT owner_id, username, npa, registered_on, active, first_seen, last_seen, updated_at
FROM accounts;

CREATE TABLE published.account_usernames AS
SELECT owner_id, username, first_seen, last_seen, source
FROM account_usernames;

CREATE TABLE published.profiles AS
SELECT
    owner_id, username, full_name, biography, external_url, business_category,
    is_business_account, is_private, is_verified, followers, followees, content_hash,
    first_seen, last_seen, run_id, checked_rule_version
FROM profiles;

CREATE TABLE published.posts AS
WITH masked AS (
    SELECT shortcode, content_hash, caption, accessibility_caption
    FROM posts_masked
),
final AS (
    SELECT
        p.shortcode, p.media_id, p.owner_id, p.username, p.posted_at, p.post_week, p.typename,
        p.is_video, m.caption, m.accessibility_caption, p.is_sponsored, p.sponsor_users,
        p.tagged_users, p.hashtags, p.mentions, p.location, p.likes, p.comments,
        p.content_hash, p.first_seen, p.last_seen, p.run_id, p.checked_rule_version,
        p.removed_at
    FROM posts AS p
    LEFT JOIN masked AS m ON m.shortcode = p.shortcode AND m.content_hash = p.content_hash
)
SELECT * FROM final;

CREATE TABLE published.flags AS
SELECT
    shortcode, owner_id, check_name, rule_id, rule_version, severity, evidence, evidence_field,
    fatwa_ref, risk_score, post_week, first_flagged_at, run_id
FROM flags;

CREATE TABLE published.account_signals AS
SELECT
    owner_id, signal, window_start, window_end, value, threshold, posts, check_name, severity,
    rule_id, rule_version, fatwa_ref
FROM account_signals;

CREATE TABLE published.audit_weekly_account AS
SELECT * FROM audit_weekly_account;

CREATE TABLE published.audit_weekly_branch AS
SELECT * FROM audit_weekly_branch;

CREATE TABLE published.collect_log AS
SELECT run_id, username, owner_id, started_at, duration_s, requests, new_posts, status, error
FROM collect_log;

CREATE TABLE published.runs AS
SELECT run_id, kind, airflow_run_id, started_at, finished_at, status, counts, error
FROM runs
WHERE status <> 'running';

CREATE TABLE published.dq_results AS
SELECT run_id, suite, post_week, success, evaluated, failed, details, created_at
FROM dq_results;

CREATE TABLE published.quarantine AS
SELECT run_id, shortcode, suite, expectation, details, quarantined_at
FROM quarantine;

CREATE TABLE published.flag_reviews AS
SELECT
    subject_key, check_name, shortcode, owner_id, npa, branch, status, severity, sanction,
    dismiss_reason, escalate_to, decided_at, decided_by, rule_ids
FROM flag_reviews;

CREATE TABLE published.published_info AS
SELECT
    $run_id::VARCHAR AS run_id,
    $now::TIMESTAMP AS published_at,
    (SELECT max(version) FROM schema_migrations) AS schema_version,
    (SELECT count(*) FROM posts) AS posts,
    (SELECT max(post_week) FROM audit_weekly_branch) AS latest_week;
