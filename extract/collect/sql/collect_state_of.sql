-- The stored state of an account, under its user id or a username key from before it was known.
SELECT account_key, newest_posted_at, newest_shortcode, last_attempt_at, last_success_at
FROM collect_state
WHERE account_key IN (SELECT unnest(?::VARCHAR[]))
