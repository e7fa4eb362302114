#!/usr/bin/env python3
"""Make vigil's small committed test captures in tests/data/.

Why a script: every capture here can be remade byte for byte (fixed timestamps, fixed
sequence numbers, no randomness), so a reviewer can read how a file was built and a change
to it shows up as a diff of this script. Only the standard library is used: the pcap and
pcapng containers, link headers, IP/TCP/UDP/ICMP headers and their checksums are written
with `struct` below.

References: pcap and pcapng as in draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng;
link types from https://www.tcpdump.org/linktypes.html; RFC 791/793/768/792 (IPv4, TCP,
UDP, ICMP), RFC 7323 (TCP window scale, timestamps), RFC 2018/2883 (SACK, D-SACK),
RFC 8200 (IPv6 and extension headers), RFC 8754 (segment routing header), RFC 4302 (AH),
RFC 4443 (ICMPv6), RFC 826 (ARP), IEEE 802.1Q/802.1ad (VLAN tags).

Usage: python3 tests/data/make_captures.py [OUTDIR]   (default: the directory of this
script). It prints the byte offsets of the deliberate corruptions; README.md quotes them.
TRUTH.tsv (what tshark makes of each file) comes from make_truth.sh.

Limits: the packets are plausible, not captured; each file is small and aimed at one reader
or decoder feature. Addresses are from the documentation ranges (RFC 5737, RFC 3849).
"""

import ipaddress
import os
import struct
import sys

# ---------------------------------------------------------------------------------------
# Checksums and protocol headers
# ---------------------------------------------------------------------------------------


def csum(data):
    """RFC 1071 Internet checksum of data (odd length padded with a zero byte)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def addr(text):
    return ipaddress.ip_address(text).packed


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def pseudo_csum(src, dst, proto, segment):
    """Checksum of a TCP/UDP/ICMPv6 segment with the IPv4 or IPv6 pseudo header."""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, len(segment))
    else:
        ph = src + dst + struct.pack("!I3xB", len(segment), proto)
    return csum(ph + segment)


PROTO_HOPOPT, PROTO_ICMP, PROTO_TCP, PROTO_UDP = 0, 1, 6, 17
PROTO_ROUTING, PROTO_FRAGMENT, PROTO_AH, PROTO_ICMPV6, PROTO_NONE, PROTO_DSTOPTS = (
    43, 44, 51, 58, 59, 60)
ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_8021Q, ETH_8021AD = 0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8


def ip4(src, dst, proto, payload, ident=0, ttl=64, df=False, mf=False, frag=0, tos=0,
        opts=b"", tot_len=None, ihl=None, ver=4):
    """IPv4 header (RFC 791) + payload. frag is the fragment offset in 8-byte units.
    tot_len/ihl/ver override the computed fields to make malformed packets."""
    hlen = 20 + len(opts)
    assert hlen % 4 == 0, "IPv4 options must be padded to 4 bytes"
    if ihl is None:
        ihl = hlen // 4
    if tot_len is None:
        tot_len = hlen + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    hdr = struct.pack("!BBHHHBBH4s4s", ver << 4 | ihl, tos, tot_len, ident, flags, ttl,
                      proto, 0, src, dst) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nh, payload, hlim=64, flow=0, tc=0, plen=None):
    """IPv6 header (RFC 8200) + payload (which holds any extension headers)."""
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", 6 << 28 | tc << 20 | flow, plen, nh, hlim, src,
                       dst) + payload


def ip(src, dst, proto, payload, **kw):
    """IPv4 or IPv6 by the address length; IPv6 ignores the IPv4-only keywords."""
    if len(src) == 4:
        return ip4(src, dst, proto, payload, **kw)
    return ip6(src, dst, proto, payload, hlim=kw.get("ttl", 64))


# TCP flags
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def tcp(src, dst, sport, dport, seq, ack, flags, win=64240, opts=b"", data=b"", doff=None,
        urp=0):
    """TCP segment (RFC 793) with a correct checksum over what is present."""
    assert len(opts) % 4 == 0, "TCP options must be padded to 4 bytes"
    if doff is None:
        doff = 5 + len(opts) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      doff << 4, flags, win, 0, urp) + opts + data
    return seg[:16] + struct.pack("!H", pseudo_csum(src, dst, PROTO_TCP, seg)) + seg[18:]


def opt_mss(v):
    return struct.pack("!BBH", 2, 4, v)


def opt_ws(shift):
    return struct.pack("!BBB", 3, 3, shift)


def opt_ts(val, ecr):
    return struct.pack("!BBII", 8, 10, val, ecr)


def opt_sack(blocks):
    return struct.pack("!BB", 5, 2 + 8 * len(blocks)) + b"".join(
        struct.pack("!II", l & 0xFFFFFFFF, r & 0xFFFFFFFF) for l, r in blocks)


NOP, SACK_OK = b"\x01", b"\x04\x02"


def syn_opts(tsval, tsecr=0):
    """Linux's SYN option layout: MSS, SACK-permitted, timestamps, NOP, window scale."""
    return opt_mss(1460) + SACK_OK + opt_ts(tsval, tsecr) + NOP + opt_ws(7)


def udp(src, dst, sport, dport, data, length=None):
    """UDP datagram (RFC 768); the checksum covers the bytes present."""
    if length is None:
        length = 8 + len(data)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + data
    c = pseudo_csum(src, dst, PROTO_UDP, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp4(typ, code, rest, data=b""):
    """ICMP message (RFC 792); rest is the 4-byte field after the checksum."""
    msg = struct.pack("!BBH", typ, code, 0) + rest + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp6(src, dst, typ, code, rest, data=b""):
    """ICMPv6 message (RFC 4443) with the pseudo-header checksum."""
    msg = struct.pack("!BBH", typ, code, 0) + rest + data
    return msg[:2] + struct.pack("!H", pseudo_csum(src, dst, PROTO_ICMPV6, msg)) + msg[4:]


def ext_opts(nh, options):
    """Hop-by-hop or destination options header; options must fill it to 8n bytes."""
    total = 2 + len(options)
    assert total % 8 == 0
    return struct.pack("!BB", nh, total // 8 - 1) + options


def ext_srh(nh, segments, seg_left=0):
    """Routing header type 4 (segment routing, RFC 8754)."""
    body = b"".join(segments)
    return struct.pack("!BBBBBBH", nh, len(body) // 8, 4, seg_left, len(segments) - 1, 0,
                       0) + body


def ext_frag(nh, offset_units, more, ident):
    return struct.pack("!BBHI", nh, 0, offset_units << 3 | (1 if more else 0), ident)


def ext_ah(nh, spi, seq, icv):
    """Authentication header (RFC 4302); the length field counts 4-byte words minus 2."""
    length = 12 + len(icv)
    assert length % 8 == 0, "AH in IPv6 must be a multiple of 8 bytes"
    return struct.pack("!BBHII", nh, length // 4 - 2, 0, spi, seq) + icv


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def eth(dst, src, etype, payload, tags=(), pad=False):
    """Ethernet II frame; tags is a list of (tpid, tci) from the outside in.
    pad=True pads to the 60-byte minimum as a receiving NIC hands it up."""
    frame = dst + src + b"".join(struct.pack("!HH", t, c) for t, c in tags)
    frame += struct.pack("!H", etype) + payload
    if pad and len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def ethertype_of(l3):
    return ETH_IPV6 if l3[0] >> 4 == 6 else ETH_IPV4


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_query(ident, name, qtype=1):
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + dns_name(name) + \
        struct.pack("!HH", qtype, 1)


def dns_response(ident, name, qtype, rdata):
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + dns_name(name) + \
        struct.pack("!HH", qtype, 1) + struct.pack("!HHHIH", 0xC00C, qtype, 1, 300,
                                                   len(rdata)) + rdata


HTTP_REQ = (b"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: vigil-test\r\n"
            b"Accept: */*\r\n\r\n")
HTTP_RESP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
             b"hello, vigil\n")

# ---------------------------------------------------------------------------------------
# Conversations: lists of (direction, L3 packet); 0 = client to server, 1 = back
# ---------------------------------------------------------------------------------------


def tcp_session(c, s, cport, sport, isn_c, isn_s, req=HTTP_REQ, resp=HTTP_RESP, dsack=False,
                tsv_c=100000, tsv_s=700000, ipid_c=0x1000, ipid_s=0x5000):
    """A whole TCP connection: handshake with options, request, response, FIN close.
    dsack adds a spurious retransmission of the response answered by a D-SACK (RFC 2883)."""
    out = []
    ids = [ipid_c, ipid_s]
    tsv = [tsv_c, tsv_s]

    def send(d, seg):
        src, dst = (c, s) if d == 0 else (s, c)
        out.append((d, ip(src, dst, PROTO_TCP, seg, ident=ids[d], df=True)))
        ids[d] += 1
        tsv[d] += 7

    def seg(d, seq, ack, flags, win, opts=b"", data=b""):
        src, dst, sp, dp = (c, s, cport, sport) if d == 0 else (s, c, sport, cport)
        return tcp(src, dst, sp, dp, seq, ack, flags, win, opts, data)

    def ts(d):
        return NOP + NOP + opt_ts(tsv[d], tsv[1 - d])

    cs, ss = isn_c + 1, isn_s + 1  # next sequence numbers
    send(0, seg(0, isn_c, 0, SYN, 64240, syn_opts(tsv[0])))
    send(1, seg(1, isn_s, cs, SYN | ACK, 65160, syn_opts(tsv[1], tsv[0])))
    send(0, seg(0, cs, ss, ACK, 502, ts(0)))
    send(0, seg(0, cs, ss, PSH | ACK, 502, ts(0), req))
    cs += len(req)
    send(1, seg(1, ss, cs, ACK, 509, ts(1)))
    send(1, seg(1, ss, cs, PSH | ACK, 509, ts(1), resp))
    if dsack:
        send(0, seg(0, cs, ss + len(resp), ACK, 501, ts(0)))
        send(1, seg(1, ss, cs, PSH | ACK, 509, ts(1), resp))  # spurious retransmission
        send(0, seg(0, cs, ss + len(resp), ACK, 501,
                    ts(0) + NOP + NOP + opt_sack([(ss, ss + len(resp))])))
    ss += len(resp)
    send(0, seg(0, cs, ss, FIN | ACK, 501, ts(0)))
    cs += 1
    send(1, seg(1, ss, cs, FIN | ACK, 509, ts(1)))
    ss += 1
    send(0, seg(0, cs, ss, ACK, 501, ts(0)))
    return out


def udp_exchange(c, s, cport, sport, req, resp, ipid_c=0x2000, ipid_s=0x6000):
    return [(0, ip(c, s, PROTO_UDP, udp(c, s, cport, sport, req), ident=ipid_c)),
            (1, ip(s, c, PROTO_UDP, udp(s, c, sport, cport, resp), ident=ipid_s))]


def dns_exchange(c, s, cport, ident, name, ipid_c=0x2000, ipid_s=0x6000):
    if len(s) == 4:
        q, rd = 1, addr("192.0.2.80")
    else:
        q, rd = 28, addr("2001:db8:2::80")
    return udp_exchange(c, s, cport, 53, dns_query(ident, name, q),
                        dns_response(ident, name, q, rd), ipid_c, ipid_s)


# ---------------------------------------------------------------------------------------
# Timestamps and records
# ---------------------------------------------------------------------------------------


class Clock:
    """Packet time in nanoseconds. Steps are whole microseconds and the start has 789 ns,
    so every timestamp has sub-microsecond digits (for the nanosecond files) and the
    microsecond files see the same instants truncated."""

    def __init__(self, sec, ns=123456789):
        self.ns = sec * 10**9 + ns
        self.n = 0

    def tick(self):
        # Deterministic, uneven gaps: 1.5 ms, 37 us, 12 ms, ... cycling.
        steps = (1500000, 37000, 12000000, 250000, 3000, 81000000)
        t = self.ns
        self.ns += steps[self.n % len(steps)]
        self.n += 1
        return t


def records(frames, clock):
    """[(ts_ns, frame, origlen)] from frames; an item may be (frame, origlen)."""
    out = []
    for f in frames:
        if isinstance(f, tuple):
            out.append((clock.tick(), f[0], f[1]))
        else:
            out.append((clock.tick(), f, len(f)))
    return out


# ---------------------------------------------------------------------------------------
# Container writers
# ---------------------------------------------------------------------------------------

PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D


def pcap_bytes(recs, linktype, endian="<", nsec=False, snaplen=262144):
    """Classic pcap file: 24-byte header, then 16-byte record header + data per packet."""
    out = struct.pack(endian + "IHHiIII", PCAP_MAGIC_NSEC if nsec else PCAP_MAGIC_USEC, 2,
                      4, 0, 0, snaplen, linktype)
    for ts, data, orig in recs:
        sec, ns = divmod(ts, 10**9)
        out += struct.pack(endian + "IIII", sec, ns if nsec else ns // 1000, len(data),
                           orig) + data
    return out


def pcap_offsets(recs):
    """Byte offset of each record header in the file pcap_bytes() makes."""
    offs, off = [], 24
    for _, data, _ in recs:
        offs.append(off)
        off += 16 + len(data)
    return offs


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_block(e, btype, body):
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def ng_opts(e, options):
    """Options list (code, value bytes) + opt_endofopt; empty list gives no options."""
    if not options:
        return b""
    out = b"".join(struct.pack(e + "HH", code, len(v)) + pad4(v) for code, v in options)
    return out + struct.pack(e + "HH", 0, 0)


def ng_shb(e, options=(), section_len=-1):
    return ng_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, section_len) +
                    ng_opts(e, options))


def ng_idb(e, linktype, snaplen=262144, options=()):
    return ng_block(e, 1, struct.pack(e + "HHI", linktype, 0, snaplen) + ng_opts(e, options))


def ng_epb(e, ifid, ts_units, data, orig=None, options=()):
    if orig is None:
        orig = len(data)
    return ng_block(e, 6, struct.pack(e + "IIIII", ifid, ts_units >> 32,
                                      ts_units & 0xFFFFFFFF, len(data), orig) +
                    pad4(data) + ng_opts(e, options))


def ng_spb(e, data, orig=None):
    return ng_block(e, 3, struct.pack(e + "I", len(data) if orig is None else orig) + data)


def ng_pb(e, ifid, drops, ts_units, data, options=()):
    """Obsolete Packet Block (type 2): 16-bit interface id and 16-bit drop count."""
    return ng_block(e, 2, struct.pack(e + "HHIIII", ifid, drops, ts_units >> 32,
                                      ts_units & 0xFFFFFFFF, len(data), len(data)) +
                    pad4(data) + ng_opts(e, options))


def ng_nrb(e, entries):
    """Name Resolution Block: entries are (ip bytes, [names])."""
    body = b""
    for a, names in entries:
        v = a + b"".join(n.encode() + b"\0" for n in names)
        body += struct.pack(e + "HH", 1 if len(a) == 4 else 2, len(v)) + pad4(v)
    return ng_block(e, 4, body + struct.pack(e + "HH", 0, 0))


def ng_isb(e, ifid, ts_units, options=()):
    return ng_block(e, 5, struct.pack(e + "III", ifid, ts_units >> 32, ts_units & 0xFFFFFFFF)
                    + ng_opts(e, options))


def tsresol_per_sec(r):
    return 2 ** (r & 0x7F) if r & 0x80 else 10 ** r


def ng_ts(ts_ns, tsresol=6):
    """A nanosecond time in units of if_tsresol (floor)."""
    return ts_ns * tsresol_per_sec(tsresol) // 10**9


def u8(v):
    return struct.pack("B", v)


def u32(e, v):
    return struct.pack(e + "I", v)


def u64(e, v):
    return struct.pack(e + "Q", v)


OPT_COMMENT = 1
SHB_HARDWARE, SHB_OS, SHB_USERAPPL = 2, 3, 4
IF_NAME, IF_DESCRIPTION, IF_TSRESOL = 2, 3, 9
EPB_FLAGS, EPB_DROPCOUNT = 2, 4
ISB_STARTTIME, ISB_ENDTIME, ISB_IFRECV, ISB_IFDROP = 2, 3, 4, 5
EPB_INBOUND_UNICAST, EPB_OUTBOUND_UNICAST = 0x5, 0x6  # direction bits 0-1, reception 2-4


def shb_options(e, comment):
    return [(OPT_COMMENT, comment.encode()), (SHB_HARDWARE, b"none (synthetic)"),
            (SHB_OS, b"none"), (SHB_USERAPPL, b"vigil tests/data/make_captures.py")]


# ---------------------------------------------------------------------------------------
# Hosts
# ---------------------------------------------------------------------------------------

CLIENT, SERVER, DNS_SERVER, ROUTER = (addr("192.0.2.10"), addr("198.51.100.20"),
                                      addr("198.51.100.53"), addr("203.0.113.1"))
GATEWAY = addr("192.0.2.1")
CLIENT6, SERVER6, ROUTER6 = (addr("2001:db8:1::10"), addr("2001:db8:2::20"),
                             addr("2001:db8:1::1"))
CLIENT_MAC, GW_MAC = mac("02:00:00:00:00:10"), mac("02:00:00:00:00:01")
BROADCAST = b"\xff" * 6
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW_DLT12 = 0, 1, 12
LINKTYPE_RAW, LINKTYPE_LOOP, LINKTYPE_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_SLL2 = (
    101, 108, 113, 228, 229, 276)


def eth_link(conv, cmac=CLIENT_MAC, smac=GW_MAC, tags=()):
    """Frames as captured on the client: outgoing as sent, incoming padded to 60 bytes."""
    out = []
    for d, l3 in conv:
        if d == 0:
            out.append(eth(smac, cmac, ethertype_of(l3), l3, tags))
        else:
            out.append(eth(cmac, smac, ethertype_of(l3), l3, tags, pad=True))
    return out


# ---------------------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------------------


def mixed_frames():
    """Ethernet, client 192.0.2.10 behind gateway 192.0.2.1 (every remote is off-link)."""
    f = []
    # ARP for the gateway (RFC 826): request broadcast, reply unicast.
    f.append(eth(BROADCAST, CLIENT_MAC, ETH_ARP,
                 arp(1, CLIENT_MAC, CLIENT, b"\0" * 6, GATEWAY)))
    f.append(eth(CLIENT_MAC, GW_MAC, ETH_ARP, arp(2, GW_MAC, GATEWAY, CLIENT_MAC, CLIENT),
                 pad=True))
    # Whole HTTP connection with options, D-SACK, FIN close: 12 packets.
    f += eth_link(tcp_session(CLIENT, SERVER, 51000, 80, 0x1A2B3C4D, 0x5E6F7081,
                              dsack=True))
    # Connection refused: SYN, RST|ACK.
    syn = tcp(CLIENT, SERVER, 51002, 8080, 0x0BADF00D, 0, SYN, 64240, syn_opts(200000))
    rst = tcp(SERVER, CLIENT, 8080, 51002, 0, 0x0BADF00D + 1, RST | ACK, 0)
    f += eth_link([(0, ip4(CLIENT, SERVER, PROTO_TCP, syn, ident=0x1100, df=True)),
                   (1, ip4(SERVER, CLIENT, PROTO_TCP, rst, ident=0, df=True))])
    # DNS query/response.
    f += eth_link(dns_exchange(CLIENT, DNS_SERVER, 53000, 0x1234, "www.example.com"))
    # ICMP echo request/reply, Linux ping payload (8-byte time, then 0x10..0x37).
    ping = struct.pack("!II", 1700000000, 123456) + bytes(range(0x08, 0x38))
    f += eth_link([(0, ip4(CLIENT, SERVER, PROTO_ICMP,
                           icmp4(8, 0, struct.pack("!HH", 0x1C2B, 1), ping),
                           ident=0x1200, df=True)),
                   (1, ip4(SERVER, CLIENT, PROTO_ICMP,
                           icmp4(0, 0, struct.pack("!HH", 0x1C2B, 1), ping),
                           ident=0x7100))])
    # IPv4 options carrying UDP to discard (port 9): record route (RFC 791 3.1) with two
    # slots, one filled; then NOP + timestamp (type 68, flag 0 = timestamps only).
    rr = struct.pack("!BBB4s4s", 7, 11, 8, GATEWAY, b"\0" * 4) + b"\0"  # + EOL pad
    tsopt = NOP + struct.pack("!BBBBII", 68, 12, 9, 0, 45000123, 0) + b"\0" * 3
    for opts, ident, payload in ((rr, 0x1300, b"record route\n"),
                                 (tsopt, 0x1301, b"timestamp\n")):
        f += eth_link([(0, ip4(CLIENT, SERVER, PROTO_UDP,
                               udp(CLIENT, SERVER, 40001, 9, payload), ident=ident,
                               opts=opts))])
    # UDP to a closed port, answered by ICMP port unreachable quoting the whole datagram.
    probe = ip4(CLIENT, SERVER, PROTO_UDP,
                udp(CLIENT, SERVER, 45000, 33434, b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"),
                ident=0x1400)
    f += eth_link([(0, probe),
                   (1, ip4(SERVER, CLIENT, PROTO_ICMP, icmp4(3, 3, b"\0" * 4, probe),
                           ident=0x7200, tos=0xC0))])
    # TCP SYN with TTL 1, answered by ICMP time exceeded (in transit) from a router that
    # quotes the IP header and the first 8 bytes of TCP, the RFC 792 minimum.
    syn = ip4(CLIENT, SERVER, PROTO_TCP,
              tcp(CLIENT, SERVER, 51004, 443, 0x600DCAFE, 0, SYN, 64240, syn_opts(300000)),
              ident=0x1500, ttl=1, df=True)
    f += eth_link([(0, syn)])
    f.append(eth(CLIENT_MAC, GW_MAC, ETH_IPV4,
                 ip4(ROUTER, CLIENT, PROTO_ICMP, icmp4(11, 0, b"\0" * 4, syn[:28]),
                     ident=0x0042, tos=0xC0, ttl=255), pad=True))
    return f


def ipv6_frames():
    f = []
    # TCP connection over IPv6.
    f += eth_link(tcp_session(CLIENT6, SERVER6, 52000, 80, 0x11112222, 0x33334444))
    # UDP behind hop-by-hop (router alert, RFC 2711, + PadN) and destination options
    # (PadN only, as senders pad).
    hbh = ext_opts(PROTO_DSTOPTS, b"\x05\x02\x00\x00" + b"\x01\x00")
    dst = ext_opts(PROTO_UDP, b"\x01\x04\x00\x00\x00\x00")
    u = udp(CLIENT6, SERVER6, 40010, 9, b"hop-by-hop + dest opts\n")
    f += eth_link([(0, ip6(CLIENT6, SERVER6, PROTO_HOPOPT, hbh + dst + u, hlim=1))])
    # UDP behind a segment routing header, segments left 0 (destination is the last hop).
    srh = ext_srh(PROTO_UDP, [SERVER6, ROUTER6], seg_left=0)
    u = udp(CLIENT6, SERVER6, 40011, 9, b"routing header\n")
    f += eth_link([(0, ip6(CLIENT6, SERVER6, PROTO_ROUTING, srh + u))])
    # One UDP datagram (8 + 1000 bytes) in two fragments: 600 bytes at 0, 408 at 600.
    data = bytes((i * 7) & 0xFF for i in range(1000))
    whole = udp(CLIENT6, SERVER6, 40012, 9, data)
    f += eth_link([(0, ip6(CLIENT6, SERVER6, PROTO_FRAGMENT,
                           ext_frag(PROTO_UDP, 0, True, 0xABCD0001) + whole[:600])),
                   (0, ip6(CLIENT6, SERVER6, PROTO_FRAGMENT,
                           ext_frag(PROTO_UDP, 600 // 8, False, 0xABCD0001) + whole[600:]))])
    # AH then TCP (a BGP session opening): SYN and SYN|ACK. HMAC-96 ICV is 12 bytes.
    s1 = tcp(CLIENT6, SERVER6, 52001, 179, 0x22220000, 0, SYN, 64800, syn_opts(400000))
    s2 = tcp(SERVER6, CLIENT6, 179, 52001, 0x44440000, 0x22220001, SYN | ACK, 64800,
             syn_opts(900000, 400000))
    f += eth_link([(0, ip6(CLIENT6, SERVER6, PROTO_AH,
                           ext_ah(PROTO_TCP, 0x00001001, 1, bytes(range(0xA0, 0xAC))) + s1)),
                   (1, ip6(SERVER6, CLIENT6, PROTO_AH,
                           ext_ah(PROTO_TCP, 0x00002002, 1, bytes(range(0xB0, 0xBC))) + s2))])
    # ICMPv6 echo request/reply.
    ping = bytes(range(0x20, 0x40))
    f += eth_link([(0, ip6(CLIENT6, SERVER6, PROTO_ICMPV6,
                           icmp6(CLIENT6, SERVER6, 128, 0, struct.pack("!HH", 0x77, 1), ping))),
                   (1, ip6(SERVER6, CLIENT6, PROTO_ICMPV6,
                           icmp6(SERVER6, CLIENT6, 129, 0, struct.pack("!HH", 0x77, 1), ping)))])
    # UDP to a closed port, answered by ICMPv6 destination unreachable, port unreachable
    # (type 1 code 4) quoting the whole packet.
    probe = ip6(CLIENT6, SERVER6, PROTO_UDP, udp(CLIENT6, SERVER6, 45001, 33435, b"probe6"))
    f += eth_link([(0, probe),
                   (1, ip6(SERVER6, CLIENT6, PROTO_ICMPV6,
                           icmp6(SERVER6, CLIENT6, 1, 4, b"\0" * 4, probe)))])
    return f


def vlan_frames():
    """Same link, several VLANs. T1/U1 run twice with the same 5-tuple, in VLAN 100 and
    200, interleaved packet by packet: only a VLAN-aware flow key keeps them apart."""
    a, b = addr("192.0.2.21"), addr("192.0.2.22")
    amac, bmac = mac("02:00:00:00:01:21"), mac("02:00:00:00:01:22")
    v100 = [(ETH_8021Q, 100)]
    v200 = [(ETH_8021Q, 3 << 13 | 200)]                    # PCP 3: mask the VID
    qinq = [(ETH_8021AD, 300), (ETH_8021Q, 5 << 13 | 100)]  # S-tag 300, C-tag 100
    q8100x2 = [(ETH_8021Q, 1 << 12 | 400), (ETH_8021Q, 500)]  # old-style double tag, DEI=1
    t1a = eth_link(tcp_session(a, b, 50000, 80, 0x10000000, 0x20000000), amac, bmac, v100)
    t1b = eth_link(tcp_session(a, b, 50000, 80, 0x30000000, 0x40000000, ipid_c=0x3000,
                               ipid_s=0x7000), amac, bmac, v200)
    f = [x for pair in zip(t1a, t1b) for x in pair]
    u1a = eth_link(dns_exchange(a, b, 53001, 0x0100, "vlan100.example"), amac, bmac, v100)
    u1b = eth_link(dns_exchange(a, b, 53001, 0x0200, "vlan200.example"), amac, bmac, v200)
    f += [u1a[0], u1b[0], u1a[1], u1b[1]]
    f += eth_link(tcp_session(a, b, 50001, 80, 0x50000000, 0x60000000), amac, bmac, qinq)
    f += eth_link(dns_exchange(a, b, 53002, 0x0300, "qinq.example"), amac, bmac, qinq)
    f += eth_link(dns_exchange(a, b, 53003, 0x0400, "double.example"), amac, bmac, q8100x2)
    return f


def ipv4_frag_frames():
    """Two UDP datagrams of 8 + 1400 bytes, each in fragments of 480, 480, 448 bytes."""
    f = []
    for sport, ident, order in ((40020, 0x4001, (0, 1, 2)), (40021, 0x4002, (2, 1, 0))):
        data = bytes((i * 13 + sport) & 0xFF for i in range(1400))
        whole = udp(CLIENT, SERVER, sport, 9, data)
        pieces = [(0, whole[0:480], True), (60, whole[480:960], True),
                  (120, whole[960:], False)]
        frags = [ip4(CLIENT, SERVER, PROTO_UDP, p, ident=ident, frag=off, mf=more)
                 for off, p, more in pieces]
        f += eth_link([(0, frags[i]) for i in order])
    return f


def linktype_convs(v4=True, v6=False, v6_tcp=False):
    """A short TCP exchange and a DNS exchange for the link-type files."""
    conv = []
    if v4:
        conv += tcp_session(CLIENT, SERVER, 51100, 80, 0x01020304, 0x05060708,
                            req=b"ping\n", resp=b"pong\n")
        conv += dns_exchange(CLIENT, DNS_SERVER, 53100, 0x4242, "link.example")
    if v6_tcp:
        conv += tcp_session(CLIENT6, SERVER6, 51101, 80, 0x0A0B0C0D, 0x0E0F1011,
                            req=b"ping6\n", resp=b"pong6\n")
    if v6:
        conv += dns_exchange(CLIENT6, SERVER6, 53101, 0x4343, "link6.example")
    return conv


def sll_frames(conv):
    """Linux cooked v1: packet type (0 to us, 4 outgoing), ARPHRD_ETHER, address of the
    sender, protocol."""
    out = []
    for d, l3 in conv:
        ptype, a = (4, CLIENT_MAC) if d == 0 else (0, GW_MAC)
        out.append(struct.pack("!HHH8sH", ptype, 1, 6, a, ethertype_of(l3)) + l3)
    return out


def sll2_frames(conv):
    """Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, addr len, addr."""
    out = []
    for d, l3 in conv:
        ptype, a = (4, CLIENT_MAC) if d == 0 else (0, GW_MAC)
        out.append(struct.pack("!HHIHBB8s", ethertype_of(l3), 0, 2, 1, ptype, 6, a) + l3)
    return out


def null_frames(conv, endian, v6_families):
    """BSD loopback: 4-byte address family; IPv6 has no single value across BSDs (24
    NetBSD/OpenBSD, 28 FreeBSD, 30 macOS), so v6_families cycles through the given ones."""
    out, k = [], 0
    for _, l3 in conv:
        if l3[0] >> 4 == 4:
            fam = 2
        else:
            fam = v6_families[k % len(v6_families)]
            k += 1
        out.append(struct.pack(endian + "I", fam) + l3)
    return out


def malformed_frames():
    """One decoder anomaly per frame; see README.md for the list in order."""
    c, s = CLIENT, SERVER
    good_udp = udp(c, s, 40030, 9, b"payload!")
    good_tcp = tcp(c, s, 51200, 80, 1000, 0, SYN, 64240)
    E = lambda l3, etype=ETH_IPV4: eth(GW_MAC, CLIENT_MAC, etype, l3)  # noqa: E731
    f = []
    # 1 IPv4 IHL 4 (< 5).
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=1, ihl=4)))
    # 2 IPv4 total length 16 < header length 20.
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=2, tot_len=16)))
    # 3 IPv4 total length 1000 > the 36 bytes in the frame (caplen == len).
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=3, tot_len=1000)))
    # 4 IPv4 version 5 under ethertype 0x0800.
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=4, ver=5)))
    # 5 TCP data offset 3 (< 5).
    f.append(E(ip4(c, s, PROTO_TCP, tcp(c, s, 51200, 80, 1000, 0, SYN, doff=3), ident=5)))
    # 6 TCP data offset 15 (60 bytes) in a 20-byte segment.
    f.append(E(ip4(c, s, PROTO_TCP, tcp(c, s, 51200, 80, 1000, 0, SYN, doff=15), ident=6)))
    # 7 UDP length 4 (< 8).
    f.append(E(ip4(c, s, PROTO_UDP, udp(c, s, 40030, 9, b"payload!", length=4), ident=7)))
    # 8 UDP length 200 > the 16-byte IP payload.
    f.append(E(ip4(c, s, PROTO_UDP, udp(c, s, 40030, 9, b"payload!", length=200), ident=8)))
    # 9 IPv6 payload length 1000, 16 bytes present.
    u6 = udp(CLIENT6, SERVER6, 40031, 9, b"payload!")
    f.append(E(ip6(CLIENT6, SERVER6, PROTO_UDP, u6, plen=1000), ETH_IPV6))
    # 10 IPv6 extension chain past the end: hop-by-hop, then destination options claiming
    # 72 bytes (hdr ext len 8) of which 8 are present; payload length is honest (16).
    chain = ext_opts(PROTO_DSTOPTS, b"\x01\x04\0\0\0\0") + \
        struct.pack("!BB", PROTO_UDP, 8) + b"\x01\x04\0\0\0\0"
    f.append(E(ip6(CLIENT6, SERVER6, PROTO_HOPOPT, chain), ETH_IPV6))
    # 11 Ten stacked 802.1Q tags, then a good IPv4/UDP packet.
    f.append(eth(GW_MAC, CLIENT_MAC, ETH_IPV4, ip4(c, s, PROTO_UDP, good_udp, ident=11),
                 tags=[(ETH_8021Q, 10 + i) for i in range(10)]))
    # 12 Ethernet frame of 10 bytes (shorter than the 14-byte header).
    f.append(eth(GW_MAC, CLIENT_MAC, ETH_IPV4, b"")[:10])
    # 13 TCP option with length 0 (a parser that advances by length loops forever).
    f.append(E(ip4(c, s, PROTO_TCP, tcp(c, s, 51200, 80, 1000, 0, SYN, 64240,
                                        opts=b"\x08\x00\x00\x00"), ident=13)))
    # 14 TCP option running past the header: NOP NOP then MSS (length 4) in the last 2
    # bytes of a 24-byte header; 2 bytes of payload follow to tempt an over-read.
    f.append(E(ip4(c, s, PROTO_TCP, tcp(c, s, 51200, 80, 1000, 0, PSH | ACK, 64240,
                                        opts=b"\x01\x01\x02\x04", data=b"\x05\xb4"),
                   ident=14)))
    # 15 ICMP port unreachable quoting only 12 bytes of the original IPv4 header.
    orig = ip4(c, s, PROTO_UDP, good_udp, ident=15)
    f.append(eth(CLIENT_MAC, GW_MAC, ETH_IPV4,
                 ip4(s, c, PROTO_ICMP, icmp4(3, 3, b"\0" * 4, orig[:12]), ident=0x7015),
                 pad=True))
    # 16 IPv4 option with length 0 (record route, len 0) + EOL padding.
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=16, opts=b"\x07\x00\x00\x00")))
    # 17 IPv4 option length 39 running past the 4-byte options area.
    f.append(E(ip4(c, s, PROTO_UDP, good_udp, ident=17, opts=b"\x07\x27\x04\x00")))
    # 18 IPv4 fragment whose end (offset 65528 + 100) is past 65535 ("ping of death").
    f.append(E(ip4(c, s, PROTO_ICMP, bytes(100), ident=18, frag=8191)))
    # 19 Not malformed: a good TCP SYN captured with snaplen 40 (caplen 40 < len 54).
    full = E(ip4(c, s, PROTO_TCP, good_tcp, ident=19))
    f.append((full[:40], len(full)))
    return f


# ---------------------------------------------------------------------------------------


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as fh:
        fh.write(data)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    notes = []

    # Classic pcap, both byte orders and both magics, same packets.
    mixed = mixed_frames()
    write(outdir, "eth-mixed-le-usec.pcap",
          pcap_bytes(records(mixed, Clock(1700000000)), LINKTYPE_ETHERNET, "<"))
    write(outdir, "eth-mixed-be-nsec.pcap",
          pcap_bytes(records(mixed, Clock(1700000000)), LINKTYPE_ETHERNET, ">", nsec=True))
    write(outdir, "ipv6-ext.pcap",
          pcap_bytes(records(ipv6_frames(), Clock(1700001000)), LINKTYPE_ETHERNET))
    write(outdir, "vlan-qinq.pcap",
          pcap_bytes(records(vlan_frames(), Clock(1700002000)), LINKTYPE_ETHERNET))
    write(outdir, "ipv4-frags.pcap",
          pcap_bytes(records(ipv4_frag_frames(), Clock(1700003000)), LINKTYPE_ETHERNET))

    # One file per link type.
    both = linktype_convs(v4=True, v6=True)
    links = [
        ("linktypes-sll.pcap", LINKTYPE_SLL, sll_frames(both)),
        ("linktypes-sll2.pcap", LINKTYPE_SLL2, sll2_frames(both)),
        ("linktypes-raw12.pcap", LINKTYPE_RAW_DLT12, [p for _, p in both]),
        ("linktypes-raw101.pcap", LINKTYPE_RAW, [p for _, p in both]),
        ("linktypes-ipv4-228.pcap", LINKTYPE_IPV4, [p for _, p in linktype_convs()]),
        ("linktypes-ipv6-229.pcap", LINKTYPE_IPV6,
         [p for _, p in linktype_convs(v4=False, v6=True, v6_tcp=True)]),
        ("linktypes-null-le.pcap", LINKTYPE_NULL,
         null_frames(linktype_convs(v4=True, v6=True, v6_tcp=True), "<", (24, 28, 30))),
        ("linktypes-loop-108.pcap", LINKTYPE_LOOP, null_frames(both, ">", (24,))),
    ]
    for i, (name, lt, frames) in enumerate(links):
        write(outdir, name, pcap_bytes(records(frames, Clock(1700004000 + 100 * i)), lt))

    # pcapng, little-endian, one section, two interfaces and every packet block kind.
    e = "<"
    clock = Clock(1700005000)
    tcp_eth = eth_link(tcp_session(CLIENT, SERVER, 51300, 80, 0xA0000000, 0xB0000000,
                                   req=b"ng\n", resp=b"ok\n"))
    dns_raw = [p for _, p in dns_exchange(CLIENT, DNS_SERVER, 53300, 0x5151, "ng.example")]
    ping = bytes(range(0x30, 0x50))
    echo_req = ip4(CLIENT, SERVER, PROTO_ICMP, icmp4(8, 0, struct.pack("!HH", 9, 1), ping),
                   ident=0x1600)
    echo_rep = ip4(SERVER, CLIENT, PROTO_ICMP, icmp4(0, 0, struct.pack("!HH", 9, 1), ping),
                   ident=0x7600)
    arp_req = eth(BROADCAST, CLIENT_MAC, ETH_ARP, arp(1, CLIENT_MAC, CLIENT, b"\0" * 6,
                                                      GATEWAY))
    body = [
        ng_idb(e, LINKTYPE_ETHERNET, 262144, [(IF_NAME, b"eth0"), (IF_TSRESOL, u8(6))]),
        ng_idb(e, LINKTYPE_IPV4, 65535, [(IF_NAME, b"tun0"),
                                         (IF_DESCRIPTION, b"raw IPv4, nanoseconds"),
                                         (IF_TSRESOL, u8(9))]),
        ng_nrb(e, [(SERVER, ["www.example.com"]), (SERVER6, ["www6.example.com"])]),
    ]
    t_first = None
    for k, fr in enumerate(tcp_eth):
        t = clock.tick()
        t_first = t_first or t
        opts = []
        if k == 0:
            opts = [(EPB_FLAGS, u32(e, EPB_OUTBOUND_UNICAST)),
                    (OPT_COMMENT, b"SYN with MSS, SACK-permitted, timestamps, window scale")]
        elif k == 1:
            opts = [(EPB_FLAGS, u32(e, EPB_INBOUND_UNICAST)), (EPB_DROPCOUNT, u64(e, 0))]
        body.append(ng_epb(e, 0, ng_ts(t, 6), fr, options=opts))
        if k == 2:  # interleave the other interface
            body.append(ng_epb(e, 1, ng_ts(clock.tick(), 9), dns_raw[0],
                               options=[(OPT_COMMENT, b"DNS query on tun0")]))
            body.append(ng_epb(e, 1, ng_ts(clock.tick(), 9), dns_raw[1]))
    body.append(ng_spb(e, arp_req))
    body.append(ng_pb(e, 1, 0, ng_ts(clock.tick(), 9), echo_req,
                      [(OPT_COMMENT, b"obsolete packet block, type 2")]))
    body.append(ng_block(e, 0x0000FEED, b"unknown block type, skip me\0"))
    t_last = clock.tick()
    body.append(ng_epb(e, 1, ng_ts(t_last, 9), echo_rep))
    body.append(ng_isb(e, 0, ng_ts(t_last, 6),
                       [(ISB_STARTTIME, u32(e, ng_ts(t_first, 6) >> 32) +
                         u32(e, ng_ts(t_first, 6) & 0xFFFFFFFF)),
                        (ISB_ENDTIME, u32(e, ng_ts(t_last, 6) >> 32) +
                         u32(e, ng_ts(t_last, 6) & 0xFFFFFFFF)),
                        (ISB_IFRECV, u64(e, len(tcp_eth) + 1)), (ISB_IFDROP, u64(e, 0))]))
    rest = b"".join(body)
    write(outdir, "pcapng-le.pcapng",
          ng_shb(e, shb_options(e, "vigil pcapng-le"), section_len=len(rest)) + rest)

    # pcapng, two sections: big-endian with 2^-20 s timestamps, then little-endian.
    clock = Clock(1700006000)
    e = ">"
    ng = ng_shb(e, shb_options(e, "section 1, big-endian"))
    ng += ng_idb(e, LINKTYPE_ETHERNET, 262144, [(IF_NAME, b"en0"), (IF_TSRESOL, u8(0x94))])
    for fr in eth_link(tcp_session(CLIENT, SERVER, 51400, 80, 0xC0000000, 0xD0000000,
                                   req=b"be\n", resp=b"ok\n")):
        ng += ng_epb(e, 0, ng_ts(clock.tick(), 0x94), fr)
    e = "<"
    ng += ng_shb(e, shb_options(e, "section 2, little-endian"))
    ng += ng_idb(e, LINKTYPE_SLL, 262144, [(IF_NAME, b"any")])
    ng += ng_idb(e, LINKTYPE_ETHERNET, 262144, [(IF_NAME, b"eth1"), (IF_TSRESOL, u8(3))])
    dns = dns_exchange(CLIENT, DNS_SERVER, 53400, 0x6161, "section2.example")
    for fr in sll_frames(dns):
        ng += ng_epb(e, 0, ng_ts(clock.tick(), 6), fr)
    clock.tick()  # keep time monotonic after flooring to milliseconds
    for fr in eth_link(dns_exchange(CLIENT, DNS_SERVER, 53401, 0x6262, "ms.example")):
        ng += ng_epb(e, 1, ng_ts(clock.tick(), 3), fr)
    write(outdir, "pcapng-be-multisection.pcapng", ng)

    # Broken containers, each derived from a valid capture.
    base = records(mixed[:6], Clock(1700000000))  # ARP x2, SYN, SYN|ACK, ACK, request
    whole = pcap_bytes(base, LINKTYPE_ETHERNET)
    last = pcap_offsets(base)[-1]
    cut = last + 16 + len(base[-1][1]) // 2
    write(outdir, "trunc-last-record.pcap", whole[:cut])
    notes.append("trunc-last-record.pcap: record 6 header at %d, caplen %d, file cut at %d"
                 % (last, len(base[-1][1]), cut))
    write(outdir, "trunc-record-header.pcap", whole[:last + 8])
    notes.append("trunc-record-header.pcap: record 6 header at %d, file cut at %d"
                 % (last, last + 8))

    base = records(mixed[:8], Clock(1700000000))
    whole = bytearray(pcap_bytes(base, LINKTYPE_ETHERNET))
    bad = pcap_offsets(base)[3]
    struct.pack_into("<II", whole, bad + 8, 0x7FFFFFFF, 0x7FFFFFFF)
    write(outdir, "bad-caplen.pcap", bytes(whole))
    notes.append("bad-caplen.pcap: record 4 header at %d has caplen/len 0x7fffffff, file "
                 "size %d" % (bad, len(whole)))

    e = "<"
    clock = Clock(1700007000)
    frames = eth_link(tcp_session(CLIENT, SERVER, 51500, 80, 0xE0000000, 0xF0000000,
                                  req=b"x\n", resp=b"y\n"))
    head = ng_shb(e, shb_options(e, "derived")) + ng_idb(e, LINKTYPE_ETHERNET, 262144)
    epbs = [ng_epb(e, 0, ng_ts(clock.tick(), 6), fr) for fr in frames]

    off = len(head) + sum(map(len, epbs[:4]))
    bogus = struct.pack(e + "II", 6, 9) + epbs[4][8:]  # type EPB, total length 9
    write(outdir, "pcapng-bad-block-length.pcapng",
          head + b"".join(epbs[:4]) + bogus + b"".join(epbs[5:]))
    notes.append("pcapng-bad-block-length.pcapng: block at %d has total length 9" % off)

    off = len(head) + sum(map(len, epbs[:5]))
    cut = off + 28 + len(frames[5]) // 2
    write(outdir, "pcapng-trunc.pcapng", (head + b"".join(epbs[:6]))[:cut])
    notes.append("pcapng-trunc.pcapng: EPB 6 at %d (length %d), file cut at %d"
                 % (off, len(epbs[5]), cut))

    off = len(head) + sum(map(len, epbs[:3]))
    badref = bytearray(epbs[3])
    struct.pack_into(e + "I", badref, 8, 5)
    write(outdir, "pcapng-bad-idb-ref.pcapng",
          head + b"".join(epbs[:3]) + bytes(badref) + b"".join(epbs[4:5]))
    notes.append("pcapng-bad-idb-ref.pcapng: EPB 4 at %d names interface 5" % off)

    write(outdir, "not-a-capture.txt",
          b"This is not a packet capture.\nvigil should say the magic number is unknown.\n")
    write(outdir, "empty.pcap", b"")
    write(outdir, "header-only.pcap", pcap_bytes([], LINKTYPE_ETHERNET))

    write(outdir, "malformed-packets.pcap",
          pcap_bytes(records(malformed_frames(), Clock(1700008000)), LINKTYPE_ETHERNET))

    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
