#!/usr/bin/env bash
# bench/geo.sh [BUILD_DIR] - lookups per second of the attrib stage
# (`make bench` runs it): bench/geo_bench over 1,000,000 random public
# addresses with the geo data of `make deps` (data/geo/dbip-country.mmdb and
# data/geo/asn.vgasn). Prints a markdown table: libmaxminddb's
# MMDB_lookup_sockaddr alone (the reference), the ASN range file alone,
# vigil's full lookup without the cache, with the cache on distinct
# addresses (cold) and on repeated ones (cached). Skips, saying why, when
# the data is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${VG_GEO_BENCH_N:-1000000}
country=data/geo/dbip-country.mmdb asn=data/geo/asn.vgasn
for f in "$country" "$asn"; do
  [ -s "$f" ] || { echo "geo.sh: $f missing (make deps, then make geo): skipped" >&2; exit 0; }
done
# Warm the page cache, so that the first row does not pay for the disk.
cat "$country" "$asn" >/dev/null
"$build/bench/geo_bench" "$country" "$asn" "$n"
