-- One row per account tried in the run: requests spent, posts landed, and how it ended.
INSERT INTO collect_log (
    run_id, username, owner_id, started_at, duration_s, requests, new_posts, status, error
)
SELECT run_id, username, owner_id, started_at, duration_s, requests, new_posts, status, error
FROM stage_collect_log;
