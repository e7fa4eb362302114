#!/usr/bin/env bash
# tests/intel.sh VIGIL - threat intelligence (src/intel/, `vigil intel`,
# `vigil read --intel`) on the hand-written feeds of tests/data/intel/: a
# Feodo Tracker blocklist, URLhaus URLs, SSLBL JA3 fingerprints (each with
# abuse.ch's banner and header), a plain list and a STIX 2.1 bundle, each
# with duplicates and malformed lines; tests/data/intel/bad/ holds broken
# files (not loaded with the folder: subfolders are skipped).
# Counts are those written down from the files (see the comments), checked
# again by an independent reading of the CSVs with Python's csv, ipaddress
# and urllib (the oracle); check answers cover exact, prefix, most specific
# prefix, IPv6, IPv4-mapped, parent domain, case, trailing dot, JA3 and
# non-matches at the edges.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=tests/data/intel

# field FILE KEY: the value of "  KEY: N" in the section "source: FILE"
# (FILE "total" for the totals) of a stats output in $tmp/stats.
field() {
  awk -v f="$1" -v k="$2" '
    /^source: / { cur = substr($0, 9) } /^total:/ { cur = "total" } /^families:/ { cur = "" }
    cur == f && $1 == k ":" { print $2 }' "$tmp/stats"
}

out=$("$vigil" intel --help); rc=$?
expect_eq "intel --help exits 0" 0 "$rc"
expect_match "--help documents exit code 3 (no match)" "3 check: at least one VALUE" "$out"

"$vigil" intel stats --intel $d >"$tmp/stats" 2>"$tmp/err"; rc=$?
expect_eq "stats on the folder exits 0 despite malformed lines" 0 "$rc"
expect_eq "the folder's 5 files load in name order, bad/ (a subfolder) is skipped" \
  "$d/feodo.csv $d/ja3.csv $d/list.txt $d/stix.json $d/urlhaus.csv" \
  "$(awk '/^source: / {printf "%s%s", s, $2; s=" "}' "$tmp/stats")"
expect_eq "feeds detected from content" "feodo sslbl-ja3 list stix urlhaus" \
  "$(awk '$1 == "feed:" {printf "%s%s", s, $2; s=" "}' "$tmp/stats")"
# feodo.csv: 7 rows; .50 twice (dup), .999 bad address, month 13 bad date.
expect_eq "feodo: ipv4 4, duplicates 1, malformed 2" "4 1 2" \
  "$(field $d/feodo.csv ipv4) $(field $d/feodo.csv duplicates) $(field $d/feodo.csv malformed)"
# urlhaus.csv: hosts 203.0.113.77, dl.badcdn.example (twice), [2001:db8:bad::1],
# loader.evil-updates.test; no host; an unterminated quote.
expect_eq "urlhaus: ipv4 1, ipv6 1, domain 2, duplicates 1, malformed 2" "1 1 2 1 2" \
  "$(for k in ipv4 ipv6 domain duplicates malformed; do field $d/urlhaus.csv $k; done | paste -sd' ')"
# ja3.csv: 3 md5s, one again in upper case, one not an md5.
expect_eq "sslbl: ja3 3, duplicates 1, malformed 1" "3 1 1" \
  "$(field $d/ja3.csv ja3) $(field $d/ja3.csv duplicates) $(field $d/ja3.csv malformed)"
# list.txt: 6 IPv4 (one ::ffff: mapped, one with host bits), 2 IPv6, 4
# domains; 3 malformed; 192.0.2.0/24 twice.
expect_eq "list: ipv4 6, ipv6 2, domain 4, duplicates 1, malformed 3" "6 2 4 1 3" \
  "$(for k in ipv4 ipv6 domain duplicates malformed; do field $d/list.txt $k; done | paste -sd' ')"
# stix.json: 12 objects, 10 indicators: ipv4, ipv6 /64, domain, url; a file
# hash, an OR and a yara pattern (unsupported); a bad address; evil.example
# again (already in list.txt).
expect_eq "stix: objects 12, ipv4 1, ipv6 1, domain 2, unsupported 3, malformed 1, duplicates 1" \
  "12 1 1 2 3 1 1" \
  "$(for k in lines ipv4 ipv6 domain unsupported malformed duplicates; do field $d/stix.json $k; done | paste -sd' ')"
expect_eq "totals: files 5, indicators 27 (12 ipv4, 4 ipv6, 8 domain, 3 ja3), 5 dup, 9 malformed, 3 unsupported" \
  "5 27 12 4 8 3 5 9 3 0" \
  "$(for k in files indicators ipv4 ipv6 domain ja3 duplicates malformed unsupported capped; do field total $k; done | paste -sd' ')"
expect_eq "families: 14 distinct, Dridex twice (Feodo and SSLBL)" "families: 14|  Dridex: 2" \
  "$(grep -E '^families:|^  Dridex:' "$tmp/stats" | paste -sd'|')"
expect_match "stix family from the related malware object" "families: Bumblebee \(1\), Cobalt Strike \(1\), IcedID \(1\), LockBit \(1\)" "$(cat "$tmp/stats")"
expect_match "urlhaus family: the first tag that names one (not a file type), else threat" "families: AgentTesla \(1\), Loader \(1\), Mozi \(1\), malware_download \(1\)" "$(cat "$tmp/stats")"

# Every malformed or unsupported line named with file:line (and field).
want="$d/feodo.csv:14: dst_ip: \"198.51.100.999\" is not an IP address or CIDR prefix
$d/feodo.csv:15: first_seen_utc: \"2026-13-01 00:00:00\" is not a date
$d/ja3.csv:14: ja3_md5: \"not-an-md5\" is not an md5 (32 hex digits)
$d/list.txt:15: value: \"1.2.3\" is not an IP address, CIDR prefix or domain name
$d/list.txt:16: value: \"not a domain\" is not an IP address, CIDR prefix or domain name
$d/list.txt:17: value: \"198.51.100.0/33\" is not an IP address, CIDR prefix or domain name
$d/stix.json:8: pattern [file:hashes.'SHA-256'
$d/stix.json:9: pattern [ipv4-addr:value = '198.51.100.1'] OR [ipv4-addr:value = '198.51.100.2'] not supported
$d/stix.json:10: pattern_type \"yara\" not supported (only stix)
$d/stix.json:11: pattern: \"203.0.113.300\" is not an IP address or CIDR prefix
$d/urlhaus.csv:15: url: no host in \"http:///nohost\"
$d/urlhaus.csv:16: url: unterminated quote"
n=0
while IFS= read -r w; do
  grep -qF "vigil intel: $w" "$tmp/err" && n=$((n + 1)) || echo "# missing: $w"
done <<<"$want"
expect_eq "all 12 malformed/unsupported lines reported as FILE:LINE: FIELD: why, nothing else" "12 12" \
  "$n $(wc -l <"$tmp/err")"

# The oracle: Python's csv, ipaddress and urllib read the same CSVs.
if command -v python3 >/dev/null; then
  oracle=$(python3 - "$d" <<'PY'
import csv, ipaddress, sys, urllib.parse
d = sys.argv[1]
def rows(path):
    with open(path, newline='') as f:
        lines = [l for l in f if not l.startswith('#')]
    return list(csv.reader(lines))
def addr(s):
    try:
        return ipaddress.ip_address(s)
    except ValueError:
        return None
feodo = {r[1] for r in rows(d + '/feodo.csv')[1:] if addr(r[1]) and r[0][5:7] <= '12'}
hosts = set()
for r in rows(d + '/urlhaus.csv'):
    if len(r) < 9:
        continue  # the unterminated quote: csv joins it, short
    h = urllib.parse.urlsplit(r[2]).hostname
    if h:
        hosts.add(h.rstrip('.'))
ja3 = {r[0].lower() for r in rows(d + '/ja3.csv') if len(r[0]) == 32}
print(len(feodo), sum(1 for h in hosts if addr(h)), sum(1 for h in hosts if not addr(h)), len(ja3))
PY
)
  expect_eq "oracle (python csv/ipaddress/urllib): feodo ipv4, urlhaus addresses and domains, ja3" \
    "$oracle" "$(field $d/feodo.csv ipv4) $(( $(field $d/urlhaus.csv ipv4) + $(field $d/urlhaus.csv ipv6) )) $(field $d/urlhaus.csv domain) $(field $d/ja3.csv ja3)"
else
  skip "python oracle" "python3 not installed"
fi

# check: VALUE -> how it matches, the indicator, its source line (or no match).
while IFS='|' read -r value want; do
  got=$("$vigil" intel check -q --intel $d "$value" >/dev/null 2>&1; echo $?)
  line=$("$vigil" intel check --intel $d "$value" 2>/dev/null)
  if [ "$want" = "none" ]; then
    expect_eq "check $value: no match (exit 3)" "3 $value: no match" "$got $line"
  else
    expect_eq "check $value: $want" "0 $want" \
      "$got $(printf '%s' "$line" | sed -E 's/^.*: match ([a-z]+) indicator=([^ ]+) type=([a-z0-9]+) family="([^"]*)" feed=([^ ]+) source=([^ ]+) .*/\1 \2 \3 \5 \6 \4/')"
  fi
done <<EOF2
192.0.2.0|prefix 192.0.2.0/24 ipv4 list $d/list.txt:3 
192.0.2.127|prefix 192.0.2.0/24 ipv4 list $d/list.txt:3 
192.0.2.128|prefix 192.0.2.128/25 ipv4 list $d/list.txt:4 
192.0.2.200|exact 192.0.2.200 ipv4 list $d/list.txt:5 
192.0.2.255|prefix 192.0.2.128/25 ipv4 list $d/list.txt:4 
192.0.1.255|none
192.0.3.0|none
198.18.0.0|prefix 198.18.0.1/15 ipv4 list $d/list.txt:6 
198.19.255.255|prefix 198.18.0.1/15 ipv4 list $d/list.txt:6 
198.20.0.0|none
203.0.113.50|exact 203.0.113.50 ipv4 feodo $d/feodo.csv:12 Emotet
203.0.113.51|prefix 203.0.113.0/24 ipv4 list $d/list.txt:13 
203.0.113.99|exact ::ffff:203.0.113.99 ipv4 list $d/list.txt:19 
::ffff:198.51.100.7|exact 198.51.100.7 ipv4 feodo $d/feodo.csv:10 Dridex
198.51.100.9|none
192.0.2.66|exact 192.0.2.66 ipv4 feodo $d/feodo.csv:16 Pikabot
203.0.113.77|exact 203.0.113.77 ipv4 urlhaus $d/urlhaus.csv:10 Mozi
203.0.113.10|exact 203.0.113.10 ipv4 stix $d/stix.json:3 Cobalt Strike
2001:db8:c2::|prefix 2001:db8:c2::/48 ipv6 list $d/list.txt:7 
2001:db8:c2:1::5|prefix 2001:db8:c2:1::/64 ipv6 list $d/list.txt:8 
2001:db8:c2:ffff:ffff:ffff:ffff:ffff|prefix 2001:db8:c2::/48 ipv6 list $d/list.txt:7 
2001:db8:c3::|none
2001:db8:bad::1|exact 2001:db8:bad::1 ipv6 urlhaus $d/urlhaus.csv:13 malware_download
2001:db8:dead::ffff|prefix 2001:db8:dead::/64 ipv6 stix $d/stix.json:5 IcedID
evil.example|exact evil.example domain list $d/list.txt:9 
www.evil.example|parent evil.example domain list $d/list.txt:9 
a.b.CDN.evil.example.|parent cdn.evil.example domain list $d/list.txt:12 
xevil.example|none
example|none
x.tracker.test|parent tracker.test domain list $d/list.txt:10 
C2.OTHER.example|exact C2.Other.Example. domain list $d/list.txt:11 
other.example|none
dl.badcdn.example|exact dl.badcdn.example domain urlhaus $d/urlhaus.csv:11 AgentTesla
x.loader.evil-updates.test|parent Loader.Evil-Updates.test. domain urlhaus $d/urlhaus.csv:14 Loader
update-check.invalid-cdn.example|exact update-check.invalid-cdn.example domain stix $d/stix.json:6 Bumblebee
pay.ransom.test|exact pay.ransom.test domain stix $d/stix.json:7 LockBit
b386946a5a44d1ddcc843bc75336dfce|exact b386946a5a44d1ddcc843bc75336dfce ja3 sslbl-ja3 $d/ja3.csv:10 Dridex
1AA7BF8B97E540CA5EDD75F7B8384BFA|exact 1aa7bf8b97e540ca5edd75f7b8384bfa ja3 sslbl-ja3 $d/ja3.csv:12 TrickBot
00000000000000000000000000000000|none
EOF2

line=$("$vigil" intel check --intel $d/ 203.0.113.50 2>/dev/null)
expect_match "a folder given with a trailing slash: sources named without '//'" "source=$d/feodo.csv:12 " "$line"
line=$("$vigil" intel check --intel $d/feodo.csv 203.0.113.50 2>/dev/null)
expect_match "check shows first and last seen (UTC)" 'first_seen="2026-03-09 21:44:10" last_seen="2026-11-20 00:00:00"$' "$line"
out=$("$vigil" intel check --intel $d 192.0.2.1 192.0.3.1 evil.example 2>/dev/null); rc=$?
expect_eq "several values: one line each, exit 3 when one is not listed" "3 3" "$rc $(printf '%s\n' "$out" | wc -l)"
out=$("$vigil" intel check -q --intel $d 192.0.2.1 evil.example 2>&1); rc=$?
expect_eq "-q: every value listed: exit 0, no output at all" "0 " "$rc $out"
"$vigil" intel check --intel $d 'not a value' >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "a VALUE that is no address, name or md5: exit 2" "2" "$rc"
"$vigil" intel check 192.0.2.1 >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "no intel given: exit 2" "2" "$rc"
expect_match "no intel given: says how to give it" "no intel given \(--intel PATH or intel.path\)" "$(cat "$tmp/e")"
"$vigil" intel check --intel $d/missing.txt 192.0.2.1 >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "a missing file: exit 1, named" "1 vigil intel: $d/missing.txt: No such file or directory" "$rc $(cat "$tmp/e")"
if [ "$(id -u)" != 0 ]; then
  cp $d/list.txt "$tmp/unreadable.txt"; chmod 000 "$tmp/unreadable.txt"
  "$vigil" intel stats --intel "$tmp/unreadable.txt" >/dev/null 2>"$tmp/e"; rc=$?
  expect_eq "an unreadable file: exit 1, named" "1 vigil intel: $tmp/unreadable.txt: Permission denied" "$rc $(cat "$tmp/e")"
else
  skip "an unreadable file" "running as root"
fi
"$vigil" intel frobnicate --intel $d >/dev/null 2>&1; rc=$?
expect_eq "unknown subcommand: exit 2" 2 "$rc"
"$vigil" intel check --intel $d >/dev/null 2>&1; rc=$?
expect_eq "check without VALUE: exit 2" 2 "$rc"

# Broken files.
"$vigil" intel stats --intel $d/bad/broken.json >"$tmp/stats" 2>"$tmp/err"; rc=$?
expect_eq "broken JSON: loads nothing, counted malformed, exit 0" "0 0 1" \
  "$rc $(field total indicators) $(field total malformed)"
expect_match "broken JSON: named with file and line" "^vigil intel: $d/bad/broken.json:3: json: " "$(cat "$tmp/err")"
"$vigil" intel stats --intel $d/bad/garbage.txt >"$tmp/stats" 2>"$tmp/err"
expect_eq "garbage: 12 malformed, the good line kept" "12 1" "$(field total malformed) $(field total domain)"
expect_eq "garbage: 10 lines named, then how many more" \
  "11|vigil intel: $d/bad/garbage.txt:2: value: \"garbage line 1\" is not an IP address, CIDR prefix or domain name|vigil intel: $d/bad/garbage.txt: 2 more malformed or unsupported lines not shown" \
  "$(wc -l <"$tmp/err")|$(head -1 "$tmp/err")|$(tail -1 "$tmp/err")"
"$vigil" intel stats -q --intel $d/bad/garbage.txt >/dev/null 2>"$tmp/err"
expect_eq "stats -q: no warnings" "0" "$(wc -c <"$tmp/err")"
"$vigil" intel stats --intel $d/bad/crlf.txt >"$tmp/stats" 2>&1
expect_eq "CRLF line ends: a domain and an address" "1 1 0" \
  "$(field total domain) $(field total ipv4) $(field total malformed)"

# The cap, from --set and from a config file (intel.path too).
"$vigil" intel stats --set intel.max_indicators=10 --intel $d >"$tmp/stats" 2>"$tmp/err"; rc=$?
# 10 = feodo 4 + ja3 3 + the first 3 of list.txt; the rest of list.txt (9),
# stix.json (5) and urlhaus.csv (5) is capped, repeats included.
expect_eq "intel.max_indicators=10: 10 kept, 19 lines capped, exit 0" "0 10 19" \
  "$rc $(field total indicators) $(field total capped)"
expect_match "the cap is reported per file" "vigil intel: $d/list.txt: intel.max_indicators \(10\) reached: 9 indicators not loaded" "$(cat "$tmp/err")"
printf 'intel.path = %s\nintel.max_indicators = 1000\n' "$d/ja3.csv" >"$tmp/vigil.conf"
out=$("$vigil" intel check --config "$tmp/vigil.conf" 8991a387e4cc841740f25d6f5139f92d 2>/dev/null); rc=$?
expect_match "intel.path from a config file" "^8991a387e4cc841740f25d6f5139f92d: match exact .* family=\"Adware\"" "$out"
"$vigil" intel stats --set intel.max_indicators=0 --intel $d >/dev/null 2>"$tmp/e"; rc=$?
expect_eq "intel.max_indicators=0 is out of range: exit 2" 2 "$rc"

# vigil read --intel: loaded once, counted in the summary.
pcap=tests/data/attrib-bogon-syn.pcap
out=$("$vigil" read --no-store --intel $d --intel $d/bad/crlf.txt "$pcap" 2>"$tmp/err"); rc=$?
expect_eq "read --intel: exit 0" 0 "$rc"
expect_eq "read --intel: summary counts (crlf.txt adds one address, one duplicate)" \
  "intel: 28 indicators from 6 files|  intel.ipv4: 13|  intel.ipv6: 4|  intel.domain: 8|  intel.ja3: 3|  intel.duplicates: 6|  intel.malformed: 9|  intel.unsupported: 3|  intel.capped: 0" \
  "$(printf '%s\n' "$out" | grep -E '^(intel:|  intel\.)' | paste -sd'|')"
expect_match "read --intel: malformed lines named on stderr" "^vigil read: intel: $d/feodo.csv:14: dst_ip: " "$(cat "$tmp/err")"
out=$("$vigil" read --no-store --set intel.path=$d/ja3.csv "$pcap" 2>/dev/null)
expect_match "read: intel.path loads too" "intel: 3 indicators from 1 files" "$out"
"$vigil" read --no-store --intel $d/missing.txt "$pcap" >"$tmp/out" 2>"$tmp/e"; rc=$?
expect_eq "read --intel with a missing file: exit 1 before reading" "1 0" "$rc $(grep -c '^packets:' "$tmp/out")"
out=$("$vigil" read --no-store "$pcap")
expect_eq "read without intel: no intel lines" 0 "$(printf '%s\n' "$out" | grep -c '^intel')"
tap_done
