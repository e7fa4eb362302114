# tests/corpus/lib.sh - shared by the capture-making scripts of this folder
# (make-captures.sh, make-c2.sh, make-compromised.sh); sourced, not run.

# install_missing PKG...: installs the Debian packages not yet installed
# (apt-get update first, non-interactive: tshark's package asks otherwise).
install_missing() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# kill_pids DIR: kills the processes whose pids the script left in DIR/*.pid.
kill_pids() {
  local p
  for p in "$1"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
}
