SELECT owner_id, username, full_name, biography, external_url, business_category,
       is_business_account
FROM profiles
WHERE checked_rule_version IS DISTINCT FROM $version
ORDER BY owner_id;
