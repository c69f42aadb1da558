-- Three costs the batched writes paid on every call, measured under the order + pay load
-- (pg_stat_statements with track = all, auto_explain with log_wal; docs/scaling.md):
--
-- 1. Planning. PL/pgSQL keeps a plan per statement, but with array arguments the plan
--    cache kept choosing custom plans: every statement of every batch was planned again,
--    about a tenth of the database time of a batch. The statements' shapes do not depend
--    on the arrays' contents (index lookups by key, unnest joined by key), so the batch
--    functions use the generic plan from the first call.
ALTER FUNCTION place_orders_batch(bigint[], bigint[], bigint[], bigint)
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION pay_orders_batch(bigint[], bigint[])
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION charge_points_batch(bigint[], bigint[], bigint)
  SET plan_cache_mode = force_generic_plan;

-- 2. A row lock per history row. A foreign key check locks the referenced row FOR KEY
--    SHARE, and a lock taken is a WAL record and a dirtied page: every history row locked
--    its user's row. Every history row is written by a change of its wallet, while that
--    wallet's row is already locked by the same transaction; referencing the wallet
--    instead, the check finds the lock it needs already held and writes nothing. It is
--    the stronger rule too: a history row belongs to a wallet, and a wallet to a user.
ALTER TABLE point_history
  DROP CONSTRAINT point_history_user_id_fkey,
  ADD CONSTRAINT point_history_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES point_wallets (user_id);

-- 3. A lock per sale on the product. A payment appends a sales row per order line, and
--    the foreign key check of each locked the product FOR KEY SHARE. For a best-selling
--    product, that row is also held FOR NO KEY UPDATE by the order batch taking its
--    stock, so the two lockers made a MultiXact for nearly every payment. The check adds
--    nothing: a sales row is copied from an order line of a paid order, which references
--    the same product (order_items_product_id_fkey) and is never deleted, so the product
--    cannot go while its sales rows wait to be folded; the fold's target,
--    daily_product_sales, keeps its own foreign key.
ALTER TABLE sales_pending DROP CONSTRAINT sales_pending_product_id_fkey;
