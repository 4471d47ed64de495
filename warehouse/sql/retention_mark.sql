-- What the retention policy removes, decided in one place.
-- Kept: every post with a flag staff have not dismissed (open, confirmed and escalated cases
-- stay on record), and everything since $cutoff of active accounts. Removed: posts without such
-- a flag older than $cutoff, and those of accounts that left the registry whatever their age.
CREATE OR REPLACE TEMP TABLE purge_posts AS
SELECT p.shortcode
FROM posts AS p
LEFT JOIN accounts AS a ON a.owner_id = p.owner_id
WHERE (p.posted_at < $cutoff OR a.owner_id IS NULL OR NOT a.active)
  AND NOT EXISTS (SELECT 1 FROM flags_effective AS f WHERE f.shortcode = p.shortcode);

-- Raw files: a purged post's file whatever its age; any other file landed before the cutoff
-- unless it is the evidence of a kept flag: of its post, or (a profile file, named by the
-- username it was landed under) of its account's profile.
CREATE OR REPLACE TEMP TABLE purge_files AS
SELECT e.path
FROM evidence_files AS e
WHERE e.purged_at IS NULL
  AND (
      e.shortcode IN (SELECT shortcode FROM purge_posts)
      OR (e.landed_at < $cutoff
          AND NOT EXISTS (
              SELECT 1
              FROM flags_effective AS f
              WHERE (e.shortcode IS NOT NULL AND f.shortcode = e.shortcode)
                 OR (e.shortcode IS NULL AND f.shortcode IS NULL
                     AND f.owner_id IN (SELECT u.owner_id FROM account_usernames AS u
                                        WHERE u.username = e.username))))
  );

-- Doctors who left the registry and have nothing kept.
CREATE OR REPLACE TEMP TABLE purge_doctors AS
SELECT d.npa
FROM doctors AS d
WHERE NOT d.active
  AND NOT EXISTS (
      SELECT 1 FROM accounts AS a
      JOIN posts AS p ON p.owner_id = a.owner_id
      WHERE a.npa = d.npa AND p.shortcode NOT IN (SELECT shortcode FROM purge_posts)
  );
