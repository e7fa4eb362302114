#!/usr/bin/env bash
# bench/store.sh [BUILD_DIR] - the store's benchmark (`make bench` runs it):
#   1. ingest rate of attack events into SQLite through the store API
#      (bench/store_bench: synthetic attacks, the call `vigil read` makes)
#      and the default report's latency over them (VG_BENCH_STORE_ATTACKS,
#      default 1000000; 10000000 for the docs/PERFORMANCE.md figure);
#   2. `vigil read` end to end on a capture of 150,000 port scans
#      (bench/gen_scans), with and without the store;
#   3. the same two into ClickHouse (a throw-away server on loopback,
#      VG_BENCH_CH_PORT, default 18400), when clickhouse-server is installed.
# VG_BENCH_STORES (default "sqlite clickhouse") picks the backends measured.
# Output: `key: value` lines; the database is in bench/data (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${VG_BENCH_STORE_ATTACKS:-1000000}
stores=" ${VG_BENCH_STORES:-sqlite clickhouse} "
mkdir -p bench/data
scans=bench/data/scans-150k.pcap
[ -s $scans ] || "$build/bench/gen_scans" --sources 150000 $scans
if [[ $stores == *" sqlite "* ]]; then
  db=bench/data/store-bench-$n.db
  rm -f "$db" "$db-wal" "$db-shm"
  echo "== store_bench --attacks $n $db"
  "$build/bench/store_bench" --attacks "$n" "$db"
  echo "db_bytes: $(stat -c %s "$db")"
  echo "== vigil report (default, table) over $n attacks, wall time of the command:"
  for i in 1 2 3; do
    /usr/bin/time -f "report_cmd_s: %e" "$build/vigil" report --store "$db" >/dev/null
  done
  echo "== vigil read of $scans (150,000 scans), without and with the store:"
  /usr/bin/time -f "read_nostore_s: %e" "$build/vigil" read -q --seed 1 --home-net 192.168.50.0/24 --no-store $scans
  rm -f bench/data/scans.db*
  /usr/bin/time -f "read_store_s: %e" "$build/vigil" read -q --seed 1 --home-net 192.168.50.0/24 --store bench/data/scans.db $scans
  echo "stored: $(sqlite3 bench/data/scans.db 'select count(*) from attacks')"
fi

# 3. The same into ClickHouse (src/store/clickhouse.c), when clickhouse-server is
#    installed: a throw-away server on loopback (tests/clickhouse/server.sh),
#    data in bench/data/ch-server, stopped at the end.
if [[ $stores != *" clickhouse "* ]]; then
  :
elif command -v clickhouse-server >/dev/null; then
  chdir=bench/data/ch-server
  port=${VG_BENCH_CH_PORT:-18400}
  rm -rf "$chdir"
  bash tests/clickhouse/server.sh start "$chdir" "$port"
  trap 'bash tests/clickhouse/server.sh stop "$chdir"' EXIT
  url=clickhouse://127.0.0.1:$port/bench
  echo "== store_bench --attacks $n $url (ClickHouse $(curl -s "http://127.0.0.1:$port/" --data-binary 'SELECT version()'))"
  "$build/bench/store_bench" --attacks "$n" "$url"
  echo "ch_bytes_on_disk: $(curl -s "http://127.0.0.1:$port/" --data-binary "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench' AND active")"
  echo "== vigil report --store $url (default, table), wall time of the command:"
  for i in 1 2 3; do
    /usr/bin/time -f "ch_report_cmd_s: %e" "$build/vigil" report --store "$url" >/dev/null
  done
  echo "== vigil read of $scans into ClickHouse:"
  /usr/bin/time -f "ch_read_store_s: %e" "$build/vigil" read -q --seed 1 --home-net 192.168.50.0/24 --store "clickhouse://127.0.0.1:$port/scans" $scans
  echo "ch_stored: $(curl -s "http://127.0.0.1:$port/" --data-binary 'SELECT count() FROM scans.attacks')"
else
  echo "== ClickHouse: skipped (clickhouse-server not installed; make deps)"
fi
