#!/usr/bin/env bash
# scripts/geo-compile.sh [BUILD] - compiles the ASN ranges that `make deps`
# fetched (data/geo/asn-ipv4.csv, asn-ipv6.csv from the npm package
# @ip-location-db/asn) into data/geo/asn.vgasn, the sorted binary range file
# vigil maps and binary-searches (src/attrib/asn.h). Records the package's
# name and version, and the date of its data (the version's last part is
# YYYYMMDDHH). Does nothing if the file is newer than the CSVs, or if the
# CSVs are absent (npm could not fetch them: vigil then runs without ASNs).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
geo=data/geo
out=$geo/asn.vgasn
[ -s "$geo/asn-ipv4.csv" ] && [ -s "$geo/asn-ipv6.csv" ] || exit 0
if [ -s "$out" ] && [ "$out" -nt "$geo/asn-ipv4.csv" ] && [ "$out" -nt "$geo/asn-ipv6.csv" ]; then
  exit 0
fi
name=@ip-location-db/asn version=unknown
if [ -s "$geo/asn.package.json" ]; then
  version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$geo/asn.package.json" | head -1)
fi
date=""
if [[ $version =~ \.([0-9]{4})([0-9]{2})([0-9]{2})[0-9]{2}$ ]]; then
  date="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]}"
fi
"$build/vigil" geo --compile-asn "$out" --source "$name $version" --date "$date" \
  "$geo/asn-ipv4.csv" "$geo/asn-ipv6.csv"
echo "geo: compiled $out ($name $version, data of ${date:-unknown date})" >&2
