-- Point charges settled in batches: one call (one round trip, one commit) applies many
-- charges, each exactly as the single-charge statement in src/points/points_store.cpp does
-- (the same conditional UPDATE and CHARGE history row), in the order given, and answers one
-- row per charge in that order. One charge's outcome never fails another: a charge over the
-- limit or for an unknown user only reports so.
--
-- The batch's wallets are locked first, in user id order, so that batches of different
-- event loops and instances (and single-row writers) can never deadlock; the charges are then
-- applied in arrival order, so a user's charges in one batch see each other in order and the
-- history `seq` follows that order.
CREATE FUNCTION charge_points_batch(user_ids bigint[], amounts bigint[], max_balance bigint)
RETURNS TABLE (item_outcome text, item_balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  new_balance bigint;
  new_version bigint;
BEGIN
  IF coalesce(array_length(user_ids, 1), 0) <> coalesce(array_length(amounts, 1), 0) THEN
    RAISE EXCEPTION 'charge_points_batch: % user ids but % amounts',
      array_length(user_ids, 1), array_length(amounts, 1);
  END IF;
  PERFORM 1 FROM point_wallets w WHERE w.user_id = ANY (user_ids) ORDER BY w.user_id FOR UPDATE;
  FOR i IN 1 .. coalesce(array_length(user_ids, 1), 0) LOOP
    UPDATE point_wallets w
       SET balance = w.balance + amounts[i], version = w.version + 1, updated_at = now()
     WHERE w.user_id = user_ids[i] AND w.balance <= max_balance - amounts[i]
    RETURNING w.balance, w.version INTO new_balance, new_version;
    IF FOUND THEN
      INSERT INTO point_history (user_id, seq, type, amount, balance_after)
      VALUES (user_ids[i], new_version, 'CHARGE', amounts[i], new_balance);
      item_outcome := 'charged';
      item_balance := new_balance;
    ELSE
      SELECT w.balance INTO new_balance FROM point_wallets w WHERE w.user_id = user_ids[i];
      IF FOUND THEN
        item_outcome := 'limit_exceeded';
        item_balance := new_balance;
      ELSE
        item_outcome := 'user_not_found';
        item_balance := 0;
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
