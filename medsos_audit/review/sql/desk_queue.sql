-- The review queue: one row per finding in the user's scope that passes the filters, highest
-- risk first. `state` is the desk store's current decisions, registered per request.
WITH item AS (
    SELECT i.*, coalesce(s.state, 'open') AS state
    FROM items AS i
    LEFT JOIN state AS s ON s.subject_key = i.subject_key AND s.check_name = i.check_name
),

final AS (
    SELECT *, count(*) OVER () AS total
    FROM item
    WHERE ($branch IS NULL OR branch = $branch)
        AND ($week IS NULL OR post_week = $week)
        AND ($check IS NULL OR check_name = $check)
        AND ($severity_rank IS NULL OR severity_rank = $severity_rank)
        AND ($state IS NULL OR state = $state)
        AND ($subject_key IS NULL OR (subject_key = $subject_key AND check_name = $check))
)

SELECT * FROM final
ORDER BY risk_score DESC, severity_rank DESC, posted_at DESC NULLS LAST, subject_key, check_name
LIMIT $limit OFFSET $offset;
