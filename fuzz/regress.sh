#!/usr/bin/env bash
# fuzz/regress.sh - builds the libFuzzer targets with clang (build-fuzz/)
# and runs each once over its seeds: the committed test captures, the
# corpus captures (small ones) and any crash reproducers in fuzz/regress/.
# Part of make check; long fuzzing runs are `make fuzz`.
set -uo pipefail
# Throughput and crash runs store nothing (vigil read stores in ./vigil.db by default).
export VIGIL_STORE=none
cd "$(dirname "$0")/.."
. tests/lib.sh
b=build-fuzz
if [ ! -f $b/build.ninja ]; then
  CC=clang meson setup $b -Dfuzz=true -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false >$b.setup.log 2>&1 ||
    { not_ok "configure the fuzz build" "$(tail -5 $b.setup.log)"; tap_done; exit; }
fi
if ninja -C $b fuzz/fuzz_capture fuzz/fuzz_decode fuzz/fuzz_config fuzz/fuzz_asn fuzz/fuzz_eve >$b.log 2>&1; then
  ok "fuzz targets build with clang -fsanitize=fuzzer"
else
  not_ok "fuzz targets build" "$(grep -m5 error $b.log)"
  tap_done; exit
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/capture" "$seeds/decode" "$seeds/config" "$seeds/asn" "$seeds/eve"
cp tests/data/*.pcap tests/data/*.pcapng tests/data/*.txt "$seeds/capture/"
find ../shared/corpus -name '*.pcap*' -size -64k -exec cp {} "$seeds/capture/" \;
[ -d fuzz/regress ] && cp fuzz/regress/* "$seeds/capture/" 2>/dev/null
# Decoder seeds: each packet of the test captures, as link type byte + bytes.
python3 - "$seeds/decode" tests/data/*.pcap <<'PY' || true
import struct, sys, os
out = sys.argv[1]
links = {1: 0, 101: 1, 228: 2, 229: 3, 113: 4, 276: 5, 0: 6, 108: 7, 12: 8}
n = 0
for path in sys.argv[2:]:
    b = open(path, 'rb').read()
    if len(b) < 24 or b[:4] not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        continue
    link = struct.unpack('<I', b[20:24])[0] & 0xffff
    if link not in links:
        continue
    off = 24
    while off + 16 <= len(b):
        cl = struct.unpack('<I', b[off + 8:off + 12])[0]
        pkt = b[off + 16:off + 16 + cl]
        off += 16 + cl
        open(os.path.join(out, '%05d' % n), 'wb').write(bytes([links[link]]) + pkt)
        n += 1
PY
printf 'home_net = 10.0.0.0/8,fd00::/8\nflow.memcap = 1M\n' >"$seeds/config/a"
printf 'flow.timeout.tcp.new = 99999999999\n' >"$seeds/config/b"
printf 'detect.beacon.allow_ports = 123/udp, 443/tcp 8080\ndetect.exfil.allow = 192.0.2.0/24\n' >"$seeds/config/c"
printf '123/udp,65535,0/tcp,99999,53/xyz' >"$seeds/config/d"
# ASN seeds: the edge CSV (first byte even: compile) and its compiled form (odd: read).
{ printf '\0'; cat tests/data/asn-edges.csv; } >"$seeds/asn/csv"
if [ -x build/vigil ] && build/vigil geo --compile-asn "$seeds/edges.vgasn" tests/data/asn-edges.csv >/dev/null 2>&1; then
  { printf '\1'; cat "$seeds/edges.vgasn"; } >"$seeds/asn/bin"
fi
# EVE seeds: each line of the hand-written Suricata alerts.
split -l 1 tests/data/suricata-alerts.json "$seeds/eve/line"
for t in capture decode config asn eve; do
  if ASAN_OPTIONS=detect_leaks=1 $b/fuzz/fuzz_$t -runs=0 "$seeds/$t" >"$seeds/$t.log" 2>&1; then
    ok "fuzz_$t runs its $(ls "$seeds/$t" | wc -l) seeds clean"
  else
    not_ok "fuzz_$t on its seeds" "$(grep -m5 -E 'ERROR|runtime error|SUMMARY' "$seeds/$t.log")"
  fi
done
tap_done
