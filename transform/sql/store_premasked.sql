-- Stores the masked captions the parse workers made (stage_premasked, one row per file) for the
-- posts whose stored content they were made from, so publishing finds nothing left to mask.
CREATE OR REPLACE TEMP TABLE stage_masked AS
SELECT DISTINCT ON (m.shortcode) m.shortcode, m.content_hash, m.caption, m.accessibility_caption
FROM stage_premasked AS m
JOIN posts AS p ON p.shortcode = m.shortcode AND p.content_hash = m.content_hash
ORDER BY m.shortcode;

DELETE FROM posts_masked WHERE shortcode IN (SELECT shortcode FROM stage_masked);

INSERT INTO posts_masked
SELECT shortcode, content_hash, $version, caption, accessibility_caption
FROM stage_masked;

DROP TABLE stage_masked;
