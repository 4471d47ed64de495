-- The newest row of one desk store already mirrored in the warehouse.
SELECT seq, row_hash
FROM review_log
WHERE store_id = $store_id
ORDER BY seq DESC
LIMIT 1;
