-- The positions (in stage_scan) of the files never read before: no import_files row with the
-- same path, size and modification time. A skipped or quarantined file counts as read (the same
-- bytes would fail the same way). An anti-join in DuckDB: the history of every file ever read
-- never has to fit in Python's memory (transform.load.unread_files).
SELECT s.pos
FROM stage_scan AS s
WHERE NOT EXISTS (
    SELECT 1
    FROM import_files AS f
    WHERE f.path = s.path
      AND f.size_bytes = s.size_bytes
      AND f.mtime_ns = s.mtime_ns
      AND f.status IN ('loaded', 'skipped', 'quarantined')
)
ORDER BY s.pos;
