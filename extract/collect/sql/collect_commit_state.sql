-- Each account's state after a run, from stage_collect_outcomes (one row per account tried) and
-- stage_collect_remembered. An account's state may have been kept under its username before its
-- user id was known, or under its old username: every such key is merged into one row.
CREATE OR REPLACE TEMP TABLE collect_keys AS
SELECT o.account_key, k.key
FROM stage_collect_outcomes AS o,
    unnest([o.owner_id, 'username:' || o.requested, 'username:' || o.username]) AS k(key)
WHERE k.key IS NOT NULL;

CREATE OR REPLACE TEMP TABLE collect_merged AS
WITH old AS (
    SELECT
        keys.account_key,
        max(s.newest_posted_at) AS newest_posted_at,
        arg_max(s.newest_shortcode, s.newest_posted_at) AS newest_shortcode,
        max(s.last_attempt_at) AS last_attempt_at,
        max(s.last_success_at) AS last_success_at
    FROM collect_keys AS keys
    JOIN collect_state AS s ON s.account_key = keys.key
    GROUP BY keys.account_key
),

moved AS (
    -- The high-water mark moves only after a complete pass, and only forward.
    SELECT
        o.*,
        o.complete AND o.newest_posted_at IS NOT NULL
            AND (old.newest_posted_at IS NULL OR o.newest_posted_at > old.newest_posted_at)
            AS advances
    FROM stage_collect_outcomes AS o
    LEFT JOIN old USING (account_key)
)

SELECT
    moved.account_key,
    moved.owner_id,
    moved.username,
    CASE WHEN moved.advances THEN moved.newest_posted_at ELSE old.newest_posted_at END
        AS newest_posted_at,
    CASE WHEN moved.advances THEN moved.newest_shortcode ELSE old.newest_shortcode END
        AS newest_shortcode,
    -- Throttling and run-stopping conditions are not the account's doing: it stays as overdue
    -- as it was, so the next run tries it first.
    CASE WHEN moved.attempted THEN $now ELSE old.last_attempt_at END AS last_attempt_at,
    CASE WHEN moved.complete THEN $now ELSE old.last_success_at END AS last_success_at,
    moved.status AS last_status
FROM moved
LEFT JOIN old USING (account_key);

DELETE FROM collect_state WHERE account_key IN (SELECT key FROM collect_keys);

INSERT INTO collect_state (
    account_key, owner_id, username, newest_posted_at, newest_shortcode,
    last_attempt_at, last_success_at, last_status
)
SELECT * FROM collect_merged;

-- Posts left out as older than the window, remembered once.
INSERT INTO collect_skipped (owner_id, shortcode, posted_at, reason, run_id, seen_at)
SELECT DISTINCT r.owner_id, r.shortcode, r.posted_at, 'before_lookback', $run_id, $now
FROM stage_collect_remembered AS r
WHERE NOT EXISTS (
    SELECT 1 FROM collect_skipped AS s
    WHERE s.owner_id = r.owner_id AND s.shortcode = r.shortcode
);

DROP TABLE collect_keys;

DROP TABLE collect_merged;
