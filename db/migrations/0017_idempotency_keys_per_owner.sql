-- Idempotency keys belong to their caller (the contract, "Idempotency"): the token's user
-- with authentication on, else the request's userId. With the key alone as the primary
-- key, two users' equal keys collided: the second user's write was refused with a 409
-- naming the first user's endpoint. The owner now leads the primary key.

ALTER TABLE idempotency_keys ADD COLUMN owner_id bigint;

-- Existing rows: every stored answer came from a user write whose body had already been
-- read as a JSON object with an integer userId (malformed requests are never stored), and
-- with authentication on the gate had checked that userId is the token's user. So the
-- body's userId is the owner. A row it cannot be read from (none is expected) could never
-- be replayed to anyone, and is dropped rather than guessed.
CREATE FUNCTION pg_temp.idempotency_owner_of(body text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN (body::jsonb ->> 'userId')::bigint;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

UPDATE idempotency_keys SET owner_id = pg_temp.idempotency_owner_of(request_body);
DELETE FROM idempotency_keys WHERE owner_id IS NULL;

ALTER TABLE idempotency_keys ALTER COLUMN owner_id SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (owner_id, idempotency_key);
