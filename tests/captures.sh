#!/usr/bin/env bash
# tests/captures.sh VIGIL - the detectors on captures of real tools made in
# network namespaces by tests/corpus/make-captures.sh (nmap, masscan, zmap,
# hydra, medusa, hping3, and benign clients: curl, wget -r, ssh, a large
# download, a mistyped FTP login), rewritten so each attacker has its own
# public address and the victim is 192.168.50.10. The truth is
# tests/corpus/captures/TRUTH.tsv: per scenario, exactly one attack with
# that kind, technique, tool, attacker and victim, and for brute force the
# attempts and success tshark counts (tests/corpus/truth-counts.sh) - or
# none for benign ones.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=tests/corpus/captures

# Distinct ports each scan covered (the tool's arguments in TRUTH.tsv notes).
declare -A ports=([nmap-syn]=100 [nmap-connect]=100 [nmap-fin]=100 [nmap-null]=100
  [nmap-xmas]=100 [nmap-ack]=100 [nmap-udp]=30 [masscan-syn]=1000 [nmap-version]=100)

ip_num() { local IFS=.; set -- $1; echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 )); }

while IFS=$'\t' read -r scenario file kind tech tool attacker victim attempts succeeded note; do
  [ "$scenario" = scenario ] && continue
  ev=$("$vigil" read --seed 1 --eve - "$dir/$file" 2>/dev/null | jq -c 'select(.event_type=="attack" and .attack.final)')
  n=$(printf '%s' "$ev" | grep -c .)
  if [ "$kind" = none ]; then
    expect_eq "$scenario ($note): benign, no attack" 0 "$n"
    continue
  fi
  expect_eq "$scenario ($note): exactly one attack" 1 "$n"
  got=$(printf '%s\n' "$ev" | jq -r '"\(.attack.kind) \(.attack.technique // "-") \(.attack.tool // "-")"')
  expect_eq "$scenario: kind, technique, tool" "$kind $tech $tool" "$got"
  dest=$(printf '%s\n' "$ev" | jq -r .dest_ip)
  if [[ $victim == *-* ]]; then
    # A sweep: the first victim is one of the swept addresses. Hosts that
    # answered before the first unanswered probe are not counted (a
    # source is watched from its first failure): all dark ones are.
    lo=${victim%-*} hi=${victim%.*}.${victim##*-}
    in=0
    if [ -n "$dest" ] && [ "$dest" != null ] && (( $(ip_num "$dest") >= $(ip_num "$lo") && $(ip_num "$dest") <= $(ip_num "$hi") )); then in=1; fi
    expect_eq "$scenario: first victim $dest in $victim" 1 "$in"
    v=$(printf '%s\n' "$ev" | jq -r .attack.victims)
    total=$(( $(ip_num "$hi") - $(ip_num "$lo") + 1 ))
    ok=0; (( v >= total - 8 && v <= total )) && ok=1
    expect_eq "$scenario: $v victims of $total swept (8 answer)" 1 "$ok"
  else
    expect_eq "$scenario: victim" "$victim" "$dest"
  fi
  case $note in
    *rand-source*) ;; # forged sources: the attacker is whoever sent most
    *) expect_eq "$scenario: attacker" "$attacker" "$(printf '%s\n' "$ev" | jq -r .src_ip)" ;;
  esac
  expect_eq "$scenario: inbound to the home network" inbound "$(printf '%s\n' "$ev" | jq -r .attack.direction)"
  if [ -n "${ports[$scenario]:-}" ]; then
    expect_eq "$scenario: distinct ports" "${ports[$scenario]}" "$(printf '%s\n' "$ev" | jq -r .attack.ports)"
  fi
  if [ "$attempts" != - ]; then
    expect_eq "$scenario: attempts and success (tshark's count)" "$attempts $succeeded" \
      "$(printf '%s\n' "$ev" | jq -r '"\(.attack.attempts) \(.attack.succeeded)"')"
  fi
done <"$dir/TRUTH.tsv"

# Several captures in one run, each later than the one before: every
# attack is the one its capture gives alone (same kind, attacker, victim,
# attempts and packets). The jump of packet time between files ends the
# flows still in the table before the detectors judge the silence; before
# that, the flood lost the 32 SYNs the expiry hand had not reached and
# the FTP run split in two.
key() { jq -c 'select(.event_type=="attack" and .attack.final) |
  [.attack.kind, .src_ip, .dest_ip, .attack.attempts, .attack.packets]' | sort; }
multi=(nmap-syn.pcap hydra-ftp.pcap hping-syn-flood.pcap ../c2/c2-sni.pcap)
alone=$(for f in "${multi[@]}"; do "$vigil" read -q --seed 1 --no-store --eve - "$dir/$f"; done | key)
together=$("$vigil" read -q --seed 1 --no-store --eve - "${multi[@]/#/$dir/}" | key)
expect_eq "four captures in one run: the $(printf '%s' "$alone" | grep -c .) attacks each gives alone" "$alone" "$together"
tap_done
