INSERT INTO collect_state (
    account_key, owner_id, username, newest_posted_at, newest_shortcode,
    last_attempt_at, last_success_at, last_status
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
