#!/usr/bin/env bash
# fuzz/run.sh BUILD SECONDS - `make fuzz`: runs each libFuzzer target for
# SECONDS, seeded from the test captures and the corpus; findings land in
# fuzz/corpus-<target>/ and crash-* files (git-ignored). Turn a crash into a
# regression test by copying it into fuzz/regress/.
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-fuzz} secs=${2:-60}
for t in capture decode config asn eve intel; do
  dir=fuzz/corpus-$t
  mkdir -p "$dir"
  if [ "$t" = capture ]; then
    cp -n tests/data/*.pcap tests/data/*.pcapng "$dir/" 2>/dev/null || true
    find tests/corpus/captures -name '*.pcap' -size -64k -exec cp -n {} "$dir/" \; 2>/dev/null || true
    find ../shared/corpus -name '*.pcap*' -size -64k -exec cp -n {} "$dir/" \; 2>/dev/null || true
  fi
  [ "$t" = eve ] && split -l 1 tests/data/suricata-alerts.json "$dir/seed-"
  if [ "$t" = intel ]; then
    for f in tests/data/intel/*.* tests/data/intel/bad/*; do
      { printf '\0'; cat "$f"; } >"$dir/seed-$(basename "$f")"
    done
  fi
  echo "fuzz_$t: ${secs}s"
  "$b/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 "$dir" 2>&1 | tail -3
done
