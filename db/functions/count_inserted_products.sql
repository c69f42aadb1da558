-- Statement trigger on products (migration 0003): keeps catalog_totals.products, and bumps
-- catalog_totals.version, which the product list trusts its cached ids by (0004).
CREATE OR REPLACE FUNCTION count_inserted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals
  SET products = products + (SELECT count(*) FROM inserted), version = version + 1;
  RETURN NULL;
END $$;
