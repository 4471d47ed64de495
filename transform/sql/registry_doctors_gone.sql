UPDATE doctors SET active = FALSE, updated_at = $now
WHERE active AND npa NOT IN (SELECT npa FROM stage_doctors);
