-- Of the names given to --accounts, those that no registered account has or had.
SELECT name
FROM unnest($names::VARCHAR[]) AS n(name)
WHERE name NOT IN (SELECT username FROM accounts WHERE active)
    AND name NOT IN (
        SELECT h.username FROM account_usernames AS h
        JOIN accounts AS a ON a.owner_id = h.owner_id AND a.active
    )
ORDER BY name
