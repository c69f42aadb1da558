-- A million orders (or :orders) for the list scenarios (admin_orders_1m, user_orders_1m),
-- loaded after bench/seed.sql: one line each, spread over users 1..:order_users and products
-- 1..:products, created over the last 81 days (one every 7 s), 70% PAID (paid a minute
-- after), 15% EXPIRED, 15% CANCELLED. None is NOT_PAID, so the expiry sweeper leaves them
-- alone and no stock is reserved. Stock, balances and sales statistics are not touched:
-- these orders only give the lists their size.

\set ON_ERROR_STOP on
BEGIN;
SELECT coalesce(max(id), 0) AS seeded_after FROM orders \gset

WITH spec AS (
  SELECT g,
         1 + g % :order_users AS user_id,
         CASE WHEN g % 20 < 14 THEN 'PAID' WHEN g % 20 < 17 THEN 'EXPIRED'
              ELSE 'CANCELLED' END AS status,
         1000 * (1 + g % 3) AS total,
         now() - (:orders - g) * interval '7 seconds' AS created
  FROM generate_series(1, :orders) AS g),
o AS (
  INSERT INTO orders (user_id, status, total_amount, discount_amount, pay_amount, created_at,
                      expires_at, paid_at, closed_at, updated_at)
  SELECT user_id, status, total, 0, total, created, created + interval '10 minutes',
         CASE WHEN status = 'PAID' THEN created + interval '1 minute' END,
         CASE WHEN status <> 'PAID' THEN created + interval '10 minutes' END, created
  FROM spec ORDER BY g
  RETURNING id, total_amount)
INSERT INTO order_items (order_id, product_id, quantity, unit_price, amount)
SELECT id, 1 + id % :products, total_amount / 1000, 1000, total_amount FROM o;

UPDATE products p SET stock = p.stock - sold.quantity
FROM (SELECT i.product_id, sum(i.quantity) AS quantity
      FROM orders o JOIN order_items i ON i.order_id = o.id
      WHERE o.id > :seeded_after AND o.status = 'PAID' GROUP BY i.product_id) AS sold
WHERE p.id = sold.product_id;

COMMIT;
VACUUM ANALYZE orders;
VACUUM ANALYZE order_items;
