-- Branches with at least one active registered account (the current registry decides).
SELECT DISTINCT d.branch
FROM doctors AS d
JOIN accounts AS a ON a.npa = d.npa
WHERE d.active AND a.active
ORDER BY d.branch;
