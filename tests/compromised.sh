#!/usr/bin/env bash
# tests/compromised.sh VIGIL - malware.beacon, malware.dga and exfil.volume on captures
# of real connections made in network namespaces and retimed offline by
# tests/corpus/make-compromised.sh (truth: tests/corpus/captures/C2-TRUTH.tsv):
# the beacon and the upload are reported once each, with the terminal,
# the external endpoint, the port and the connection count tshark finds;
# the look-alikes (NTP to a pool, an hourly update check, a video stream, a
# backup upload) give nothing with the documented settings, and each of
# them is reported when the allow-list that excludes it is emptied, so the
# allow-list is what keeps them out. No beacon or exfiltration on the
# other captures.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=tests/corpus/captures
c=../shared/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

attacks() { # FILE [ARGS...]: the final attack events, one compact line each
  local f=$1; shift
  "$vigil" read --seed 1 "$@" --eve - "$f" 2>"$tmp/summary" |
    jq -c 'select(.event_type=="attack" and .attack.final)'
}
count() { printf '%s' "$1" | grep -c .; }
sets() { # "k=v k=v" or "-" -> --set k=v ...
  [ "$1" = - ] && return
  for kv in $1; do printf -- '--set\n%s\n' "$kv"; done
}

while IFS=$'\t' read -r scenario file kind src dest port attempts settings note; do
  [ "$scenario" = scenario ] && continue
  mapfile -t args < <(sets "$settings")
  a=$(attacks "$dir/$file" "${args[@]}")
  if [ "$kind" = none ]; then
    expect_eq "$scenario ($note): no attack" 0 "$(count "$a")"
    continue
  fi
  expect_eq "$scenario ($note): exactly one attack" 1 "$(count "$a")"
  expect_eq "$scenario: kind, src (the external party), dest (the terminal), port, outbound, TCP" \
    "$kind $src $dest $port outbound TCP" \
    "$(printf '%s\n' "$a" | jq -r '"\(.attack.kind) \(.src_ip) \(.dest_ip) \(.attack.port_list[0]) \(.attack.direction) \(.proto)"')"
  # Connections: the terminal's SYNs to the endpoint, counted by tshark.
  n=$(tshark -r "$dir/$file" -Y "ip.src==$dest && ip.dst==$src && tcp.dstport==$port && tcp.flags.syn==1 && tcp.flags.ack==0" 2>/dev/null | wc -l)
  expect_eq "$scenario: attempts = $attempts connections (tshark: $n)" "$attempts $n" \
    "$(printf '%s\n' "$a" | jq -r .attack.attempts) $n"
  expect_match "the summary counts it once" "^  attack\\.$kind: 1\$" "$(cat "$tmp/summary")"
done <"$dir/C2-TRUTH.tsv"

# The beacon: every 30 s with up to 3 s of jitter; interim updates with
# one id before the final event; score at least the default 0.80.
b=$dir/c2-beacon-30s.pcap
a=$(attacks $b)
med=$(printf '%s\n' "$a" | jq -r '.attack.evidence | capture("every (?<m>[0-9.]+) s").m')
expect_eq "beacon: median interval within 30 +- 1.5 s ($med)" 1 "$(awk -v m="$med" 'BEGIN { print (m >= 28.5 && m <= 31.5) }')"
sc=$(printf '%s\n' "$a" | jq -r '.attack.evidence | capture("beacon score (?<s>[0-9.]+)").s')
expect_eq "beacon: score $sc >= 0.80" 1 "$(awk -v s="$sc" 'BEGIN { print (s >= 0.80) }')"
first=$(tshark -r $b -c 1 -T fields -e frame.time_epoch 2>/dev/null)
expect_eq "beacon: start is the first connection (tshark)" "$(date -u -d "@${first%.*}" +%Y-%m-%dT%H:%M:%S)" \
  "$(printf '%s\n' "$a" | jq -r '.attack.start[0:19]')"
expect_eq "beacon: the endpoint is the terminal's choice (verified), severity 1" "verified|contacted by a home terminal|1" \
  "$(printf '%s\n' "$a" | jq -r '"\(.attribution.confidence)|\(.attribution.reason)|\(.attack.severity)"')"
u=$("$vigil" read --seed 1 --eve - $b 2>/dev/null | jq -c 'select(.event_type=="attack")')
expect_eq "beacon: interim updates, then one final, all with one id" "true true 1" \
  "$(printf '%s\n' "$u" | jq -s -r '"\(length > 2) \(.[-1].attack.final and (.[:-1] | all(.attack.final | not))) \(map(.attack.id) | unique | length)"')"
expect_eq "beacon: below the connection count (detect.beacon.min_conns=201): none" 0 \
  "$(count "$(attacks $b --set detect.beacon.min_conns=201)")"
expect_eq "beacon: over less than detect.beacon.min_span=7200 s: none" 0 \
  "$(count "$(attacks $b --set detect.beacon.min_span=7200)")"
expect_eq "beacon: the endpoint in detect.beacon.allow: none" 0 \
  "$(count "$(attacks $b --set detect.beacon.allow=194.87.10.0/24)")"
expect_eq "beacon: port 80 in detect.beacon.allow_ports: none" 0 \
  "$(count "$(attacks $b --set detect.beacon.allow_ports=123/udp,80/tcp)")"
expect_eq "beacon: 80/udp in detect.beacon.allow_ports does not cover TCP" 1 \
  "$(count "$(attacks $b --set detect.beacon.allow_ports=80/udp)")"
expect_eq "beacon: detect.beacon.enabled=0: none" 0 "$(count "$(attacks $b --set detect.beacon.enabled=0)")"
expect_eq "beacon: a 64-pair table still finds it, once" 1 "$(count "$(attacks $b --set detect.beacon.pairs=64)")"

# The look-alikes are kept out by their allow-lists: without them they are
# reported (each NTP server of the pool, the update server, the backup host).
a=$(attacks $dir/c2-ntp-pool.pcap --set detect.beacon.allow_ports=)
expect_eq "NTP pool without the 123/udp allowance: one beacon per pool member, 40 queries each" \
  "4 81.2.69.141,81.2.69.142,81.2.69.143,81.2.69.144 40 UDP" \
  "$(printf '%s\n' "$a" | jq -s -r '"\(length) \(map(.src_ip) | sort | join(",")) \(map(.attack.attempts) | unique | join(",")) \(.[0].proto)"')"
a=$(attacks $dir/c2-update-hourly.pcap)
expect_eq "hourly update check without detect.beacon.allow: a beacon of 12 connections" "1 malware.beacon 12" \
  "$(printf '%s\n' "$a" | jq -s -r '"\(length) \(.[0].attack.kind) \(.[0].attack.attempts)"')"
a=$(attacks $dir/c2-backup-upload.pcap --set detect.exfil.bytes=200K)
expect_eq "backup upload without detect.exfil.allow: one exfil.volume to the backup host" "1 81.2.69.160" \
  "$(printf '%s\n' "$a" | jq -s -r '"\(length) \(.[0].src_ip)"')"
expect_eq "video stream: a download, no attack even with tiny thresholds" 0 \
  "$(count "$(attacks $dir/c2-video-stream.pcap --set detect.exfil.bytes=1K --set detect.beacon.min_conns=4 --set detect.beacon.min_span=0)")"

# The upload: bytes are what the terminal sent the receiver (captured bytes, tshark).
x=$dir/c2-exfil-upload.pcap
a=$(attacks $x --set detect.exfil.bytes=200K)
sent=$(tshark -r $x -Y 'ip.src==192.168.50.20 && ip.dst==5.188.10.30' -T fields -e frame.cap_len 2>/dev/null | awk '{s += $1} END {print s}')
expect_eq "exfil: bytes = what the terminal sent the receiver (tshark: $sent)" "$sent" "$(printf '%s\n' "$a" | jq -r .attack.bytes)"
expect_eq "exfil: the default 100 MB threshold is not reached by 300 kB" 0 "$(count "$(attacks $x)")"
expect_eq "exfil: ratio 100 (sent/received is about 36): none" 0 \
  "$(count "$(attacks $x --set detect.exfil.bytes=200K --set detect.exfil.ratio=100)")"
# The five earlier 2 kB uploads are the terminal's baseline (about 2 kB):
# 300 kB is about 150 times it.
expect_eq "exfil: 1000 x the terminal's baseline is not reached: none" 0 \
  "$(count "$(attacks $x --set detect.exfil.bytes=200K --set detect.exfil.baseline=1000)")"
expect_eq "exfil: 100 x the baseline is" 1 \
  "$(count "$(attacks $x --set detect.exfil.bytes=200K --set detect.exfil.baseline=100)")"
expect_eq "exfil: detect.exfil.enabled=0: none" 0 \
  "$(count "$(attacks $x --set detect.exfil.bytes=200K --set detect.exfil.enabled=0)")"
expect_eq "exfil: a 64-episode table still finds it" 1 \
  "$(count "$(attacks $x --set detect.exfil.bytes=200K --set detect.exfil.pairs=64)")"

# Config errors name the key.
"$vigil" read --set detect.beacon.allow_ports=123/icmp $b >/dev/null 2>"$tmp/err"
expect_eq "a bad allow_ports value: exit 2 with the key and value" "2 1" \
  "$? $(grep -c 'detect.beacon.allow_ports: "123/icmp" is not a port' "$tmp/err")"
"$vigil" read --set detect.exfil.allow=10.0.0.0/33 $b >/dev/null 2>"$tmp/err"
expect_eq "a bad exfil allow prefix: exit 2" 2 "$?"

# malware.dga: a walk of 40 generated names (NXDOMAIN), then the one that
# resolves; a person's browsing with typos, a browser's 3 hijack probes
# and internal names gives nothing.
g=$dir/c2-dga-walk.pcap
a=$(attacks $g)
nx=$(tshark -r $g -Y 'dns.flags.response==1 && dns.flags.rcode==3' 2>/dev/null | wc -l)
found=$(tshark -r $g -Y 'dns.flags.response==1 && dns.flags.rcode==0 && dns.a' -T fields -e dns.qry.name 2>/dev/null)
got=$(tshark -r $g -Y 'dns.flags.response==1 && dns.flags.rcode==0 && dns.a' -T fields -e dns.a 2>/dev/null)
term=$(tshark -r $g -Y 'dns.flags.response==0' -T fields -e ip.src 2>/dev/null | sort -u)
expect_eq "dga-walk: one attack: malware.dga nxdomain, src the address the name got ($got, tshark), dest and victim the terminal ($term), UDP 53, outbound" \
  "1 malware.dga nxdomain $got $term [\"$term\"] UDP 53 outbound" \
  "$(count "$a") $(printf '%s\n' "$a" | jq -r '"\(.attack.kind) \(.attack.technique) \(.src_ip) \(.dest_ip) \(.attack.victim_ips | tojson) \(.proto) \(.attack.port_list[0]) \(.attack.direction)"')"
expect_eq "dga-walk: attribution verified: the address the name resolved to, the controller's country (SG)" \
  "verified SG" "$(printf '%s\n' "$a" | jq -r '"\(.attribution.confidence) \(.src_geo.country)"')"
att=$(printf '%s\n' "$a" | jq -r .attack.attempts)
expect_eq "dga-walk: attempts $att: the random-looking ones of tshark's $nx NXDOMAIN answers, at least detect.dga.names (20)" \
  1 "$(( nx == 40 && att >= 20 && att <= nx ))"
expect_eq "dga-walk: succeeded, the evidence names the name that resolved ($found, tshark), severity 1" \
  "true 1 1" "$(printf '%s\n' "$a" | jq -r '"\(.attack.succeeded) \(.attack.evidence | contains("address for '"$found"'") | if . then 1 else 0 end) \(.attack.severity)"')"
expect_match "dga-walk: the summary counts it" "^  attack\\.malware\\.dga: 1\$" "$(cat "$tmp/summary")"
expect_eq "dga-walk: detect.dga.names above the names seen: none" 0 \
  "$(count "$(attacks $g --set detect.dga.names=$((att + 1)))")"
expect_eq "dga-walk: detect.dga.enabled=0: none" 0 "$(count "$(attacks $g --set detect.dga.enabled=0)")"
expect_eq "dga-walk: without the app stage (app.enabled=0) the names are unknown: none" 0 \
  "$(count "$(attacks $g --set app.enabled=0)")"
expect_eq "dga-walk: --workers 2 gives the same attack" "$(printf '%s\n' "$a" | jq -c 'del(.attack.id)')" \
  "$(attacks $g --workers 2 | jq -c 'del(.attack.id)')"
expect_eq "dga-benign: browsing with typos, hijack probes and internal names: none" 0 \
  "$(count "$(attacks $dir/c2-dga-benign.pcap)")"
# The walk without its last lookup (the one that resolved): the controller
# is not known; src_ip is the unspecified address, no server is counted.
n=$(tshark -r $g 2>/dev/null | wc -l)
editcap -r $g "$tmp/unresolved.pcap" 1-$((n - 2)) >/dev/null
u=$(attacks "$tmp/unresolved.pcap")
expect_eq "dga-walk without the name that resolved: one attack, src 0.0.0.0 (not known), dest the terminal, not succeeded, no geo" \
  "1 0.0.0.0 $term false null" \
  "$(count "$u") $(printf '%s\n' "$u" | jq -r '"\(.src_ip) \(.dest_ip) \(.attack.succeeded) \(.src_geo)"')"
expect_eq "dga-walk without it: attribution verified, the reason says no controller is known" \
  "verified 1" "$(printf '%s\n' "$u" | jq -r '"\(.attribution.confidence) \(.attribution.reason | test("no controller known") | if . then 1 else 0 end)"')"
# The C&C report over both (SQLite): the terminal is the infected one,
# the resolved address the one server (its country); the unresolved walk
# counts the terminal under an unknown server country and adds no server.
export VIGIL_STORE="sqlite:$tmp/dga.db"
"$vigil" read -q $g && "$vigil" read -q "$tmp/unresolved.pcap"
r=$("$vigil" report --c2 --format json)
expect_eq "report --c2: 2 attacks, 1 C&C server, 1 infected terminal" "2 1 1" \
  "$(printf '%s' "$r" | jq -r '"\(.totals.attacks) \(.totals.servers) \(.totals.terminals)"')"
expect_eq "report --c2: servers by country: SG 1" "SG=1" \
  "$(printf '%s' "$r" | jq -r '[.tables[] | select(.name=="c2_country_servers") | .rows[] | "\(.country)=\(.servers)"] | join(" ")')"
expect_eq "report --c2: terminals by server country: ?? 1, SG 1" "??=1 SG=1" \
  "$(printf '%s' "$r" | jq -r '[.tables[] | select(.name=="c2_country_terminals") | .rows[] | "\(.country)=\(.terminals)"] | sort | join(" ")')"
expect_eq "report --c2: the infected terminal ranked: $term, 2 attacks" "$term=2" \
  "$(printf '%s' "$r" | jq -r '[.tables[] | select(.name=="c2_terminal") | .rows[] | "\(.target)=\(.attacks)"] | join(" ")')"
expect_eq "report --by attacker: (unknown) and the server, one attack each" "(unknown)=1 $got=1" \
  "$("$vigil" report --by attacker --format json | jq -r '[.tables[0].rows[] | "\(.attacker)=\(.attacks)"] | sort | join(" ")')"
unset VIGIL_STORE

# Nothing of the kind elsewhere: the other generated captures, the benign
# corpus, the whole shared corpus but its malware folder (exploit).
n=0
for f in $dir/*.pcap $c/benign/*.pcap $c/benign/*.pcapng $c/scan/* $c/bruteforce/* $c/flood/* tests/data/*.pcap; do
  case $f in */c2-*) continue ;; esac
  k=$(attacks "$f" | jq -r 'select(.attack.kind | test("^(malware\\.beacon|malware\\.dga|exfil\\.)")) | .attack.kind' | head -1)
  [ -n "$k" ] && { n=$((n + 1)); echo "# $f: $k"; }
done
expect_eq "no beacon, generated-name walk or exfiltration in the other captures and the corpus" 0 "$n"
tap_done
