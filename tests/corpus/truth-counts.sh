#!/usr/bin/env bash
# tests/corpus/truth-counts.sh FILE KIND - the login attempts in a
# brute-force capture and whether one succeeded, counted by tshark (the
# oracle, independent of vigil): prints "ATTEMPTS SUCCEEDED", or "- -"
# for other kinds.
#   ftp:  the server's 530 replies; succeeded if a 230 follows.
#   http: the server's 401 and 403 replies, plus a 2xx after them
#         (succeeded).
#   ssh and the other encrypted services: the sessions, one per SYN-ACK
#         from the service port.
set -euo pipefail
f=$1 kind=$2
count() { tshark -n -r "$f" -Y "$1" 2>/dev/null | wc -l; }
case $kind in
  bruteforce.ftp)
    ok=$(count 'ftp.response.code==230')
    echo "$(( $(count 'ftp.response.code==530') + ok )) $([ "$ok" -gt 0 ] && echo true || echo false)" ;;
  bruteforce.http)
    ok=$(count 'http.response.code>=200 && http.response.code<300')
    echo "$(( $(count 'http.response.code==401 || http.response.code==403') + ok )) $([ "$ok" -gt 0 ] && echo true || echo false)" ;;
  bruteforce.ssh)
    echo "$(count 'tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.srcport==22') false" ;;
  *) echo "- -" ;;
esac
