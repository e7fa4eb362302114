#!/usr/bin/env bash
# tests/corpus/truth-counts.sh FILE KIND - the login attempts in a
# brute-force capture and whether one succeeded, counted by tshark (the
# oracle, independent of vigil): prints "ATTEMPTS SUCCEEDED", or "- -"
# for other kinds.
#   ftp:  the server's 530 replies; succeeded if a 230 follows.
#   http: the server's 401 and 403 replies, plus a 2xx after them
#         (succeeded); for a form login (the capture has POSTs, one or
#         many a connection), the POSTs, succeeded if one was answered
#         with another status than the first POST.
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
    if [ "$(count 'http.request.method=="POST"')" -gt 0 ]; then
      tshark -n -r "$f" -Y 'http.request.method=="POST" || http.response' -T fields \
        -e tcp.stream -e http.request.method -e http.response.code 2>/dev/null |
        awk -F'\t' '$2 == "POST" { post[$1] = 1; n++ }
          $3 != "" && ($1 in post) { if (first == "") first = $3; else if ($3 != first) ok = 1 }
          END { print n, (ok ? "true" : "false") }'
      exit 0
    fi
    ok=$(count 'http.response.code>=200 && http.response.code<300')
    echo "$(( $(count 'http.response.code==401 || http.response.code==403') + ok )) $([ "$ok" -gt 0 ] && echo true || echo false)" ;;
  bruteforce.ssh)
    echo "$(count 'tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.srcport==22') false" ;;
  *) echo "- -" ;;
esac
