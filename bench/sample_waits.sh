#!/usr/bin/env bash
# What PostgreSQL's client backends of one database are doing: samples pg_stat_activity
# every 5 ms for a while and prints how often each (state, wait event) was seen. Run it
# beside a load (e.g. during a `./scripts/bench` scenario, against .local/pg-bench):
#
#   bench/sample_waits.sh URL DATABASE [SECONDS]
#
# URL is any libpq URI of the cluster (its maintenance database is fine); DATABASE is the
# one whose backends are sampled (ecommerce_bench for the bench); SECONDS defaults to 15.
# The sampler is one backend looping in a DO block; it is not counted. "on CPU" is an
# active backend with no wait event.
set -euo pipefail

[[ $# -ge 2 ]] || {
  sed -n '2,11p' "$0" >&2
  exit 2
}
url="$1" database="$2" seconds="${3:-15}"
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || {
  echo "error: SECONDS must be a positive integer" >&2
  exit 2
}
[[ $database =~ ^[a-z_][a-z0-9_]*$ ]] || {
  echo "error: bad database name: $database" >&2
  exit 2
}

psql -X -q -v ON_ERROR_STOP=1 "$url" <<SQL
CREATE TEMP TABLE samples (round int, state text, wait text);
DO \$\$
DECLARE
  stop_at timestamptz := clock_timestamp() + interval '$seconds seconds';
  n int := 0;
BEGIN
  WHILE clock_timestamp() < stop_at LOOP
    n := n + 1;
    INSERT INTO samples
    SELECT n, state,
           CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ':' || wait_event
                WHEN state = 'active' THEN 'on CPU' ELSE '-' END
      FROM pg_stat_activity
     WHERE datname = '$database' AND backend_type = 'client backend' AND pid <> pg_backend_pid();
    PERFORM pg_stat_clear_snapshot();  -- else the transaction sees one snapshot throughout
    PERFORM pg_sleep(0.005);
  END LOOP;
END
\$\$;
\pset footer off
SELECT count(DISTINCT round) AS rounds FROM samples;
SELECT state, wait, count(*) AS seen,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY state = 'active'), 1)
         AS "% of its kind"
  FROM samples GROUP BY state, wait ORDER BY state = 'active' DESC, seen DESC;
SQL
