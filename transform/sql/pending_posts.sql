-- Fixes the set of posts whose flags were not computed by the current rule set (new, edited,
-- or the rules changed), numbered so they can be read a batch at a time.
CREATE OR REPLACE TEMP TABLE pending_posts AS
SELECT shortcode, row_number() OVER (ORDER BY shortcode) - 1 AS n
FROM posts
WHERE checked_rule_version IS DISTINCT FROM $version;
