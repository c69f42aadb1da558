-- Statement trigger on products (migration 0003): see count_inserted_products.
CREATE OR REPLACE FUNCTION count_deleted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals
  SET products = products - (SELECT count(*) FROM deleted), version = version + 1;
  RETURN NULL;
END $$;
