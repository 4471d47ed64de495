INSERT INTO accounts (owner_id, username, npa, registered_on, active, first_seen, last_seen, updated_at)
SELECT NULL, m.registry_username, m.npa, m.registered_on, TRUE, NULL, NULL, $now
FROM registry_match AS m
WHERE m.account_username IS NULL;
