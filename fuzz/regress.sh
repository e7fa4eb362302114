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
# No LTO: clang 14's LTO link of these targets crashed (a segfault in the
# linker) now and then, from sources that linked the next time.
if [ ! -f $b/build.ninja ]; then
  CC=clang meson setup $b -Dfuzz=true -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false >$b.setup.log 2>&1 ||
    { not_ok "configure the fuzz build" "$(tail -5 $b.setup.log)"; tap_done; exit; }
fi
if ninja -C $b fuzz/fuzz_capture fuzz/fuzz_decode fuzz/fuzz_config fuzz/fuzz_asn fuzz/fuzz_eve fuzz/fuzz_intel fuzz/fuzz_app >$b.log 2>&1; then
  ok "fuzz targets build with clang -fsanitize=fuzzer"
else
  not_ok "fuzz targets build" "$(grep -m5 error $b.log)"
  tap_done; exit
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/capture" "$seeds/decode" "$seeds/config" "$seeds/asn" "$seeds/eve" "$seeds/intel" "$seeds/app"
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
# App seeds: the payload of every TCP/UDP packet of the test captures and
# the exploit corpus, once per parser (selector byte 0-3).
python3 - "$seeds/app" tests/data/app-hellos.pcap tests/data/eth-mixed-le-usec.pcap \
  ../shared/corpus/exploit/*.pcap <<'PY' || true
import struct, sys, os
out, n = sys.argv[1], 0
for path in sys.argv[2:]:
    try:
        b = open(path, 'rb').read()
    except OSError:
        continue
    if len(b) < 24 or b[:4] != b'\xd4\xc3\xb2\xa1' or struct.unpack('<I', b[20:24])[0] != 1:
        continue
    off = 24
    while off + 16 <= len(b) and n < 4000:
        cl = struct.unpack('<I', b[off + 8:off + 12])[0]
        pkt = b[off + 16:off + 16 + cl]
        off += 16 + cl
        if len(pkt) < 34 or pkt[12:14] != b'\x08\x00':
            continue
        ihl = (pkt[14] & 15) * 4
        proto = pkt[23]
        l4 = 14 + ihl
        if proto == 6 and len(pkt) > l4 + 12:
            pay = pkt[l4 + (pkt[l4 + 12] >> 4) * 4:]
        elif proto == 17:
            pay = pkt[l4 + 8:]
        else:
            continue
        if len(pay) < 4:
            continue
        sel = 0 if proto == 17 else (1 if pay[0] == 22 else (3 if pay[:5] == b'HTTP/' else 2))
        open(os.path.join(out, '%05d' % n), 'wb').write(bytes([sel]) + pay)
        n += 1
PY
# EVE seeds: each line of the hand-written Suricata alerts.
split -l 1 tests/data/suricata-alerts.json "$seeds/eve/line"
# Intel seeds: each feed of tests/data/intel (and bad/), byte 0 the name
# hint (0 .txt, 1 .json, 2 .csv) and, with bit 2 set, a small cap.
for f in tests/data/intel/* tests/data/intel/bad/*; do
  [ -f "$f" ] || continue
  case $f in *.json) h='\1' ;; *.csv) h='\2' ;; *) h='\0' ;; esac
  { printf "$h"; cat "$f"; } >"$seeds/intel/$(basename "$f")"
  { printf '\034'; cat "$f"; } >"$seeds/intel/cap-$(basename "$f")"
done
[ -d fuzz/regress-intel ] && cp fuzz/regress-intel/* "$seeds/intel/" 2>/dev/null
for t in capture decode config asn eve intel app; do
  if ASAN_OPTIONS=detect_leaks=1 $b/fuzz/fuzz_$t -runs=0 "$seeds/$t" >"$seeds/$t.log" 2>&1; then
    ok "fuzz_$t runs its $(ls "$seeds/$t" | wc -l) seeds clean"
  else
    not_ok "fuzz_$t on its seeds" "$(grep -m5 -E 'ERROR|runtime error|SUMMARY' "$seeds/$t.log")"
  fi
done
tap_done
