-- Posts whose masked caption is missing, or was made from other content or other masking code.
WITH final AS (
    SELECT p.shortcode, p.content_hash, p.caption, p.accessibility_caption
    FROM posts AS p
    LEFT JOIN posts_masked AS m ON m.shortcode = p.shortcode
    WHERE m.shortcode IS NULL
       OR m.content_hash <> p.content_hash
       OR m.mask_version <> $version
)
SELECT * FROM final;
