#!/usr/bin/env bash
# Where a batched statement's database time goes: pgbench runs the service's own batch
# statements and functions (bench/pgbench/*_batched.sql.in, product_pages.sql.in, rendered
# from the C++ sources as scripts/bench does) at several batch sizes on a private PostgreSQL seeded by
# bench/seed.sql, with pg_stat_statements tracking the statements inside the functions.
# Prints, per batch size, the rate and each statement's database time per call (execution
# plus planning) and per operation, and the WAL written per operation (pg_stat_wal).
# docs/scaling.md quotes it.
#
#   bench/profile_batches.sh
# Environment: PROFILE_BATCHES ("2 8 32"), PROFILE_DURATION (10 s per size),
#   PROFILE_WARMUP (5 s at batch 8 first, not reported: a freshly seeded database runs
#   slower at first),
#   PROFILE_SCRIPT (order_pay_batched; or charge_batched, or product_pages: the product
#   list's batched page read, where an operation is one page), PROFILE_CLIENTS (2; the service
#   has an order and a payment batch in flight at once), ECOMMERCE_SERVER_BIN (default:
#   build/release/ecommerce-server, built if missing).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/pg.sh
source "$REPO_ROOT/scripts/lib/pg.sh"
cd "$REPO_ROOT" || exit 1

batches="${PROFILE_BATCHES:-2 8 32}"
duration="${PROFILE_DURATION:-10}"
warmup="${PROFILE_WARMUP:-5}"
script="${PROFILE_SCRIPT:-order_pay_batched}"
clients="${PROFILE_CLIENTS:-2}"
users=20000
order_users=10000
products=1000
work="$REPO_ROOT/.local/profile"
mkdir -p "$work"
[[ -f bench/pgbench/$script.sql.in ]] || die "no bench/pgbench/$script.sql.in"

ECOMMERCE_PACKAGES+=(postgresql-client-15 python3)
ensure_packages
if [[ -z ${ECOMMERCE_SERVER_BIN:-} ]]; then
  build_release --target ecommerce-server >"$work/build.log" 2>&1 ||
    die "the Release build failed ($work/build.log)"
  ECOMMERCE_SERVER_BIN="$REPO_ROOT/build/release/ecommerce-server"
fi

trap 'pg_stop profile' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_start profile >/dev/null
url_admin="$(pg_url profile postgres)"
# pg_stat_statements must be loaded at start; its settings exist once it is.
psql -X -q -v ON_ERROR_STOP=1 "$url_admin" \
  -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
pg_stop profile >/dev/null
pg_start profile >/dev/null
psql -X -q -v ON_ERROR_STOP=1 "$url_admin" \
  -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" \
  -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" \
  -c "SELECT pg_reload_conf()" >/dev/null
pg_drop_db profile ecommerce_profile
pg_create_db profile ecommerce_profile
url="$(pg_url profile ecommerce_profile)"
DATABASE_URL="$url" MIGRATIONS_DIR="$REPO_ROOT/db/migrations" "$ECOMMERCE_SERVER_BIN" migrate \
  >"$work/migrate.log" 2>&1 || die "migrations failed ($work/migrate.log)"
psql -X -q -v ON_ERROR_STOP=1 -v users="$users" -v products="$products" -v stock=10000000 \
  -v hot_stock=100000000 -v balance=50000000 -v rush_quantity=200 \
  -f bench/seed.sql "$url" >"$work/seed.log" 2>&1 || die "seeding failed ($work/seed.log)"
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "VACUUM ANALYZE" >/dev/null
python3 bench/pgbench/render.py "bench/pgbench/$script.sql.in" "$work/$script.sql" \
  src/orders/orders_store.cpp src/orders/payment_store.cpp src/points/points_store.cpp \
  src/catalog/product_pages.cpp

# The batch functions plan their statements generically (0010), and the service's page
# statement gets a generic plan after its first calls (pg_prepared_statements); pgbench's
# statement around the page read, with its parameters, would otherwise be planned again on
# every call, which the service never pays.
pgoptions='-c TimeZone=Asia/Seoul'
[[ $script == product_pages ]] && pgoptions+=' -c plan_cache_mode=force_generic_plan'

# run_pgbench <batch> <seconds> <output file>
run_pgbench() {
  PGOPTIONS="$pgoptions" pgbench -n -M prepared -c "$clients" -j 1 -T "$2" \
    -f "$work/$script.sql" -D users="$order_users" -D pid_lo=1 -D pid_hi="$products" \
    -D batch="$1" -D max_balance=100000000 "$url" >"$3" 2>&1 || die "pgbench failed ($3)"
}
if ((warmup > 0)); then run_pgbench 8 "$warmup" "$work/pgbench.warmup.out"; fi

printf '# %s, %s client(s), %s s per batch size, commit %s, %s\n' "$script" "$clients" \
  "$duration" "$(git rev-parse --short HEAD)" "$(date -u +%Y-%m-%dT%H:%MZ)"
for batch in $batches; do
  psql -X -q "$url" -c "SELECT pg_stat_statements_reset()" \
    -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
  out="$work/pgbench.$batch.out"
  run_pgbench "$batch" "$duration" "$out"
  tps="$(awk '/^tps = / { print $3 }' "$out")"
  runs="$(awk '/^number of transactions actually processed:/ { print $NF }' "$out")"
  ops=$((runs * batch))
  printf '\n## batch %s: %s operations/s (%s script runs)\n\n' "$batch" \
    "$(awk -v t="$tps" -v b="$batch" 'BEGIN { printf "%.0f", t * b }')" "$runs"
  psql -X -q -At -F ' | ' "$url" -v ops="$ops" <<'EOF'
SELECT '| statement (first 70 characters) | calls | µs per call | µs per operation | of which planning |';
SELECT '|---|--:|--:|--:|--:|';
SELECT '| ' || left(regexp_replace(query, '\s+', ' ', 'g'), 70), calls,
       round(((total_exec_time + total_plan_time) / calls * 1000)::numeric),
       round(((total_exec_time + total_plan_time) / :ops * 1000)::numeric),
       round((total_plan_time / :ops * 1000)::numeric) || ' |'
  FROM pg_stat_statements
 WHERE calls > 0 AND query NOT LIKE '%pg_stat_statements%'
   AND total_exec_time + total_plan_time > 0.01 * (SELECT sum(total_exec_time) FROM pg_stat_statements WHERE toplevel)
 ORDER BY total_exec_time + total_plan_time DESC LIMIT 25;
SELECT '';
SELECT 'WAL per operation: ' || round(wal_records::numeric / :ops, 1) || ' records, '
       || round(wal_bytes / :ops) || ' bytes, ' || round(wal_fpi::numeric / :ops, 2)
       || ' full-page images' FROM pg_stat_wal;
EOF
done
