#!/usr/bin/env bash
# tests/oracle/app-tshark.sh VIGIL - the app stage's metadata against
# tshark's dissectors on every capture of tests/data, tests/corpus/captures
# and ../shared/corpus: JA3 hash and string, SNI, DNS query names and HTTP
# hosts, flow by flow (tests/oracle/app_compare.py says how).
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/../.."
caps=()
for f in tests/data/*.pcap tests/data/*.pcapng tests/corpus/captures/*.pcap \
  ../shared/corpus/*/*.pcap ../shared/corpus/*/*.pcapng; do
  case $f in ../shared/corpus/broken/*) continue ;; esac # fuzzed bytes: corpus-asan's business
  [ -s "$f" ] && caps+=("$f")
done
python3 tests/oracle/app_compare.py "$vigil" tshark "${caps[@]}"
