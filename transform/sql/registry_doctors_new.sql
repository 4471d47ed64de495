INSERT INTO doctors
SELECT s.npa, s.full_name, s.branch, s.specialty, s.branch_email, s.registered_on, TRUE, $now
FROM stage_doctors AS s
WHERE NOT EXISTS (SELECT 1 FROM doctors AS d WHERE d.npa = s.npa);
