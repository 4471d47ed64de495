-- One row per stored post, with whether its account is registered (suite warehouse_posts).
WITH registered AS (
    SELECT DISTINCT owner_id
    FROM accounts
    WHERE owner_id IS NOT NULL
),
final AS (
    SELECT
        p.shortcode,
        p.owner_id,
        r.owner_id IS NOT NULL AS account_registered
    FROM posts AS p
    LEFT JOIN registered AS r ON r.owner_id = p.owner_id
)
SELECT * FROM final;
