-- A history row is the change number `seq` of its user's wallet: (user_id, seq) is already
-- unique, and every read goes by it (a user's history, newest first). The identity column
-- `id` was read by nothing, yet every charge and every payment paid a second index entry
-- for it. (user_id, seq) becomes the primary key and `id` goes: one index entry per history
-- row instead of two.
ALTER TABLE point_history DROP CONSTRAINT point_history_pkey;
ALTER TABLE point_history DROP COLUMN id;
ALTER TABLE point_history
  DROP CONSTRAINT point_history_user_id_seq_key,
  ADD CONSTRAINT point_history_pkey PRIMARY KEY (user_id, seq);
