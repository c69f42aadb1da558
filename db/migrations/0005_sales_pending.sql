-- Sales of paid orders, appended by each payment and folded into daily_product_sales by a
-- background step in every instance (about once a second). A payment used to upsert the
-- (day, product) row itself: for a best-selling product that row was a second hot row
-- locked by every payment until its commit. An append never waits on anyone. The
-- best-seller ranking reads both tables, so it is exact at query time all the same.
CREATE TABLE sales_pending (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sales_date date   NOT NULL,  -- in the service time zone, as payments date them
  product_id bigint NOT NULL REFERENCES products (id),
  quantity   bigint NOT NULL CHECK (quantity > 0)
);

-- The ranking's window scan over the pending rows.
CREATE INDEX sales_pending_by_date ON sales_pending (sales_date, product_id);
