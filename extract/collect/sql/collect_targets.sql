-- The registered accounts to collect, most overdue first: never tried, then longest since the
-- last try. `accounts` holds each registered account under its current username (the loader
-- follows renames); $only, when given, keeps the accounts named by any username they ever had.
WITH registered AS (
    SELECT owner_id, username, coalesce(owner_id, 'username:' || username) AS account_key
    FROM accounts
    WHERE active
),

chosen AS (
    SELECT registered.*
    FROM registered
    WHERE $only::VARCHAR[] IS NULL
        OR list_contains($only::VARCHAR[], registered.username)
        OR registered.owner_id IN (
            SELECT owner_id FROM account_usernames
            WHERE list_contains($only::VARCHAR[], username)
        )
),

final AS (
    SELECT
        chosen.account_key,
        chosen.owner_id,
        chosen.username,
        state.newest_posted_at AS high_water,
        state.last_attempt_at
    FROM chosen
    LEFT JOIN collect_state AS state ON state.account_key = chosen.account_key
)

SELECT * FROM final
ORDER BY last_attempt_at NULLS FIRST, username
