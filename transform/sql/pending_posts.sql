-- Posts whose flags were not computed by the current rule set (new, edited, or rules changed).
SELECT shortcode, owner_id, caption, accessibility_caption, is_sponsored, sponsor_users,
       tagged_users, hashtags, mentions, location, typename, post_week
FROM posts
WHERE checked_rule_version IS DISTINCT FROM $version
ORDER BY shortcode;
