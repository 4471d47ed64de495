-- Appends the desk rows registered as `desk_rows`; rows already mirrored are left alone.
INSERT INTO review_log BY NAME
SELECT d.*
FROM desk_rows AS d
ANTI JOIN review_log AS r ON r.store_id = d.store_id AND r.seq = d.seq;
