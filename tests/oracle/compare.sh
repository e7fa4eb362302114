#!/usr/bin/env bash
# tests/oracle/compare.sh VIGIL FILE - prints, for one capture, the counts
# tshark and vigil give: "packets T V tcp T V udp T V".
#   packets: frames tshark reads vs vigil's `packets:` summary line;
#   tcp: `tshark -z conv,tcp` conversations (one per TCP stream) vs vigil's
#        TCP flow events;
#   udp: `tshark -z conv,udp` conversations (one per address/port pair, no
#        VLAN) vs the distinct address/port pairs of vigil's UDP flow events.
set -uo pipefail
vigil=$1 f=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export WIRESHARK_CONFIG_DIR=$tmp/ws
mkdir -p "$WIRESHARK_CONFIG_DIR"

tp=$(tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l)
tt=$(tshark -r "$f" -q -z conv,tcp 2>/dev/null | grep -c '<->')
tu=$(tshark -r "$f" -q -z conv,udp 2>/dev/null | grep -c '<->')

"$vigil" read --config "$here/long-timeouts.conf" --eve "$tmp/eve.json" "$f" >"$tmp/sum" 2>/dev/null
vp=$(awk '$1=="packets:"{print $2}' "$tmp/sum")
vt=$(jq -r 'select(.event_type=="flow" and .proto=="TCP") | 1' "$tmp/eve.json" | wc -l)
vu=$(jq -r 'select(.event_type=="flow" and .proto=="UDP") |
  [([.src_ip, (.src_port|tostring)] | join(" ")), ([.dest_ip, (.dest_port|tostring)] | join(" "))]
  | sort | join(" - ")' "$tmp/eve.json" | sort -u | wc -l)
echo "packets $tp ${vp:-?} tcp $tt $vt udp $tu $vu"
