-- The batch functions find every row by its key (orders and wallets by id, order lines by
-- order id, stock by product id), and since 0010 each statement in them keeps the generic
-- plan made at its session's first call. On a new database that first call sees `orders`
-- at a page or two, where a sequential scan is the cheaper plan, and the session keeps it
-- until autovacuum next analyzes the table (a minute or more): measured on a freshly seeded
-- bench database, order + pay ran at 920 pairs/s instead of about 1,900, with 18,511
-- sequential scans reading 83.8 million `orders` rows in 20 s (pg_stat_user_tables).
-- With sequential scans off inside these functions the planner takes the key's index
-- whatever the table's size at planning time; none of their statements needs a scan of a
-- whole table (unnest is a function scan, not affected).
ALTER FUNCTION place_orders_batch(bigint[], bigint[], bigint[], bigint)
  SET enable_seqscan = off;
ALTER FUNCTION pay_orders_batch(bigint[], bigint[])
  SET enable_seqscan = off;
ALTER FUNCTION charge_points_batch(bigint[], bigint[], bigint)
  SET enable_seqscan = off;
