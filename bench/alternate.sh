#!/usr/bin/env bash
# Alternated ./scripts/bench runs of two checkouts (say, main before and after a change),
# each with its own Release build, migrations and bench database, so that the drift of a
# shared machine over minutes falls on both alike. Prints one line per run with the
# throughput of each scenario; the full reports stay in $ALTERNATE_OUT/<name>-<round>/.
#
#   bench/alternate.sh <before checkout> <after checkout> [rounds]
# Environment: BENCH_SCENARIOS (default "health products_list charge order_pay_spread"),
#   ALTERNATE_OUT (default /tmp/bench-alternate); other BENCH_* settings pass through.
# Build both first (`source scripts/lib/common.sh && build_release` in each).
set -euo pipefail

before="$(cd "${1:?usage: bench/alternate.sh <before checkout> <after checkout> [rounds]}" && pwd)"
after="$(cd "${2:?usage: bench/alternate.sh <before checkout> <after checkout> [rounds]}" && pwd)"
rounds="${3:-2}"
out="${ALTERNATE_OUT:-/tmp/bench-alternate}"
export BENCH_SCENARIOS="${BENCH_SCENARIOS:-health products_list charge order_pay_spread}"

for tree in "$before" "$after"; do
  [[ -x $tree/build/release/ecommerce-server ]] || {
    echo "error: no Release build in $tree" >&2
    exit 1
  }
done

for ((round = 1; round <= rounds; round++)); do
  for tree in "$before" "$after"; do
    name=before
    [[ $tree == "$after" ]] && name=after
    report="$out/$name-$round"
    mkdir -p "$report"
    (cd "$tree" && BENCH_SERVER_BIN="$tree/build/release/ecommerce-server" BENCH_OUT="$report" \
      ./scripts/bench >"$report/bench.log" 2>&1) || {
      echo "error: the bench failed in $tree (see $report/bench.log)" >&2
      exit 1
    }
    # The scenario table's rows: "| <scenario> | conns | throughput | unit | ..."
    printf '%-6s round %d (%s):' "$name" "$round" "$(git -C "$tree" rev-parse --short HEAD)"
    awk -F'|' '/^\| [0-9]+[a-z]?\. / { gsub(/^ +| +$/, "", $2); gsub(/ /, "", $4);
      printf "  %s = %s;", $2, $4 }' "$report/latest.md"
    echo
  done
done
