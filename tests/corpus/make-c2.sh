#!/usr/bin/env bash
# tests/corpus/make-c2.sh - captures of a home terminal calling a
# command-and-control server, made in network namespaces this script
# creates, then rewritten offline (tests/c2.sh reads them with the intel
# files of tests/data/c2).
#
# Network safety: two namespaces (vg-c2t: the terminal, vg-c2s: the
# server) joined by one veth pair; every client targets only 10.97.0.1,
# the address this script gives the server namespace, and resolves names
# through the DNS responder this script runs there. Nothing leaves the
# namespaces. Every client is bounded by count and a timeout; the
# namespaces are removed when the script ends, even on error.
#
# Scenarios (one capture each, terminal side, tcpdump):
#   c2-dns      the terminal resolves gate.c2-vigil.example (DNS, answered
#               10.97.0.1), then opens 3 TCP connections to the answer, port
#               8443, with a few bytes of a binary protocol: no SNI, no Host,
#               only the name the DNS answer gave ties the server to the
#               listed domain (technique dns)
#   c2-http     3 HTTP POSTs to /gate.php with Host: panel.c2-vigil.example,
#               no DNS (technique http_host)
#   c2-sni      2 TLS handshakes with SNI cdn.c2-vigil.example (technique sni)
#   c2-ja3      2 TLS 1.2 handshakes without SNI from a client offering one
#               cipher suite: the listed JA3 (technique ja3)
#   c2-benign   the same kinds of traffic to names and fingerprints that are
#               not listed: DNS for www.benign.example, an HTTP GET, a TLS
#               handshake with SNI www.benign.example and the default ciphers
# Rewriting: the server becomes 5.188.86.10 and the terminal 192.168.60.20
# (inside the default home network); the DNS answers' A records are
# rewritten to the server's new address first (tcprewrite leaves payloads
# alone), then tcprewrite fixes the checksums. TRUTH.tsv says what each
# capture must give. The JA3 of c2-ja3's client is written to
# tests/data/c2/sslbl-ja3.csv, so the intel file matches the capture.
#
# Run as root; installs what it needs. The committed captures are what the
# tests use: rerun only on purpose.
set -euo pipefail
cd "$(dirname "$0")"
out=c2
intel=../data/c2
work=$(mktemp -d)
SRV=10.97.0.1 TERM=10.97.0.2 SRV_PUB=5.188.86.10 TERM_HOME=192.168.60.20

. ./lib.sh
install_missing tcpdump tcpreplay curl openssl nginx-light iproute2 tshark python3

cleanup() {
  set +e
  kill_pids "$work"
  ip netns del vg-c2t 2>/dev/null
  ip netns del vg-c2s 2>/dev/null
  rm -rf /etc/netns/vg-c2t
  rm -rf "$work"
}
trap cleanup EXIT
ip netns del vg-c2t 2>/dev/null || true
ip netns del vg-c2s 2>/dev/null || true

ip netns add vg-c2s
ip netns add vg-c2t
ip link add vg-c2a type veth peer name vg-c2b
ip link set vg-c2a netns vg-c2s
ip link set vg-c2b netns vg-c2t
ip -n vg-c2s addr add $SRV/24 dev vg-c2a
ip -n vg-c2t addr add $TERM/24 dev vg-c2b
for ns in vg-c2s vg-c2t; do ip -n $ns link set lo up; done
ip -n vg-c2s link set vg-c2a up
ip -n vg-c2t link set vg-c2b up
ip netns exec vg-c2s ethtool -K vg-c2a tso off gso off gro off 2>/dev/null || true
ip netns exec vg-c2t ethtool -K vg-c2b tso off gso off gro off 2>/dev/null || true
# `ip netns exec vg-c2t` reads this resolv.conf: names go to our responder.
mkdir -p /etc/netns/vg-c2t
echo "nameserver $SRV" >/etc/netns/vg-c2t/resolv.conf

# --- the server side: DNS responder, HTTP, TLS, a raw TCP listener ---------------------------
cat >"$work/dns.py" <<'PY'
# A DNS responder for one job: A queries for names under c2-vigil.example
# or benign.example get the server's address; others NXDOMAIN. Exits after
# 50 queries or 120 s.
import socket, struct, sys, time
srv = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((srv, 53))
s.settimeout(1.0)
end = time.time() + 120
n = 0
while time.time() < end and n < 50:
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    n += 1
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack('!HHH', q[:6])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode('ascii', 'replace'))
        i += 1 + q[i]
    question = q[12:i + 5]
    qtype = struct.unpack('!H', q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    name = '.'.join(labels).lower()
    known = name.endswith('c2-vigil.example') or name.endswith('benign.example')
    if known and qtype == 1:
        hdr = struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0)
        ans = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 300, 4) + socket.inet_aton(srv)
    else:
        hdr = struct.pack('!HHHHHH', qid, 0x8180 if known else 0x8183, 1, 0, 0, 0)
        ans = b''
    s.sendto(hdr + question + ans, peer)
PY
ip netns exec vg-c2s python3 "$work/dns.py" $SRV & echo $! >"$work/dns.pid"

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=server" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
ip netns exec vg-c2s openssl s_server -quiet -accept $SRV:443 -cert "$work/cert.pem" \
  -key "$work/key.pem" -www >/dev/null 2>&1 & echo $! >"$work/tls.pid"

mkdir -p "$work/www"
echo ok >"$work/www/index.html"
echo ok >"$work/www/gate.php"
cat >"$work/nginx.conf" <<CFG
daemon off;
pid $work/nginx.pidfile;
error_log $work/nginx-error.log;
events {}
http {
  access_log off;
  server {
    listen $SRV:80;
    root $work/www;
    location / { error_page 405 =200 \$uri; }
  }
}
CFG
ip netns exec vg-c2s nginx -c "$work/nginx.conf" & echo $! >"$work/nginx.pid"

# A listener for the binary protocol: reads what comes, answers 16 bytes.
cat >"$work/raw.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8443))
s.listen(8)
s.settimeout(1.0)
end = time.time() + 120
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(2.0)
    try:
        c.recv(256)
        c.sendall(b'\x01\x00\x00\x10' + b'\x00' * 12)
    except OSError:
        pass
    c.close()
PY
ip netns exec vg-c2s python3 "$work/raw.py" $SRV & echo $! >"$work/raw.pid"
sleep 1

# --- the terminal's side -------------------------------------------------------------------------
cat >"$work/beacon.py" <<'PY'
# Resolves the name, then 3 short connections to the answer, port 8443.
import socket, sys, time
addr = socket.gethostbyname(sys.argv[1])
for i in range(3):
    c = socket.create_connection((addr, 8443), timeout=3)
    c.sendall(b'\x02\x00\x00\x20' + bytes(range(28)))
    c.recv(64)
    c.close()
    time.sleep(0.5)
PY

mkdir -p $out
printf 'scenario\tfile\tkind\ttechnique\ttool\tattacker\tvictim\tattempts\tnote\n' >"$out/TRUTH.tsv"
capture() { # NAME KIND TECHNIQUE FAMILY ATTEMPTS NOTE -- CMD...
  local name=$1 kind=$2 tech=$3 fam=$4 attempts=$5 note=$6
  shift 7
  ip netns exec vg-c2t tcpdump -n -i vg-c2b -s 512 -U -w "$work/$name.raw.pcap" -c 2000 \
    "net 10.97.0.0/24 and not arp" >/dev/null 2>&1 & local tp=$!
  sleep 0.5
  timeout 60 ip netns exec vg-c2t "$@" >"$work/$name.log" 2>&1 || true
  sleep 1
  kill $tp 2>/dev/null; wait $tp 2>/dev/null || true
  # DNS answers: the A record of the server's old address becomes its new one.
  python3 - "$work/$name.raw.pcap" "$work/$name.dns.pcap" $SRV $SRV_PUB <<'PY'
import socket, struct, sys
src, dst, old, new = sys.argv[1], sys.argv[2], socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4])
data = open(src, 'rb').read()
out, i = bytearray(data[:24]), 24
assert struct.unpack('<I', data[:4])[0] == 0xa1b2c3d4, 'expected a little-endian pcap'
while i + 16 <= len(data):
    caplen = struct.unpack('<I', data[i + 8:i + 12])[0]
    rec = bytearray(data[i + 16:i + 16 + caplen])
    # Ethernet + IPv4 + UDP from port 53: rewrite inside the DNS message only.
    if len(rec) > 42 and rec[12:14] == b'\x08\x00' and rec[23] == 17:
        ihl = (rec[14] & 15) * 4
        u = 14 + ihl
        if struct.unpack('!H', rec[u:u + 2])[0] == 53:
            msg = rec[u + 8:].replace(b'\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04' + old,
                                      b'\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04' + new)
            rec[u + 8:] = msg
    out += data[i:i + 16] + rec
    i += 16 + caplen
open(dst, 'wb').write(out)
PY
  tcprewrite --pnat="$SRV/32:$SRV_PUB/32,$TERM/32:$TERM_HOME/32" \
    --infile="$work/$name.dns.pcap" --outfile="$out/$name.pcap" --fixcsum
  printf '%s\t%s.pcap\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$name" "$kind" "$tech" "$fam" \
    "$SRV_PUB" "$TERM_HOME" "$attempts" "$note" >>"$out/TRUTH.tsv"
  echo "captured $name: $(tcpdump -n -r "$out/$name.pcap" 2>/dev/null | wc -l) packets" >&2
}

capture c2-dns malware.c2 dns DemoRAT 3 "DNS for gate.c2-vigil.example, then 3 TCP connections to the answer" -- \
  python3 "$work/beacon.py" gate.c2-vigil.example
capture c2-http malware.c2 http_host DemoLoader 3 "3 HTTP POSTs with Host panel.c2-vigil.example" -- \
  sh -c "for i in 1 2 3; do curl -s -m 5 -o /dev/null -H 'Host: panel.c2-vigil.example' -d 'id=1' http://$SRV/gate.php; done"
capture c2-sni malware.c2 sni DemoStealer 2 "2 TLS handshakes with SNI cdn.c2-vigil.example" -- \
  sh -c "for i in 1 2; do timeout 5 openssl s_client -connect $SRV:443 -servername cdn.c2-vigil.example </dev/null; done"
capture c2-ja3 malware.c2 ja3 DemoJA3 2 "2 TLS 1.2 handshakes, no SNI, one cipher suite" -- \
  sh -c "for i in 1 2; do timeout 5 openssl s_client -connect $SRV:443 -noservername -tls1_2 -cipher AES128-GCM-SHA256 </dev/null; done"
capture c2-benign none - - 0 "DNS, HTTP and TLS to names and fingerprints not listed" -- \
  sh -c "getent hosts www.benign.example; curl -s -m 5 -o /dev/null http://www.benign.example/; timeout 5 openssl s_client -connect $SRV:443 -servername www.benign.example </dev/null"

# The intel file for c2-ja3: its client's JA3, as tshark computes it.
ja3=$(tshark -n -r "$out/c2-ja3.pcap" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.ja3 2>/dev/null | sort -u)
[ "$(wc -l <<<"$ja3")" = 1 ] && [ -n "$ja3" ] || { echo "c2-ja3: expected one JA3, got: $ja3" >&2; exit 1; }
mkdir -p $intel
{
  echo '################################################################'
  echo '# abuse.ch SSLBL JA3 Fingerprint Blacklist (CSV) - test copy     #'
  echo '# vigil tests: the first line is the JA3 of tests/corpus/c2/c2-ja3.pcap (made by make-c2.sh);'
  echo '# the second is the ClientHello of ../shared/corpus/exploit/tls-malicious-c2-clienthello.pcap.'
  echo '################################################################'
  echo '# ja3_md5,Firstseen,Lastseen,Listingreason'
  echo "$ja3,2026-11-01 00:00:00,2026-11-27 00:00:00,DemoJA3"
  echo "49ed2ef3f1321e5f044f1e71b0e6fdd5,2022-11-01 00:00:00,2022-11-30 00:00:00,MaliciousC2"
  echo '# END 2 entries'
} >"$intel/sslbl-ja3.csv"
echo "made the captures in $out and $intel/sslbl-ja3.csv (JA3 $ja3)" >&2
