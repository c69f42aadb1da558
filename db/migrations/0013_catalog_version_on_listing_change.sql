-- The product list keeps, per event loop, what it shows of each product but its stock
-- (id, name, price), and trusts it only while catalog_totals.version is unchanged
-- (src/catalog/product_pages.hpp). Inserts and deletes bump the version (0004); so does,
-- from now on, any statement that may change an id, a name or a price. Orders and restocks
-- update only stock (and updated_at): they never fire this trigger.
CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals SET version = version + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER products_listing_changed AFTER UPDATE OF id, name, price ON products
  FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version();
