#!/usr/bin/env bash
# tests/run.sh BUILD ASAN_BUILD - runs every test suite and ends with the
# line "N passed, M failed" (the total over all suites).
#
# Suites: unit tests (cmocka, in both builds), CLI behaviour, golden
# outputs, the detectors, attribution (with the mmdblookup oracle), the
# store (SQLite, and ClickHouse against it when clickhouse-server is installed),
# threat intelligence (vigil intel, read --intel), the C2 detector and report,
# the live sensor (vigil watch over veth in network namespaces; skipped unless
# root), the tshark oracles (flows; JA3, SNI, DNS names, HTTP hosts), and the whole
# ../shared/corpus plus tests/data under AddressSanitizer/UBSan. Each prints TAP lines; a suite
# that dies without printing its plan counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
asan=${2:-build-asan}
# No suite stores attacks unless it asks (--store): vigil read's default
# store is ./vigil.db, and the suites run in the repository root.
export VIGIL_STORE=none
logdir=$build/test-logs
mkdir -p "$logdir"
passed=0 failed=0

run_suite() { # NAME COMMAND...
  local name=$1; shift
  local log=$logdir/$name.tap start=$SECONDS
  "$@" >"$log" 2>"$log.stderr"
  local rc=$?
  local p f
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  if ! grep -q '^1\.\.[0-9]' "$log"; then
    f=$((f + 1))
    echo "suite $name: no TAP plan (exit $rc); stderr:" >&2
    tail -5 "$log.stderr" >&2
  fi
  grep -A6 '^not ok ' "$log" | head -60
  printf '%-22s %4d passed, %3d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - start))
  passed=$((passed + p)); failed=$((failed + f))
}

unit_tests() { # BUILD
  local b=$1 t n=0
  for t in "$b"/tests/*_test; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    # cmocka prints TAP; renumbering is not needed for counting.
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | grep -E '^(ok|not ok) ' || true
  done
  [ "$n" -gt 0 ] || echo "not ok 1 - no unit test binaries in $b/tests"
  echo "1..0"
}

run_suite unit "unit_tests" "$build"
run_suite unit-asan "unit_tests" "$asan"
run_suite cli bash tests/cli.sh "$build/vigil"
run_suite golden bash tests/golden/run.sh "$build/vigil"
run_suite detect bash tests/detect.sh "$build/vigil"
run_suite captures bash tests/captures.sh "$build/vigil"
run_suite compromised bash tests/compromised.sh "$build/vigil"
run_suite attrib bash tests/attrib.sh "$build/vigil"
run_suite attrib-asan bash tests/attrib.sh "$asan/vigil"
run_suite store bash tests/store.sh "$build/vigil"
run_suite store-asan bash tests/store.sh "$asan/vigil"
run_suite import bash tests/import.sh "$build/vigil"
run_suite import-asan bash tests/import.sh "$asan/vigil"
run_suite intel bash tests/intel.sh "$build/vigil"
run_suite intel-asan bash tests/intel.sh "$asan/vigil"
run_suite c2 bash tests/c2.sh "$build/vigil"
run_suite c2-asan bash tests/c2.sh "$asan/vigil"
run_suite clickhouse bash tests/clickhouse.sh "$build/vigil"
run_suite clickhouse-asan bash tests/clickhouse.sh "$asan/vigil"
run_suite watch bash tests/watch.sh "$build/vigil"
run_suite workers bash tests/workers.sh "$build/vigil"
run_suite workers-asan env VG_WORKERS_QUICK=1 bash tests/workers.sh "$asan/vigil"
# Under ASan+UBSan: the signal, store and error checks, and three captures
# (a flood, VLAN tags put back, ARP) rather than all 32.
run_suite watch-asan env VG_WATCH_ONLY="tests/corpus/captures/hping-syn-flood.pcap \
../shared/corpus/formats/vlan-8021q-http.pcap \
../shared/corpus/scan/nmap-arp-host-sweep-and-version-scan.pcap" bash tests/watch.sh "$asan/vigil"
run_suite oracle-tshark bash tests/oracle/tshark.sh "$build/vigil"
run_suite eve-schema bash tests/oracle/eve-schema.sh "$build/vigil"
run_suite oracle-app bash tests/oracle/app-tshark.sh "$build/vigil"
run_suite suricata-verify python3 tests/oracle/suricata_verify.py "$build/vigil" \
  ../shared/oracle/suricata-verify tests/oracle/suricata-verify.expected
run_suite corpus-asan bash tests/corpus/no-crash.sh "$asan/vigil"
if [ -d build-fuzz ] || command -v clang >/dev/null 2>&1; then
  run_suite fuzz-regress bash fuzz/regress.sh
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
