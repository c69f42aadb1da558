-- Payments settled in batches: one call (one round trip, one commit) tries many payments,
-- each exactly as the one-statement payment `payment.pay_at_once` in
-- src/orders/payment_store.cpp (NOT_PAID order inside its window, debit only if the balance
-- covers it, USE history row when the amount is above 0, PAID, the order's sales of the day
-- appended to sales_pending, the ORDER_PAID outbox row), in the order given. It answers one
-- row per payment in that order: the payment, or NULLs where nothing was written (unknown,
-- not payable, past its window or a short balance), which the caller then settles alone in
-- the full transaction that tells those cases apart and expires the order when it must.
--
-- The batch's orders are locked first in id order, then its wallets in user id order: a
-- lone payment also locks its order before its wallet, and charges lock only wallets, so
-- batches of different loops and instances cannot deadlock with each other or with them.
CREATE FUNCTION pay_orders_batch(user_ids bigint[], order_ids bigint[])
RETURNS TABLE (item_paid_at text, item_paid_amount bigint, item_balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  pay bigint;
  new_balance bigint;
  new_version bigint;
  paid orders%ROWTYPE;
BEGIN
  IF coalesce(array_length(user_ids, 1), 0) <> coalesce(array_length(order_ids, 1), 0) THEN
    RAISE EXCEPTION 'pay_orders_batch: % user ids but % order ids',
      array_length(user_ids, 1), array_length(order_ids, 1);
  END IF;
  PERFORM 1 FROM orders o WHERE o.id = ANY (order_ids) ORDER BY o.id FOR UPDATE;
  PERFORM 1 FROM point_wallets w WHERE w.user_id = ANY (user_ids) ORDER BY w.user_id FOR UPDATE;
  FOR i IN 1 .. coalesce(array_length(user_ids, 1), 0) LOOP
    item_paid_at := NULL;
    item_paid_amount := NULL;
    item_balance := NULL;
    SELECT o.pay_amount INTO pay FROM orders o
     WHERE o.id = order_ids[i] AND o.user_id = user_ids[i] AND o.status = 'NOT_PAID'
       AND o.expires_at > now();
    IF FOUND THEN
      UPDATE point_wallets w
         SET balance = w.balance - pay, version = w.version + (pay > 0)::integer,
             updated_at = now()
       WHERE w.user_id = user_ids[i] AND w.balance >= pay
      RETURNING w.balance, w.version INTO new_balance, new_version;
      IF FOUND THEN
        IF pay > 0 THEN
          INSERT INTO point_history (user_id, seq, type, amount, balance_after, order_id)
          VALUES (user_ids[i], new_version, 'USE', pay, new_balance, order_ids[i]);
        END IF;
        UPDATE orders o SET status = 'PAID', paid_at = now(), updated_at = now()
         WHERE o.id = order_ids[i]
        RETURNING o.* INTO paid;
        INSERT INTO sales_pending (sales_date, product_id, quantity)
        SELECT current_date, oi.product_id, oi.quantity FROM order_items oi
         WHERE oi.order_id = paid.id;
        INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload)
        SELECT e.id, 'ORDER_PAID', paid.id, jsonb_build_object(
          'eventId', e.id::text, 'type', 'ORDER_PAID', 'orderId', paid.id,
          'userId', paid.user_id,
          'items', (SELECT jsonb_agg(jsonb_build_object('productId', oi.product_id,
                      'quantity', oi.quantity, 'unitPrice', oi.unit_price, 'amount', oi.amount)
                    ORDER BY oi.product_id) FROM order_items oi WHERE oi.order_id = paid.id),
          'totalAmount', paid.total_amount, 'discountAmount', paid.discount_amount,
          'paidAmount', paid.pay_amount, 'paidAt', api_timestamp(paid.paid_at))
        FROM (SELECT gen_random_uuid() AS id) e;
        item_paid_at := api_timestamp(paid.paid_at);
        item_paid_amount := pay;
        item_balance := new_balance;
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
