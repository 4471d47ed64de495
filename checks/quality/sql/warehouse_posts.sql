-- The posts the warehouse gate validates (suite warehouse_posts), with whether each one's account
-- is registered: every post of the weeks being published ($weeks), and any other post that
-- breaks a warehouse-wide rule (its shortcode stored twice, its account not registered).
-- Weeks nobody changed are not pulled into memory again, yet damage anywhere still fails the
-- gate: the frame stays the size of the weeks being published, not of years of history.
WITH registered AS (
    SELECT DISTINCT owner_id
    FROM accounts
    WHERE owner_id IS NOT NULL
),
repeated AS (
    SELECT shortcode
    FROM posts
    GROUP BY shortcode
    HAVING count(*) > 1
),
final AS (
    SELECT
        p.shortcode,
        p.owner_id,
        r.owner_id IS NOT NULL AS account_registered
    FROM posts AS p
    LEFT JOIN registered AS r ON r.owner_id = p.owner_id
    WHERE p.post_week IN (SELECT unnest($weeks::VARCHAR[]))
       OR r.owner_id IS NULL
       OR p.shortcode IS NULL
       OR p.shortcode IN (SELECT shortcode FROM repeated)
)
SELECT * FROM final;
