-- Benchmark data, loaded straight into a freshly migrated database (much faster than
-- the API). psql variables, all set by scripts/bench:
--   users          users (and wallets); the coupon rush needs one per request
--   products       catalogue products 1..products, each with `stock` units
--   stock          stock of every catalogue product
--   hot_stock      stock of the hot product (id products + 1)
--   balance        every wallet's starting balance
--   rush_quantity  totalQuantity of the rush coupon (id 1)
-- Coupon 2 is the mixed workload's coupon (plenty of stock). Sales of the last three
-- days are seeded so best sellers has real work from the first request.

\set ON_ERROR_STOP on
BEGIN;

INSERT INTO users (name)
SELECT 'bench-user-' || g FROM generate_series(1, :users) AS g;

-- A wallet's version counts its changes and equals its history's length, as the
-- service keeps it: the starting balance is one CHARGE.
INSERT INTO point_wallets (user_id, balance, version)
SELECT id, :balance, 1 FROM users;
INSERT INTO point_history (user_id, seq, type, amount, balance_after)
SELECT id, 1, 'CHARGE', :balance, :balance FROM users;

INSERT INTO products (name, description, price, stock)
SELECT 'bench-product-' || g, 'benchmark product ' || g, 1000 + (g % 50) * 100, :stock
FROM generate_series(1, :products) AS g;
INSERT INTO products (name, description, price, stock)
VALUES ('bench-hot-product', 'everyone buys this one', 9900, :hot_stock);

INSERT INTO coupons (name, discount_type, discount_value, total_quantity, remaining_quantity,
                     issue_starts_at, issue_ends_at, valid_days)
VALUES ('bench rush', 'FIXED', 3000, :rush_quantity, :rush_quantity,
        now() - interval '1 hour', now() + interval '1 day', 7),
       ('bench mixed', 'RATE', 5, 1000000, 1000000,
        now() - interval '1 hour', now() + interval '1 day', 7);

INSERT INTO daily_product_sales (sales_date, product_id, quantity)
SELECT (now() AT TIME ZONE 'Asia/Seoul')::date - d, p, 1 + (p * 7919 + d * 104729) % 500
FROM generate_series(0, 2) AS d, generate_series(1, :products) AS p;

COMMIT;
VACUUM ANALYZE;
