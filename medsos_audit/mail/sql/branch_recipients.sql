-- The addresses a branch's mail goes to: the branch_email of its active doctors.
SELECT DISTINCT branch_email
FROM doctors
WHERE active AND branch = $branch AND branch_email IS NOT NULL
ORDER BY branch_email;
