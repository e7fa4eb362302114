#!/usr/bin/env bash
# tests/clickhouse/server.sh - a throw-away ClickHouse server on loopback,
# for the tests and benchmarks of the clickhouse store backend.
#
#   server.sh start DIR PORT [SHARD_PORT...]   data, config and logs in DIR;
#                                              HTTP on 127.0.0.1:PORT, the
#                                              native protocol on PORT+1
#   server.sh stop DIR                         stops it and removes nothing
#
# With SHARD_PORTs (HTTP ports of servers started the same way, this one's
# included), the config declares a cluster "vigil" with one shard per
# server, for Distributed tables (the native ports, PORT+1, are used
# between servers). Waits until the server answers /ping (30 s at most).
# Needs Debian's clickhouse-server package (make deps installs it); runs as
# whoever calls it, with nothing outside DIR.
set -euo pipefail
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT [SHARD_PORT...] | stop DIR" >&2; exit 2; }

case $cmd in
start)
  port=${3:?port}
  shift 3
  command -v clickhouse-server >/dev/null || { echo "server.sh: clickhouse-server is not installed (make deps)" >&2; exit 1; }
  mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/format_schemas"
  dir=$(cd "$dir" && pwd)
  shards=""
  if (($#)); then
    shards="<remote_servers><vigil>"
    for p in "$@"; do
      shards+="<shard><replica><host>127.0.0.1</host><port>$((p + 1))</port></replica></shard>"
    done
    shards+="</vigil></remote_servers>"
  fi
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><console>0</console></logger>
  <http_port>$port</http_port>
  <tcp_port>$((port + 1))</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  $shards
</yandex>
XML
  cat >"$dir/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  (cd "$dir" && exec clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1) &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 60); do
    if curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then exit 0; fi
    kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "server.sh: clickhouse-server on 127.0.0.1:$port did not answer; $dir/log:" >&2
  tail -5 "$dir/log/error.log" "$dir/log/stdout.log" 2>/dev/null >&2 || true
  exit 1
  ;;
stop)
  [ -f "$dir/server.pid" ] || exit 0
  pid=$(cat "$dir/server.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/server.pid"
  ;;
*) echo "usage: $0 start DIR PORT [SHARD_PORT...] | stop DIR" >&2; exit 2 ;;
esac
