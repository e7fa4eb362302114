#!/usr/bin/env python3
"""tests/oracle/app_compare.py VIGIL TSHARK CAPTURE... - the app stage
against tshark. For each capture: vigil's flow events (tls, dns, http
objects) and tshark's fields of the same messages, keyed by the client's
endpoint pair (address, port, address, port, normalised). vigil keeps the
first ClientHello, the first DNS query and the first HTTP request of a
flow, so for every flow tshark shows the message on, the first one tshark
decoded on that endpoint pair must equal vigil's:

  JA3 hash   tls.handshake.ja3        JA3 string  tls.handshake.ja3_full
  SNI        tls.handshake.extensions_server_name
  DNS name   dns.qry.name (queries)   HTTP host   http.host (requests)

DNS is compared on ports 53, 5353 and 5355 only (tshark finds it on
others too); flows vigil has no event for are left to tests/oracle/tshark.sh.
Prints TAP: one line per field with the number of flows compared (a field
with no flow at all is a failure: the oracle would be checking nothing),
and the first differences."""
import ipaddress
import json
import subprocess
import sys

vigil, tshark, captures = sys.argv[1], sys.argv[2], sys.argv[3:]


def norm(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def key(sip, sp, dip, dp):
    return (norm(sip), str(sp), norm(dip), str(dp))


def tshark_rows(path, filt, fields):
    cmd = [tshark, "-n", "-r", path, "-Y", filt, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f"]
    for f in ["ip.src", "ipv6.src", "tcp.srcport", "udp.srcport", "ip.dst", "ipv6.dst",
              "tcp.dstport", "udp.dstport"] + fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        c = line.split("\t")
        c += [""] * (8 + len(fields) - len(c))
        k = key(c[0] or c[1], c[2] or c[3], c[4] or c[5], c[6] or c[7])
        yield k, c[8:]


checks = {"ja3 hash": [0, []], "ja3 string": [0, []], "sni": [0, []], "dns name": [0, []],
          "http host": [0, []]}


DNS_PORTS = {"53", "5353", "5355"}  # where vigil looks for DNS (src/app/app.c)


def ascii(s):
    # Bytes outside printable ASCII: tshark shows U+FFFD or the character,
    # vigil escapes each byte; both become '?'.
    return None if s is None else "".join(c if " " <= c <= "~" else "?" for c in s)


def check(name, cap, k, want, got):
    checks[name][0] += 1
    want, got = ascii(want), ascii(got)
    if want == "<Root>":
        want = "<root>"  # the root name: tshark's spelling, then Suricata's (vigil's)
    if want != got:
        checks[name][1].append("%s %s: tshark %r vigil %r" % (cap, k, want, got))


for cap in captures:
    ev = subprocess.run([vigil, "read", "--seed", "1", "--eve", "-", cap],
                        capture_output=True, text=True).stdout
    flows = {}
    for line in ev.splitlines():
        e = json.loads(line)
        if e.get("event_type") != "flow":
            continue
        k = key(e["src_ip"], e.get("src_port", ""), e["dest_ip"], e.get("dest_port", ""))
        flows.setdefault(k, []).append(e)
    first = {}
    # One tshark pass per capture (tshark is the slow side).
    for k, v in tshark_rows(cap, "(tls.handshake.type == 1 && tcp) || "
                            "(dns.flags.response == 0 && dns.qry.name) || "
                            "(http.request && http.host)",
                            ["tls.handshake.ja3", "tls.handshake.ja3_full",
                             "tls.handshake.extensions_server_name", "dns.qry.name",
                             "http.host"]):
        if v[0]:
            first.setdefault(("tls", k), v[:3])
        elif v[3] and (k[1] in DNS_PORTS or k[3] in DNS_PORTS):
            first.setdefault(("dns", k), v[3:4])
        elif v[4]:
            first.setdefault(("http", k), v[4:5])
    for (kind, k), v in sorted(first.items()):
        evs = flows.get(k, [])
        if not evs:
            continue  # no flow at all (a link type vigil does not read): tshark.sh's business
        obj = next((e[kind] for e in evs if kind in e), None)
        if kind == "tls":
            t = (obj or {})
            check("ja3 hash", cap, k, v[0], t.get("ja3", {}).get("hash"))
            check("ja3 string", cap, k, v[1], t.get("ja3", {}).get("string"))
            if v[2]:
                check("sni", cap, k, v[2], t.get("sni"))
        elif kind == "dns":
            check("dns name", cap, k, v[0], (obj or {}).get("rrname"))
        else:
            check("http host", cap, k, v[0], (obj or {}).get("hostname"))

n = 0
for name, (count, errs) in checks.items():
    n += 1
    ok = count > 0 and not errs
    print("%s %d - %s equals tshark's on %d flows (%d differ)" %
          ("ok" if ok else "not ok", n, name, count, len(errs)))
    for e in errs[:8]:
        print("#   " + e)
print("1..%d" % n)
