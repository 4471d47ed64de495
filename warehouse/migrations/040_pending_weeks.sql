-- 040: weeks that still owe work, written in the same transaction as the change that caused it,
-- so a run killed between stages leaves a to-do list the next run finishes (issue 7).
--   stage 'audit': posts or flags of the week changed; its audit tables must be rebuilt.
--   stage 'gate' : rebuilt; the warehouse data-quality gate must pass before it is published.
CREATE TABLE pending_weeks (
    post_week   VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,
    marked_at   TIMESTAMP NOT NULL,
    run_id      VARCHAR NOT NULL,
    PRIMARY KEY (post_week, stage),
    CHECK (stage IN ('audit', 'gate'))
);
