#!/usr/bin/env bash
# The price of the replicated database: order + pay (bench/wrk/orderpay.lua) through
# `scripts/cluster 1 --ha` (HAProxy's write port to a Patroni leader whose every commit
# waits for its synchronous standby) against `scripts/cluster 1` on one PostgreSQL, in one
# run, on the same seed (bench/seed.sql). Prints a Markdown table with the ratio.
#
#   bench/ha_price.sh
# Environment: HA_PRICE_DURATION (15 s per run), HA_PRICE_CONNECTIONS (32),
#   CLUSTER_PORT (18280; the --ha run needs 17 ports from there),
#   ECOMMERCE_SERVER_BIN (default: build/release/ecommerce-server, built if missing).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/pg.sh
source "$REPO_ROOT/scripts/lib/pg.sh"
cd "$REPO_ROOT" || exit 1

duration="${HA_PRICE_DURATION:-15}"
conns="${HA_PRICE_CONNECTIONS:-32}"
port="${CLUSTER_PORT:-18280}"
products=200
users=4000
work="$REPO_ROOT/.local/ha-price"
rm -rf "$work"
mkdir -p "$work"

ensure_packages
if [[ -z ${ECOMMERCE_SERVER_BIN:-} ]]; then
  build_release --target ecommerce-server >"$work/build.log" 2>&1 || die "the Release build failed ($work/build.log)"
  ECOMMERCE_SERVER_BIN="$REPO_ROOT/build/release/ecommerce-server"
fi
export ECOMMERCE_SERVER_BIN BENCH_WRK_DIR="$REPO_ROOT/bench/wrk"

cluster_pid=""
# shellcheck disable=SC2317 # only reached through the trap
cleanup() {
  if [[ -n $cluster_pid ]]; then
    kill -TERM "$cluster_pid" 2>/dev/null
    wait "$cluster_pid" 2>/dev/null
  fi
  pg_stop haprice
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 / 2 }' "$1"; } # two requests per op
p99() { awk '$1 == "99%" { print $2 }' "$1"; }
errors() { awk '/Non-2xx|Socket errors/ { sub(/^ +/, ""); printf "%s; ", $0 }' "$1"; }

# measure <name> <database url or ""> <scripts/cluster args...>: starts the cluster, seeds
# it, runs wrk.
measure() {
  local name="$1" url="$2"
  shift 2
  DATABASE_URL="$url" CLUSTER_PORT=$port CLUSTER_DIR="$work/$name" LOG_LEVEL=warn ACCESS_LOG=off DEMO_DATA=0 \
    scripts/cluster "$@" >"$work/$name.log" 2>&1 &
  cluster_pid=$!
  for _ in $(seq 1800); do
    [[ -f $work/$name/cluster.json ]] && curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null && break
    kill -0 "$cluster_pid" 2>/dev/null || die "scripts/cluster $* failed ($work/$name.log)"
    sleep 0.1
  done
  local db
  db="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["db_write"])' "$work/$name/cluster.json")"
  psql -X -q -v ON_ERROR_STOP=1 -v users="$users" -v products="$products" -v stock=10000000 \
    -v hot_stock=100000000 -v balance=50000000 -v rush_quantity=200 \
    -f bench/seed.sql "$db" >"$work/$name-seed.log" 2>&1 || die "seeding failed ($work/$name-seed.log)"
  psql -X -q -c ANALYZE "$db" >/dev/null
  local base="http://127.0.0.1:$port"
  wrk -t1 -c "$conns" -d 3s -s bench/wrk/orderpay.lua "$base" -- users=$users products=$products >/dev/null 2>&1 || true
  wrk -t1 -c "$conns" -d "${duration}s" --latency -s bench/wrk/orderpay.lua "$base" \
    -- users=$users products=$products >"$work/$name.out" 2>&1
  kill -TERM "$cluster_pid"
  wait "$cluster_pid" || die "scripts/cluster $* did not stop cleanly ($work/$name.log)"
  cluster_pid=""
}

# The single PostgreSQL: a private cluster of its own (scripts/lib/pg.sh), fresh database.
pg_start haprice >/dev/null
pg_drop_db haprice ecommerce_haprice
pg_create_db haprice ecommerce_haprice
measure single "$(pg_url haprice ecommerce_haprice)" 1
pg_stop haprice
measure ha "" 1 --ha
single="$(rps "$work/single.out")"
ha="$(rps "$work/ha.out")"
echo "| database | order + pay/s | p99 (per request) | errors |"
echo "|---|--:|--:|---|"
printf '| one PostgreSQL (scripts/cluster 1) | %s | %s | %s |\n' "$single" "$(p99 "$work/single.out")" "$(errors "$work/single.out")"
printf '| Patroni, synchronous standby (scripts/cluster 1 --ha) | %s | %s | %s |\n' "$ha" "$(p99 "$work/ha.out")" "$(errors "$work/ha.out")"
echo
awk -v h="$ha" -v s="$single" 'BEGIN { if (s > 0) printf "HA / one PostgreSQL: %.2f\n", h / s }'
echo "($duration s per run, wrk -t1 -c $conns, $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
