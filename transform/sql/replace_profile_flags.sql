-- Replaces the flags of the checked profiles (shortcode NULL), keeping first_flagged_at.
CREATE OR REPLACE TEMP TABLE previous_profile_flags AS
SELECT owner_id, check_name, rule_id, min(first_flagged_at) AS first_flagged_at
FROM flags
WHERE shortcode IS NULL AND owner_id IN (SELECT owner_id FROM stage_checked)
GROUP BY ALL;

DELETE FROM flags
WHERE shortcode IS NULL AND owner_id IN (SELECT owner_id FROM stage_checked);

INSERT INTO flags
SELECT
    NULL, s.owner_id, s.check_name, s.rule_id, s.rule_version, s.severity, s.evidence,
    s.evidence_field, s.span_start, s.span_end, s.fatwa_ref, s.risk_score, NULL,
    coalesce(
        (SELECT min(p.first_flagged_at) FROM previous_profile_flags AS p
         WHERE p.owner_id = s.owner_id AND p.check_name = s.check_name AND p.rule_id = s.rule_id),
        (SELECT min(p.first_flagged_at) FROM previous_profile_flags AS p
         WHERE p.owner_id = s.owner_id AND p.check_name = s.check_name),
        $now
    ),
    $run_id
FROM stage_flags AS s;

UPDATE profiles SET checked_rule_version = $version
WHERE owner_id IN (SELECT owner_id FROM stage_checked);

DROP TABLE previous_profile_flags;
