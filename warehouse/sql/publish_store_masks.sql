-- Replaces the masked captions of the staged posts (stage_masked) and forgets purged posts.
DELETE FROM posts_masked
WHERE shortcode IN (SELECT shortcode FROM stage_masked)
   OR shortcode NOT IN (SELECT shortcode FROM posts);

INSERT INTO posts_masked
SELECT shortcode, content_hash, $version, caption, accessibility_caption
FROM stage_masked;
