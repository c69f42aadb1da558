-- Payments settled in batches (src/orders/payment_store.cpp, PaymentBatch): one call (one
-- round trip, one commit) tries many payments, each exactly as the full payment does when
-- it succeeds (NOT_PAID order inside its window, debit only if the balance covers it, USE
-- history row when the amount is above 0, PAID, the order's sales of the day appended to
-- sales_pending, the ORDER_PAID outbox row), in the order given. It answers one row per
-- payment in that order: the payment, or NULLs where nothing was written (unknown, not
-- payable, past its window, a short balance, or a row held elsewhere), which the service
-- then settles alone in the full transaction that tells those cases apart and expires the
-- order when it must.
--
-- Locks (docs/design.md, "Lock order"): the batch's orders in id order, then its wallets in
-- user id order, FOR NO KEY UPDATE, SKIP LOCKED: a row held elsewhere does not stall the
-- batch; that payment is settled alone, waiting for the row within its own deadline.
--
-- One read of the paid orders' lines feeds both their sales rows and their events; the rest
-- of each event comes from the order rows read (and locked) above. The event payload is
-- built here only: the single-request payment calls this function too (one item).
CREATE OR REPLACE FUNCTION pay_orders_batch(user_ids bigint[], order_ids bigint[],
                                            outcome_token bigint)
RETURNS TABLE (item_paid_at text, item_paid_amount bigint, item_balance bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  outcome_answer jsonb := '[]';  -- the rows returned, for write_outcomes
  n int := coalesce(array_length(user_ids, 1), 0);
  i int;
  k int;
  w int;
  order_at bigint[];     -- the batch's orders, by id
  order_user bigint[];
  order_pay bigint[];
  order_total bigint[];
  order_discount bigint[];
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
         array_agg(o.pay_amount ORDER BY o.id), array_agg(o.total_amount ORDER BY o.id),
         array_agg(o.discount_amount ORDER BY o.id),
         array_agg(o.status = 'NOT_PAID' AND o.expires_at > now() ORDER BY o.id)
    INTO order_at, order_user, order_pay, order_total, order_discount, payable
    FROM (SELECT * FROM orders o WHERE o.id = ANY (order_ids) ORDER BY o.id
          FOR NO KEY UPDATE SKIP LOCKED) o;
  SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.balance ORDER BY x.user_id),
         array_agg(x.version ORDER BY x.user_id), array_agg(false)
    INTO wallet_at, w_balance, w_version, w_changed
    FROM (SELECT * FROM point_wallets pw WHERE pw.user_id = ANY (user_ids)
          ORDER BY pw.user_id FOR NO KEY UPDATE SKIP LOCKED) x;

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
    outcome_answer := outcome_answer || jsonb_build_array(jsonb_build_array(item_paid_at, item_paid_amount, item_balance));
    RETURN NEXT;
  END LOOP;

  -- The answer, kept under the batch's token (src/platform/db/write_outcome.hpp): if the
  -- service loses this call's answer after the commit, it reads it back from here.
  IF outcome_token IS NOT NULL THEN
    INSERT INTO write_outcomes (token, answer) VALUES (outcome_token, outcome_answer);
  END IF;
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
  -- One read of the paid orders' lines feeds both their sales rows and their events; the
  -- rest of each event comes from the order rows read (and locked) above.
  WITH line AS (
    SELECT oi.order_id, oi.product_id, oi.quantity, oi.unit_price, oi.amount
      FROM order_items oi WHERE oi.order_id = ANY (paid)
  ), sale AS (
    INSERT INTO sales_pending (sales_date, product_id, quantity)
    SELECT current_date, l.product_id, l.quantity FROM line l
  )
  INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload)
  SELECT e.event_id, 'ORDER_PAID', e.id, jsonb_build_object(
           'eventId', e.event_id::text, 'type', 'ORDER_PAID', 'orderId', e.id,
           'userId', e.user_id, 'items', e.items, 'totalAmount', e.total,
           'discountAmount', e.discount, 'paidAmount', e.pay, 'paidAt', paid_at_text)
    -- gen_random_uuid() in the subquery's target list: volatile, so computed per row.
    FROM (SELECT gen_random_uuid() AS event_id, p.*, l.items
            FROM unnest(order_at, order_user, order_total, order_discount, order_pay)
                 AS p(id, user_id, total, discount, pay)
            LEFT JOIN (SELECT ln.order_id,
                              jsonb_agg(jsonb_build_object('productId', ln.product_id,
                                          'quantity', ln.quantity, 'unitPrice', ln.unit_price,
                                          'amount', ln.amount) ORDER BY ln.product_id) AS items
                         FROM line ln GROUP BY ln.order_id) l ON l.order_id = p.id
           WHERE p.id = ANY (paid)
           ORDER BY p.id) e;
END
$$;
