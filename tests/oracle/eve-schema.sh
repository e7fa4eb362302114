#!/usr/bin/env bash
# tests/oracle/eve-schema.sh VIGIL - every event vigil writes for every
# capture of tests/data, ../shared/corpus, the real-tool captures and
# Suricata's own test captures (../shared/oracle/suricata-verify) validates
# against Suricata's
# own EVE JSON schema (../shared/oracle/suricata-eve-schema), once vigil's
# documented extension keys are removed (tests/oracle/eve_schema.py).
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/../.."
for f in tests/data/*.pcap tests/data/*.pcapng ../shared/corpus/*/*.pcap ../shared/corpus/*/*.pcapng \
  tests/corpus/captures/*.pcap ../shared/oracle/suricata-verify/*/input.pcap; do
  [ -f "$f" ] && "$vigil" read --seed 1 --eve - "$f" 2>/dev/null
done | python3 tests/oracle/eve_schema.py ../shared/oracle/suricata-eve-schema/schema.json
