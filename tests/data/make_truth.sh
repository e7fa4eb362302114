#!/bin/sh
# Regenerate tests/data/TRUTH.tsv: what tshark makes of every capture in tests/data/.
#
# This is the oracle side of vigil's capture tests: the counts come from tshark, not from
# vigil, so a test comparing the two catches a reader or decoder bug in either direction.
# Rerun after make_captures.py changes a file, and review the diff.
#
# Columns (tab-separated, one header line):
#   file              file name in tests/data/
#   packets           records tshark read: tshark -r F -T fields -e frame.number | wc -l
#   tcp_convs         lines of tshark -q -z conv,tcp (tshark keys by TCP stream: addresses
#                     and ports, no VLAN; a new SYN may start a new "port reuse" stream)
#   udp_convs         lines of tshark -q -z conv,udp (addresses and ports, no VLAN)
#   tcp_flows         distinct {VLAN ids, address:port pair, unordered} over frames matching
#                     "tcp && !icmp && !icmpv6" (headers quoted in ICMP errors left out)
#   udp_flows         the same for udp; fragments count once, in the reassembling frame
#   error_frames      frames with an expert info of severity Error (includes Malformed)
#   tshark_rc         exit status of tshark -r F
#   tshark_error      tshark's stderr for that run, lines joined with " | "
#
# Personal Wireshark preferences are kept out (WIRESHARK_CONFIG_DIR points to an empty
# directory) so the defaults apply: IPv4/IPv6 reassembly on, TCP analysis on.
# Usage: sh tests/data/make_truth.sh   (needs tshark; records its version on stderr)
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
WIRESHARK_CONFIG_DIR=$cfg
export WIRESHARK_CONFIG_DIR LC_ALL=C

ts() { tshark "$@" 2>/dev/null || true; }

# Distinct flows: VLAN stack + endpoints sorted so both directions give one key.
flows() { # file proto
    ts -r "$1" -Y "$2 && !icmp && !icmpv6" -T fields -e ieee8021ad.id -e vlan.id \
        -e ip.src -e ipv6.src -e "$2.srcport" -e ip.dst -e ipv6.dst -e "$2.dstport" |
        awk -F '\t' '{ a = $3 $4 "." $5; b = $6 $7 "." $8;
                       k = (a < b) ? a " " b : b " " a; print $1 "/" $2 " " k }' |
        sort -u | wc -l
}

out=TRUTH.tsv.tmp
printf 'file\tpackets\ttcp_convs\tudp_convs\ttcp_flows\tudp_flows\terror_frames\ttshark_rc\ttshark_error\n' >"$out"
# shellcheck disable=SC2012 # file names here are ours: no spaces
for f in $(ls -- *.pcap *.pcapng *.txt 2>/dev/null | sort); do
    packets=$(ts -r "$f" -T fields -e frame.number | wc -l)
    tcpc=$(ts -r "$f" -q -z conv,tcp | grep -c '<->' || true)
    udpc=$(ts -r "$f" -q -z conv,udp | grep -c '<->' || true)
    tcpf=$(flows "$f" tcp)
    udpf=$(flows "$f" udp)
    errs=$(ts -r "$f" -Y '_ws.expert.severity == error' -T fields -e frame.number | wc -l)
    rc=0
    tshark -r "$f" >/dev/null 2>"$cfg/stderr" || rc=$?
    msg=$(grep -v '^Running as user' "$cfg/stderr" | grep -v '^ *$' | tr '\t' ' ' |
        sed 's/^ *//' | paste -sd'|' - | sed 's/|/ | /g')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$packets" "$tcpc" "$udpc" \
        "$tcpf" "$udpf" "$errs" "$rc" "$msg" >>"$out"
done
mv "$out" TRUTH.tsv
tshark --version 2>/dev/null | head -n 1 >&2
