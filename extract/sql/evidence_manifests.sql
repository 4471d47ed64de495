-- Every manifest in chain order, oldest first.
SELECT run_id, path, sha256, prev_sha256, files
FROM evidence_manifests
ORDER BY created_at, run_id
