#!/usr/bin/env bash
# tests/corpus/no-crash.sh VIGIL - every capture of ../shared/corpus and
# tests/data through vigil (the AddressSanitizer/UBSan build in make check):
# no crash, no sanitizer report, exit 0 or 1 (1 only with an error message
# naming the file), every EVE line valid JSON, one flow event per flow.
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/../.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98

n=0
for f in ../shared/corpus/*/*.pcap ../shared/corpus/*/*.pcapng tests/data/*.pcap tests/data/*.pcapng tests/data/*.txt \
  tests/corpus/captures/*.pcap; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  "$vigil" read --seed 1 --eve "$tmp/eve.json" "$f" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  what="$f"
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    not_ok "$what: exit $rc" "$(head -c 600 "$tmp/err")"
    continue
  fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/err"; then
    not_ok "$what: sanitizer report" "$(grep -m3 -E 'Sanitizer|runtime error' "$tmp/err")"
    continue
  fi
  if [ $rc -eq 1 ] && ! grep -qF "$(basename "$f")" "$tmp/err"; then
    not_ok "$what: exit 1 without naming the file" "$(head -c 300 "$tmp/err")"
    continue
  fi
  if ! jq -e . "$tmp/eve.json" >/dev/null 2>&1; then
    not_ok "$what: EVE output is not valid JSON lines"
    continue
  fi
  flows=$(awk '$1=="flows:"{print $2}' "$tmp/out")
  events=$(jq -r 'select(.event_type=="flow") | 1' "$tmp/eve.json" | wc -l)
  expect_eq "$what: runs clean, one flow event per flow" "$flows" "$events"
done
if [ "$n" -ge 150 ]; then ok "ran $n captures"; else not_ok "too few captures found" "$n"; fi
tap_done
