#!/usr/bin/env python3
"""retime.py IN OUT --start EPOCH (--every S [--jitter J] | --at T1,T2,...) [--stretch X] [--seed N]

Rewrites the record timestamps of a classic pcap (Ethernet, IPv4) offline so
that its connections happen on a schedule: the i-th flow (by its first
packet; a flow is the protocol and the two address/port endpoints) starts at
START + i*S + a uniform jitter in [-J, J] seconds (or at START + Ti), and
each packet keeps its offset from its flow's first packet, multiplied by
X (a stretched stream). Packets that are not IPv4 TCP/UDP keep their offset
from the previous flow packet. Output records are sorted by their new time.
Deterministic for a seed. Only the standard library (struct) is used.
"""
import argparse
import random
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--start", type=float, required=True)
    ap.add_argument("--every", type=float)
    ap.add_argument("--jitter", type=float, default=0.0)
    ap.add_argument("--at", type=str)
    ap.add_argument("--stretch", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    at = [float(x) for x in a.at.split(",")] if a.at else None

    data = open(a.inp, "rb").read()
    if len(data) < 24:
        sys.exit(f"{a.inp}: shorter than a pcap header")
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic == 0xA1B2C3D4:
        end, scale = "<", 1e6
    elif magic == 0xD4C3B2A1:
        end, scale = ">", 1e6
    elif magic == 0xA1B23C4D:
        end, scale = "<", 1e9
    elif magic == 0x4D3CB2A1:
        end, scale = ">", 1e9
    else:
        sys.exit(f"{a.inp}: not a classic pcap (magic {magic:#x})")
    linktype = struct.unpack_from(end + "I", data, 20)[0]
    if linktype != 1:
        sys.exit(f"{a.inp}: link type {linktype}, expected Ethernet (1)")

    flows = {}  # key -> (index, first original time, new start)
    out = []
    off, last_new, last_orig = 24, None, None
    while off < len(data):
        if off + 16 > len(data):
            sys.exit(f"{a.inp}: record header at offset {off} is truncated")
        sec, frac, incl, orig = struct.unpack_from(end + "IIII", data, off)
        body = data[off + 16 : off + 16 + incl]
        if len(body) != incl:
            sys.exit(f"{a.inp}: record at offset {off} is truncated")
        t = sec + frac / scale
        key = None
        if incl >= 14 + 20 and body[12:14] == b"\x08\x00":
            ihl = (body[14] & 15) * 4
            proto = body[23]
            if proto in (6, 17) and incl >= 14 + ihl + 4:
                src, dst = body[26:30], body[30:34]
                sp, dp = struct.unpack_from(">HH", body, 14 + ihl)
                key = (proto,) + tuple(sorted([(src, sp), (dst, dp)]))
        if key is not None:
            if key not in flows:
                i = len(flows)
                if at is not None:
                    if i >= len(at):
                        sys.exit(f"{a.inp}: flow {i + 1} has no time in --at")
                    start = a.start + at[i]
                else:
                    start = a.start + i * a.every + rnd.uniform(-a.jitter, a.jitter)
                flows[key] = (i, t, start)
            _, first, start = flows[key]
            new = start + (t - first) * a.stretch
        else:
            new = (last_new if last_new is not None else a.start) + (
                t - last_orig if last_orig is not None else 0
            )
        last_new, last_orig = new, t
        out.append((new, len(out), incl, orig, body))
        off += 16 + incl

    out.sort()
    with open(a.out, "wb") as f:
        f.write(data[:24])
        for new, _, incl, orig, body in out:
            sec = int(new)
            frac = int(round((new - sec) * scale))
            if frac >= scale:
                sec, frac = sec + 1, frac - int(scale)
            f.write(struct.pack(end + "IIII", sec, frac, incl, orig))
            f.write(body)
    print(f"{a.out}: {len(out)} packets in {len(flows)} flows", file=sys.stderr)


if __name__ == "__main__":
    main()
