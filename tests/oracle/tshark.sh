#!/usr/bin/env bash
# tests/oracle/tshark.sh VIGIL - the tshark oracle. For every capture in
# tests/data (those tshark reads) and every capture in ../shared/corpus:
# vigil's packet count equals tshark's, its TCP flows equal
# `tshark -q -z conv,tcp` and its UDP address/port pairs equal
# `tshark -q -z conv,udp` (see compare.sh). Deliberate differences are
# pinned, with their reason, in known-differences.tsv.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/../.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
  # tests/data: skip files tshark reports as corrupt or reads as something
  # else (an empty file is an "Endace ERF capture" to tshark).
  tail -n +2 tests/data/TRUTH.tsv | awk -F'\t' '$8 == 0 && $1 != "empty.pcap" { print "tests/data/" $1 }'
  tail -n +2 ../shared/corpus/MANIFEST.tsv | cut -f1 | sed 's|^|../shared/corpus/|'
} >"$tmp/list"

# Two at a time: tshark is the slow side.
xargs -P 2 -I{} sh -c 'printf "%s %s\n" "$1" "$(bash tests/oracle/compare.sh "$2" "$1")"' _ {} "$vigil" \
  <"$tmp/list" | sort >"$tmp/results"

while read -r f _ tp vp _ tt vt _ tu vu; do
  for field in packets tcp udp; do
    case $field in
      packets) t=$tp v=$vp ;;
      tcp) t=$tt v=$vt ;;
      udp) t=$tu v=$vu ;;
    esac
    known=$(awk -F'\t' -v f="$f" -v k="$field" '$1 == f && $2 == k { print $3 " " $4 }' tests/oracle/known-differences.tsv)
    if [ -n "$known" ]; then
      expect_eq "$f $field: known difference (tshark vigil) still holds" "$known" "$t $v"
    else
      expect_eq "$f $field equals tshark" "$t" "$v"
    fi
  done
done <"$tmp/results"
n=$(wc -l <"$tmp/results")
if [ "$n" -ge 150 ]; then ok "oracle covered $n captures"; else not_ok "oracle covered too few captures" "$n"; fi
tap_done
