-- The branch's accounts this report does not cover: registered but never seen (no user id yet),
-- a private profile, or collection attempts in [$seen_from, $seen_to) that all failed.
WITH monitored AS (
    SELECT a.owner_id, a.username, d.npa, d.full_name
    FROM accounts AS a
    JOIN doctors AS d ON d.npa = a.npa
    WHERE a.active AND d.active AND d.branch = $branch
),
attempts AS (
    SELECT
        m.username,
        bool_or(c.status IN ('ok', 'unchanged')) AS checked,
        arg_max(c.status, c.started_at) AS last_status,
        max(c.started_at) AS last_attempt,
        count(*) AS tries
    FROM collect_log AS c
    JOIN monitored AS m
      ON m.owner_id = c.owner_id OR (c.owner_id IS NULL AND m.username = c.username)
    WHERE c.started_at >= $seen_from AND c.started_at < $seen_to
    GROUP BY m.username
),
final AS (
    SELECT
        m.username, m.npa, m.full_name AS doctor,
        CASE
            WHEN t.username IS NOT NULL AND NOT t.checked THEN t.last_status
            WHEN m.owner_id IS NULL THEN 'never_seen'
            ELSE 'private'
        END AS status,
        t.last_attempt,
        coalesce(t.tries, 0) AS tries
    FROM monitored AS m
    LEFT JOIN attempts AS t ON t.username = m.username
    LEFT JOIN profiles AS pr ON pr.owner_id = m.owner_id
    WHERE (t.username IS NOT NULL AND NOT t.checked)
       OR (t.username IS NULL AND (m.owner_id IS NULL OR coalesce(pr.is_private, FALSE)))
)
SELECT * FROM final
ORDER BY status, username;
