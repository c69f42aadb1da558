-- Coupon issues settled in batches: one call (one round trip, one commit) decides many
-- issue requests, each exactly as the single-request statement did (the same conditional
-- UPDATE of the coupon's remaining quantity, the same user_coupons row), in the order given,
-- and answers one row per request in that order. A request that gets no coupon gets the
-- facts its error is chosen from (user exists, window open, already issued, remaining; all
-- NULL when the coupon does not exist), read after the requests before it in the batch.
--
-- Why: in a rush every request updates the same coupon row, so one request per transaction
-- serialises the rush on that row's lock, one commit after another (the bench's rush had a
-- p90 of 95 ms and a p99 of 262 ms with 64 connections). Batched, one commit issues many.
--
-- Locks (docs/design.md, "Lock order"): the batch's coupons first, in id order, so that batches of different
-- instances can never deadlock; a later batch waits for the commit of an earlier one on the
-- same coupon and then sees its user_coupons rows, so "one per user" and "exactly N" hold
-- across instances. ON CONFLICT covers a user_coupons row committed by anything that did
-- not lock the coupon (nothing does today): the quantity taken is given back and the
-- request is answered as already issued, instead of the whole batch failing.
-- Unlike the other batches it waits for its coupons' rows (up to the request deadline): in a
-- rush every request of every instance writes the same coupon row, so skipping a row held
-- by another instance's batch would send the whole rush down a slower path.
CREATE OR REPLACE FUNCTION issue_coupons_batch(user_ids bigint[], coupon_ids bigint[],
                                               outcome_token bigint)
RETURNS TABLE (item_user_coupon_id bigint, item_name text, item_discount_type text,
               item_discount_value bigint, item_issued_at text, item_expires_at text,
               item_coupon_exists boolean, item_user_exists boolean, item_window_open boolean,
               item_already_issued boolean, item_remaining bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  outcome_answer jsonb := '[]';  -- the rows returned, for write_outcomes
  i int;
  valid_days_of integer;
BEGIN
  IF coalesce(array_length(user_ids, 1), 0) <> coalesce(array_length(coupon_ids, 1), 0) THEN
    RAISE EXCEPTION 'issue_coupons_batch: % user ids but % coupon ids',
      array_length(user_ids, 1), array_length(coupon_ids, 1);
  END IF;
  PERFORM 1 FROM coupons c WHERE c.id = ANY (coupon_ids) ORDER BY c.id FOR NO KEY UPDATE;
  FOR i IN 1 .. coalesce(array_length(user_ids, 1), 0) LOOP
    item_user_coupon_id := NULL;
    item_issued_at := NULL;
    item_expires_at := NULL;
    item_coupon_exists := true;
    item_user_exists := true;
    item_window_open := true;
    item_already_issued := false;
    item_remaining := NULL;
    UPDATE coupons c SET remaining_quantity = c.remaining_quantity - 1
     WHERE c.id = coupon_ids[i] AND c.remaining_quantity > 0
       AND now() BETWEEN c.issue_starts_at AND c.issue_ends_at
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_ids[i])
       AND NOT EXISTS (SELECT 1 FROM user_coupons uc
                       WHERE uc.user_id = user_ids[i] AND uc.coupon_id = coupon_ids[i])
    RETURNING c.name, c.discount_type, c.discount_value, c.valid_days, c.remaining_quantity
         INTO item_name, item_discount_type, item_discount_value, valid_days_of, item_remaining;
    IF FOUND THEN
      INSERT INTO user_coupons (user_id, coupon_id, issued_at, expires_at)
      VALUES (user_ids[i], coupon_ids[i], now(), now() + valid_days_of * interval '24 hours')
      ON CONFLICT (user_id, coupon_id) DO NOTHING
      RETURNING id, api_timestamp(issued_at), api_timestamp(expires_at)
           INTO item_user_coupon_id, item_issued_at, item_expires_at;
      IF NOT FOUND THEN
        UPDATE coupons c SET remaining_quantity = c.remaining_quantity + 1
         WHERE c.id = coupon_ids[i]
        RETURNING c.remaining_quantity INTO item_remaining;
        item_already_issued := true;
      END IF;
    ELSE
      item_name := NULL;
      item_discount_type := NULL;
      item_discount_value := NULL;
      SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = user_ids[i]),
             now() BETWEEN c.issue_starts_at AND c.issue_ends_at,
             EXISTS (SELECT 1 FROM user_coupons uc
                     WHERE uc.user_id = user_ids[i] AND uc.coupon_id = c.id),
             c.remaining_quantity
        INTO item_user_exists, item_window_open, item_already_issued, item_remaining
        FROM coupons c WHERE c.id = coupon_ids[i];
      IF NOT FOUND THEN
        item_coupon_exists := false;
        item_user_exists := NULL;
        item_window_open := NULL;
        item_already_issued := NULL;
      END IF;
    END IF;
    outcome_answer := outcome_answer || jsonb_build_array(jsonb_build_array(item_user_coupon_id, item_name, item_discount_type, item_discount_value, item_issued_at,
                                     item_expires_at, item_coupon_exists, item_user_exists,
                                     item_window_open, item_already_issued, item_remaining));
    RETURN NEXT;
  END LOOP;
  -- The answer, kept under the batch's token (src/platform/db/write_outcome.hpp): if the
  -- service loses this call's answer after the commit, it reads it back from here.
  IF outcome_token IS NOT NULL THEN
    INSERT INTO write_outcomes (token, answer) VALUES (outcome_token, outcome_answer);
  END IF;
END
$$;
