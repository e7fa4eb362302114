#!/usr/bin/env python3
"""Make tests/data/app-hellos.pcap: application messages for the app stage
(src/app/) and its tshark oracle (tests/oracle/app-tshark.sh).

Byte for byte reproducible (the helpers of make_captures.py; fixed values,
no randomness). Flows, client 192.0.2.10:

  :50100 -> 198.51.100.30:443  ClientHello in one segment (the JA4 spec's
         example lists, technical_details/JA4.md, plus GREASE values that
         JA3 and JA4 must skip), SNI c2.example.test, ALPN h2; ServerHello
         choosing TLS 1.3 by supported_versions
  :50101 -> :443  the same hello split over two TCP segments (at byte 100)
  :50102 -> :8443 a TLS 1.2-style hello: no SNI, no ALPN, no
         supported_versions, point formats
  :50103 -> :80   PROPFIND request (a method outside the common list)
  :50104 -> 198.51.100.53:53 over TCP: query and answer (CNAME then AAAA,
         compression pointers) with their 2-byte length prefixes
  :53100 -> :53 over UDP: NXDOMAIN answer

Usage: python3 tests/data/make_app_captures.py [OUTDIR]
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_captures as mc  # noqa: E402

C, S = mc.addr("192.0.2.10"), mc.addr("198.51.100.30")
DNS_S = mc.addr("198.51.100.53")


def u16(v):
    return struct.pack("!H", v)


def ext(t, data):
    return u16(t) + u16(len(data)) + data


def client_hello(sni=None, alpn=(), versions=(), ciphers=(), exts_order=(), sigs=(),
                 groups=(), formats=None, legacy=0x0303):
    exts = b""
    for t in exts_order:
        if t == 0x0000 and sni:
            name = sni.encode()
            exts += ext(0, u16(len(name) + 3) + b"\0" + u16(len(name)) + name)
        elif t == 0x0010 and alpn:
            lst = b"".join(bytes([len(a)]) + a.encode() for a in alpn)
            exts += ext(0x10, u16(len(lst)) + lst)
        elif t == 0x002b and versions:
            exts += ext(0x2b, bytes([2 * len(versions)]) + b"".join(u16(v) for v in versions))
        elif t == 0x000d and sigs:
            exts += ext(0x0d, u16(2 * len(sigs)) + b"".join(u16(v) for v in sigs))
        elif t == 0x000a and groups:
            exts += ext(0x0a, u16(2 * len(groups)) + b"".join(u16(v) for v in groups))
        elif t == 0x000b and formats is not None:
            exts += ext(0x0b, bytes([len(formats)]) + bytes(formats))
        elif t == 0x0033:
            exts += ext(0x33, u16(36) + u16(0x001d) + u16(32) + bytes(range(32)))
        elif t == 0x0015:
            exts += ext(0x15, bytes(20))  # padding
        else:  # the smallest well-formed contents
            exts += ext(t, {0x0005: b"\x01\0\0\0\0", 0x001b: b"\x02\x00\x02",
                            0x002d: b"\x01\x01", 0x4469: b"\x00\x03\x02h2",
                            0xff01: b"\x00"}.get(t, b""))
    body = u16(legacy) + bytes(range(32)) + b"\x20" + bytes(range(32, 64))
    body += u16(2 * len(ciphers)) + b"".join(u16(c) for c in ciphers) + b"\x01\x00"
    body += u16(len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + u16(len(hs)) + hs


def server_hello(version_ext):
    body = u16(0x0303) + bytes(32) + b"\x20" + bytes(32) + u16(0x1301) + b"\x00"
    exts = ext(0x2b, u16(version_ext)) if version_ext else b""
    body += u16(len(exts)) + exts
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + u16(len(hs)) + hs


# The JA4 spec's example (JA4.md "Example"), with GREASE added.
SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
SPEC_EXTS = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005,
             0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015]
SPEC_SIGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
HELLO13 = client_hello(sni="c2.example.test", alpn=("h2", "http/1.1"),
                       versions=(0x7a7a, 0x0304, 0x0303), ciphers=[0x0a0a] + SPEC_CIPHERS,
                       exts_order=[0x2a2a] + SPEC_EXTS, sigs=SPEC_SIGS,
                       groups=(0x3a3a, 0x001d, 0x0017, 0x0018), formats=[0])
HELLO12 = client_hello(ciphers=[0xc02f, 0xc030, 0x009e, 0x0035, 0x000a],
                       exts_order=[0x000a, 0x000b, 0x000d, 0x0023, 0xff01],
                       sigs=[0x0401, 0x0501], groups=(0x0017, 0x0018), formats=[0, 1, 2])


def tcp_conv(cport, sport, pieces, replies, s=S):
    """Handshake, client pieces (each one segment), server replies, FIN."""
    out = []
    cs, ss = 1000 + cport, 9000 + cport

    def seg(d, seq, ack, flags, data=b""):
        src, dst, sp, dp = (C, s, cport, sport) if d == 0 else (s, C, sport, cport)
        out.append((d, mc.ip(src, dst, mc.PROTO_TCP,
                             mc.tcp(src, dst, sp, dp, seq, ack, flags, 64240, b"", data))))

    seg(0, cs, 0, mc.SYN)
    seg(1, ss, cs + 1, mc.SYN | mc.ACK)
    cs, ss = cs + 1, ss + 1
    seg(0, cs, ss, mc.ACK)
    for p in pieces:
        seg(0, cs, ss, mc.PSH | mc.ACK, p)
        cs += len(p)
    for r in replies:
        seg(1, ss, cs, mc.PSH | mc.ACK, r)
        ss += len(r)
    seg(0, cs, ss, mc.FIN | mc.ACK)
    seg(1, ss, cs + 1, mc.FIN | mc.ACK)
    seg(0, cs + 1, ss + 1, mc.ACK)
    return out


def dns_answer_cname_aaaa(ident, name, cname, v6):
    q = mc.dns_name(name) + struct.pack("!HH", 28, 1)
    a1 = struct.pack("!HHHI", 0xC00C, 5, 1, 60)
    target = mc.dns_name(cname)
    a1 += u16(len(target)) + target
    # The AAAA's owner is the CNAME target: a pointer to it (offset 12 + len(q) + 12).
    a2 = struct.pack("!HHHIH", 0xC000 | (12 + len(q) + 12), 28, 1, 120, 16) + v6
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 2, 0, 0) + q + a1 + a2


def dns_nxdomain(ident, name):
    return struct.pack("!HHHHHH", ident, 0x8183, 1, 0, 0, 0) + mc.dns_name(name) + \
        struct.pack("!HH", 1, 1)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    conv = []
    conv += tcp_conv(50100, 443, [HELLO13], [server_hello(0x0304)])
    conv += tcp_conv(50101, 443, [HELLO13[:100], HELLO13[100:]], [server_hello(0x0304)])
    conv += tcp_conv(50102, 8443, [HELLO12], [server_hello(0)])
    conv += tcp_conv(50103, 80, [b"PROPFIND /dav/ HTTP/1.1\r\nHost: dav.example.test\r\n"
                                 b"User-Agent: vigil-dav\r\nDepth: 1\r\n\r\n"],
                     [b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 0\r\n\r\n"])
    q = mc.dns_query(0x4242, "www.example.test", 28)
    r = dns_answer_cname_aaaa(0x4242, "www.example.test", "edge.cdn.example.test",
                              mc.addr("2001:db8::443"))
    conv += tcp_conv(50104, 53, [u16(len(q)) + q], [u16(len(r)) + r], s=DNS_S)
    conv += mc.udp_exchange(C, DNS_S, 53100, 53, mc.dns_query(0x5151, "nx.example.test"),
                            dns_nxdomain(0x5151, "nx.example.test"))
    frames = mc.eth_link(conv)
    mc.write(outdir, "app-hellos.pcap",
             mc.pcap_bytes(mc.records(frames, mc.Clock(1700100000)), mc.LINKTYPE_ETHERNET))


if __name__ == "__main__":
    main()
