#!/usr/bin/env bash
# tests/attrib.sh VIGIL - the attribution stage end to end (src/attrib):
#  - oracle: vigil's country for 10,000 random public IPv4 and 2,000 IPv6
#    addresses (fixed seed) equals mmdblookup's on the same database;
#  - ASN ranges at their edges (tests/data/asn-edges.csv compiled here) and
#    the real compiled package (8.8.8.8 is AS15169 Google);
#  - confidence of the real-tool captures (tests/corpus/captures): verified
#    after a handshake, unverified for SYN scans and floods, bogon for a
#    private source arriving from outside (tests/data/attrib-bogon-syn.pcap:
#    nmap-syn.pcap with the scanner rewritten to 10.20.30.40 by
#    `tcprewrite --pnat=45.33.10.1/32:10.20.30.40/32 --fixcsum`);
#  - missing and corrupt databases: one warning naming the file, the run goes on;
#  - `vigil geo`: output, credit, dates, exit codes.
# Tests that need the geo data of `make deps` (data/geo) are skipped with a
# TAP "# SKIP" reason when it is absent (npm could not fetch it).
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cap=tests/corpus/captures
country_db=data/geo/dbip-country.mmdb
asn_db=data/geo/asn.vgasn

attacks() { # FILE [ARGS...]: attack events, one compact line each
  local f=$1; shift
  "$vigil" read -q --seed 1 --home-net 192.168.50.0/24 "$@" --eve - "$f" 2>"$tmp/stderr" |
    jq -c 'select(.event_type=="attack")'
}

# ---- oracle: country against mmdblookup ------------------------------------
if [ -s "$country_db" ] && command -v mmdblookup >/dev/null; then
  python3 tests/oracle/geo_addrs.py 10000 2000 20261127 >"$tmp/addrs"
  start=$SECONDS
  "$vigil" geo --batch --asn-db '' <"$tmp/addrs" | cut -f1,2 >"$tmp/vigil.tsv"
  # One mmdblookup process per address, in two halves side by side.
  split -n l/2 "$tmp/addrs" "$tmp/part."
  for p in "$tmp"/part.*; do
    (while read -r a; do
      printf '@@ %s\n' "$a"
      mmdblookup --file "$country_db" --ip "$a" country_code 2>/dev/null
    done <"$p" >"$p.out") &
  done
  wait
  cat "$tmp"/part.*.out | awk '
    /^@@ / { if (a != "") print a "\t" (c == "" ? "-" : c); a = $2; c = ""; next }
    /<utf8_string>/ { match($0, /"[^"]*"/); c = substr($0, RSTART + 1, RLENGTH - 2) }
    END { if (a != "") print a "\t" (c == "" ? "-" : c) }' >"$tmp/mmdb.tsv"
  expect_eq "oracle: 12000 addresses asked of both" "12000 12000" \
    "$(wc -l <"$tmp/vigil.tsv") $(wc -l <"$tmp/mmdb.tsv")"
  sort "$tmp/vigil.tsv" >"$tmp/v.s"; sort "$tmp/mmdb.tsv" >"$tmp/m.s"
  diffs=$(diff "$tmp/v.s" "$tmp/m.s" | grep -c '^<')
  expect_eq "oracle: vigil's country equals mmdblookup's for all 12000 (IPv4 and IPv6)" 0 "$diffs"
  [ "$diffs" = 0 ] || diff "$tmp/v.s" "$tmp/m.s" | head -6 | sed 's/^/#   /'
  found4=$(head -10000 "$tmp/vigil.tsv" | awk -F'\t' '$2 != "-"' | wc -l)
  found6=$(tail -2000 "$tmp/vigil.tsv" | awk -F'\t' '$2 != "-"' | wc -l)
  # Sanity: the comparison is not all "not found" on both sides.
  expect_eq "oracle: most IPv4 addresses have a country ($found4 of 10000)" yes "$([ "$found4" -gt 9000 ] && echo yes)"
  expect_eq "oracle: many IPv6 addresses have a country ($found6 of 2000)" yes "$([ "$found6" -gt 400 ] && echo yes)"
  echo "# oracle: $found4/10000 IPv4 and $found6/2000 IPv6 with a country; $((SECONDS - start)) s"
else
  skip "oracle: country against mmdblookup" "no $country_db (make deps fetches it) or no mmdblookup"
fi

# ---- ASN ranges at their edges -------------------------------------------
out=$("$vigil" geo --compile-asn "$tmp/edges.vgasn" --source "asn-edges test" tests/data/asn-edges.csv)
expect_eq "compile: the edge CSV gives 6 IPv4 and 3 IPv6 ranges" \
  "$tmp/edges.vgasn: 6 IPv4 and 3 IPv6 ranges, 8 organisations" "$out"
printf '%s\n' 0.0.0.0 0.0.0.255 0.0.1.0 0.255.255.255 1.0.0.0 1.0.0.255 1.0.1.0 1.0.1.1 1.0.3.255 \
  1.0.4.0 1.0.7.255 1.0.8.0 8.8.7.255 8.8.8.8 255.255.254.255 255.255.255.0 255.255.255.255 \
  2001:485f:ffff:ffff:ffff:ffff:ffff:ffff 2001:4860:: 2001:4860:ffff:ffff:ffff:ffff:ffff:ffff \
  2001:4861:: 2001:4861::ffff 2001:4861::1:0 ffff:ffff:ffff:ffff:ffff:ffff:fffe:ffff \
  ffff:ffff:ffff:ffff:ffff:ffff:ffff:0 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff \
  | "$vigil" geo --batch --geo-db '' --asn-db "$tmp/edges.vgasn" | cut -f1,3 | tr '\t' ' ' >"$tmp/edges.out"
expect_eq "ASN edges: first/last address of each range, the addresses just outside, gaps" \
  "0.0.0.0 64496|0.0.0.255 64496|0.0.1.0 -|0.255.255.255 -|1.0.0.0 13335|1.0.0.255 13335|1.0.1.0 64497|1.0.1.1 -|1.0.3.255 -|1.0.4.0 38803|1.0.7.255 38803|1.0.8.0 -|8.8.7.255 -|8.8.8.8 15169|255.255.254.255 -|255.255.255.0 4294967295|255.255.255.255 4294967295|2001:485f:ffff:ffff:ffff:ffff:ffff:ffff -|2001:4860:: 15169|2001:4860:ffff:ffff:ffff:ffff:ffff:ffff 15169|2001:4861:: 64498|2001:4861::ffff 64498|2001:4861::1:0 -|ffff:ffff:ffff:ffff:ffff:ffff:fffe:ffff -|ffff:ffff:ffff:ffff:ffff:ffff:ffff:0 64499|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 64499" \
  "$(paste -sd'|' "$tmp/edges.out")"
expect_eq "ASN: quoted organisation names keep their commas and quotes" \
  "Cloudflare, Inc.|One \"quoted\" address" \
  "$(printf '1.0.0.7\n1.0.1.0\n' | "$vigil" geo --batch --geo-db '' --asn-db "$tmp/edges.vgasn" | cut -f4 | paste -sd'|')"
printf '1.0.0.0,1.0.0.255,13335,ok\n1.0.1.0,1.0.1.255,AS7,bad\n' >"$tmp/bad.csv"
"$vigil" geo --compile-asn "$tmp/bad.vgasn" "$tmp/bad.csv" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "compile: a bad line is exit 1 naming file and line" "1 vigil geo: $tmp/bad.csv:2: field 3 (asn): \"AS7\" is not a number from 0 to 4294967295" "$rc $(cat "$tmp/err")"
expect_eq "compile: nothing written after an error" no "$([ -e "$tmp/bad.vgasn" ] && echo yes || echo no)"

if [ -s "$asn_db" ]; then
  expect_eq "real ASN data: 8.8.8.8 is AS15169 Google LLC; 1.1.1.1 AS13335 Cloudflare; 2001:4860:4860::8888 AS15169" \
    "8.8.8.8 15169 Google LLC|1.1.1.1 13335 Cloudflare, Inc.|2001:4860:4860::8888 15169 Google LLC" \
    "$(printf '8.8.8.8\n1.1.1.1\n2001:4860:4860::8888\n' | "$vigil" geo --batch --geo-db '' | cut -f1,3,4 | tr '\t' ' ' | paste -sd'|')"
else
  skip "real ASN data: 8.8.8.8 is AS15169" "no $asn_db (make deps fetches and compiles it)"
fi

# ---- vigil geo -------------------------------------------------------------
if [ -s "$country_db" ] && [ -s "$asn_db" ]; then
  out=$("$vigil" geo 8.8.8.8); rc=$?
  expect_eq "vigil geo 8.8.8.8: exit 0, country US, AS15169 Google LLC, public" \
    "0|address: 8.8.8.8|country: US|asn: 15169|as_org: Google LLC|class: public" \
    "$rc|$(printf '%s\n' "$out" | head -5 | sed 's/;.*//' | paste -sd'|')"
  expect_match "vigil geo: names the databases and their dates" \
    "country_db: .*dbip-country.mmdb \(country ipvAll, built 20[0-9]{2}-[0-9]{2}-[0-9]{2}\)" "$out"
  expect_match "vigil geo: ASN file with its package version and data date" \
    "asn_db: .*asn.vgasn \(@ip-location-db/asn [0-9.]+, data of 20[0-9]{2}-[0-9]{2}-[0-9]{2}, compiled" "$out"
  expect_match "vigil geo: credits DB-IP" "credit: IP Geolocation by DB-IP \(https://db-ip.com\), CC BY 4.0" "$out"
else
  skip "vigil geo 8.8.8.8 prints country and ASN" "no geo data (make deps)"
fi
out=$("$vigil" geo --geo-db '' --asn-db '' 10.1.2.3 2001:db8::1); rc=$?
expect_match "vigil geo: a private address is a bogon (RFC 1918)" "class: bogon: private address \(RFC 1918\)" "$out"
expect_match "vigil geo: 2001:db8::/32 is documentation" "class: bogon: documentation address \(2001:db8::/32" "$out"
expect_eq "vigil geo with no database: exit 0, says so" "0 1" "$rc $(printf '%s\n' "$out" | grep -c 'no geo database loaded')"
"$vigil" geo 1.2.3.999 >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "vigil geo: a bad address is exit 2, named" "2 vigil geo: \"1.2.3.999\" is not an IPv4 or IPv6 address" "$rc $(cat "$tmp/err")"
"$vigil" geo >/dev/null 2>&1; expect_eq "vigil geo without an address: exit 2" 2 "$?"
"$vigil" geo --bogus 1.1.1.1 >/dev/null 2>&1; expect_eq "vigil geo with a bad option: exit 2" 2 "$?"
"$vigil" geo --help >"$tmp/help"; rc=$?
expect_eq "vigil geo --help: exit 0, usage and exit codes" "0 1 1" "$rc $(grep -c '^usage: vigil geo' "$tmp/help") $(grep -c '^Exit codes' "$tmp/help")"
expect_match "vigil --help lists geo" "^  geo " "$("$vigil" --help)"
printf '8.8.8.8\nnot-an-ip\n' | "$vigil" geo --batch --geo-db '' --asn-db '' >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "vigil geo --batch: a bad line is named (stdin:2) and exit 1, the others answered" \
  "1 1 vigil geo: stdin:2: \"not-an-ip\" is not an IP address" "$rc $(wc -l <"$tmp/out") $(cat "$tmp/err")"

# ---- confidence on captures of real tools ------------------------------------
# Verified: a handshake completed (connect scan, version probing, logins);
# unverified: SYN/FIN/UDP/ICMP probes, nmap -O (raw SYNs, reset by the
# kernel) and the floods.
declare -A want=([nmap-connect]=verified [nmap-version]=verified [hydra-ssh]=verified
  [hydra-ftp]=verified [hydra-http]=verified [hydra-http-form]=verified [medusa-ssh]=verified
  [nmap-syn]=unverified [nmap-fin]=unverified [nmap-os]=unverified [nmap-sweep]=unverified
  [masscan-syn]=unverified [hping-syn-flood]=unverified [hping-udp-flood]=unverified
  [hping-icmp-flood]=unverified [nmap-udp]=unverified [zmap-sweep]=unverified)
for s in nmap-connect nmap-version hydra-ssh hydra-ftp hydra-http hydra-http-form medusa-ssh nmap-syn nmap-fin \
  nmap-os nmap-sweep masscan-syn hping-syn-flood hping-udp-flood hping-icmp-flood nmap-udp \
  zmap-sweep; do
  [ -f "$cap/$s.pcap" ] || { skip "$s: attribution ${want[$s]}" "no $cap/$s.pcap"; continue; }
  a=$(attacks "$cap/$s.pcap" | jq -c 'select(.attack.final)')
  expect_eq "$s: one attack, attribution ${want[$s]}" "1 ${want[$s]}" \
    "$(printf '%s\n' "$a" | grep -c .) $(printf '%s\n' "$a" | jq -r .attribution.confidence)"
done
a=$(attacks "$cap/nmap-syn.pcap")
expect_eq "nmap-syn: reason" "SYN-only probes: address may be forged" "$(printf '%s\n' "$a" | jq -r .attribution.reason)"
a=$(attacks "$cap/hydra-ssh.pcap")
expect_eq "hydra-ssh: reason" "completed a TCP handshake" "$(printf '%s\n' "$a" | jq -r .attribution.reason)"
a=$(attacks tests/data/attrib-bogon-syn.pcap)
expect_eq "private scanner (10.20.30.40) from outside: bogon, no src_geo" \
  "inbound bogon private address (RFC 1918) arriving from outside null" \
  "$(printf '%s\n' "$a" | jq -r '"\(.attack.direction) \(.attribution.confidence) \(.attribution.reason) \(.src_geo)"')"
a=$(attacks tests/data/attrib-bogon-syn.pcap --home-net 192.168.50.0/24,10.0.0.0/8)
expect_eq "the same scanner inside the home network (outbound) is not a bogon" \
  "outbound unverified" "$(printf '%s\n' "$a" | jq -r '"\(.attack.direction) \(.attribution.confidence)"')"
if [ -s "$country_db" ] && [ -s "$asn_db" ]; then
  a=$(attacks "$cap/hydra-ssh.pcap")
  c=$(mmdblookup --file "$country_db" --ip 103.56.53.9 country_code 2>/dev/null | sed -n 's/.*"\(..\)" <utf8_string>.*/\1/p')
  expect_eq "hydra-ssh: src_geo has mmdblookup's country and the ASN file's AS" \
    "$c $(printf '103.56.53.9\n' | "$vigil" geo --batch --geo-db '' | cut -f3)" \
    "$(printf '%s\n' "$a" | jq -r '"\(.src_geo.country) \(.src_geo.asn)"')"
  expect_eq "hydra-ssh: the private victim gets no dest_geo" null "$(printf '%s\n' "$a" | jq -c .dest_geo)"
  "$vigil" read --seed 1 --home-net 192.168.50.0/24 "$cap/hydra-ssh.pcap" >"$tmp/summary" 2>&1
  expect_match "summary: attacks by confidence" "^  attrib.verified: 1$" "$(cat "$tmp/summary")"
  expect_match "summary: database dates and DB-IP credit" \
    "attrib.country_db: .*built 20.*attrib.credit: IP Geolocation by DB-IP" "$(tr '\n' ' ' <"$tmp/summary")"
else
  skip "attacks carry src_geo" "no geo data (make deps)"
fi

# ---- missing and corrupt databases -------------------------------------------
a=$(attacks "$cap/nmap-syn.pcap" --geo-db "$tmp/none.mmdb" --asn-db "$tmp/none.vgasn")
rc=$?
expect_eq "missing databases: the attack is still written, with attribution, without src_geo" \
  "1 unverified null" "$(printf '%s\n' "$a" | grep -c .) $(printf '%s\n' "$a" | jq -r '"\(.attribution.confidence) \(.src_geo)"')"
expect_eq "missing databases: ONE warning line" 1 "$(wc -l <"$tmp/stderr")"
expect_match "missing databases: the warning names both files and make deps" \
  "^vigil: warning: $tmp/none.mmdb: No such file or directory; $tmp/none.vgasn: No such file or directory .*make deps" "$(cat "$tmp/stderr")"
"$vigil" read -q --seed 1 --geo-db "$tmp/none.mmdb" --home-net 192.168.50.0/24 \
  "$cap/nmap-syn.pcap" "$cap/hydra-ssh.pcap" "$cap/hping-udp-flood.pcap" >/dev/null 2>"$tmp/stderr"; rc=$?
expect_eq "missing database, three attacks in one run: exit 0, still one warning" "0 1" "$rc $(wc -l <"$tmp/stderr")"
"$vigil" read -q --seed 1 --geo-db "$tmp/none.mmdb" tests/data/eth-mixed-le-usec.pcap >/dev/null 2>"$tmp/stderr"
expect_eq "missing database, no attack: no warning" 0 "$(wc -c <"$tmp/stderr")"
if [ -s "$country_db" ]; then
  head -c 100000 "$country_db" >"$tmp/trunc.mmdb"
  a=$(attacks "$cap/hydra-ssh.pcap" --geo-db "$tmp/trunc.mmdb"); rc=$?
  expect_match "truncated .mmdb: one warning naming the file" "^vigil: warning: $tmp/trunc.mmdb: not a usable MaxMind DB file" "$(cat "$tmp/stderr")"
  expect_eq "truncated .mmdb: read goes on (attack written, no country)" "1 null verified" \
    "$(printf '%s\n' "$a" | grep -c .) $(printf '%s\n' "$a" | jq -r '"\(.src_geo.country) \(.attribution.confidence)"')"
  "$vigil" geo --geo-db "$tmp/trunc.mmdb" --asn-db '' 8.8.8.8 >/dev/null 2>"$tmp/err"; rc=$?
  expect_match "vigil geo with a truncated .mmdb: exit 1 naming the file" "^1 vigil geo: warning: $tmp/trunc.mmdb: not a usable MaxMind DB" "$rc $(cat "$tmp/err")"
else
  skip "truncated .mmdb" "no $country_db (make deps)"
fi
head -c 4096 /dev/urandom >"$tmp/garbage.vgasn"
a=$(attacks "$cap/hydra-ssh.pcap" --geo-db '' --asn-db "$tmp/garbage.vgasn")
expect_match "garbage ASN file: one warning naming the file" "^vigil: warning: $tmp/garbage.vgasn: not a vigil ASN range file" "$(cat "$tmp/stderr")"
expect_eq "garbage ASN file: read goes on" "1 verified" "$(printf '%s\n' "$a" | grep -c .) $(printf '%s\n' "$a" | jq -r .attribution.confidence)"
head -c $(($(stat -c %s "$tmp/edges.vgasn") - 1)) "$tmp/edges.vgasn" >"$tmp/cut.vgasn"
"$vigil" geo --geo-db '' --asn-db "$tmp/cut.vgasn" 1.0.0.1 >/dev/null 2>"$tmp/err"; rc=$?
expect_match "truncated ASN file: exit 1 naming the file" "^1 vigil geo: warning: $tmp/cut.vgasn: .*truncated" "$rc $(cat "$tmp/err")"

# ---- every attack event's geo objects are well-formed -------------------------
bad=$(for f in "$cap"/*.pcap tests/data/attrib-bogon-syn.pcap; do attacks "$f"; done |
  jq -c 'select((.attribution.confidence | IN("verified","unverified","bogon","reflector") | not)
    or (.attribution.reason | type) != "string"
    or ((.src_geo // {}) | (.country // "AA" | test("^[A-Z]{2}$") | not) or ((.asn // 1) | type) != "number"))' | wc -l)
expect_eq "every attack has a known confidence, a reason, and a well-formed src_geo" 0 "$bad"
tap_done
