-- Which existing account each registry row names: by current username, or by any username the
-- account had before (a renamed account stays the same account).
CREATE OR REPLACE TEMP TABLE registry_match AS
SELECT DISTINCT ON (s.username)
    s.npa, s.username AS registry_username, s.registered_on,
    coalesce(cur.username, old.username) AS account_username
FROM stage_accounts AS s
LEFT JOIN accounts AS cur ON cur.username = s.username
LEFT JOIN account_usernames AS h ON h.username = s.username AND cur.username IS NULL
LEFT JOIN accounts AS old ON old.owner_id = h.owner_id
ORDER BY s.username, h.last_seen DESC NULLS LAST;
