-- 030: the outbox sends nothing twice. One message per idempotency key (a branch's weekly report,
-- an alert batch, an operator notice), and each flag identity (subject_key, check_name) is
-- carried by at most one alert ever: a re-run or backfill finds the key and queues nothing.
CREATE UNIQUE INDEX outbox_idempotency_key ON outbox (idempotency_key);
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE UNIQUE INDEX outbox_flags_identity ON outbox_flags (subject_key, check_name);
