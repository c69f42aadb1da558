-- Timestamps in the API are RFC 3339 with the offset of the session time zone, which
-- every service connection sets to SERVICE_TIME_ZONE.
CREATE OR REPLACE FUNCTION api_timestamp(ts timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM');
