-- One landed file and the SHA-256 of its bytes as written.
INSERT INTO evidence_files (path, sha256, size_bytes, run_id, username, shortcode, kind, landed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
