INSERT INTO account_usernames
SELECT s.owner_id, s.username, s.lo, s.hi, s.source
FROM stage_sightings AS s
WHERE NOT EXISTS (
    SELECT 1 FROM account_usernames AS h WHERE h.owner_id = s.owner_id AND h.username = s.username
);
