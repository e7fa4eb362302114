#!/usr/bin/env bash
# tests/watch.sh VIGIL - the live sensor (vigil watch) against vigil read.
#
# The script makes its own pair of network namespaces joined by a veth pair
# (unique names, removed by a trap), listens with `vigil watch` on one end
# and replays captures with tcpreplay into the other, bounded in time
# (timeout) and in rate (the capture's own timing, or faster for long
# captures). Nothing has an address and IPv6 is off on both ends, so the
# kernel sends nothing of its own: the only frames on the link are the
# replayed ones, and nothing leaves the namespaces.
#
# Checks, per capture, with one thread and with 2 workers (ICMP flows then
# counted by address pair: facts_split): packets, flows and the final attacks (kind, source,
# destination) of vigil watch equal those of vigil read on the file as it
# was sent (frames a snaplen cut are sent cut: as_sent below), and
# the kernel dropped nothing. Replay changes the packets' times, so nothing
# that depends on absolute time (timestamps, flow ids) is compared; long
# captures are replayed faster (--multiplier), which keeps every detector
# threshold of these captures on the same side (floods are not in them).
# Then: SIGHUP during traffic loses no event; SIGTERM during traffic
# leaves a store whose report has every attack the EVE file saw; BPF filter,
# bad interface and bad filter errors.
#
# VG_WATCH_ONLY="FILE..." replays only those captures (while debugging).
#
# Needs root (network namespaces, CAP_NET_RAW), iproute2 and tcpreplay;
# skipped with the reason otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
vigil=${1:-build/vigil}
[ "${vigil#/}" != "$vigil" ] || vigil=$PWD/$vigil

skip_all() {
  skip "vigil watch over veth" "$1"
  tap_done
  exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "not root (network namespaces and CAP_NET_RAW needed)"
command -v ip >/dev/null || skip_all "iproute2 (ip) not installed"
command -v tcpreplay >/dev/null || skip_all "tcpreplay not installed (make deps)"
command -v jq >/dev/null || skip_all "jq not installed (make deps)"
command -v capinfos >/dev/null || skip_all "capinfos not installed (tshark, make deps)"

tag=vgw$$
nsa=${tag}a nsb=${tag}b ifa=${tag}a0 ifb=${tag}b0
tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if ! ip netns add "$nsa" 2>"$tmp/ns.err" || ! ip netns add "$nsb" 2>>"$tmp/ns.err"; then
  skip_all "no network namespace support: $(head -1 "$tmp/ns.err")"
fi
if ! ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" 2>"$tmp/ns.err"; then
  skip_all "no veth support: $(head -1 "$tmp/ns.err")"
fi
for ns in "$nsa" "$nsb"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
# Room for the corpus' largest frames (a 32 KiB TSO capture).
ip -n "$nsa" link set "$ifa" mtu 65000 up
ip -n "$nsb" link set "$ifb" mtu 65000 up
ip netns exec "$nsb" sysctl -qw "net.ipv6.conf.$ifb.disable_ipv6=1" 2>/dev/null
ip netns exec "$nsa" sysctl -qw "net.ipv6.conf.$ifa.disable_ipv6=1" 2>/dev/null

# A light sensor: small flow table and ring, stats every second; one
# thread unless a check asks for workers (a later --workers wins).
common=(--set flow.memcap=16M --blocks 16 --block-size 256K --geo-db '' --asn-db '' --workers 1)

# start_watch NAME ARGS...: vigil watch on $ifb, waits until it captures.
start_watch() {
  local name=$1 i
  shift
  ip netns exec "$nsb" "$vigil" watch -i "$ifb" "${common[@]}" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  wpid=$!
  pids+=("$wpid")
  for i in $(seq 100); do
    grep -qs "capturing on" "$tmp/$name.err" && return 0
    kill -0 "$wpid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# stop_watch: SIGTERM, wait; the exit code in $rc.
stop_watch() {
  sleep 0.3 # the last block is handed over after capture.block_timeout (10 ms)
  kill -TERM "$wpid"
  wait "$wpid"
  rc=$?
}

# replay FILE [MULT]: into $ifa, bounded to 60 s.
replay() {
  ip netns exec "$nsa" timeout 60 tcpreplay -q --multiplier="${2:-1}" -i "$ifa" "$1" >"$tmp/replay.out" 2>&1
}

# facts EVE: packets and flows, sorted "kind src dest" of final attacks, and
# flows by VLAN ids.
facts() {
  jq -r 'select(.event_type=="stats") | "packets \(.stats.decoder.pkts) flows \(.stats.flow.total)"' "$1" | tail -1
  jq -r 'select(.event_type=="attack" and .attack.final) | "\(.attack.kind) \(.src_ip) \(.dest_ip)"' "$1" | sort
  # VLAN ids of the flows (tags the kernel took off must have been put back)
  jq -r 'select(.event_type=="flow" and .vlan) | "vlan \(.vlan | map(tostring) | join("/"))"' "$1" | sort | uniq -c
}

# facts_split EVE: facts, but ICMP flows counted once per address pair: with
# workers, the errors a router sends one host are spread by the flows they
# quote (so each reaches the worker holding its flow), and the router's
# ICMP flow is split among those workers (vigil read --workers splits it
# alike); TCP, UDP and other flows are counted one by one.
facts_split() {
  local n
  n=$(jq -r 'select(.event_type=="flow") | if (.proto | test("ICMP")) then "\(.src_ip) \(.dest_ip) \(.proto)" else .flow_id end' "$1" | sort -u | wc -l)
  jq -r --arg n "$n" 'select(.event_type=="stats") | "packets \(.stats.decoder.pkts) flows \($n) (ICMP by pair)"' "$1" | tail -1
  facts "$1" | sed 1d
}

# as_sent FILE OUT: the capture as tcpreplay sends it: a frame cut by the
# capture's snaplen goes out cut, so its length on the wire is what was
# captured (pcap's orig_len set to incl_len; pcapng converted first).
as_sent() {
  local in=$1
  if [ "$(head -c4 "$in" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]; then
    editcap -F pcap "$in" "$2.tmp" 2>/dev/null || return 1
    in=$2.tmp
  fi
  python3 - "$in" "$2" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
magic = b[:4]
e = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
o = 24
while o + 16 <= len(b):
    incl, = struct.unpack_from(e + 'I', b, o + 8)
    struct.pack_into(e + 'I', b, o + 12, incl)
    o += 16 + incl
open(sys.argv[2], 'wb').write(b)
PY
}

# Replay at the capture's own pace, or faster so it lasts at most ~3 s.
multiplier() {
  capinfos -T -r -u "$1" 2>/dev/null | awk -F'\t' 'NR==1{d=$2+0; m=int(d/3)+1; print (m<1?1:m)}'
}

# fanout_capture OUT: for 64 address pairs, IPv4 and IPv6, a TCP SYN and
# its SYN-ACK (both directions), a UDP probe and an ICMP / ICMPv6
# unreachable from a router quoting the probe; documentation addresses,
# written offline. With 2 workers every flow must stay whole (the fanout
# hash is symmetric) and each IPv4 error must reach the worker holding
# the probe's flow (flow.icmp_err_matched equals vigil read's).
fanout_capture() {
  python3 - "$1" 64 <<'PY'
import struct, sys
# gen: Ethernet frames, IPv4 and IPv6: for each of N pairs a TCP SYN, SYN-ACK (both
# directions), a UDP probe and an ICMP(v6) port/dest unreachable from a router that
# quotes the probe. Documentation addresses only (offline capture, replayed in netns).
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def eth(t, p): return b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + struct.pack('!H', t) + p
def ip4(src, dst, proto, pl):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20+len(pl), 1, 0, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + pl
def ip6(src, dst, nh, pl): return struct.pack('!IHBB16s16s', 6 << 28, len(pl), nh, 64, src, dst) + pl
def tcp(sp, dp, flags): return struct.pack('!HHIIBBHHH', sp, dp, 1, 0, 5 << 4, flags, 1024, 0, 0)
def udp(sp, dp, data=b'x'*8): return struct.pack('!HHHH', sp, dp, 8+len(data), 0) + data
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t = [1700000000, 0]
def put(frame):
    t[1] += 2000
    if t[1] >= 1000000: t[0] += 1; t[1] -= 1000000
    out.write(struct.pack('<IIII', t[0], t[1], len(frame), len(frame)) + frame)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 64
r4 = bytes([203, 0, 113, 254]); r6 = bytes.fromhex('20010db8ffff00000000000000000001')
for i in range(n):
    c4 = bytes([198, 51, 100, 1 + i % 250]); s4 = bytes([192, 0, 2, 1 + (i * 7) % 250])
    c6 = bytes.fromhex('20010db8000a0000000000000000') + struct.pack('!H', i + 1)
    s6 = bytes.fromhex('20010db8000b0000000000000000') + struct.pack('!H', (i * 7) % 997 + 1)
    sp = 40000 + i
    put(eth(0x0800, ip4(c4, s4, 6, tcp(sp, 80, 0x02))))
    put(eth(0x0800, ip4(s4, c4, 6, tcp(80, sp, 0x12))))
    put(eth(0x86dd, ip6(c6, s6, 6, tcp(sp, 443, 0x02))))
    put(eth(0x86dd, ip6(s6, c6, 6, tcp(443, sp, 0x12))))
    probe4 = ip4(c4, s4, 17, udp(sp, 33434))
    put(eth(0x0800, probe4))
    icmp = struct.pack('!BBHI', 3, 3, 0, 0) + probe4[:28]
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    put(eth(0x0800, ip4(r4, c4, 1, icmp)))
    probe6 = ip6(c6, s6, 17, udp(sp, 33434))
    put(eth(0x86dd, probe6))
    put(eth(0x86dd, ip6(r6, c6, 58, struct.pack('!BBHI', 1, 4, 0, 0) + probe6[:48])))
PY
}

# Not the c2-* captures: retimed offline to hours (beacons every 30 s, an
# hourly check), they are replayed compressed into seconds, and a beacon
# is judged on its intervals: their detections depend on the replay speed.
captures=()
for f in tests/corpus/captures/*.pcap; do
  case $(basename "$f") in c2-*) ;; *) captures+=("$f") ;; esac
done
shared=../shared/corpus
fanout_capture "$tmp/fanout-v4v6.pcap" && captures+=("$tmp/fanout-v4v6.pcap")
for f in scan/masscan-tcp-syn-ports0-1000.pcap scan/nmap-arp-host-sweep-and-version-scan.pcap \
  bruteforce/mysql-failed-logins.pcap bruteforce/ftp-bruteforce-30-failed-logins.pcap \
  flood/synack-reflection-tcp80-443.pcap formats/vlan-8021q-http.pcap \
  formats/qinqinq-triple-vlan.pcap benign/wikipedia-browse.pcap benign/icmp-traceroute.pcapng; do
  [ -f "$shared/$f" ] && captures+=("$shared/$f")
done

# Each capture with one thread, then with 2 workers (vigil watch --workers
# 2: two sockets in a PACKET_FANOUT group, two flow tables, one merger).
# VG_WATCH_WORKERS="1" runs only the first.
wsplit=""
for f in ${VG_WATCH_ONLY:-"${captures[@]}"}; do
 for wk in ${VG_WATCH_WORKERS:-1 2}; do
  name=$(basename "${f%.*}")
  if [ ! -f "$f" ]; then
    skip "$name: watch = read" "$f not found"
    continue
  fi
  mult=$(multiplier "$f")
  [ "$wk" = 1 ] || name="$name.w$wk"
  if ! start_watch "$name" --eve "$tmp/$name.w.json" --stats-interval 1 --no-store --workers "$wk"; then
    not_ok "$name: vigil watch started" "$(cat "$tmp/$name.err")"
    continue
  fi
  replay "$f" "$mult"
  stop_watch
  rjson=$tmp/$(basename "${f%.*}").r.json # vigil read's, once per capture
  if [ ! -f "$rjson" ]; then
    as_sent "$f" "$tmp/$name.sent.pcap" || not_ok "$name: rewritten as sent" "editcap failed"
    "$vigil" read --no-store --geo-db '' --asn-db '' -q --eve "$rjson" "$tmp/$name.sent.pcap" 2>/dev/null
  fi
  want=$(facts "$rjson")
  got=$(facts "$tmp/$name.w.json")
  if [ "$wk" != 1 ]; then
    want=$(facts_split "$rjson")
    got=$(facts_split "$tmp/$name.w.json")
  fi
  drops=$(jq -r 'select(.event_type=="stats") | .stats.capture.kernel_drops' "$tmp/$name.w.json" | tail -1)
  if [ "$rc" = 0 ] && [ "$drops" = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ]; then
    nat=$(echo "$want" | grep -Evc '^(packets | *[0-9]+ vlan )')
    nvl=$(echo "$want" | grep -Ec '^ *[0-9]+ vlan ')
    ok "$name (x$mult, $wk worker(s)): watch = read: $(echo "$want" | head -1), $nat attacks, $nvl VLAN sets; exit 0, no drops"
  else
    not_ok "$name (x$mult, $wk worker(s)): watch = read" "exit $rc, drops $drops" "read:  $(echo "$want" | tr '\n' ';' | head -c 600)" \
      "watch: $(echo "$got" | tr '\n' ';' | head -c 600)" "$(tail -3 "$tmp/$name.err")"
  fi
  if [ "$wk" = 2 ] && [ "$(basename "$f")" = fanout-v4v6.pcap ]; then
    em=$(jq -r 'select(.event_type=="stats") | .stats.vigil.counters["flow.icmp_err_matched"]' "$rjson" | tail -1)
    gm=$(jq -r 'select(.event_type=="stats") | .stats.vigil.counters["flow.icmp_err_matched"]' "$tmp/$name.w.json" | tail -1)
    gw=$(jq -r 'select(.event_type=="stats") | [.stats.vigil.workers[].packets | select(. > 0)] | length' "$tmp/$name.w.json" | tail -1)
    expect_eq "--workers 2, IPv4 and IPv6 pairs: ICMP errors matched to their flows as read does, both workers got packets" \
      "$em 2" "$gm $gw"
  fi
  # Per-worker packets (the last stats event): with many address pairs,
  # every worker gets some.
  if [ "$wk" = 2 ] && [ "$(basename "$f")" = nmap-sweep.pcap ]; then
    wsplit=$(jq -r 'select(.event_type=="stats") | [.stats.vigil.workers[].packets] | map(tostring) | join(" ")' "$tmp/$name.w.json" | tail -1)
    wsum=$(grep -E '^  worker\.[01]\.packets: ' "$tmp/$name.out" | awk '{s += $2; if ($2 > 0) n++} END {print n " " s}')
  fi
 done
done

# Both workers received packets of the sweep (many address pairs), and
# their counts add up to the packets (EVE stats event and summary agree).
if [ -n "$wsplit" ]; then
  set -- $wsplit
  total=$(jq -r 'select(.event_type=="stats") | .stats.decoder.pkts' "$tmp/nmap-sweep.w2.w.json" | tail -1)
  if [ "$#" = 2 ] && [ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ $(($1 + $2)) = "$total" ] && [ "$wsum" = "2 $total" ]; then
    ok "--workers 2: both workers got packets of the sweep ($1 + $2 = $total), summary agrees"
  else
    not_ok "--workers 2: both workers got packets" "stats workers: $wsplit, total $total, summary: $wsum"
  fi
elif [ -z "${VG_WATCH_ONLY:-}" ]; then
  not_ok "--workers 2: per-worker counts" "no nmap-sweep run with 2 workers"
fi

# Periodic stats events come without traffic, with the kernel's counters.
if start_watch idle --eve "$tmp/idle.json" --stats-interval 1 --no-store; then
  sleep 2.3
  stop_watch
  n=$(jq -r 'select(.event_type=="stats") | .stats.capture.kernel_drops' "$tmp/idle.json" | wc -l)
  [ "$rc" = 0 ] && [ "$n" -ge 3 ] && ok "idle: $n stats events in 2.3 s without traffic (every second and the last), exit 0" ||
    not_ok "idle: periodic stats events" "exit $rc, $n stats events" "$(cat "$tmp/idle.err")"
else
  not_ok "idle: vigil watch started" "$(cat "$tmp/idle.err")"
fi

# SIGHUP during traffic: the EVE file is moved away (logrotate), HUP,
# and the events of both files together are those of a run without HUP.
hupcap=tests/corpus/captures/nmap-connect.pcap
if start_watch hup --eve "$tmp/hup.json" --stats-interval 1 --no-store \
  --set flow.timeout.tcp.closed=0 --set flow.sweep_period=0; then
  ip netns exec "$nsa" timeout 60 tcpreplay -q --pps=100 -i "$ifa" "$hupcap" >/dev/null 2>&1 &
  rpid=$!
  pids+=("$rpid")
  sleep 1
  mv "$tmp/hup.json" "$tmp/hup.json.1"
  kill -HUP "$wpid"
  wait "$rpid"
  stop_watch
  cat "$tmp/hup.json.1" "$tmp/hup.json" >"$tmp/hup.all.json"
  flows=$(jq -r 'select(.event_type=="stats") | .stats.flow.total' "$tmp/hup.all.json" | tail -1)
  fev=$(jq -r 'select(.event_type=="flow") | .flow_id' "$tmp/hup.all.json" | sort -u | wc -l)
  old=$(grep -c '"event_type":"flow"' "$tmp/hup.json.1")
  new=$(grep -c '"event_type":"flow"' "$tmp/hup.json")
  "$vigil" read --no-store --geo-db '' --asn-db '' -q --eve "$tmp/hup.r.json" "$hupcap" 2>/dev/null
  want=$(facts "$tmp/hup.r.json" | sed 1d)
  got=$(facts "$tmp/hup.all.json" | sed 1d)
  if [ "$rc" = 0 ] && [ -n "$flows" ] && [ "$fev" = "$flows" ] && [ "$old" -gt 0 ] && [ "$new" -gt 0 ] &&
    [ -n "$want" ] && [ "$want" = "$got" ]; then
    ok "SIGHUP during traffic: $old flow events before, $new after, $fev = $flows flows; attacks = read's"
  else
    not_ok "SIGHUP during traffic loses no event" "exit $rc; flows $flows, distinct flow events $fev ($old + $new)" \
      "read attacks: $want" "watch attacks: $got" "$(tail -3 "$tmp/hup.err")"
  fi
else
  not_ok "hup: vigil watch started" "$(cat "$tmp/hup.err")"
fi

# SIGHUP loads the threat intelligence again: a C&C Host not listed at the
# start is listed in a file added before the HUP; the contacts end after it
# (at SIGTERM: a long closed-flow timeout) and are matched with the new
# tables. The same run without the HUP finds nothing.
c2cap=tests/corpus/c2/c2-http.pcap
for hup in 0 1; do
  rm -rf "$tmp/intel$hup"
  mkdir -p "$tmp/intel$hup"
  cp tests/data/c2/corpus-feodo.csv "$tmp/intel$hup/"
  if start_watch "intel$hup" --eve "$tmp/intel$hup.json" --no-store --intel "$tmp/intel$hup" \
    --set flow.timeout.tcp.closed=600; then
    replay "$c2cap"
    cp tests/data/c2/c2-vigil.stix.json "$tmp/intel$hup/"
    [ $hup = 1 ] && kill -HUP "$wpid"
    sleep 0.5
    stop_watch
    got=$(jq -r 'select(.event_type == "attack" and .attack.kind == "malware.c2" and .attack.final)
      | "\(.src_ip) \(.dest_ip) \(.attack.technique) \(.attack.tool)"' "$tmp/intel$hup.json")
    if [ $hup = 1 ]; then
      if [ "$rc" = 0 ] && [ "$got" = "5.188.86.10 192.168.60.20 http_host DemoLoader" ] &&
        grep -q "intel reloaded" "$tmp/intel$hup.err"; then
        ok "SIGHUP reloads the intel: the Host listed after the start is found"
      else
        not_ok "SIGHUP reloads the intel" "exit $rc; attacks: $got" "$(tail -3 "$tmp/intel$hup.err")"
      fi
    else
      flows=$(jq -s '[.[] | select(.event_type == "flow")] | length' "$tmp/intel$hup.json")
      if [ "$rc" = 0 ] && [ -z "$got" ] && [ "$flows" -gt 0 ]; then
        ok "without the HUP the file added later is not used ($flows flows, no C2 attack)"
      else
        not_ok "without the HUP nothing is reloaded" "exit $rc; flows $flows; attacks: $got"
      fi
    fi
  else
    not_ok "intel$hup: vigil watch started" "$(cat "$tmp/intel$hup.err")"
  fi
done

# SIGHUP reads the configuration again (2 workers): a brute-force threshold
# too high at the start finds nothing in a first replay of hydra-ssh;
# lowered in the file before a HUP, the second replay makes the run an
# attack (its attempts counted from the start: no state lost). A table
# size changed in the same file is named and kept. Without the HUP: none.
bcap=tests/corpus/captures/hydra-ssh.pcap
for hup in 0 1; do
  conf=$tmp/reload$hup.conf
  printf 'detect.brute.attempts = 100000\n' >"$conf"
  if start_watch "reload$hup" --eve "$tmp/reload$hup.json" --no-store --config "$conf" --workers 2; then
    replay "$bcap" "$(multiplier "$bcap")"
    printf 'detect.brute.attempts = 10\ndetect.scan.sources = 99999\n' >"$conf"
    [ $hup = 1 ] && kill -HUP "$wpid" && sleep 0.5
    replay "$bcap" "$(multiplier "$bcap")"
    stop_watch
    got=$(jq -r 'select(.event_type == "attack" and .attack.final) | "\(.attack.kind) \(.src_ip) \(.attack.attempts)"' \
      "$tmp/reload$hup.json")
    if [ $hup = 1 ]; then
      expect_eq "SIGHUP reloads the config: the lowered threshold makes both replays one attack" \
        "0 bruteforce.ssh 103.56.53.9 66" "$rc $got"
      expect_match "SIGHUP: the applied key is named" \
        'config: detect.brute.attempts 100000 -> 10: applied' "$(cat "$tmp/reload$hup.err")"
      expect_match "SIGHUP: a table size waits for a restart, and says so" \
        'config: detect.scan.sources 16384 -> 99999: takes effect when vigil starts again \(kept\)' \
        "$(cat "$tmp/reload$hup.err")"
      expect_match "SIGHUP: the count of both" 'config reloaded: 1 changes applied, 1 kept' \
        "$(cat "$tmp/reload$hup.err")"
    else
      expect_eq "without the HUP the file's new threshold is not read: no attack" "0 " "$rc $got"
    fi
  else
    not_ok "reload$hup: vigil watch started" "$(cat "$tmp/reload$hup.err")"
  fi
done
printf 'detect.brute.attempts = 10\n' >"$tmp/bad.conf"
if start_watch badconf --no-store --config "$tmp/bad.conf"; then
  printf 'detect.brute.attempts = ten\n' >"$tmp/bad.conf"
  kill -HUP "$wpid"
  sleep 0.5
  stop_watch
  expect_match "SIGHUP with a broken config file: named, and the settings in use stay (exit $rc)" \
    'bad.conf:1.*config not reloaded, the one in use stays' "$(tr '\n' ' ' <"$tmp/badconf.err")"
else
  not_ok "badconf: vigil watch started" "$(cat "$tmp/badconf.err")"
fi

# SIGTERM during traffic: a scan, then a flood cut short; the store's report
# holds every attack of the EVE file (those ended, and those the shutdown ended).
for wk in 1 2; do
db=$tmp/watch$wk.db
if start_watch term$wk --eve "$tmp/term$wk.json" --store "sqlite:$db" --workers $wk; then
  replay tests/corpus/captures/nmap-syn.pcap
  ip netns exec "$nsa" timeout 60 tcpreplay -q --pps=4000 -i "$ifa" tests/corpus/captures/hping-syn-flood.pcap >/dev/null 2>&1 &
  rpid=$!
  pids+=("$rpid")
  sleep 0.8
  kill -TERM "$wpid"
  wait "$wpid"
  rc=$?
  kill "$rpid" 2>/dev/null
  wait "$rpid" 2>/dev/null
  eve=$(jq -r 'select(.event_type=="attack" and .attack.final) | "\(.src_ip),\(.attack.kind)"' "$tmp/term$wk.json" | sort | uniq -c | awk '{print $2","$1}')
  rep=$("$vigil" report --store "sqlite:$db" --by attacker --by kind --top 0 --format csv 2>"$tmp/report.err" |
    sed 1d | grep -Ev '^(other|total),' | cut -d, -f1-3 | sort)
  pkts=$(jq -r 'select(.event_type=="stats") | .stats.decoder.pkts' "$tmp/term$wk.json" | tail -1)
  if [ "$rc" = 0 ] && [ -n "$eve" ] && [ "$eve" = "$rep" ] && echo "$eve" | grep flood.syn >/dev/null &&
    [ "${pkts:-0}" -lt 5203 ]; then
    ok "SIGTERM during a flood, $wk worker(s) ($pkts of 5203 packets): exit 0, report = EVE: $(echo "$eve" | tr '\n' ' ')"
  else
    not_ok "SIGTERM during traffic, $wk worker(s): store = EVE" "exit $rc, packets $pkts" "eve:    $eve" "report: $rep" \
      "$(cat "$tmp/report.err")" "$(tail -3 "$tmp/term$wk.err")"
  fi
  st=$(jq -c 'select(.event_type=="stats") | .stats.vigil |
    [(.memory.app > 0), (.store.pending | type), (.store.lag_s | type)]' "$tmp/term$wk.json" | tail -1)
  expect_eq "stats event, $wk worker(s): memory.app, and the store's pending attacks and lag" \
    '[true,"number","number"]' "$st"
else
  not_ok "term$wk: vigil watch started" "$(cat "$tmp/term$wk.err")"
fi
done

# Idle time moves the flow table's and the detectors' clocks: the probes'
# flows end (closed after an RST: flow.timeout.tcp.closed=0), the scan is
# judged, and it ends (detect.scan.idle=1) with no packet after it; its final event reaches the EVE file (flushed
# every second) and the store (committed every 5 s) while vigil still runs.
for wk in 1 2; do
db2=$tmp/lag$wk.db
if start_watch lag$wk --eve "$tmp/lag$wk.json" --workers $wk --store "sqlite:$db2" --set detect.scan.idle=1 \
  --set flow.timeout.tcp.closed=0 --set flow.timeout.tcp.new=1 --set flow.sweep_period=1; then
  replay tests/corpus/captures/nmap-syn.pcap
  sleep 7
  eve=$(jq -r 'select(.event_type=="attack" and .attack.final) | "\(.attack.kind) \(.src_ip)"' "$tmp/lag$wk.json")
  rep=$("$vigil" report --store "sqlite:$db2" --by kind --by attacker --format csv 2>&1 | grep -c '^scan.port,45.33.10.1,1')
  alive=$(kill -0 "$wpid" 2>/dev/null && echo running)
  stop_watch
  expect_eq "idle link, $wk worker(s): the scan ends on the wall clock; EVE and store have it while vigil runs" \
    "scan.port 45.33.10.1 1 running 0" "$eve $rep $alive $rc"
else
  not_ok "lag$wk: vigil watch started" "$(cat "$tmp/lag$wk.err")"
fi
done

# Rotation by size inside vigil (watch.eve_rotate_size): the file is moved
# aside as FILE.<time> and a new one opened; over all files, every flow
# event once.
if start_watch rot --eve "$tmp/rot.json" --no-store --set watch.eve_rotate_size=8K \
  --set flow.timeout.tcp.closed=0 --set flow.sweep_period=0; then
  ip netns exec "$nsa" timeout 60 tcpreplay -q --pps=100 -i "$ifa" tests/corpus/captures/nmap-connect.pcap >/dev/null 2>&1
  stop_watch
  nfiles=$(ls "$tmp"/rot.json* | wc -l)
  fev=$(cat "$tmp"/rot.json* | jq -r 'select(.event_type=="flow") | .flow_id' | sort | uniq | wc -l)
  fall=$(cat "$tmp"/rot.json* | grep -c '"event_type":"flow"')
  flows=$(jq -r 'select(.event_type=="stats") | .stats.flow.total' "$tmp/rot.json" | tail -1)
  if [ "$rc" = 0 ] && [ "$nfiles" -ge 2 ] && [ "$fev" = "$flows" ] && [ "$fall" = "$flows" ]; then
    ok "watch.eve_rotate_size=8K: $nfiles files, $fall flow events = $flows flows, none twice"
  else
    not_ok "watch.eve_rotate_size" "exit $rc, $nfiles files, flow events $fall ($fev distinct), flows $flows"
  fi
else
  not_ok "rot: vigil watch started" "$(cat "$tmp/rot.err")"
fi

# Two interfaces, one stream of flows: a second veth pair into the same
# namespace; each capture replayed into its own interface.
if ip link add "${ifa}x" netns "$nsa" type veth peer name "${ifb}x" netns "$nsb" 2>/dev/null &&
  ip -n "$nsa" link set "${ifa}x" up && ip -n "$nsb" link set "${ifb}x" up; then
  ip netns exec "$nsb" "$vigil" watch -i "$ifb,${ifb}x" "${common[@]}" --no-store --eve "$tmp/two.json" \
    >"$tmp/two.out" 2>"$tmp/two.err" &
  wpid=$!
  pids+=("$wpid")
  for _ in $(seq 100); do grep -qs 'capturing on' "$tmp/two.err" && break; sleep 0.05; done
  replay tests/corpus/captures/nmap-syn.pcap
  ip netns exec "$nsa" timeout 60 tcpreplay -q -i "${ifa}x" tests/corpus/captures/nmap-udp.pcap >/dev/null 2>&1
  stop_watch
  got=$(facts "$tmp/two.json")
  "$vigil" read --no-store --geo-db '' --asn-db '' -q --eve "$tmp/two.r.json" \
    tests/corpus/captures/nmap-syn.pcap tests/corpus/captures/nmap-udp.pcap 2>/dev/null
  want=$(facts "$tmp/two.r.json")
  ifs=$(jq -r 'select(.event_type=="stats") | .stats.vigil.capture.interfaces' "$tmp/two.json" | tail -1)
  expect_eq "-i two interfaces: one run, packets, flows and attacks = read of both files, exit 0" \
    "$want 2 0" "$got $ifs $rc"
else
  skip "-i two interfaces" "a second veth pair could not be made"
fi

# Loopback shows every packet twice (leaving, arriving): one is kept.
# Three pings to 127.0.0.1 inside our own namespace: 6 packets.
if command -v ping >/dev/null && ip -n "$nsb" link set lo up; then
  ip netns exec "$nsb" "$vigil" watch -i lo "${common[@]}" --no-store --eve "$tmp/lo.json" \
    >"$tmp/lo.out" 2>"$tmp/lo.err" &
  wpid=$!
  pids+=("$wpid")
  for _ in $(seq 100); do grep -qs 'capturing on' "$tmp/lo.err" && break; sleep 0.05; done
  ip netns exec "$nsb" timeout 10 ping -n -c 3 -i 0.2 -W 1 127.0.0.1 >/dev/null 2>&1
  stop_watch
  got=$(jq -r 'select(.event_type=="stats") | "\(.stats.decoder.pkts) \(.stats.decoder.icmpv4)"' "$tmp/lo.json" | tail -1)
  expect_eq "-i lo: each packet once (3 echo requests, 3 replies), exit 0" "6 6 0" "$got $rc"
else
  skip "-i lo" "no ping"
fi

# A BPF filter runs in the kernel: only the matching packets arrive (with
# workers: on every socket of the fanout group).
for wk in 1 2; do
  if start_watch filter$wk --eve "$tmp/filter$wk.json" --no-store --filter 'tcp port 80' --workers $wk; then
    replay tests/corpus/captures/nmap-syn.pcap
    stop_watch
    got=$(jq -r 'select(.event_type=="stats") | "\(.stats.decoder.pkts) \(.stats.flow.total)"' "$tmp/filter$wk.json" | tail -1)
    want=$(tcpdump -n -r tests/corpus/captures/nmap-syn.pcap 'tcp port 80' 2>/dev/null | wc -l)
    expect_eq "--filter 'tcp port 80', $wk worker(s): packets and flows (tcpdump counts $want packets)" "$want 1" "$got"
  else
    not_ok "filter$wk: vigil watch started" "$(cat "$tmp/filter$wk.err")"
  fi
done

# Errors: exit codes and messages naming what is wrong.
out=$(ip netns exec "$nsb" "$vigil" watch -i "${tag}none" --no-store 2>&1)
rc=$?
expect_eq "unknown interface: exit 1" 1 "$rc"
expect_match "unknown interface: named" "${tag}none: no such interface" "$out"
out=$(ip netns exec "$nsb" "$vigil" watch -i "$ifb" --filter 'tcp port' --no-store 2>&1)
rc=$?
expect_eq "bad filter: exit 2" 2 "$rc"
expect_match "bad filter: libpcap's words" "--filter 'tcp port': .*syntax error" "$out"
out=$(ip netns exec "$nsb" "$vigil" watch -i "$ifb" --filter 'tcp port' --no-store --workers 2 2>&1)
expect_eq "bad filter, 2 workers: exit 2" 2 "$?"
out=$("$vigil" watch -i "$ifb" --workers 0 --no-store 2>&1)
expect_match "--workers 0: exit 2, named" "^2 .*--workers '0'" "$? $out"
out=$("$vigil" watch --no-store 2>&1)
expect_eq "no interface: exit 2" 2 "$?"
out=$(ip netns exec "$nsb" "$vigil" watch -i "$ifb" --block-size 100000 --no-store 2>&1)
expect_eq "block size not a power of two: exit 2" 2 "$?"
out=$(ip netns exec "$nsb" "$vigil" watch -i "$ifb" --no-store --user "${tag}nouser" 2>&1)
rc=$?
expect_match "--user unknown: exit 1, named" "^1 .*${tag}nouser: no such user" "$rc $out"
if id nobody >/dev/null 2>&1; then
  if start_watch user --eve "$tmp/user.json" --no-store --user nobody; then
    uid=$(awk '/^Uid:/{print $2}' "/proc/$wpid/status")
    replay tests/corpus/captures/nmap-syn.pcap
    stop_watch
    got=$(jq -r 'select(.event_type=="stats") | .stats.decoder.pkts' "$tmp/user.json" | tail -1)
    expect_eq "--user nobody: runs as nobody after opening the socket, captures, exit 0" "$(id -u nobody) 203 0" "$uid $got $rc"
  else
    not_ok "user: vigil watch started" "$(cat "$tmp/user.err")"
  fi
fi

tap_done
