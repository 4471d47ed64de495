-- The evidence of the findings on one queue page: every rule that fired, strongest first.
SELECT
    subject_key, check_name, rule_id, severity, evidence, evidence_field, fatwa_ref
FROM flag_rows
WHERE list_contains($keys, subject_key || '|' || check_name)
ORDER BY
    subject_key,
    check_name,
    CASE severity WHEN 'berat' THEN 3 WHEN 'sedang' THEN 2 ELSE 1 END DESC,
    rule_id,
    evidence;
