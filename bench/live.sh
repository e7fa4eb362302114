#!/usr/bin/env bash
# bench/live.sh [BUILD [CAPTURE [PACKETS]]] - vigil watch's receive rate and
# drops over veth, beside the limit: a bare reader of the same AF_PACKET ring
# (bench/live_reader.c) on the same interface in the same run.
#
# Like tests/watch.sh, it makes its own pair of network namespaces joined by
# veth (removed by a trap); nothing has an address, IPv6 is off, and nothing
# leaves the namespaces. tcpreplay sends PACKETS packets (default 1,000,000)
# of CAPTURE (default bench/data/bench-1M.pcap) as fast as it can
# (--topspeed, preloaded, bounded by --limit and a timeout). Both readers
# get every packet (one socket each); each prints what it received and the
# kernel's drops, and its CPU time. VG_WATCH_ARGS adds options to vigil watch
# (a small ring: "--blocks 2 --block-size 64K"). VG_WORKERS: the runs'
# --workers values (default "1 2": one replay each, each beside its own bare
# reader); with workers, each worker's packets, drops, flows and CPU time
# (the stats event's stats.vigil.workers). Needs root. docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cap=${2:-bench/data/bench-1M.pcap}
limit=${3:-1000000}
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: needs root (network namespaces)" >&2; exit 2; }
[ -f "$cap" ] || { echo "bench/live.sh: $cap missing (make bench generates it)" >&2; exit 2; }
vigil=$PWD/$build/vigil reader=$PWD/$build/bench/live_reader

tag=vgb$$
nsa=${tag}a nsb=${tag}b ifa=${tag}a0 ifb=${tag}b0
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$nsa" 2>/dev/null || true
  ip netns del "$nsb" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb"
for ns in "$nsa" "$nsb"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$nsa" link set "$ifa" mtu 65000 up
ip -n "$nsb" link set "$ifb" mtu 65000 up

cpu() { # PID: user+system seconds so far
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}

# run WORKERS: the bare reader and vigil watch --workers WORKERS side by side.
run() {
  local wk=$1 rpid vpid vcpu
  rm -f "$tmp/eve.json" "$tmp/vigil.err" "$tmp/reader.err"
  ip netns exec "$nsb" "$reader" "$ifb" >"$tmp/reader.out" 2>"$tmp/reader.err" &
  rpid=$!
  pids+=("$rpid")
  ip netns exec "$nsb" "$vigil" watch -i "$ifb" --no-store --eve "$tmp/eve.json" --stats-interval 0 \
    --workers "$wk" ${VG_WATCH_ARGS:-} >"$tmp/vigil.out" 2>"$tmp/vigil.err" &
  vpid=$!
  pids+=("$vpid")
  for _ in $(seq 100); do
    grep -qs 'capturing on' "$tmp/vigil.err" && grep -qs 'capturing on' "$tmp/reader.err" && break
    sleep 0.1
  done
  echo "== vigil watch --workers $wk: replaying $limit packets of $cap over veth (tcpreplay --topspeed)" >&2
  ip netns exec "$nsa" timeout 300 tcpreplay --topspeed --preload-pcap --limit="$limit" -i "$ifa" "$cap" \
    >"$tmp/replay.out" 2>&1
  sleep 1
  vcpu=$(cpu "$vpid")
  kill -TERM "$rpid" "$vpid"
  wait "$rpid" "$vpid" || true
  secs=$(grep -Eo 'packets \([0-9]+ bytes\) sent in [0-9.]+ seconds' "$tmp/replay.out" | awk '{print $(NF-1)}')
  echo "tcpreplay: $(grep -E 'Actual:|Rated:' "$tmp/replay.out" | tr -s ' \t\n' ' ')"
  echo "live_reader (the limit): $(cat "$tmp/reader.out")"
  jq -r --arg cpu "$vcpu" --arg secs "${secs:-0}" 'select(.event_type=="stats") |
    "vigil watch --workers '"$wk"': packets \(.stats.decoder.pkts) kernel_packets \(.stats.capture.kernel_packets) kernel_drops \(.stats.capture.kernel_drops) flows \(.stats.flow.total) cpu_s(process) \($cpu) received_pps \(if ($secs|tonumber) > 0 then (.stats.decoder.pkts / ($secs|tonumber) | floor) else "-" end)",
    (.stats.vigil.workers // [] | to_entries[] |
      "  worker \(.key): packets \(.value.packets) kernel_drops \(.value.kernel_drops) flows \(.value.flows) cpu_s \(.value.cpu_s)")' \
    "$tmp/eve.json"
  # the merging thread's CPU time (summary; workers only)
  grep -E '^  merge\.cpu_s: ' "$tmp/vigil.out" | sed 's/^ */  /' || true
}

for wk in ${VG_WORKERS:-1 2}; do
  run "$wk"
done
