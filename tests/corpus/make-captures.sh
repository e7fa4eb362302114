#!/usr/bin/env bash
# tests/corpus/make-captures.sh - captures of real attack tools, made in
# network namespaces this script creates, then rewritten offline.
#
# Network safety: two namespaces (vg-vic, vg-atk) joined by one veth pair;
# the tools target only 10.99.0.1, the address this script gives the
# victim namespace. Nothing leaves the namespaces. Every tool is bounded by
# packet count, rate and a timeout, and the script removes the namespaces
# when it ends, even on error.
#
# Output: tests/corpus/captures/<scenario>.pcap (victim side, tcpdump) and
# TRUTH.tsv. Each capture is rewritten with tcprewrite: the victim becomes
# 192.168.50.10 (inside the default home network), each attacker a
# distinct public address, so tests see an outside attacker and a home
# victim. Run as root; needs the Debian packages installed below. The
# committed captures are what the tests use: rerun only on purpose.
#
# Usage: make-captures.sh [SCENARIO...] - with names, only those scenarios
# are captured again and their TRUTH.tsv rows replaced; the others stay.
set -euo pipefail
cd "$(dirname "$0")"
only=("$@")
out=captures
work=$(mktemp -d)
VIC=10.99.0.1 ATK=10.99.0.2 HOME_VICTIM=192.168.50.10

. ./lib.sh
install_missing nmap masscan zmap hydra medusa patator hping3 tcpreplay tcpdump vsftpd openssh-server \
  openssh-client nginx-light curl wget nftables iproute2

cleanup() {
  set +e
  kill_pids "$work"
  ip netns del vg-atk 2>/dev/null
  ip netns del vg-vic 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cleanup_ns() { ip netns del vg-atk 2>/dev/null || true; ip netns del vg-vic 2>/dev/null || true; }
cleanup_ns

ip netns add vg-vic
ip netns add vg-atk
ip link add vg-v type veth peer name vg-a
ip link set vg-v netns vg-vic
ip link set vg-a netns vg-atk
ip -n vg-vic addr add $VIC/24 dev vg-v
ip -n vg-atk addr add $ATK/24 dev vg-a
# Sweep targets: 62 more victim addresses (10.99.0.65-126), of which only
# the first 8 answer; the victim namespace drops what is sent to the rest
# (nftables), as dark addresses would.
for i in $(seq 65 126); do ip -n vg-vic addr add 10.99.0.$i/32 dev vg-v; done
ip netns exec vg-vic nft -f - <<NFT
table inet vg {
  chain input {
    type filter hook input priority 0;
    ip daddr 10.99.0.73-10.99.0.126 drop
  }
}
NFT
for ns in vg-vic vg-atk; do ip -n $ns link set lo up; done
ip -n vg-vic link set vg-v up
ip -n vg-atk link set vg-a up
# Segmentation offloads off, so the capture shows packets as on a wire.
ip netns exec vg-vic ethtool -K vg-v tso off gso off gro off 2>/dev/null || true
ip netns exec vg-atk ethtool -K vg-a tso off gso off gro off 2>/dev/null || true

# Victim services: sshd (22), vsftpd (21), nginx (80), each with its own
# configuration in $work.
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
cat >"$work/sshd_config" <<CFG
Port 22
ListenAddress $VIC
HostKey $work/hostkey
PidFile $work/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication yes
MaxAuthTries 1
UsePAM no
CFG
ssh-keygen -q -t ed25519 -N '' -f "$work/clientkey"
cp "$work/clientkey.pub" "$work/authorized_keys"
mkdir -p /run/sshd
ip netns exec vg-vic /usr/sbin/sshd -f "$work/sshd_config"
cat >"$work/vsftpd.conf" <<CFG
listen=YES
listen_address=$VIC
anonymous_enable=NO
local_enable=YES
background=NO
secure_chroot_dir=/var/run/vsftpd/empty
max_login_fails=1
CFG
mkdir -p /var/run/vsftpd/empty
ip netns exec vg-vic vsftpd "$work/vsftpd.conf" & echo $! >"$work/vsftpd.pid"
mkdir -p "$work/www"
for i in $(seq 1 40); do echo "<p>page $i <a href=\"p$((i % 40 + 1)).html\">next</a></p>" >"$work/www/p$i.html"; done
{ echo '<html><body>'; for i in $(seq 1 40); do echo "<a href=\"p$i.html\">$i</a>"; done; echo '</body></html>'; } >"$work/www/index.html"
head -c 8000000 /dev/zero >"$work/www/big.bin"
mkdir -p "$work/www/admin"
echo secret >"$work/www/admin/index.html"
echo 'admin:{PLAIN}letmein' >"$work/htpasswd"
# nginx's workers run unprivileged: they must reach the site and the password file.
chmod 711 "$work"; chmod -R a+rX "$work/www" "$work/htpasswd"
cat >"$work/nginx.conf" <<CFG
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events {}
http { access_log off; server { listen $VIC:80; root $work/www;
  location /admin/ { auth_basic "vigil test"; auth_basic_user_file $work/htpasswd; } } }
CFG
ip netns exec vg-vic nginx -c "$work/nginx.conf" & echo $! >"$work/nginx-main.pid"
# A web application's login form on port 8080 (HTTP/1.1, keep-alive): a
# POST with the right password gets a 302 to /welcome, a wrong one the
# form again (200) saying the login failed, as most applications do.
cat >"$work/loginapp.py" <<'PY'
import http.server, sys, urllib.parse
FORM = b'<html><form method="post" action="/login.php"><input name="user"><input name="pass" type="password"></form></html>'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def send(self, code, body, extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.send(200, FORM if self.path.startswith("/login.php") else b"<html>welcome</html>")
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if form.get("pass") == ["letmein"]:
            self.send(302, b"", [("Location", "/welcome")])
        else:
            self.send(200, b"<html>Login failed</html>" + FORM)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], 8080), H).serve_forever()
PY
ip netns exec vg-vic python3 "$work/loginapp.py" $VIC & echo $! >"$work/loginapp.pid"
sleep 1

seq -f 'wrong%g' 1 20 >"$work/pw.txt"
seq -f 'wrong%g' 1 60 >"$work/pw60.txt"
seq -f 'wrong%g' 1 30 >"$work/pw30.txt"
{ seq -f 'wrong%g' 1 15; echo letmein; } >"$work/pw-ok.txt"
printf 'scenario\tfile\tkind\ttechnique\ttool\tattacker\tvictim\tattempts\tsucceeded\tnote\n' >"$out/TRUTH.tsv.new"
if ((${#only[@]})) && [ -f "$out/TRUTH.tsv" ]; then # keep the other scenarios' rows
  tail -n +2 "$out/TRUTH.tsv" | while IFS=$'\t' read -r name rest; do
    [[ " ${only[*]} " == *" $name "* ]] || printf '%s\t%s\n' "$name" "$rest"
  done >>"$out/TRUTH.tsv.new"
fi

# capture NAME ATTACKER KIND TECHNIQUE TOOL NOTE -- CMD...: runs CMD in
# the attacker namespace while tcpdump records the victim side; TOOL is
# the tool vigil should name from the traffic ("-": none can be told).
n=0
capture() {
  local name=$1 attacker=$2 kind=$3 tech=$4 tool=$5 note=$6 victim=$HOME_VICTIM
  shift 7
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then return; fi
  [[ $name == *sweep* ]] && victim=192.168.50.65-126 # the swept range
  n=$((n + 1))
  ip netns exec vg-vic tcpdump -n -i vg-v -s 256 -U -w "$work/$name.raw.pcap" -c 200000 \
    "net 10.99.0.0/24 and not arp" >/dev/null 2>&1 & local tp=$!
  sleep 0.5
  timeout 120 ip netns exec vg-atk "$@" >"$work/$name.log" 2>&1 || true
  sleep 1.5
  kill $tp 2>/dev/null; wait $tp 2>/dev/null || true
  tcprewrite --pnat="$VIC/32:$HOME_VICTIM/32,$ATK/32:$attacker/32,10.99.0.64/26:192.168.50.64/26" \
    --infile="$work/$name.raw.pcap" --outfile="$out/$name.pcap" --fixcsum
  printf '%s\t%s.pcap\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$name" "$kind" "$tech" "$tool" \
    "$attacker" "$victim" "$(./truth-counts.sh "$out/$name.pcap" "$kind" | tr ' ' '\t')" "$note" \
    >>"$out/TRUTH.tsv.new"
  echo "captured $name: $(tcpdump -n -r "$out/$name.pcap" 2>/dev/null | wc -l) packets" >&2
}

# Scans: nmap on 100 ports (closed ones answer RST), masscan at 1000 pps.
capture nmap-syn 45.33.10.1 scan.port syn nmap "nmap -sS top 100 ports" -- nmap -n -Pn -sS --top-ports 100 --max-rate 500 $VIC
capture nmap-connect 45.33.10.2 scan.port connect - "nmap -sT top 100 ports" -- nmap -n -Pn -sT --top-ports 100 --max-rate 500 $VIC
capture nmap-fin 45.33.10.3 scan.port fin nmap "nmap -sF top 100 ports" -- nmap -n -Pn -sF --top-ports 100 --max-rate 500 $VIC
capture nmap-null 45.33.10.4 scan.port null nmap "nmap -sN top 100 ports" -- nmap -n -Pn -sN --top-ports 100 --max-rate 500 $VIC
capture nmap-xmas 45.33.10.5 scan.port xmas nmap "nmap -sX top 100 ports" -- nmap -n -Pn -sX --top-ports 100 --max-rate 500 $VIC
capture nmap-ack 45.33.10.6 scan.port ack nmap "nmap -sA top 100 ports" -- nmap -n -Pn -sA --top-ports 100 --max-rate 500 $VIC
capture nmap-udp 45.33.10.7 scan.port udp - "nmap -sU 30 ports" -- nmap -n -Pn -sU -p 1-30 --max-rate 500 --max-retries 0 $VIC
vmac=$(ip -n vg-vic link show vg-v | awk '/ether/ {print $2}')
capture masscan-syn 185.220.101.8 scan.port syn masscan "masscan 1000 ports at 1000 pps" -- masscan -p1-1000 --rate 1000 --wait 2 \
  --adapter vg-a --adapter-ip $ATK --router-mac "$vmac" $VIC
# zmap: one SYN to port 443 of each of the 62 sweep targets (an allow-list
# of exactly those addresses, an empty block-list: zmap's default one
# blocks 10/8), 200 pps, sending for 10 s at most.
for i in $(seq 65 126); do echo 10.99.0.$i/32; done >"$work/zmap-allow.txt"
: >"$work/zmap-block.txt"
capture zmap-sweep 167.94.138.20 scan.sweep syn zmap "zmap -p 443 62 hosts, 8 up" -- zmap -p 443 -w "$work/zmap-allow.txt" \
  -b "$work/zmap-block.txt" -i vg-a -S $ATK -G "$vmac" -r 200 -n 62 -t 10 -c 2 -o "$work/zmap.csv"
# Service and OS probing: nmap -sV and -O over a SYN scan of 100 ports.
capture nmap-version 45.33.10.8 scan.service syn nmap "nmap -sV top 100 ports" -- nmap -n -Pn -sV --top-ports 100 --max-rate 500 $VIC
capture nmap-os 45.33.10.9 scan.os syn nmap "nmap -O top 100 ports" -- nmap -n -Pn -O --top-ports 100 --max-rate 500 $VIC
# Ping sweep: ICMP echo to 62 addresses, 8 of which answer.
capture nmap-sweep 45.33.10.10 scan.sweep icmp_echo - "nmap -sn -PE 62 hosts, 8 up" -- nmap -n -sn -PE --send-ip --max-rate 200 10.99.0.65-126
# Brute force: hydra with 12 wrong passwords, one task.
# sshd slows failed logins down (about 5 a minute per task here): 8 tasks,
# one guess per connection, so the 60 guesses fit the 120 s bound.
capture hydra-ssh 103.56.53.9 bruteforce.ssh - - "hydra 60 passwords, -t 8, sshd MaxAuthTries 1" -- hydra -l admin -P "$work/pw60.txt" -t 8 ssh://$VIC
capture hydra-ftp 103.56.53.10 bruteforce.ftp - - "hydra 20 passwords, -t 1, vsftpd max_login_fails 1" -- hydra -l admin -P "$work/pw.txt" -t 1 ftp://$VIC
capture medusa-ssh 103.56.53.11 bruteforce.ssh - - "medusa 30 passwords, -t 4, sshd MaxAuthTries 1" -- medusa -h $VIC -u admin -P "$work/pw30.txt" -M ssh -t 4 -T 1
capture hydra-http 103.56.53.12 bruteforce.http - - "hydra http-get 15 wrong passwords then the right one, -t 1" -- hydra -l admin -P "$work/pw-ok.txt" -t 1 -f http-get://$VIC/admin/
capture hydra-http-form 103.56.53.13 bruteforce.http - - "hydra http-post-form 15 wrong passwords then the right one, -t 1" -- hydra -l admin -P "$work/pw-ok.txt" -t 1 -f -s 8080 $VIC http-post-form "/login.php:user=^USER^&pass=^PASS^:F=Login failed"
# The same guesses over one kept-alive connection (patator's persistent
# HTTP, one thread): every POST after the first rides the same TCP flow.
# resolve= names the victim: patator 0.9 passes libcurl an empty
# CURLOPT_RESOLVE entry without it, which Debian 12's libcurl refuses.
capture patator-http-form 103.56.53.14 bruteforce.http - - "patator http_fuzz 15 wrong passwords then the right one, one keep-alive connection" -- \
  patator http_fuzz url=http://victim:8080/login.php resolve=victim:$VIC method=POST body='user=admin&pass=FILE0' \
  0="$work/pw-ok.txt" persistent=1 --threads=1 --max-retries=0 -x ignore:fgrep='Login failed'
# Floods: hping3, bounded by count.
capture hping-syn-flood 91.134.12.1 flood.syn - - "hping3 -S --rand-source, 5000 SYNs" -- hping3 -S -p 80 --rand-source -i u200 -c 5000 $VIC
capture hping-udp-flood 91.134.12.2 flood.udp - - "hping3 --udp, 5000 datagrams" -- hping3 --udp -p 9999 -i u200 -c 5000 $VIC
capture hping-icmp-flood 91.134.12.3 flood.icmp - - "hping3 --icmp, 5000 echo requests" -- hping3 --icmp -i u200 -c 5000 $VIC
# Benign: a client fetching 40 pages, one after another, and an FTP login attempt.
capture benign-web 81.2.69.1 none - - "curl of 40 pages" -- sh -c "for i in \$(seq 1 40); do curl -s -o /dev/null http://$VIC/p\$i.html; done"
capture benign-wget 81.2.69.2 none - - "wget -r of a 41-page site" -- wget -q -r -l 3 -P "$work/mirror" http://$VIC/
capture benign-ssh 81.2.69.3 none - - "4 ssh sessions running commands" -- sh -c "for i in 1 2 3 4; do ssh -i $work/clientkey -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes root@$VIC 'uname -a; ls / | wc -l; sleep 1'; sleep 1; done"
capture benign-download 81.2.69.4 none - - "curl of an 8 MB file" -- curl -s -o /dev/null http://$VIC/big.bin
capture benign-form-login 81.2.69.6 none - - "a person at a login form: one mistyped password, then the right one" -- sh -c "curl -s -o /dev/null http://$VIC:8080/login.php; sleep 2; curl -s -o /dev/null -d 'user=admin&pass=typo' http://$VIC:8080/login.php; sleep 3; curl -s -o /dev/null -d 'user=admin&pass=letmein' http://$VIC:8080/login.php"
capture benign-form-keepalive 81.2.69.8 none - - "a person at a login form over one kept-alive connection: the form, a mistyped password, the right one, then the site" -- \
  curl -s -o /dev/null http://$VIC:8080/login.php --next -s -o /dev/null -d 'user=admin&pass=typo' http://$VIC:8080/login.php \
  --next -s -o /dev/null -d 'user=admin&pass=letmein' http://$VIC:8080/login.php --next -s -o /dev/null http://$VIC:8080/welcome
capture benign-api-posts 81.2.69.7 none - - "an API client: 30 POSTs to /api/items" -- sh -c "for i in \$(seq 1 30); do curl -s -o /dev/null -d \"item=\$i\" http://$VIC:8080/api/items; done"
capture benign-ftp 81.2.69.5 none - - "one failed FTP login" -- sh -c "curl -s -m 10 --user admin:typo ftp://$VIC/ || true"

mv "$out/TRUTH.tsv.new" "$out/TRUTH.tsv"
rm -f hydra.restore
echo "made $n captures in $out" >&2
