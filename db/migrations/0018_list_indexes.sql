-- Indexes for the read lists (issue 28): GET /admin/orders?status=, the count of a status,
-- and GET /admin/stats/daily. A user's orders already have orders_by_user (user_id, id DESC)
-- and everyone's the primary key.
--
-- Plain CREATE INDEX, inside the migrator's transaction: it blocks writes to orders while
-- it builds (seconds at a million orders). On a live database with many orders, build them
-- first by hand, without blocking writes, with the same names and definitions:
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_by_status ON orders (status, id DESC);
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_paid_by_time ON orders (paid_at)
--     INCLUDE (pay_amount) WHERE paid_at IS NOT NULL;
-- then start the new version: IF NOT EXISTS makes this migration a no-op (docs/console.md).

-- An operator's page of one status, newest first, and that status's count (index-only).
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, id DESC);

-- Daily sales: the paid orders of a range of days with their payAmount, index-only.
-- paid_at is set exactly when an order is PAID (a CHECK in 0001), and a paid order stays paid.
CREATE INDEX IF NOT EXISTS orders_paid_by_time ON orders (paid_at)
  INCLUDE (pay_amount) WHERE paid_at IS NOT NULL;
