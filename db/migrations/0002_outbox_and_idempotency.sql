-- Transactional outbox for the data platform, and idempotency keys.

-- One row per event, written in the transaction that makes the fact true (the payment),
-- so an event exists exactly when its order is PAID. Relays in every instance claim due
-- rows with FOR UPDATE SKIP LOCKED, POST them, and mark them delivered; delivered rows are
-- pruned later. Delivery is at-least-once: event_id is what the platform de-duplicates by.
CREATE TABLE outbox_events (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid        NOT NULL UNIQUE,
  event_type      text        NOT NULL,
  aggregate_id    bigint      NOT NULL,  -- the order id for ORDER_PAID
  payload         jsonb       NOT NULL,  -- the whole document POSTed, eventId included
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  delivered_at    timestamptz,
  -- An order is paid at most once, so it has at most one ORDER_PAID event.
  UNIQUE (event_type, aggregate_id)
);

-- What relays scan: undelivered rows that are due, oldest first.
CREATE INDEX outbox_events_due ON outbox_events (next_attempt_at, id) WHERE delivered_at IS NULL;
-- What pruning scans.
CREATE INDEX outbox_events_delivered ON outbox_events (delivered_at)
  WHERE delivered_at IS NOT NULL;

-- Idempotency-Key records. A key is claimed by inserting its row in the same transaction
-- as the work it guards and the response is stored before that transaction commits, so a
-- key is either unused or bound to a finished, committed answer; a concurrent duplicate
-- waits on the row and then replays. Keys live 24 hours.
CREATE TABLE idempotency_keys (
  idempotency_key text        PRIMARY KEY,
  endpoint        text        NOT NULL,  -- e.g. 'POST /api/v1/points/charge'
  request_body    text        NOT NULL,
  response_status integer,
  response_body   text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
