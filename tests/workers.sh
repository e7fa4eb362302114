#!/usr/bin/env bash
# tests/workers.sh VIGIL - vigil read --workers N gives the attacks of one
# thread (src/cli/workers.c, docs/ARCHITECTURE.md):
#  - over every capture of the test corpus (tests/corpus, tests/data and
#    ../shared/corpus), with 2 and with 3 workers: the same attacks (kind,
#    technique, tool, attacker, direction) and the same packet, byte and
#    decode-problem counts;
#  - on the generated captures (real tools, C2 traffic): the same attack
#    events field for field (victims, attempts, packets, times) and the
#    same flow events;
#  - views that span workers: a sweep whose probes land on both workers
#    is one attack, a flood from 5,000 forged sources one flood, a C2
#    server known only by the name a DNS answer gave it (the lookup and
#    the connection on different workers) is found;
#  - errors: a truncated file keeps what came before it, as with one
#    thread; bad --workers values are usage errors;
#  - the store: a report of a run with 2 workers equals one of 1 worker.
# With threads the order in which flows end by timeout can differ (each
# worker's expiry hand has its own position), and a detector that reads
# evidence in order (the scan detector counts a sweep's hosts from its
# first failure) may count slightly differently: on the one fuzzed capture
# where this shows (ndpi-fuzz-2020) only counts differ, never which
# attacks there are; that is why the whole corpus is compared by attack
# and the generated captures field for field.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
intel=tests/data/c2

run() { # WORKERS FILE [ARGS...] -> EVE on stdout
  local w=$1 f=$2
  shift 2
  "$vigil" read -q --seed 1 --no-store --intel "$intel" --workers "$w" --eve - "$@" "$f" 2>/dev/null
}
attacks_id() { jq -c 'select(.event_type=="attack" and .attack.final) |
  [.attack.kind, .attack.technique, .attack.tool, .src_ip, .attack.direction]' | sort; }
attacks_full() { jq -c 'select(.event_type=="attack" and .attack.final) | del(.attack.id) |
  del(.flow_id)' | sort; }
# A flow's reason (timeout or shutdown) is left out: near the end of a
# capture a flow may end by timeout in a worker's table and at shutdown in
# one thread's (the expiry hand walks at most 32 expired flows a step).
flows() { jq -c 'select(.event_type=="flow") | del(.flow_id) | del(.flow.reason)' | sort; }
counts() { # the summary's packet, byte and decode lines
  "$vigil" read --seed 1 --no-store --workers "$1" "$2" 2>/dev/null |
    grep -E '^(packets|bytes|bytes_captured|ipv4|ipv6|arp|non_ip|fragments|decode_problems|  [a-z_.]+_[a-z_]+):' |
    grep -v '^  flow\.\|^  attack\.\|^  attrib\.\|^  worker\.\|^  merge\.'
}

# --- the whole corpus: the same attacks, the same counts ------------------
# (VG_WORKERS_QUICK=1, the ASan run: the generated captures only.)
mapfile -t caps < <(find tests/corpus tests/data ../shared/corpus -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
[ "${#caps[@]}" -gt 200 ] && ok "corpus: ${#caps[@]} captures" || not_ok "corpus: ${#caps[@]} captures (expected over 200)"
[ -n "${VG_WORKERS_QUICK:-}" ] && caps=()
for w in 2 3; do
  [ "${#caps[@]}" -eq 0 ] && break
  same=0 diff=() total=0 attacks=0
  for f in "${caps[@]}"; do
    a=$(run 1 "$f" | attacks_id) b=$(run "$w" "$f" | attacks_id)
    total=$((total + 1))
    attacks=$((attacks + $(printf '%s' "$a" | grep -c .)))
    if [ "$a" == "$b" ] && [ "$(counts 1 "$f")" == "$(counts "$w" "$f")" ]; then
      same=$((same + 1))
    else
      diff+=("$f")
    fi
  done
  expect_eq "corpus, $w workers: the same attacks and counts on all $total captures ($attacks attacks; differ: ${diff[*]:-none})" "$total" "$same"
done

# --- generated captures: field for field ----------------------------------
for f in tests/corpus/captures/*.pcap tests/corpus/c2/*.pcap; do
  a=$(run 1 "$f" | attacks_full) b=$(run 2 "$f" | attacks_full)
  n=$(printf '%s' "$a" | grep -c .)
  expect_eq "$(basename "$f"): $n attack events, 2 workers field for field" "n=$n $a" "n=$n $b"
  a=$(run 1 "$f" | flows) b=$(run 2 "$f" | flows)
  n=$(printf '%s' "$a" | grep -c .)
  expect_eq "$(basename "$f"): $n flow events, 2 workers" "n=$n $a" "n=$n $b"
done

# --- views across workers ---------------------------------------------------
worker_flows() { # FILE -> "flows of worker 0, flows of worker 1"
  "$vigil" read --seed 1 --no-store --intel "$intel" --workers 2 "$1" 2>/dev/null |
    awk -F': ' '/worker\.[01]\.flows/ {printf "%s ", $2}'
}
split=$(worker_flows tests/corpus/captures/nmap-sweep.pcap)
ok_split=0; set -- $split; [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] && ok_split=1
expect_eq "nmap -sn sweep: its flows land on both workers ($split)" 1 "$ok_split"
expect_eq "nmap -sn sweep over 2 workers: one scan.sweep from 45.33.10.10" \
  '["scan.sweep","icmp_echo",null,"45.33.10.10","inbound"]' \
  "$(run 2 tests/corpus/captures/nmap-sweep.pcap | attacks_id)"
split=$(worker_flows tests/corpus/captures/hping-syn-flood.pcap)
ok_split=0; set -- $split; [ "${1:-0}" -gt 1000 ] && [ "${2:-0}" -gt 1000 ] && ok_split=1
expect_eq "hping3 --rand-source SYN flood: its 5,000 sources spread over both workers ($split)" 1 "$ok_split"
ev=$(run 2 tests/corpus/captures/hping-syn-flood.pcap | jq -c 'select(.event_type=="attack" and .attack.final)')
expect_eq "SYN flood over 2 workers: one flood.syn of 5000 packets on 192.168.50.10" \
  "1 flood.syn 5000 192.168.50.10" \
  "$(printf '%s\n' "$ev" | jq -rs '"\(length) \(.[0].attack.kind) \(.[0].attack.packets) \(.[0].dest_ip)"')"
expect_eq "C2 named by a DNS answer, 4 workers: found by its name (the lookup and the connection on different workers)" \
  "$(run 1 tests/corpus/c2/c2-dns.pcap | jq -c 'select(.event_type=="attack") | [.src_ip, .dest_ip, .attack.technique]' | sort)" \
  "$(run 4 tests/corpus/c2/c2-dns.pcap | jq -c 'select(.event_type=="attack") | [.src_ip, .dest_ip, .attack.technique]' | sort)"
expect_match "C2 named by a DNS answer: technique dns" '"dns"' \
  "$(run 4 tests/corpus/c2/c2-dns.pcap | jq -c 'select(.event_type=="attack") | .attack.technique')"

# Several files in one run, as one stream.
multi=(tests/corpus/captures/nmap-syn.pcap tests/corpus/captures/hydra-ssh.pcap tests/corpus/captures/hping-udp-flood.pcap)
a=$("$vigil" read -q --seed 1 --no-store --eve - "${multi[@]}" | attacks_full)
b=$("$vigil" read -q --seed 1 --no-store --workers 2 --eve - "${multi[@]}" | attacks_full)
expect_eq "three files in one run, 2 workers: the same $(printf '%s' "$a" | grep -c .) attacks" "$a" "$b"

# --- errors -----------------------------------------------------------------
out1=$("$vigil" read --seed 1 --no-store tests/data/trunc-last-record.pcap tests/corpus/captures/nmap-syn.pcap 2>&1); rc1=$?
out2=$("$vigil" read --seed 1 --no-store --workers 2 tests/data/trunc-last-record.pcap tests/corpus/captures/nmap-syn.pcap 2>&1); rc2=$?
expect_eq "truncated file then a good one, 2 workers: exit 1 as with one thread" "1 1" "$rc1 $rc2"
expect_match "truncated file, 2 workers: the error names the file and offset" \
  'trunc-last-record.pcap: record 6 at offset 420' "$out2"
expect_eq "truncated file, 2 workers: the same packets, files and attacks" \
  "$(printf '%s\n' "$out1" | grep -E '^(files|files_with_errors|packets|attacks):')" \
  "$(printf '%s\n' "$out2" | grep -E '^(files|files_with_errors|packets|attacks):')"
for bad in 0 65 two -1 ''; do
  "$vigil" read -q --no-store --workers "$bad" tests/corpus/captures/nmap-syn.pcap >/dev/null 2>"$tmp/err"
  expect_eq "--workers '$bad': usage error (exit 2)" 2 "$?"
done
expect_match "--workers: the message says what is allowed" '1 to 64 or auto' "$(cat "$tmp/err")"
"$vigil" read -q --no-store --workers auto tests/corpus/captures/nmap-syn.pcap >/dev/null 2>&1
expect_eq "--workers auto: runs (exit 0)" 0 "$?"
expect_match "read --help documents --workers" '--workers N' "$("$vigil" read --help)"

out=$(cat tests/corpus/captures/nmap-syn.pcap | "$vigil" read --no-store --workers 2 /dev/stdin 2>&1); rc=$?
expect_match "a pipe with --workers 2: read once, with one thread, and said so" \
  'not a regular file: read with one thread' "$out"
expect_eq "a pipe with --workers 2: exit 0, its 203 packets and one attack" "0 203 1" \
  "$rc $(printf '%s\n' "$out" | awk -F': ' '/^packets:/ {p=$2} /^attacks:/ {a=$2} END {print p, a}')"

# --- the store ---------------------------------------------------------------
demo=(tests/corpus/captures/nmap-syn.pcap tests/corpus/captures/hydra-ftp.pcap
  tests/corpus/captures/hping-syn-flood.pcap tests/corpus/c2/c2-sni.pcap)
"$vigil" read -q --seed 1 --intel "$intel" --store "sqlite:$tmp/one.db" "${demo[@]}" >/dev/null 2>&1
"$vigil" read -q --seed 1 --intel "$intel" --workers 2 --store "sqlite:$tmp/two.db" "${demo[@]}" >/dev/null 2>&1
r1=$("$vigil" report --store "sqlite:$tmp/one.db" --format csv 2>&1)
r2=$("$vigil" report --store "sqlite:$tmp/two.db" --format csv 2>&1)
expect_match "store: the report of a 1-worker run counts attacks" 'scan.port' "$r1"
expect_eq "store: a 2-worker run reports the same year-in-review" "$r1" "$r2"
expect_eq "store: the same C2 table" \
  "$("$vigil" report --store "sqlite:$tmp/one.db" --c2 --format csv 2>&1)" \
  "$("$vigil" report --store "sqlite:$tmp/two.db" --c2 --format csv 2>&1)"

tap_done
