-- Stores the flags the parse workers computed (stage_preflags) for the posts of this batch
-- (stage_prechecked: shortcode, content hash and file of each checked post), but only where the
-- warehouse now holds that very content and has not yet been checked by this rule version; one
-- file per post when a batch holds the same post twice. Then the usual replacement.
CREATE OR REPLACE TEMP TABLE stage_checked AS
SELECT c.shortcode, min(c.source_file) AS source_file
FROM stage_prechecked AS c
JOIN posts AS p ON p.shortcode = c.shortcode AND p.content_hash = c.content_hash
WHERE p.checked_rule_version IS DISTINCT FROM $version
GROUP BY c.shortcode;

CREATE OR REPLACE TEMP TABLE stage_flags AS
SELECT f.* EXCLUDE (source_file)
FROM stage_preflags AS f
JOIN stage_checked AS c ON c.shortcode = f.shortcode AND c.source_file = f.source_file;
