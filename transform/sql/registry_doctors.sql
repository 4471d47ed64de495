-- Brings doctors in line with the registry (stage_doctors); returns rows changed per step.
-- The current registry decides a doctor's branch and whether they are monitored.
UPDATE doctors SET
    full_name = s.full_name, branch = s.branch, specialty = s.specialty,
    branch_email = s.branch_email, registered_on = s.registered_on, active = TRUE,
    updated_at = $now
FROM stage_doctors AS s
WHERE doctors.npa = s.npa
  AND (doctors.full_name IS DISTINCT FROM s.full_name OR doctors.branch IS DISTINCT FROM s.branch
       OR doctors.specialty IS DISTINCT FROM s.specialty
       OR doctors.branch_email IS DISTINCT FROM s.branch_email
       OR doctors.registered_on IS DISTINCT FROM s.registered_on OR NOT doctors.active);
