-- The batched payments (0007) and charges (0006) again, same answers, written set-based:
-- each batch is decided in memory (arrays), then written with one statement per table for
-- the whole batch instead of several statements per item. PostgreSQL pays an executor
-- start-up per statement, with the table's CHECK constraints prepared again each time;
-- measured with perf under the order + pay load, that start-up (ExecInitNode, the CHECK
-- expressions read back with stringToNode) was most of a batch's CPU.
--
-- Locks stay in the same order: a payment batch's orders by id, then its wallets by user
-- id; a charge batch's wallets by user id. They are taken FOR NO KEY UPDATE, what an
-- UPDATE of those rows takes anyway, so that rows referenced by foreign keys (an order by
-- its history row) never block another transaction's KEY SHARE check.

CREATE OR REPLACE FUNCTION pay_orders_batch(user_ids bigint[], order_ids bigint[])
RETURNS TABLE (item_paid_at text, item_paid_amount bigint, item_balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(user_ids, 1), 0);
  i int;
  k int;
  w int;
  order_at bigint[];     -- the batch's orders, by id
  order_user bigint[];
  order_pay bigint[];
  payable boolean[];
  wallet_at bigint[];    -- the batch's wallets, by user id
  w_balance bigint[];
  w_version bigint[];
  w_changed boolean[];
  paid bigint[] := '{}';  -- orders paid, in batch order
  h_user bigint[] := '{}';
  h_seq bigint[] := '{}';
  h_amount bigint[] := '{}';
  h_balance bigint[] := '{}';
  h_order bigint[] := '{}';
  paid_at_text text := api_timestamp(now());
BEGIN
  IF n <> coalesce(array_length(order_ids, 1), 0) THEN
    RAISE EXCEPTION 'pay_orders_batch: % user ids but % order ids',
      n, array_length(order_ids, 1);
  END IF;
  SELECT array_agg(o.id ORDER BY o.id), array_agg(o.user_id ORDER BY o.id),
         array_agg(o.pay_amount ORDER BY o.id),
         array_agg(o.status = 'NOT_PAID' AND o.expires_at > now() ORDER BY o.id)
    INTO order_at, order_user, order_pay, payable
    FROM (SELECT * FROM orders o WHERE o.id = ANY (order_ids) ORDER BY o.id
          FOR NO KEY UPDATE) o;
  SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.balance ORDER BY x.user_id),
         array_agg(x.version ORDER BY x.user_id), array_agg(false)
    INTO wallet_at, w_balance, w_version, w_changed
    FROM (SELECT * FROM point_wallets pw WHERE pw.user_id = ANY (user_ids)
          ORDER BY pw.user_id FOR NO KEY UPDATE) x;

  FOR i IN 1 .. n LOOP
    item_paid_at := NULL;
    item_paid_amount := NULL;
    item_balance := NULL;
    k := array_position(order_at, order_ids[i]);
    w := array_position(wallet_at, user_ids[i]);
    IF k IS NOT NULL AND w IS NOT NULL AND payable[k] AND order_user[k] = user_ids[i]
       AND w_balance[w] >= order_pay[k] THEN
      payable[k] := false;  -- paid: the same order again in this batch is not payable
      IF order_pay[k] > 0 THEN
        w_balance[w] := w_balance[w] - order_pay[k];
        w_version[w] := w_version[w] + 1;
        w_changed[w] := true;
        h_user := h_user || user_ids[i];
        h_seq := h_seq || w_version[w];
        h_amount := h_amount || order_pay[k];
        h_balance := h_balance || w_balance[w];
        h_order := h_order || order_ids[i];
      END IF;
      paid := paid || order_ids[i];
      item_paid_at := paid_at_text;
      item_paid_amount := order_pay[k];
      item_balance := w_balance[w];
    END IF;
    RETURN NEXT;
  END LOOP;

  IF cardinality(paid) = 0 THEN
    RETURN;
  END IF;
  UPDATE point_wallets pw SET balance = x.balance, version = x.version, updated_at = now()
    FROM unnest(wallet_at, w_balance, w_version, w_changed) AS x(user_id, balance, version, changed)
   WHERE pw.user_id = x.user_id AND x.changed;
  INSERT INTO point_history (user_id, seq, type, amount, balance_after, order_id)
  SELECT h.user_id, h.seq, 'USE', h.amount, h.balance, h.order_id
    FROM unnest(h_user, h_seq, h_amount, h_balance, h_order)
         WITH ORDINALITY AS h(user_id, seq, amount, balance, order_id, at)
   ORDER BY h.at;
  UPDATE orders o SET status = 'PAID', paid_at = now(), updated_at = now()
   WHERE o.id = ANY (paid);
  INSERT INTO sales_pending (sales_date, product_id, quantity)
  SELECT current_date, oi.product_id, oi.quantity FROM order_items oi
   WHERE oi.order_id = ANY (paid);
  -- gen_random_uuid() in the subquery's target list: volatile, so computed per row.
  INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload)
  SELECT e.event_id, 'ORDER_PAID', e.id, jsonb_build_object(
           'eventId', e.event_id::text, 'type', 'ORDER_PAID', 'orderId', e.id,
           'userId', e.user_id,
           'items', (SELECT jsonb_agg(jsonb_build_object('productId', oi.product_id,
                       'quantity', oi.quantity, 'unitPrice', oi.unit_price,
                       'amount', oi.amount) ORDER BY oi.product_id)
                     FROM order_items oi WHERE oi.order_id = e.id),
           'totalAmount', e.total_amount, 'discountAmount', e.discount_amount,
           'paidAmount', e.pay_amount, 'paidAt', api_timestamp(e.paid_at))
    FROM (SELECT gen_random_uuid() AS event_id, o.* FROM orders o
           WHERE o.id = ANY (paid) ORDER BY o.id) e;
END
$$;

CREATE OR REPLACE FUNCTION charge_points_batch(user_ids bigint[], amounts bigint[],
                                               max_balance bigint)
RETURNS TABLE (item_outcome text, item_balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(user_ids, 1), 0);
  i int;
  w int;
  wallet_at bigint[];
  w_balance bigint[];
  w_version bigint[];
  w_changed boolean[];
  h_user bigint[] := '{}';
  h_seq bigint[] := '{}';
  h_amount bigint[] := '{}';
  h_balance bigint[] := '{}';
BEGIN
  IF n <> coalesce(array_length(amounts, 1), 0) THEN
    RAISE EXCEPTION 'charge_points_batch: % user ids but % amounts',
      n, array_length(amounts, 1);
  END IF;
  SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.balance ORDER BY x.user_id),
         array_agg(x.version ORDER BY x.user_id), array_agg(false)
    INTO wallet_at, w_balance, w_version, w_changed
    FROM (SELECT * FROM point_wallets pw WHERE pw.user_id = ANY (user_ids)
          ORDER BY pw.user_id FOR NO KEY UPDATE) x;

  FOR i IN 1 .. n LOOP
    w := array_position(wallet_at, user_ids[i]);
    IF w IS NULL THEN
      item_outcome := 'user_not_found';
      item_balance := 0;
    ELSIF w_balance[w] > max_balance - amounts[i] THEN
      item_outcome := 'limit_exceeded';
      item_balance := w_balance[w];
    ELSE
      w_balance[w] := w_balance[w] + amounts[i];
      w_version[w] := w_version[w] + 1;
      w_changed[w] := true;
      h_user := h_user || user_ids[i];
      h_seq := h_seq || w_version[w];
      h_amount := h_amount || amounts[i];
      h_balance := h_balance || w_balance[w];
      item_outcome := 'charged';
      item_balance := w_balance[w];
    END IF;
    RETURN NEXT;
  END LOOP;

  IF cardinality(h_user) = 0 THEN
    RETURN;
  END IF;
  UPDATE point_wallets pw SET balance = x.balance, version = x.version, updated_at = now()
    FROM unnest(wallet_at, w_balance, w_version, w_changed) AS x(user_id, balance, version, changed)
   WHERE pw.user_id = x.user_id AND x.changed;
  INSERT INTO point_history (user_id, seq, type, amount, balance_after)
  SELECT h.user_id, h.seq, 'CHARGE', h.amount, h.balance
    FROM unnest(h_user, h_seq, h_amount, h_balance)
         WITH ORDINALITY AS h(user_id, seq, amount, balance, at)
   ORDER BY h.at;
END
$$;
