-- The outcome of every write transaction, kept for a few minutes (src/platform/db/write_outcome.hpp).
--
-- Each write transaction inserts its token here; a batched write also stores its answer, one
-- JSON array per request in batch order. When the answer to a write is lost (the connection
-- dropped, or the answer did not come in time, after the statement or COMMIT was sent), the
-- service asks on another connection: it inserts the same token itself. That insert waits for
-- a transaction still holding the token, then either finds the row (the write committed: its
-- stored answer is read back and given to the client) or takes it (the write did not commit,
-- and now never can: a 503 is true). No row is ever updated.
--
-- Rows are deleted after five minutes by a periodic task; the BRIN index on the insertion
-- time makes that cheap to find without a b-tree to maintain on every write.
CREATE TABLE write_outcomes (
  token bigint PRIMARY KEY,
  answer jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX write_outcomes_created_at ON write_outcomes USING brin (created_at);
