-- One batch of the pending posts ($lo <= n < $hi) with the fields the rules read.
SELECT p.shortcode, p.owner_id, p.caption, p.accessibility_caption, p.is_sponsored,
       p.sponsor_users, p.tagged_users, p.hashtags, p.mentions, p.location, p.typename,
       p.post_week
FROM pending_posts AS q
JOIN posts AS p ON p.shortcode = q.shortcode
WHERE q.n >= $lo AND q.n < $hi
ORDER BY q.n;
