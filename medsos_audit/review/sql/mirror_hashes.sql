-- The rows of one desk store already mirrored in the warehouse, by position.
SELECT seq, row_hash
FROM review_log
WHERE store_id = $store_id;
