-- A run's manifest: its own hash and the hash of the manifest before it (the chain).
INSERT INTO evidence_manifests (run_id, path, sha256, prev_sha256, files, created_at)
VALUES (?, ?, ?, ?, ?, ?)
