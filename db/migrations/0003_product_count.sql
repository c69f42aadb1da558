-- The product list returns totalElements with every page. count(*) over products costs a
-- scan of a table whose rows are rewritten by every order (stock), on every list request;
-- this one-row counter, kept exact by statement-level triggers whatever inserts or deletes
-- products (the API, the demo data, a bulk load), makes it a single-row read.
CREATE TABLE catalog_totals (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  products  bigint  NOT NULL CHECK (products >= 0)
);

-- Concurrent inserts of products serialise on this row until they commit; products are
-- created by admins, rarely.
CREATE FUNCTION count_inserted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals SET products = products + (SELECT count(*) FROM inserted);
  RETURN NULL;
END $$;

CREATE FUNCTION count_deleted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals SET products = products - (SELECT count(*) FROM deleted);
  RETURN NULL;
END $$;

-- Taken before counting, so no product can be inserted between the count and the trigger.
LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO catalog_totals (products) SELECT count(*) FROM products;

CREATE TRIGGER products_counted_on_insert AFTER INSERT ON products
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_products();
CREATE TRIGGER products_counted_on_delete AFTER DELETE ON products
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_products();
