-- Applies the marks of retention_mark.sql; counts are read before this runs.
UPDATE evidence_files SET purged_at = $now WHERE path IN (SELECT path FROM purge_files);

DELETE FROM flags WHERE shortcode IN (SELECT shortcode FROM purge_posts);

DELETE FROM posts WHERE shortcode IN (SELECT shortcode FROM purge_posts);

CREATE OR REPLACE TEMP TABLE purge_owners AS
SELECT owner_id FROM accounts WHERE npa IN (SELECT npa FROM purge_doctors) AND owner_id IS NOT NULL;

DELETE FROM flags WHERE owner_id IN (SELECT owner_id FROM purge_owners);

DELETE FROM account_signals WHERE owner_id IN (SELECT owner_id FROM purge_owners);

DELETE FROM profiles WHERE owner_id IN (SELECT owner_id FROM purge_owners);

DELETE FROM account_usernames WHERE owner_id IN (SELECT owner_id FROM purge_owners);

DELETE FROM collect_state WHERE owner_id IN (SELECT owner_id FROM purge_owners);

DELETE FROM accounts WHERE npa IN (SELECT npa FROM purge_doctors);

DELETE FROM doctors WHERE npa IN (SELECT npa FROM purge_doctors);

INSERT INTO purge_log
SELECT $run_id, $now, $cutoff, $raw_files, $posts, $flags, $doctors;
