-- The batch functions now take the batch's outcome token as a last argument and record
-- their answer under it in write_outcomes themselves (db/functions/*_batch.sql; see
-- src/platform/db/write_outcome.hpp). That is a new signature, so the old ones go: the
-- function files, applied after the migrations, create the new ones.
DROP FUNCTION IF EXISTS charge_points_batch(bigint[], bigint[], bigint);
DROP FUNCTION IF EXISTS pay_orders_batch(bigint[], bigint[]);
DROP FUNCTION IF EXISTS place_orders_batch(bigint[], bigint[], bigint[], bigint);
DROP FUNCTION IF EXISTS issue_coupons_batch(bigint[], bigint[]);
