-- Statement trigger on products (migration 0013): any statement that may change an id, a
-- name or a price bumps catalog_totals.version, so the product list's per-loop copy of
-- names and prices (src/catalog/product_pages.hpp) is read again. Orders and restocks
-- update only stock (and updated_at): they never fire it.
CREATE OR REPLACE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals SET version = version + 1;
  RETURN NULL;
END $$;
