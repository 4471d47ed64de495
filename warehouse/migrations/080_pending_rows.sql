-- 080: a third stage in pending_weeks.
--   stage 'rows': posts or flags of the week changed; the warehouse gate's post and flag suites
--   must read that week's rows. A registry change rebuilds (and re-gates) every week's audit rows
--   but changes no post or flag, so those suites then read only what did change, not years of
--   history (issue 8). DuckDB cannot alter a CHECK constraint: the table is made again.
CREATE TABLE pending_weeks_next (
    post_week   VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,
    marked_at   TIMESTAMP NOT NULL,
    run_id      VARCHAR NOT NULL,
    PRIMARY KEY (post_week, stage),
    CHECK (stage IN ('audit', 'gate', 'rows'))
);
INSERT INTO pending_weeks_next SELECT post_week, stage, marked_at, run_id FROM pending_weeks;
-- a week already waiting may hold changed rows: read them once more
INSERT OR IGNORE INTO pending_weeks_next
SELECT post_week, 'rows', min(marked_at), min(run_id) FROM pending_weeks GROUP BY post_week;
DROP TABLE pending_weeks;
ALTER TABLE pending_weeks_next RENAME TO pending_weeks;
