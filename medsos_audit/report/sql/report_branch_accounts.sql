-- Active registered accounts of the branch now (for weeks the audit tables have no row for).
SELECT count(*)
FROM accounts AS a
JOIN doctors AS d ON d.npa = a.npa
WHERE a.active AND d.active AND d.branch = $branch;
