UPDATE accounts SET
    first_seen = least(coalesce(accounts.first_seen, s.lo), s.lo),
    last_seen = greatest(coalesce(accounts.last_seen, s.hi), s.hi)
FROM (SELECT owner_id, min(lo) AS lo, max(hi) AS hi FROM stage_sightings GROUP BY owner_id) AS s
WHERE accounts.owner_id = s.owner_id
  AND (accounts.first_seen IS NULL OR s.lo < accounts.first_seen OR s.hi > accounts.last_seen);
