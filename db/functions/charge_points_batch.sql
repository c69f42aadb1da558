-- Point charges settled in batches (src/points/points_store.cpp, ChargeBatch): one call
-- (one round trip, one commit) applies many charges, each exactly as the single-charge
-- statement `points.charge` does (the same conditional update and CHARGE history row), in
-- the order given, and answers one row per charge in that order. One charge's outcome never
-- fails another: a charge over the limit or for an unknown user only reports so.
--
-- Locks (docs/design.md, "Lock order"): the batch's wallets, in user id order, FOR NO KEY
-- UPDATE (what an UPDATE takes anyway), so batches of other loops and instances and
-- single-row writers never deadlock with it. SKIP LOCKED: a wallet held elsewhere (another
-- instance's batch, an operator's transaction) does not stall the batch; that charge answers
-- 'busy' and the service settles it alone, waiting for the row within its own deadline.
--
-- Shape: decided in memory (arrays), then written with one statement per table for the
-- whole batch (an executor start-up per statement was most of a batch's CPU); generic plans
-- (array arguments kept the plan cache on custom plans: a tenth of a batch's time); no
-- sequential scans (on a new database the first call's generic plan would keep one).
CREATE OR REPLACE FUNCTION charge_points_batch(user_ids bigint[], amounts bigint[],
                                               max_balance bigint, outcome_token bigint)
RETURNS TABLE (item_outcome text, item_balance bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  answer_kind text[] := '{}';  -- the rows returned, for write_outcomes
  answer_balance bigint[] := '{}';
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
          ORDER BY pw.user_id FOR NO KEY UPDATE SKIP LOCKED) x;

  FOR i IN 1 .. n LOOP
    w := array_position(wallet_at, user_ids[i]);
    IF w IS NULL THEN
      -- Not locked: no such wallet, or one held elsewhere (a plain read does not wait).
      IF EXISTS (SELECT 1 FROM point_wallets pw WHERE pw.user_id = user_ids[i]) THEN
        item_outcome := 'busy';
      ELSE
        item_outcome := 'user_not_found';
      END IF;
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
    answer_kind := answer_kind || item_outcome;
    answer_balance := answer_balance || item_balance;
    RETURN NEXT;
  END LOOP;

  -- The answer, kept under the batch's token (src/platform/db/write_outcome.hpp): if the
  -- service loses this call's answer after the commit, it reads it back from here.
  IF outcome_token IS NOT NULL THEN
    -- Built once here from two arrays: one JSON value grown per row cost more (a charge
    -- batch is the cheapest per item, so its record weighs most; docs/benchmarks.md).
    INSERT INTO write_outcomes (token, answer)
    SELECT outcome_token, coalesce(jsonb_agg(jsonb_build_array(a.kind, a.balance) ORDER BY a.at),
                                   '[]')
      FROM unnest(answer_kind, answer_balance) WITH ORDINALITY AS a(kind, balance, at);
  END IF;
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
