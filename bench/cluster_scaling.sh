#!/usr/bin/env bash
# Requests per second through HAProxy for 1, 2 and 3 instances (scripts/cluster) on one
# PostgreSQL: a read path (GET /api/v1/products/{id}) and a write path (POST
# /api/v1/points/charge), wrk with the bench/wrk scripts, short runs. Prints a Markdown
# table (docs/scaling.md quotes one). Uses its own private PostgreSQL (.local/pg-scaling),
# seeded by bench/seed.sql, stopped at the end.
#
#   bench/cluster_scaling.sh
# Environment: SCALING_INSTANCES ("1 2 3"), SCALING_DURATION (10 s per run),
#   SCALING_READ_CONNECTIONS (64), SCALING_WRITE_CONNECTIONS (32), CLUSTER_PORT (18180),
#   ECOMMERCE_SERVER_BIN (default: build/release/ecommerce-server, built if missing),
#   CLUSTER_BACKEND_KEEPALIVE=1 (HAProxy keeps its connections to the instances; see
#   scripts/cluster).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/pg.sh
source "$REPO_ROOT/scripts/lib/pg.sh"
cd "$REPO_ROOT" || exit 1

counts="${SCALING_INSTANCES:-1 2 3}"
duration="${SCALING_DURATION:-10}"
read_conns="${SCALING_READ_CONNECTIONS:-64}"
write_conns="${SCALING_WRITE_CONNECTIONS:-32}"
port="${CLUSTER_PORT:-18180}"
products=1000
users=10000
work="$REPO_ROOT/.local/scaling"
mkdir -p "$work"

ensure_packages
if [[ -z ${ECOMMERCE_SERVER_BIN:-} ]]; then
  build_release --target ecommerce-server >"$work/build.log" 2>&1 || die "the Release build failed ($work/build.log)"
  ECOMMERCE_SERVER_BIN="$REPO_ROOT/build/release/ecommerce-server"
fi
export ECOMMERCE_SERVER_BIN

cluster_pid=""
# shellcheck disable=SC2317 # only reached through the trap
cleanup() {
  if [[ -n $cluster_pid ]]; then
    kill -TERM "$cluster_pid" 2>/dev/null
    wait "$cluster_pid" 2>/dev/null
  fi
  pg_stop scaling
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_start scaling >/dev/null
pg_drop_db scaling ecommerce_scaling
pg_create_db scaling ecommerce_scaling
export DATABASE_URL
DATABASE_URL="$(pg_url scaling ecommerce_scaling)"
MIGRATIONS_DIR="$REPO_ROOT/db/migrations" "$ECOMMERCE_SERVER_BIN" migrate >/dev/null ||
  die "migrations failed"
psql -X -q -v ON_ERROR_STOP=1 -v users="$users" -v products="$products" -v stock=10000000 \
  -v hot_stock=100000000 -v balance=50000000 -v rush_quantity=200 \
  -f bench/seed.sql "$DATABASE_URL" >"$work/seed.log" 2>&1 || die "seeding failed ($work/seed.log)"

export BENCH_WRK_DIR="$REPO_ROOT/bench/wrk"
# rps <wrk output>: the Requests/sec figure.
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
p99() { awk '$1 == "99%" { print $2 }' "$1"; }
errors() { awk '/Non-2xx|Socket errors/ { sub(/^ +/, ""); printf "%s; ", $0 }' "$1"; }

echo "| instances | read: GET /products/{id} req/s | p99 | write: POST /points/charge req/s | p99 | errors |"
echo "|--:|--:|--:|--:|--:|---|"
for n in $counts; do
  CLUSTER_PORT=$port CLUSTER_DIR="$work/cluster-$n" LOG_LEVEL=warn ACCESS_LOG=off DEMO_DATA=0 \
    scripts/cluster "$n" >"$work/cluster-$n.log" 2>&1 &
  cluster_pid=$!
  for _ in $(seq 600); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null && break
    kill -0 "$cluster_pid" 2>/dev/null || die "scripts/cluster $n failed ($work/cluster-$n.log)"
    sleep 0.1
  done
  base="http://127.0.0.1:$port"
  wrk -t1 -c "$read_conns" -d 2s -s bench/wrk/reads.lua "$base" -- kind=detail products=$products >/dev/null 2>&1 || true
  wrk -t1 -c "$read_conns" -d "${duration}s" --latency -s bench/wrk/reads.lua "$base" \
    -- kind=detail products=$products >"$work/read-$n.out" 2>&1
  wrk -t1 -c "$write_conns" -d "${duration}s" --latency -s bench/wrk/charge.lua "$base" \
    -- users=$users threads=1 >"$work/write-$n.out" 2>&1
  printf '| %s | %s | %s | %s | %s | %s |\n' "$n" "$(rps "$work/read-$n.out")" "$(p99 "$work/read-$n.out")" \
    "$(rps "$work/write-$n.out")" "$(p99 "$work/write-$n.out")" \
    "$(errors "$work/read-$n.out")$(errors "$work/write-$n.out")"
  if ((n == 1)); then
    # The same single instance without HAProxy: what the proxy hop costs.
    direct="http://127.0.0.1:$((port + 1))"
    wrk -t1 -c "$read_conns" -d "${duration}s" --latency -s bench/wrk/reads.lua "$direct" \
      -- kind=detail products=$products >"$work/read-direct.out" 2>&1
    wrk -t1 -c "$write_conns" -d "${duration}s" --latency -s bench/wrk/charge.lua "$direct" \
      -- users=$users threads=1 >"$work/write-direct.out" 2>&1
    printf '| 1, no HAProxy | %s | %s | %s | %s | %s |\n' "$(rps "$work/read-direct.out")" \
      "$(p99 "$work/read-direct.out")" "$(rps "$work/write-direct.out")" \
      "$(p99 "$work/write-direct.out")" "$(errors "$work/read-direct.out")$(errors "$work/write-direct.out")"
  fi
  kill -TERM "$cluster_pid"
  wait "$cluster_pid" || die "scripts/cluster $n did not stop cleanly ($work/cluster-$n.log)"
  cluster_pid=""
done
echo
mode="one per request (http-server-close)"
[[ ${CLUSTER_BACKEND_KEEPALIVE:-0} == 1 ]] && mode="kept alive (CLUSTER_BACKEND_KEEPALIVE=1)"
echo "($duration s per run, wrk -t1, $read_conns connections for reads, $write_conns for writes; HAProxy to instance connections: $mode; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
