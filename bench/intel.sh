#!/usr/bin/env bash
# bench/intel.sh [BUILD_DIR] - load time and lookups per second of the intel
# stage (`make bench` runs it; docs/PERFORMANCE.md). bench/intel_bench
# writes 1,000,000 mixed indicators as a plain list and as a Feodo Tracker
# CSV, and 100,000 SSLBL JA3 rows (fixed seed), into a temporary folder,
# times vg_intel_load() of each beside reading the same file and counting
# its lines in the same process (the reference), then 2,000,000 lookups of
# each kind. Then, from the shell on the same files: `wc -l` and `cat` (the
# references) and `vigil intel stats` (the whole command: load, count,
# print), each the best of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${VG_INTEL_BENCH_N:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/bench/intel_bench" "$n" "$dir"
best() { # COMMAND...: the best wall time of 3 runs, in seconds
  local b="" t
  for _ in 1 2 3; do
    t=$( { TIMEFORMAT=%R; time "$@" >/dev/null 2>&1; } 2>&1 )
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
  done
  echo "$b"
}
for f in mixed.txt feodo.csv; do
  echo "shell.$f.wc_l_s: $(best wc -l "$dir/$f")"
  echo "shell.$f.cat_s: $(best cat "$dir/$f")"
  echo "shell.$f.vigil_intel_stats_s: $(best "$build/vigil" intel stats -q --intel "$dir/$f")"
done
