-- 070: one row per publication of the analysts' copy, with a fingerprint of the published data,
-- so a run that changed nothing since the last publication skips the gate and the copy (issue 8).
CREATE TABLE publications (
    run_id        VARCHAR NOT NULL,
    published_at  TIMESTAMP NOT NULL,
    fingerprint   VARCHAR NOT NULL
);
