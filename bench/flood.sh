#!/usr/bin/env bash
# bench/flood.sh [BUILD_DIR] - the detectors' memory bound: a SYN flood from
# 10 million distinct forged sources (bench/gen_synflood) through vigil at
# two flow-table caps. Prints, per run, the attacks reported, the flows
# evicted, the wall time and the peak RSS: the flood must be one attack and
# the RSS must follow the cap, not the number of sources.
set -euo pipefail
# Throughput and crash runs store nothing (vigil read stores in ./vigil.db by default).
export VIGIL_STORE=none
cd "$(dirname "$0")/.."
build=${1:-build}
f=bench/data/synflood-10M.pcap
mkdir -p bench/data
[ -s "$f" ] || "$build/bench/gen_synflood" "$f"
cat "$f" >/dev/null
echo "| flow.memcap | attacks | flow.evicted.cap | wall s | peak RSS |"
echo "|---|---|---|---|---|"
for cap in 32M 128M; do
  /usr/bin/time -f '%e %M' -o /tmp/vg-flood-time "$build/vigil" read --set flow.memcap=$cap "$f" >/tmp/vg-flood-sum
  read -r wall rss </tmp/vg-flood-time
  printf '| %s | %s | %s | %s | %s MiB |\n' "$cap" \
    "$(awk '/^  attack\./{printf "%s%s", sep, $0; sep=","}' /tmp/vg-flood-sum | tr -s ' ')" \
    "$(awk '$1=="flow.evicted.cap:"{print $2}' /tmp/vg-flood-sum)" "$wall" "$((rss / 1024))"
done
