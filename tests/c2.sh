#!/usr/bin/env bash
# tests/c2.sh VIGIL - the malware.c2 detector and `vigil report --c2`.
#
# Captures: tests/corpus/c2 (made by tests/corpus/make-c2.sh in network
# namespaces: a terminal resolving a C&C name then connecting, HTTP with a
# listed Host, TLS with a listed SNI, a listed JA3, and benign look-alikes),
# checked against their TRUTH.tsv; and the public C2 captures of
# ../shared/corpus/exploit against the servers their descriptions name.
# Intel: tests/data/c2 (STIX bundle, SSLBL JA3, Feodo and URLhaus CSVs).
# Then both into a SQLite store: the C2 report's numbers against the EVE
# events of the same runs.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
vigil=${1:-build/vigil}
caps=tests/corpus/c2
intel=tests/data/c2
exploit=../shared/corpus/exploit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

attacks() { # FILE ARGS...: the final malware.c2 attacks, one line each
  local f=$1; shift
  "$vigil" read -q --seed 1 "$@" --eve - "$f" 2>"$tmp/err" |
    jq -r 'select(.event_type == "attack" and .attack.kind == "malware.c2" and .attack.final)
      | [.src_ip, .dest_ip, .attack.technique, (.attack.tool // "-"), .attack.attempts,
         .attack.succeeded, .attribution.confidence, .attack.direction] | @tsv'
}
# none FILE ARGS...: "0 of N flows" when the run read the file, wrote its
# flows and raised no malware.c2 attack; else what it found, or "failed".
none() {
  local f=$1; shift
  "$vigil" read -q --seed 1 "$@" --eve "$tmp/none.json" "$f" 2>"$tmp/err" || { echo failed; return; }
  echo "$(jq -s '[.[] | select(.event_type == "attack" and .attack.kind == "malware.c2")] | length' "$tmp/none.json") of $(jq -s '[.[] | select(.event_type == "flow")] | length' "$tmp/none.json") flows"
}
zero() { # WHAT FILE ARGS...: the run reads flows and raises no C2 attack
  local what=$1 got; shift
  got=$(none "$@")
  if [[ $got =~ ^0\ of\ [1-9][0-9]*\ flows$ ]]; then ok "$what"; else not_ok "$what" "expected: 0 of N>0 flows" "actual:   $got"; fi
}

# --- the generated captures, against TRUTH.tsv -----------------------------------------------
while IFS=$'\t' read -r name file kind tech tool attacker victim attempts note; do
  [ "$name" = scenario ] && continue
  got=$(attacks "$caps/$file" --intel "$intel")
  if [ "$kind" = none ]; then
    zero "$name: no C2 attack ($note)" "$caps/$file" --intel "$intel"
    continue
  fi
  expect_eq "$name: one C2 attack: server, terminal, technique, family, connections ($note)" \
    "$attacker	$victim	$tech	$tool	$attempts	true	verified	outbound" "$got"
  zero "$name: nothing without intel" "$caps/$file"
  printf 'detect.c2.enabled = 0\n' >"$tmp/off.conf"
  zero "$name: nothing with detect.c2.enabled=0" "$caps/$file" --intel "$intel" --config "$tmp/off.conf"
done <"$caps/TRUTH.tsv"

# The attack's evidence names the indicator, the feed and the line.
ev=$("$vigil" read -q --seed 1 --intel "$intel" --eve - "$caps/c2-http.pcap" |
  jq -r 'select(.event_type == "attack") | .attack.evidence')
expect_match "evidence names the listed Host, feed and file:line" \
  'panel\.c2-vigil\.example listed by stix \(c2-vigil\.stix\.json:[0-9]+\) as DemoLoader' "$ev"
# The DNS lookup itself is not a contact: only the 3 connections to port 8443.
expect_eq "c2-dns: the ports are the connections', not the resolver's" "[8443]" \
  "$("$vigil" read -q --seed 1 --intel "$intel" --eve - "$caps/c2-dns.pcap" |
    jq -c 'select(.event_type == "attack") | .attack.port_list')"
# A home network that does not hold the terminal: no terminal, no C2.
zero "a terminal outside --home-net is not ours: no attack" "$caps/c2-sni.pcap" --intel "$intel" --home-net 10.0.0.0/8

# --- the public C2 captures --------------------------------------------------------------------
if [ -d "$exploit" ]; then
  while IFS=$'\t' read -r file want; do
    got=$(attacks "$exploit/$file" --intel "$intel" | cut -f1-4 | sort | paste -sd ' ')
    expect_eq "$file: the C&C its description names (family case as first loaded: Feodo's Emotet = URLhaus's emotet)" "$want" "$got"
  done <<'EOF'
trickbot-c2.pcap	82.118.225.196	10.12.29.101	address	TrickBot
cryptowall4-c2.pcapng	184.170.149.44	192.168.122.145	http_host	CryptoWall
tls-malicious-c2-clienthello.pcap	91.254.215.167	192.168.46.2	ja3	MaliciousC2
emotet-c2.pcap	104.161.127.22	10.3.29.101	http_host	Emotet 138.197.147.101	10.4.25.101	address	Emotet
EOF
  for f in rat-infected-host.pcapng dvwa-sql-injection.pcapng log4shell-jndi-exploit.pcap dns-tunnel-iodine.pcap; do
    [ -f "$exploit/$f" ] && zero "$f: no listed server, no C2 attack" "$exploit/$f" --intel "$intel"
  done
else
  skip "public C2 captures" "$exploit not found"
fi

# --- the C2 report ---------------------------------------------------------------------------
db=$tmp/c2.db
fill_rc=0
for f in "$caps"/*.pcap "$exploit"/trickbot-c2.pcap "$exploit"/emotet-c2.pcap \
  "$exploit"/cryptowall4-c2.pcapng "$exploit"/tls-malicious-c2-clienthello.pcap; do
  [ -f "$f" ] || continue
  "$vigil" read -q --seed 1 --intel "$intel" --store "sqlite:$db" --eve - "$f" >>"$tmp/eve.json" 2>>"$tmp/err" ||
    fill_rc=1
done
expect_eq "read --intel --store exits 0 for every capture" 0 "$fill_rc"
jq -r 'select(.event_type == "attack" and .attack.final and (.attack.kind | startswith("malware.")))
  | [.src_ip, .dest_ip, (.src_geo.country // ""), (.attack.tool // "")] | @tsv' "$tmp/eve.json" >"$tmp/c2.tsv"
rep() { "$vigil" report --store "sqlite:$db" --c2 "$@"; }
json=$(rep --format json)
expect_eq "report --c2: attacks = the EVE's final malware.* attacks" "$(wc -l <"$tmp/c2.tsv")" \
  "$(jq .totals.attacks <<<"$json")"
expect_eq "report --c2: servers = distinct attackers" "$(cut -f1 "$tmp/c2.tsv" | sort -u | wc -l)" \
  "$(jq .totals.servers <<<"$json")"
expect_eq "report --c2: terminals = distinct victims" "$(cut -f2 "$tmp/c2.tsv" | sort -u | wc -l)" \
  "$(jq .totals.terminals <<<"$json")"
exp=$(cut -f1,3 "$tmp/c2.tsv" | sort -u | awk -F'\t' '{c[$2 == "" ? "??" : $2]++} END {for (k in c) print k "," c[k]}' | sort)
got=$(jq -r '.tables[] | select(.name == "c2_country_servers") | .rows[] | "\(.country),\(.servers)"' <<<"$json" | sort)
expect_eq "C&C servers by country = the EVE's servers by their src_geo" "$exp" "$got"
exp=$(cut -f2,3 "$tmp/c2.tsv" | sort -u | awk -F'\t' '{c[$2 == "" ? "??" : $2]++} END {for (k in c) print k "," c[k]}' | sort)
got=$(jq -r '.tables[] | select(.name == "c2_country_terminals") | .rows[] | "\(.country),\(.terminals)"' <<<"$json" | sort)
expect_eq "terminals by the servers' country = the EVE's (terminal, country) pairs" "$exp" "$got"
exp=$(awk -F'\t' '{print $2 "\t" ($4 == "" ? "(unknown)" : $4)}' "$tmp/c2.tsv" | sort -u | cut -f2 | sort | uniq -c | awk '{$1 = $1; n = $1; $1 = ""; sub(/^ /, ""); print $0 "," n}' | sort)
got=$(jq -r '.tables[] | select(.name == "c2_family") | .rows[] | "\(.tool),\(.terminals)"' <<<"$json" | sort)
expect_eq "families by terminals = the EVE's (terminal, family) pairs" "$exp" "$got"
for t in c2_country_servers c2_country_terminals c2_family c2_terminal c2_month_servers; do
  expect_eq "$t: shares add up to 100.0 (in tenths)" 1000 \
    "$(jq -r --arg t $t '[.tables[] | select(.name == $t) | (.rows[].percent, (.other.percent // 0))] | add * 10 | round' <<<"$json")"
done
csv=$(rep --format csv)
expect_eq "csv and json agree on the servers by country" \
  "$(jq -r '.tables[] | select(.name == "c2_country_servers") | .rows[] | "\(.country),\(.servers)"' <<<"$json" | sort)" \
  "$(awk -F, '$1 == "c2_country_servers" && $2 != "total" && $2 != "other" {print $2 "," $4}' <<<"$csv" | sort)"
txt=$(rep)
expect_match "table: the CERT's heading and totals" "C&C servers: $(jq .totals.servers <<<"$json")" "$txt"
expect_match "table: families listed (TrickBot)" 'TrickBot' "$txt"
expect_eq "report --c2 --kind malware.c2 counts the C2 attacks" "$(wc -l <"$tmp/c2.tsv")" \
  "$(rep --kind malware.c2 --format json | jq .totals.attacks)"
"$vigil" report --store "sqlite:$db" --c2 --by country >/dev/null 2>&1
expect_eq "--c2 with --by is a usage error (exit 2)" 2 $?
"$vigil" report --store "sqlite:$db" --c2 --kind scan >/dev/null 2>&1
expect_eq "--c2 --kind scan is a usage error (exit 2)" 2 $?
expect_eq "report --by tool --kind malware counts the families" "$(wc -l <"$tmp/c2.tsv")" \
  "$("$vigil" report --store "sqlite:$db" --by tool --kind malware --format json | jq .totals.attacks)"

tap_done
