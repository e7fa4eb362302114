#!/usr/bin/env bash
# tests/golden/run.sh VIGIL - golden tests: one manifest line per case,
#   name | vigil arguments | expected file
# run from the repository root. The output compared is stdout, then stderr,
# then the exit code. VG_UPDATE_GOLDEN=1 rewrites the expected files
# instead (review the diff before committing it).
set -uo pipefail
vigil=$(realpath "$1")
cd "$(dirname "$0")/../.."
. tests/lib.sh
dir=tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

while IFS='|' read -r name args expected; do
  name=$(echo "$name" | xargs)
  case "$name" in ''|'#'*) continue ;; esac
  args=$(echo "$args" | xargs)
  expected=$dir/expected/$(echo "$expected" | xargs)
  # shellcheck disable=SC2086
  "$vigil" $args >"$tmp/out" 2>"$tmp/err"
  rc=$?
  { cat "$tmp/out"; echo "--- stderr ---"; cat "$tmp/err"; echo "--- exit $rc ---"; } >"$tmp/actual"
  if [ "${VG_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$tmp/actual" "$expected"
    ok "$name (updated)"
  elif [ ! -f "$expected" ]; then
    not_ok "$name" "missing expected file $expected (VG_UPDATE_GOLDEN=1 makes it)"
  elif diff -u "$expected" "$tmp/actual" >"$tmp/diff"; then
    ok "$name"
  else
    mapfile -t lines < <(head -20 "$tmp/diff")
    not_ok "$name" "${lines[@]}"
  fi
done <"$dir/manifest"
tap_done
