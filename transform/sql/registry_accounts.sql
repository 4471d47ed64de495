UPDATE accounts SET npa = m.npa, registered_on = m.registered_on, active = TRUE, updated_at = $now
FROM registry_match AS m
WHERE accounts.username = m.account_username
  AND (accounts.npa <> m.npa OR accounts.registered_on IS DISTINCT FROM m.registered_on
       OR NOT accounts.active);
