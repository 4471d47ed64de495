-- The run's landed files and the SHA-256 of each one's bytes as written.
INSERT INTO evidence_files (path, sha256, size_bytes, run_id, username, shortcode, kind, landed_at)
SELECT path, sha256, size_bytes, run_id, username, shortcode, kind, landed_at
FROM stage_evidence_files;
