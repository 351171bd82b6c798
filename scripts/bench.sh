#!/usr/bin/env bash
# The benchmark table: builds the benchmarks (release), runs each measure with its baseline
# measured in the same run, and prints one table — measure, goal, value, baseline, ratio,
# verdict — headed by the date, the machine and its load average.
#
#   scripts/bench.sh            print the table
#   scripts/bench.sh --record   also append it to benches/RESULTS.md
#
# Runs: inventory_sync on the Plus plan (WEFT_BENCH_SKUS, default 30,000 SKUs × 3 locations),
# the million-level run on the Plus plan (WEFT_BENCH_MILLION_SKUS, default 100,000 SKUs × 10
# locations, its rate compared with the first run's), on the Standard plan
# (WEFT_BENCH_STANDARD_SKUS, default 100,000 SKUs: 300,000 levels from one CSV, long enough that
# the starting bucket does not dominate), engine (webhook intake; idle RSS with three plugins) and plugins (Wasm vs native). Measure on an idle machine: the simulator, weft and the load
# generator share its cores. About 8 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
record=false
[ "${1:-}" = "--record" ] && record=true
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

[ -f target/plugins/file-feed/plugin.wasm ] && [ -f target/plugins/tryton/plugin.wasm ] && [ -f target/plugins/sku-normalize/plugin.wasm ] || plugins/build.sh target/plugins
cargo bench -p weft --no-run --bench inventory_sync --bench engine --bench plugins

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { "$@" 2>&1 | tee -a "$log"; }
run env WEFT_BENCH_PLAN=plus WEFT_BENCH_SKUS="${WEFT_BENCH_SKUS:-30000}" cargo bench -q -p weft --bench inventory_sync
# The million-level run (100,000 SKUs × 10 locations), its rate against the run above's.
base=$(awk -F'\t' '/^RESULT\tinventory levels\/s/ { sub("/s", "", $4); print $4; exit }' "$log")
run env WEFT_BENCH_PLAN=plus WEFT_BENCH_SKUS="${WEFT_BENCH_MILLION_SKUS:-100000}" WEFT_BENCH_LOCATIONS=10 \
  WEFT_BENCH_LINEAR_BASE="$base" cargo bench -q -p weft --bench inventory_sync
run env WEFT_BENCH_PLAN=standard WEFT_BENCH_SKUS="${WEFT_BENCH_STANDARD_SKUS:-100000}" cargo bench -q -p weft --bench inventory_sync
run cargo bench -q -p weft --bench engine
run cargo bench -q -p weft --bench plugins

table=$(
  echo "### $(date -u +%Y-%m-%d' '%H:%M' UTC') — $(git rev-parse --short HEAD)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB; load average before/after: ${load_before} / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measure | goal | value | baseline (same run) | ratio | verdict |"
  echo "|---|---|---:|---|---:|---|"
  awk -F'\t' '/^RESULT/ { printf "| %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7 }' "$log"
)
echo
echo "$table"
if $record; then
  printf '\n%s\n' "$table" >>benches/RESULTS.md
  echo "appended to benches/RESULTS.md"
fi
