-- One-product orders without a coupon, placed in batches: one call (one round trip, one
-- commit) tries many orders, each exactly as the one-statement order `orders.insert` in
-- src/orders/orders_store.cpp (OrderBatch) (the user exists, the product exists and has the stock,
-- stock taken, a NOT_PAID order with its one line and its payment window). The orders are
-- taken first come, first served in the order given: an order that finds too little stock
-- left by the orders before it is refused while a later, smaller one may still get what
-- remains, as if each had run alone in that order. It answers one row per order in that
-- order: the order placed, or NULLs where nothing was written (unknown user or product,
-- too little stock), which the caller then settles alone to tell those cases apart.
--
-- Locks (docs/design.md, "Lock order"): the batch's products, one by one in id order, as
-- every order and release locks them, FOR NO KEY UPDATE (what an UPDATE of the stock takes anyway): a FOR UPDATE lock
-- would also block the KEY SHARE lock of a payment appending sales rows for the product
-- (their foreign key), and a batch and a payment each holding what the other wants
-- deadlock.
--
-- Shape: the orders are decided in memory (arrays), then written with one statement per
-- table for the whole batch. PostgreSQL pays an executor start-up per statement, with the
-- table's CHECK constraints prepared again each time; one INSERT per order made that the
-- largest cost of a batch.
--
-- A product held elsewhere: another instance's batch holds a hot product for a few
-- milliseconds, so the batch waits for it briefly (25 ms) rather than sending its orders
-- down the slow path; a row held longer (an operator's transaction) is skipped, and its
-- orders answer NULL and are settled alone, each waiting within its own deadline.
CREATE OR REPLACE FUNCTION place_orders_batch(user_ids bigint[], product_ids bigint[],
                                              quantities bigint[], payment_timeout_seconds bigint,
                                              outcome_token bigint)
RETURNS TABLE (item_order_id bigint, item_unit_price bigint, item_created_at text,
               item_expires_at text)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  outcome_answer jsonb := '[]';  -- the rows returned, for write_outcomes
  n int := coalesce(array_length(user_ids, 1), 0);
  usual_lock_timeout text := current_setting('lock_timeout');
  i int;
  k int;
  product bigint;
  price bigint;
  stock bigint;
  locked_ids bigint[] := '{}';
  prices bigint[] := '{}';
  stock_left bigint[] := '{}';
  taken bigint[] := '{}';
  known_users bigint[];
  placed int[] := '{}';  -- positions of the orders placed, in batch order
  new_ids bigint[];
  created timestamptz := now();
  expires timestamptz := now() + payment_timeout_seconds * interval '1 second';
BEGIN
  IF n <> coalesce(array_length(product_ids, 1), 0)
     OR n <> coalesce(array_length(quantities, 1), 0) THEN
    RAISE EXCEPTION 'place_orders_batch: % user ids, % product ids, % quantities',
      n, array_length(product_ids, 1), array_length(quantities, 1);
  END IF;
  -- One index lookup per product: with `id = ANY (...)` the planner may choose a
  -- sequential scan of the (small, often updated) products table for every batch.
  FOR product IN SELECT DISTINCT x.id FROM unnest(product_ids) AS x(id) ORDER BY x.id LOOP
    SELECT p.price, p.stock INTO price, stock FROM products p WHERE p.id = product
       FOR NO KEY UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      -- Absent, or held elsewhere: wait for it a little (a subtransaction, only here).
      BEGIN
        PERFORM set_config('lock_timeout', '25ms', true);
        SELECT p.price, p.stock INTO price, stock FROM products p WHERE p.id = product
           FOR NO KEY UPDATE;
        PERFORM set_config('lock_timeout', usual_lock_timeout, true);
      EXCEPTION WHEN lock_not_available THEN
        price := NULL;  -- skipped: its orders are settled alone
      END;
    END IF;
    IF price IS NOT NULL THEN  -- locked (products.price is NOT NULL)
      locked_ids := locked_ids || product;
      prices := prices || price;
      stock_left := stock_left || stock;
      taken := taken || 0::bigint;
    END IF;
  END LOOP;
  SELECT array_agg(u.id) INTO known_users FROM users u WHERE u.id = ANY (user_ids);

  FOR i IN 1 .. n LOOP
    k := array_position(locked_ids, product_ids[i]);
    IF k IS NOT NULL AND user_ids[i] = ANY (known_users)
       AND stock_left[k] >= quantities[i] THEN
      stock_left[k] := stock_left[k] - quantities[i];
      taken[k] := taken[k] + quantities[i];
      placed := placed || i;
    END IF;
  END LOOP;

  IF cardinality(placed) > 0 THEN
    -- Ids drawn first (ascending in batch order), so each answer knows its order's id.
    SELECT array_agg(s.id ORDER BY s.id) INTO new_ids
      FROM (SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id
              FROM generate_series(1, cardinality(placed))) s;
    INSERT INTO orders (id, user_id, user_coupon_id, total_amount, discount_amount,
                        pay_amount, created_at, expires_at)
    OVERRIDING SYSTEM VALUE
    SELECT o.id, user_ids[o.at], NULL,
           prices[array_position(locked_ids, product_ids[o.at])] * quantities[o.at], 0,
           prices[array_position(locked_ids, product_ids[o.at])] * quantities[o.at],
           created, expires
      FROM unnest(new_ids, placed) AS o(id, at);
    INSERT INTO order_items (order_id, product_id, quantity, unit_price, amount)
    SELECT o.id, product_ids[o.at], quantities[o.at],
           prices[array_position(locked_ids, product_ids[o.at])],
           prices[array_position(locked_ids, product_ids[o.at])] * quantities[o.at]
      FROM unnest(new_ids, placed) AS o(id, at);
    UPDATE products p SET stock = p.stock - t.quantity, updated_at = now()
      FROM unnest(locked_ids, taken) AS t(id, quantity)
     WHERE p.id = t.id AND t.quantity > 0;
  END IF;

  k := 1;  -- the next placed order
  FOR i IN 1 .. n LOOP
    IF k <= cardinality(placed) AND placed[k] = i THEN
      item_order_id := new_ids[k];
      item_unit_price := prices[array_position(locked_ids, product_ids[i])];
      item_created_at := api_timestamp(created);
      item_expires_at := api_timestamp(expires);
      k := k + 1;
    ELSE
      item_order_id := NULL;
      item_unit_price := NULL;
      item_created_at := NULL;
      item_expires_at := NULL;
    END IF;
    outcome_answer := outcome_answer || jsonb_build_array(jsonb_build_array(item_order_id, item_unit_price, item_created_at, item_expires_at));
    RETURN NEXT;
  END LOOP;
  -- The answer, kept under the batch's token (src/platform/db/write_outcome.hpp): if the
  -- service loses this call's answer after the commit, it reads it back from here.
  IF outcome_token IS NOT NULL THEN
    INSERT INTO write_outcomes (token, answer) VALUES (outcome_token, outcome_answer);
  END IF;
END
$$;
