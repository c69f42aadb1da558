-- The whole commerce schema, from the seed ERD, with the constraints that make
-- PostgreSQL the arbiter of correctness: no negative balance or stock, one coupon
-- of a kind per user, a coupon bound to at most one live order, and money as bigint.

CREATE TABLE users (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One wallet per user, created with the user. `version` counts balance changes so the
-- history can be ordered exactly as the balance changed (sequence ids are not).
CREATE TABLE point_wallets (
  user_id    bigint      PRIMARY KEY REFERENCES users (id),
  balance    bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
  version    bigint      NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text        NOT NULL DEFAULT '',
  price       bigint      NOT NULL CHECK (price BETWEEN 0 AND 100000000),
  stock       bigint      NOT NULL CHECK (stock >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE coupons (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name               text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  discount_type      text        NOT NULL CHECK (discount_type IN ('FIXED', 'RATE')),
  discount_value     bigint      NOT NULL CHECK (discount_value >= 1),
  total_quantity     bigint      NOT NULL CHECK (total_quantity >= 1),
  remaining_quantity bigint      NOT NULL,
  issue_starts_at    timestamptz NOT NULL,
  issue_ends_at      timestamptz NOT NULL,
  valid_days         integer     NOT NULL CHECK (valid_days >= 1),
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (remaining_quantity BETWEEN 0 AND total_quantity),
  CHECK (issue_ends_at >= issue_starts_at),
  CHECK (discount_type <> 'RATE' OR discount_value <= 100)
);

-- EXPIRED is not stored: a coupon is expired when expires_at has passed and it is unused.
CREATE TABLE user_coupons (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint      NOT NULL REFERENCES users (id),
  coupon_id  bigint      NOT NULL REFERENCES coupons (id),
  status     text        NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'USED')),
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  UNIQUE (user_id, coupon_id)
);
CREATE INDEX user_coupons_by_user ON user_coupons (user_id, id DESC);

CREATE TABLE orders (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         bigint      NOT NULL REFERENCES users (id),
  status          text        NOT NULL DEFAULT 'NOT_PAID'
                              CHECK (status IN ('NOT_PAID', 'PAID', 'EXPIRED', 'CANCELLED')),
  user_coupon_id  bigint      REFERENCES user_coupons (id),
  total_amount    bigint      NOT NULL CHECK (total_amount >= 0),
  discount_amount bigint      NOT NULL CHECK (discount_amount BETWEEN 0 AND total_amount),
  pay_amount      bigint      NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  paid_at         timestamptz,
  closed_at       timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (pay_amount = total_amount - discount_amount),
  CHECK ((status = 'PAID') = (paid_at IS NOT NULL))
);
CREATE INDEX orders_by_user ON orders (user_id, id DESC);
-- The expiry sweeper scans only live orders.
CREATE INDEX orders_unpaid_by_expiry ON orders (expires_at) WHERE status = 'NOT_PAID';
-- A coupon can back at most one order that has not given it back.
CREATE UNIQUE INDEX orders_one_live_order_per_coupon ON orders (user_coupon_id)
  WHERE user_coupon_id IS NOT NULL AND status IN ('NOT_PAID', 'PAID');

CREATE TABLE order_items (
  order_id   bigint NOT NULL REFERENCES orders (id),
  product_id bigint NOT NULL REFERENCES products (id),
  quantity   bigint NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
  unit_price bigint NOT NULL CHECK (unit_price >= 0),
  amount     bigint NOT NULL CHECK (amount = unit_price * quantity),
  PRIMARY KEY (order_id, product_id)
);

CREATE TABLE point_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES users (id),
  seq           bigint      NOT NULL,
  type          text        NOT NULL CHECK (type IN ('CHARGE', 'USE')),
  amount        bigint      NOT NULL CHECK (amount > 0),
  balance_after bigint      NOT NULL CHECK (balance_after >= 0),
  order_id      bigint      REFERENCES orders (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, seq),
  CHECK ((type = 'USE') = (order_id IS NOT NULL))
);

-- Daily sales statistics (the seed's best_seller table, kept per sales day so any
-- 3-day window can be summed). sales_date is in the service time zone.
CREATE TABLE daily_product_sales (
  sales_date date   NOT NULL,
  product_id bigint NOT NULL REFERENCES products (id),
  quantity   bigint NOT NULL CHECK (quantity >= 0),
  PRIMARY KEY (sales_date, product_id)
);

-- Timestamps in the API are RFC 3339 with the offset of the session time zone, which
-- every service connection sets to SERVICE_TIME_ZONE.
CREATE FUNCTION api_timestamp(ts timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM');
