UPDATE account_usernames SET
    first_seen = least(account_usernames.first_seen, s.lo),
    last_seen = greatest(account_usernames.last_seen, s.hi)
FROM stage_sightings AS s
WHERE account_usernames.owner_id = s.owner_id AND account_usernames.username = s.username
  AND (s.lo < account_usernames.first_seen OR s.hi > account_usernames.last_seen);
