#!/usr/bin/env bash
# scripts/demo.sh BUILD - `make demo`: runs vigil on the bundled sample
# captures and prints what it found. The samples are the committed test
# captures (tests/data) and a synthetic hour of traffic made by the
# benchmark's fixed-seed generator (data/demo/, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p data/demo
# Every `vigil read` below stores its attacks in one SQLite store (the
# default would be ./vigil.db); the demo ends with its report.
export VIGIL_STORE=sqlite:data/demo/vigil.db
rm -f data/demo/vigil.db data/demo/vigil.db-wal data/demo/vigil.db-shm
sample=data/demo/synthetic-hour-200k.pcap
if [ ! -s "$sample" ]; then
  "$build/bench/gen_capture" --packets 200000 --seed 1 "$sample" 2>/dev/null
fi
formats=(tests/data/eth-mixed-le-usec.pcap tests/data/ipv6-ext.pcap tests/data/vlan-qinq.pcap
  tests/data/pcapng-le.pcapng tests/data/pcapng-be-multisection.pcapng tests/data/malformed-packets.pcap)

echo "== 1. An hour of synthetic traffic ($sample):"
echo "   vigil read --eve data/demo/eve.json $sample"
echo
"$build/vigil" read --eve data/demo/eve.json "$sample"
echo
echo "== EVE events written to data/demo/eve.json ($(wc -l <data/demo/eve.json) lines); the first flow event:"
grep -m1 '"event_type":"flow"' data/demo/eve.json | jq -c .
echo
echo "== Flows by protocol and state (jq over the EVE file):"
jq -r 'select(.event_type=="flow") | "\(.proto) \(.flow.state)"' data/demo/eve.json | sort | uniq -c | sort -rn
echo
echo "== 2. The bundled format samples, several files in one run (pcap in both byte orders,"
echo "   pcapng with several sections, VLAN/QinQ, IPv6 extension headers, malformed packets):"
echo
"$build/vigil" read "${formats[@]}"
echo
echo "== 3. Real attacks from ../shared/corpus: masscan (TCP SYN, UDP), an nmap ARP sweep, hydra against SSH and a spoofed SYN flood:"
echo
for f in ../shared/corpus/scan/masscan-tcp-syn-ports0-1000.pcap ../shared/corpus/scan/masscan-udp-ports0-1000.pcap \
  ../shared/corpus/scan/nmap-arp-host-sweep-and-version-scan.pcap ../shared/corpus/bruteforce/ssh-hydra-1task.pcap \
  ../shared/corpus/flood/syn-flood-spoofed-port25565.pcap; do
  [ -f "$f" ] && "$build/vigil" read -q --eve - "$f" | jq -c 'select(.event_type=="attack") |
    {src_ip, dest_ip, kind: .attack.kind, technique: .attack.technique, victims: .attack.victims,
     ports: .attack.ports, attempts: .attack.attempts, evidence: .attack.evidence,
     src_geo, attribution}'
done
echo
echo "== 4. Attribution of the real-tool captures (home network 192.168.50.0/24): where each attacker"
echo "   is, and how sure vigil is of its address:"
echo
for f in tests/corpus/captures/nmap-connect.pcap tests/corpus/captures/nmap-syn.pcap \
  tests/corpus/captures/hydra-ssh.pcap tests/data/attrib-bogon-syn.pcap; do
  "$build/vigil" read -q --seed 1 --home-net 192.168.50.0/24 --eve - "$f" |
    jq -c 'select(.event_type=="attack") | {src_ip, kind: .attack.kind, src_geo, attribution}'
done
echo
echo "== vigil geo 8.8.8.8:"
"$build/vigil" geo 8.8.8.8 || true
echo
echo "== 5. The rest of the real-tool captures, each as its own run, into the same store:"
for f in tests/corpus/captures/*.pcap; do
  # c2-*: a terminal's own traffic (beacons, uploads, and look-alikes that
  # need their allow-lists: tests/compromised.sh); the beacon is in step 6.
  case $(basename "$f") in c2-*) continue ;; esac
  "$build/vigil" read -q --seed 1 --home-net 192.168.50.0/24 "$f"
done
echo "   (reading a capture twice adds nothing: the store knows it by its content hash)"
echo
echo "== 6. Compromised terminals: captures of terminals calling command-and-control servers,"
echo "   read with threat intelligence (tests/data/c2: STIX, Feodo, URLhaus and SSLBL JA3 files),"
echo "   and an implant checking in every 30 s for hours (malware.beacon, found without intel):"
echo
c2caps=(tests/corpus/c2/*.pcap tests/corpus/captures/c2-beacon-30s.pcap)
for f in ../shared/corpus/exploit/trickbot-c2.pcap ../shared/corpus/exploit/emotet-c2.pcap \
  ../shared/corpus/exploit/cryptowall4-c2.pcapng ../shared/corpus/exploit/tls-malicious-c2-clienthello.pcap; do
  [ -f "$f" ] && c2caps+=("$f")
done
for f in "${c2caps[@]}"; do
  "$build/vigil" read -q --seed 1 --intel tests/data/c2 --eve - "$f" | jq -c 'select(.event_type=="attack" and .attack.final and (.attack.kind | startswith("malware.")))
    | {src_ip, dest_ip, kind: .attack.kind, technique: .attack.technique, family: .attack.tool,
       evidence: .attack.evidence, country: .src_geo.country}'
done
echo
echo "== 7. The year in review from the store (vigil report --store sqlite:data/demo/vigil.db):"
echo
"$build/vigil" report
echo
echo "== 8. The command-and-control table (vigil report --c2):"
echo
"$build/vigil" report --c2
