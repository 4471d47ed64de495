-- The newest manifest: the link the next run's manifest chains to.
SELECT run_id, sha256
FROM evidence_manifests
ORDER BY created_at DESC, run_id DESC
LIMIT 1
