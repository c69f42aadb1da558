-- A version of the product set, bumped by every statement that inserts or deletes
-- products. The product list keeps the ids in id order per event loop and trusts them only
-- while this version is unchanged, so a page is found without an OFFSET scan.
ALTER TABLE catalog_totals ADD COLUMN version bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION count_inserted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals
  SET products = products + (SELECT count(*) FROM inserted), version = version + 1;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_deleted_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_totals
  SET products = products - (SELECT count(*) FROM deleted), version = version + 1;
  RETURN NULL;
END $$;
