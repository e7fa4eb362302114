# tests/lib.sh - TAP output helpers shared by the shell suites.
# Each suite prints "ok N - what" or "not ok N - what" lines; tests/run.sh
# counts them over every suite.
# vigil read stores attacks in ./vigil.db by default; suites run in the
# repository root, so they store nothing unless a test asks (--store).
export VIGIL_STORE=none
_tap_n=0
_tap_failed=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }

not_ok() {
  _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1))
  echo "not ok $_tap_n - $1"
  shift
  local line
  for line in "$@"; do printf '#   %s\n' "$line"; done
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  # An empty expectation means the test could not measure it: a failure.
  if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# expect_match WHAT REGEX TEXT
# grep reads all its input (no -q): under pipefail, grep -q leaving at the
# first match could cut printf off mid-write (SIGPIPE) and fail the check.
expect_match() {
  if printf '%s' "$3" | grep -E -- "$2" >/dev/null; then ok "$1"; else not_ok "$1" "expected to match: $2" "actual: $(printf '%s' "$3" | head -c 400)"; fi
}

# skip NAME REASON: a check that cannot run here (TAP "# SKIP").
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
tap_done() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
