-- Ties registered accounts whose owner id is not yet known to the id first seen under their
-- username (stage_bind_ids: owner_id, username, seen_at; one row per username).
UPDATE accounts
SET owner_id = b.owner_id, updated_at = b.seen_at
FROM stage_bind_ids AS b
WHERE accounts.owner_id IS NULL
  AND accounts.username = b.username;
