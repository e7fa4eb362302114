#!/usr/bin/env bash
# tests/cli.sh VIGIL - the command line: help, exit codes, error messages,
# EVE output validity, configuration errors, several files in one run.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=tests/data

run() { # runs vigil, sets out, err, rc
  "$vigil" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}

run --help
expect_eq "vigil --help exits 0" 0 "$rc"
expect_match "vigil --help lists read" '^  read ' "$out"
expect_match "vigil --help documents exit codes" 'Exit codes: 0 success, 1 runtime error' "$out"
run
expect_eq "vigil without command is a usage error" 2 "$rc"
run frobnicate
expect_eq "unknown command exits 2" 2 "$rc"
expect_match "unknown command is named" "unknown command 'frobnicate'" "$err"
run version
expect_eq "vigil version exits 0" 0 "$rc"
expect_match "vigil version prints a version" '^vigil [0-9]+\.[0-9]+\.[0-9]+$' "$out"
run version --help
expect_eq "vigil version --help exits 0" 0 "$rc"
run read --help
expect_eq "vigil read --help exits 0" 0 "$rc"
expect_match "read --help documents --eve" '--eve FILE' "$out"
expect_match "read --help documents exit codes" 'Exit codes: 0 success, 1' "$out"
expect_match "read --help says what is not done yet" 'Not yet:' "$out"
run read
expect_eq "read without files exits 2" 2 "$rc"
run read --no-such-option $d/eth-mixed-le-usec.pcap
expect_eq "read with an unknown option exits 2" 2 "$rc"

# Summary of one capture.
run read $d/eth-mixed-le-usec.pcap
expect_eq "read of a good capture exits 0" 0 "$rc"
expect_match "summary counts packets" '^packets: 26$' "$out"
expect_match "summary counts flows by protocol" 'flow.created.tcp: 3' "$out"

# EVE to stdout: every line is JSON, one flow event per flow, summary on stderr.
run read --seed 7 --eve - $d/eth-mixed-le-usec.pcap $d/ipv6-ext.pcap $d/vlan-qinq.pcap
expect_eq "read --eve - exits 0" 0 "$rc"
bad=$(printf '%s\n' "$out" | while IFS= read -r l; do printf '%s' "$l" | jq -e . >/dev/null 2>&1 || echo x; done | wc -l)
expect_eq "every EVE line parses with jq" 0 "$bad"
nflow=$(printf '%s\n' "$out" | jq -r 'select(.event_type=="flow") | 1' | wc -l)
sflows=$(printf '%s\n' "$err" | awk '$1=="flows:"{print $2}')
expect_eq "one flow event per flow (events = summary flows)" "$sflows" "$nflow"
dups=$(printf '%s\n' "$out" | jq -r 'select(.event_type=="flow") | .flow_id' | sort | uniq -d | wc -l)
expect_eq "flow ids are unique" 0 "$dups"
nstats=$(printf '%s\n' "$out" | jq -r 'select(.event_type=="stats") | .stats.decoder.pkts')
expect_eq "a final stats event counts all packets of the three files" $((26 + 19 + 35)) "$nstats"
expect_match "with --eve -, the summary goes to stderr" '^files: 3' "$err"

# Same seed, same output; the run is a function of the input.
"$vigil" read --seed 7 --eve "$tmp/a.json" $d/eth-mixed-le-usec.pcap >/dev/null 2>&1
"$vigil" read --seed 7 --eve "$tmp/b.json" $d/eth-mixed-le-usec.pcap >/dev/null 2>&1
if cmp -s "$tmp/a.json" "$tmp/b.json" && [ -s "$tmp/a.json" ]; then ok "same seed gives identical EVE"; else not_ok "same seed gives identical EVE"; fi

# Several files share one flow table: a capture cut in two (editcap) gives
# the same flows as the whole capture.
editcap -r $d/eth-mixed-le-usec.pcap "$tmp/part1.pcap" 1-13 >/dev/null 2>&1
editcap -r $d/eth-mixed-le-usec.pcap "$tmp/part2.pcap" 14-26 >/dev/null 2>&1
"$vigil" read --seed 3 --eve "$tmp/whole.json" $d/eth-mixed-le-usec.pcap >/dev/null 2>&1
run read --seed 3 --eve "$tmp/parts.json" "$tmp/part1.pcap" "$tmp/part2.pcap"
tpk=$(printf '%s\n' "$out" | awk '$1=="packets:"{print $2}')
expect_eq "two files: packets add up" 26 "$tpk"
if [ -s "$tmp/whole.json" ] && diff <(grep -v '"stats"' "$tmp/whole.json") <(grep -v '"stats"' "$tmp/parts.json") >/dev/null; then
  ok "two files share one flow table (same flow events as one file)"
else
  not_ok "two files share one flow table (same flow events as one file)"
fi

# Files given out of time order: each flow is judged by its own packets'
# time, so the order of the files does not change the flows.
run read --seed 3 $d/eth-mixed-le-usec.pcap ../shared/corpus/benign/wikipedia-browse.pcap
fwd=$(printf '%s\n' "$out" | awk '$1=="flows:"{print $2}')
run read --seed 3 ../shared/corpus/benign/wikipedia-browse.pcap $d/eth-mixed-le-usec.pcap
back=$(printf '%s\n' "$out" | awk '$1=="flows:"{print $2}')
expect_eq "files out of time order give the same flows (8 + 34)" 42 "$fwd"
expect_eq "files in time order give the same flows" 42 "$back"

# Corrupt input: error names the file and offset, what came before is kept,
# the other files are still read, exit 1.
run read $d/trunc-last-record.pcap $d/eth-mixed-le-usec.pcap
expect_eq "truncated capture exits 1" 1 "$rc"
expect_match "truncation error names file and offset" 'trunc-last-record.pcap: record 6 at offset 420: record of 144 bytes is cut off' "$err"
expect_match "records before the fault are kept, next file read" '^packets: 31$' "$out"
run read $d/pcapng-bad-block-length.pcapng
expect_eq "corrupt pcapng exits 1" 1 "$rc"
expect_match "corrupt block error names offset and length" 'block at offset 548 .*block length 9' "$err"
run read $d/not-a-capture.txt
expect_eq "a text file exits 1" 1 "$rc"
expect_match "a text file is called not a capture" 'not-a-capture.txt: offset 0: not a pcap or pcapng file' "$err"
run read /nonexistent/x.pcap
expect_eq "missing file exits 1" 1 "$rc"
expect_match "missing file is named" '/nonexistent/x.pcap: No such file or directory' "$err"
run read tests
expect_eq "a directory exits 1" 1 "$rc"

# Configuration: errors name file, line and key; exit 2.
printf 'flow.memcap = 64M\n# comment\n\nflow.timeout.udp.new = 5\n' >"$tmp/good.conf"
run read --config "$tmp/good.conf" $d/eth-mixed-le-usec.pcap
expect_eq "a good config is accepted" 0 "$rc"
printf 'flow.memcap = 64M\nflow.memcap = 12Q\n' >"$tmp/bad.conf"
run read --config "$tmp/bad.conf" $d/eth-mixed-le-usec.pcap
expect_eq "a bad config value exits 2" 2 "$rc"
expect_match "bad value names file, line, key" 'bad.conf:2: flow.memcap: "12Q" is not a size' "$err"
printf 'flow.nope = 1\n' >"$tmp/bad2.conf"
run read --config "$tmp/bad2.conf" $d/eth-mixed-le-usec.pcap
expect_match "an unknown key is named" 'bad2.conf:1: flow.nope: unknown key' "$err"
printf 'just words\n' >"$tmp/bad3.conf"
run read --config "$tmp/bad3.conf" $d/eth-mixed-le-usec.pcap
expect_match "a line without = is explained" 'bad3.conf:1: expected `key = value`' "$err"
run read --config "$tmp/missing.conf" $d/eth-mixed-le-usec.pcap
expect_eq "a missing config exits 2" 2 "$rc"
run read --set flow.timeout.tcp.new=0 $d/eth-mixed-le-usec.pcap
expect_match "out-of-range values are refused" 'flow.timeout.tcp.new: 0 is out of range' "$err"
run read --home-net 10.0.0.0/33 $d/eth-mixed-le-usec.pcap
expect_eq "a bad --home-net exits 2" 2 "$rc"
expect_match "a bad prefix is explained" 'prefix length must be 0 to 32' "$err"

printf 'home_net = 10.0.0.0/8,banana\n' >"$tmp/bad4.conf"
run read --config "$tmp/bad4.conf" $d/eth-mixed-le-usec.pcap
expect_eq "a bad home_net in a config exits 2" 2 "$rc"
expect_match "a bad home_net names file, line and key" 'bad4.conf:1: home_net: "banana" is not an IPv4 or IPv6 address' "$err"
printf 'flow.memcap = 2K\n' >"$tmp/c1.conf"
printf 'flow.memcap = 64M\n' >"$tmp/c2.conf"
run read --config "$tmp/c1.conf" --config "$tmp/c2.conf" $d/eth-mixed-le-usec.pcap
cap2=$(printf '%s\n' "$out" | awk '$1=="flow.capacity:"{print $2}')
run read --config "$tmp/c2.conf" $d/eth-mixed-le-usec.pcap
cap1=$(printf '%s\n' "$out" | awk '$1=="flow.capacity:"{print $2}')
expect_eq "several --config files are read in order, the last wins" "$cap1" "$cap2"
run read --config "$tmp/c2.conf" --set flow.memcap=2K $d/eth-mixed-le-usec.pcap
cap3=$(printf '%s\n' "$out" | awk '$1=="flow.capacity:"{print $2}')
if [ -n "$cap3" ] && [ "$cap3" -lt "$cap1" ]; then ok "--set wins over --config"; else not_ok "--set wins over --config" "$cap3 vs $cap1"; fi

# A capture without packets still ends with a stats event dated now, not 1970.
run read --eve - $d/header-only.pcap
year=$(printf '%s\n' "$out" | jq -r 'select(.event_type=="stats") | .timestamp[0:4]')
if [ -n "$year" ] && [ "$year" -ge 2026 ]; then ok "stats event of an empty run is dated now"; else not_ok "stats event of an empty run is dated now" "$year"; fi

# Home network: the same capture seen from two sides.
run read --home-net 10.0.0.0/8 $d/eth-mixed-le-usec.pcap
in8=$(printf '%s\n' "$out" | awk '$1=="flow.inbound:"{print $2}')
run read --home-net 100.64.0.0/10 $d/eth-mixed-le-usec.pcap
ext=$(printf '%s\n' "$out" | awk '$1=="flow.external:"{print $2}')
tot=$(printf '%s\n' "$out" | awk '$1=="flows:"{print $2}')
expect_eq "with an unrelated home net every flow is external" "$tot" "$ext"
expect_match "flows have a direction to the home net" '^[0-9]+$' "$in8"

# Output that cannot be written: exit 1 with the path.
run read --eve /nonexistent/dir/e.json $d/eth-mixed-le-usec.pcap
expect_eq "an unwritable --eve exits 1" 1 "$rc"
expect_match "an unwritable --eve is named" '/nonexistent/dir/e.json' "$err"
if [ -w /dev/full ]; then
  run read --eve /dev/full $d/eth-mixed-le-usec.pcap
  expect_eq "a full disk exits 1" 1 "$rc"
  expect_match "a full disk is reported" '/dev/full: write failed: No space left on device' "$err"
fi

# A memory cap far below the number of flows: evictions are counted and
# every flow still yields exactly one event.
run read --seed 5 --set flow.memcap=2K --eve "$tmp/cap.json" ../shared/corpus/benign/http-espn-browsing.pcapng
ev=$(printf '%s\n' "$out" | awk '$1=="flow.evicted.cap:"{print $2}')
cap=$(printf '%s\n' "$out" | awk '$1=="flow.capacity:"{print $2}')
act=$(printf '%s\n' "$out" | awk '$1=="flow.active_max:"{print $2}')
fl=$(printf '%s\n' "$out" | awk '$1=="flows:"{print $2}')
nev=$(jq -r 'select(.event_type=="flow") | 1' "$tmp/cap.json" | wc -l)
forced=$(jq -r 'select(.event_type=="flow" and .flow.reason=="forced") | 1' "$tmp/cap.json" | wc -l)
if [ "${ev:-0}" -gt 0 ]; then ok "a tiny memcap evicts flows ($ev)"; else not_ok "a tiny memcap evicts flows" "evicted: $ev"; fi
if [ "${act:-0}" -le "${cap:-0}" ]; then ok "active flows never exceed the capacity ($act <= $cap)"; else not_ok "active flows never exceed capacity" "$act > $cap"; fi
expect_eq "evicted flows still give one event each" "$fl" "$nev"
expect_eq "evicted flows have reason forced" "$ev" "$forced"

tap_done
