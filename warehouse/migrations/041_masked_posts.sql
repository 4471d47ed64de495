-- 041: captions with patient identifiers masked, kept per post content and masking code version
-- so publishing the analysts' copy masks only new or edited posts (issue 7, privacy issue 9).
CREATE TABLE posts_masked (
    shortcode              VARCHAR NOT NULL PRIMARY KEY,
    content_hash           VARCHAR NOT NULL,
    mask_version           VARCHAR NOT NULL,
    caption                VARCHAR,
    accessibility_caption  VARCHAR
);
