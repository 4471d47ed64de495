DELETE FROM collect_state WHERE account_key IN (SELECT unnest(?::VARCHAR[]))
