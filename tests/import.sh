#!/usr/bin/env bash
# tests/import.sh VIGIL - `vigil import`: Suricata EVE alerts
# (tests/data/suricata-alerts.json, written by hand in Suricata's layout:
# 7 alerts, a flow and a stats event, a line with a bad address and a
# truncated last line) stored as attacks: one per attacker, victim and
# signature until 600 s without an alert; kinds from the category; the
# time offset applied; bad lines named by file and line, the rest kept;
# the same file again adds nothing.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f=tests/data/suricata-alerts.json
db="sqlite:$tmp/a.db"
home=192.168.50.0/24,2001:db8::/32

out=$("$vigil" import --store "$db" --home-net $home $f 2>"$tmp/err"); rc=$?
expect_eq "bad lines: exit 1 after importing the rest" 1 "$rc"
expect_match "a bad address is named with its file and line" "suricata-alerts.json: line 10: alert: bad or missing \"src_ip\"" "$(cat "$tmp/err")"
expect_match "a truncated line is named with its file and line" "suricata-alerts.json: line 11: not a JSON object" "$(cat "$tmp/err")"
expect_eq "summary: lines, alerts, other events, bad lines, attacks" "11 7 2 2 4" \
  "$(printf '%s\n' "$out" | awk '/^(lines|alerts|other_events|bad_lines|attacks):/ {printf "%s%s", s, $2; s=" "}')"
expect_eq "report by kind: exploit (3 alerts, then 1 after 85 min), malware.c2, alert" \
  "kind,attacks,percent|exploit.alert,2,50.0|alert,1,25.0|malware.c2,1,25.0|total,4,100.0" \
  "$("$vigil" report --store "$db" --by kind --format csv | paste -sd'|')"
if command -v sqlite3 >/dev/null; then
  expect_eq "attacks: kind, attempts, ports, direction, severity, in time order" \
    "exploit.alert 3 2 inbound 1|exploit.alert 1 1 inbound 1|malware.c2 2 1 outbound 1|alert 1 1 inbound 2" \
    "$(sqlite3 -separator ' ' "$tmp/a.db" 'select kind, attempts, ports, direction, severity from attacks order by start_ns' | paste -sd'|')"
  expect_eq "+0200 is applied: the malware alerts 10 min apart are one attack starting 06:00 UTC" \
    "2026-04-15 06:00:00" \
    "$(sqlite3 "$tmp/a.db" "select datetime(start_ns / 1000000000, 'unixepoch') from attacks where kind = 'malware.c2'")"
  expect_match "the evidence names the signature (quotes replaced)" "2 Suricata alerts \[1:2027863:2\] ET MALWARE Observed 'Cobalt Strike' beacon \(A Network Trojan was detected\)" \
    "$(sqlite3 "$tmp/a.db" "select evidence from attacks where kind = 'malware.c2'")"
else
  for c in attacks offset evidence; do skip "$c" "sqlite3 not installed (make deps)"; done
fi
if [ -s data/geo/dbip-country.mmdb ] && command -v mmdblookup >/dev/null; then
  want=$(mmdblookup --file data/geo/dbip-country.mmdb --ip 45.33.10.50 country_code 2>/dev/null | awk -F'"' 'NF > 1 {print $2; exit}')
  [ -n "$want" ] || want=$(mmdblookup --file data/geo/dbip-country.mmdb --ip 45.33.10.50 country iso_code 2>/dev/null | awk -F'"' 'NF > 1 {print $2; exit}')
  expect_match "the attacker's country is mmdblookup's ($want)" "^$want,2," \
    "$("$vigil" report --store "$db" --by country --kind exploit --format csv | sed -n 2p)"
else
  skip "the attacker's country" "no geo data (make deps)"
fi
out=$("$vigil" import --store "$db" --home-net $home $f 2>/dev/null)
expect_eq "the same file again adds nothing" "0 4" \
  "$(printf '%s\n' "$out" | awk '/store.attacks_new:/ {n=$2} /store.attacks_already_stored:/ {d=$2} END {print n, d}')"
"$vigil" import --store "$db" "$tmp/missing.json" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "a missing file: exit 1" 1 "$rc"
expect_match "a missing file is named" "missing.json: No such file or directory" "$(cat "$tmp/err")"
"$vigil" import --store "$db" >/dev/null 2>&1; expect_eq "no file: usage error (2)" 2 "$?"
"$vigil" import --store none $f >/dev/null 2>&1; expect_eq "no store: usage error (2)" 2 "$?"
expect_match "--help describes the command" "Reads Suricata EVE JSON files" "$("$vigil" import --help)"
tap_done
