-- How many of the branch's posts from earlier weeks were first seen in [$seen_from, $seen_to).
SELECT count(*)
FROM posts AS p
JOIN accounts AS a ON a.owner_id = p.owner_id
JOIN doctors AS d ON d.npa = a.npa
WHERE a.active AND d.active AND d.branch = $branch
  AND p.post_week < $week
  AND p.first_seen >= $seen_from AND p.first_seen < $seen_to;
