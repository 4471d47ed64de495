UPDATE accounts SET active = FALSE, updated_at = $now
WHERE active AND username NOT IN (
    SELECT account_username FROM registry_match WHERE account_username IS NOT NULL
    UNION ALL SELECT registry_username FROM registry_match
);
