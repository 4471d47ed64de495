-- 050: posts the collector fetched but did not land because they are older than the lookback
-- window (typically a stale pinned post). Remembered so that no later pass fetches them again
-- or takes them for new posts.

CREATE TABLE collect_skipped (
    owner_id    VARCHAR NOT NULL,
    shortcode   VARCHAR NOT NULL,
    posted_at   TIMESTAMP NOT NULL,
    reason      VARCHAR NOT NULL,     -- before_lookback
    run_id      VARCHAR NOT NULL,
    seen_at     TIMESTAMP NOT NULL
);
