#!/usr/bin/env bash
# tests/captures.sh VIGIL - the detectors on captures of real tools made in
# network namespaces by tests/corpus/make-captures.sh (nmap, masscan,
# hydra, hping3, and a benign web client), rewritten so each attacker has
# its own public address and the victim is 192.168.50.10. The truth is
# tests/corpus/captures/TRUTH.tsv: per scenario, exactly one attack with
# that kind, technique, attacker and victim - or none for benign ones.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=tests/corpus/captures

# Distinct ports each scan covered (the tool's arguments in TRUTH.tsv notes).
declare -A ports=([nmap-syn]=100 [nmap-connect]=100 [nmap-fin]=100 [nmap-null]=100
  [nmap-xmas]=100 [nmap-ack]=100 [nmap-udp]=30 [masscan-syn]=1000)

while IFS=$'\t' read -r scenario file kind tech attacker victim note; do
  [ "$scenario" = scenario ] && continue
  ev=$("$vigil" read --seed 1 --eve - "$dir/$file" 2>/dev/null | jq -c 'select(.event_type=="attack")')
  n=$(printf '%s' "$ev" | grep -c .)
  if [ "$kind" = none ]; then
    expect_eq "$scenario ($note): benign, no attack" 0 "$n"
    continue
  fi
  expect_eq "$scenario ($note): exactly one attack" 1 "$n"
  got=$(printf '%s\n' "$ev" | jq -r '"\(.attack.kind) \(.attack.technique // "-") \(.dest_ip)"')
  expect_eq "$scenario: kind, technique, victim" "$kind $tech $victim" "$got"
  case $note in
    *rand-source*) ;; # forged sources: the attacker is whoever sent most
    *) expect_eq "$scenario: attacker" "$attacker" "$(printf '%s\n' "$ev" | jq -r .src_ip)" ;;
  esac
  expect_eq "$scenario: inbound to the home network" inbound "$(printf '%s\n' "$ev" | jq -r .attack.direction)"
  if [ -n "${ports[$scenario]:-}" ]; then
    expect_eq "$scenario: distinct ports" "${ports[$scenario]}" "$(printf '%s\n' "$ev" | jq -r .attack.ports)"
  fi
done <"$dir/TRUTH.tsv"
tap_done
