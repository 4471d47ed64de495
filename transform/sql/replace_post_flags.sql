-- Replaces the flags of the checked posts (stage_checked) by the new ones (stage_flags).
-- first_flagged_at is kept from an earlier flag of the same rule, else of the same check, so a
-- rule edit does not make an old finding look new.
CREATE OR REPLACE TEMP TABLE previous_post_flags AS
SELECT shortcode, check_name, rule_id, min(first_flagged_at) AS first_flagged_at
FROM flags
WHERE shortcode IN (SELECT shortcode FROM stage_checked)
GROUP BY ALL;

DELETE FROM flags WHERE shortcode IN (SELECT shortcode FROM stage_checked);

INSERT INTO flags
SELECT
    s.shortcode, s.owner_id, s.check_name, s.rule_id, s.rule_version, s.severity, s.evidence,
    s.evidence_field, s.span_start, s.span_end, s.fatwa_ref, s.risk_score, s.post_week,
    coalesce(
        (SELECT min(p.first_flagged_at) FROM previous_post_flags AS p
         WHERE p.shortcode = s.shortcode AND p.check_name = s.check_name AND p.rule_id = s.rule_id),
        (SELECT min(p.first_flagged_at) FROM previous_post_flags AS p
         WHERE p.shortcode = s.shortcode AND p.check_name = s.check_name),
        $now
    ),
    $run_id
FROM stage_flags AS s;

UPDATE posts SET checked_rule_version = $version
WHERE shortcode IN (SELECT shortcode FROM stage_checked);

DROP TABLE previous_post_flags;
