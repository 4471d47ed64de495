-- The files a run recorded, with whether retention has purged them since.
SELECT path, sha256, size_bytes, purged_at IS NOT NULL AS purged
FROM evidence_files
WHERE run_id = ?
ORDER BY path
