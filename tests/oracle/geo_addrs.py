#!/usr/bin/env python3
"""tests/oracle/geo_addrs.py N4 N6 SEED: prints N4 random public IPv4 and N6
random public IPv6 addresses, one a line, the same for the same seed. Bogons
(anything Python's ipaddress does not call global, and multicast) are
skipped. IPv6 addresses are drawn under the /12s the five RIRs allocate
from (2001::/16 and 2400::/12, 2600::/12, 2800::/12, 2a00::/12, 2c00::/12)
so that most of them have a record; uniform draws in 2000::/3 would
mostly hit unallocated space and test little."""
import ipaddress
import random
import sys

n4, n6, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
seen = set()


def emit(ip):
    if not ip.is_global or ip.is_multicast or ip in seen:
        return False
    seen.add(ip)
    print(ip)
    return True


k = 0
while k < n4:
    k += emit(ipaddress.IPv4Address(rng.getrandbits(32)))
tops = [0x2001] + [p + i for p in (0x2400, 0x2600, 0x2800, 0x2A00, 0x2C00) for i in range(16)]
k = 0
while k < n6:
    top = rng.choice(tops)
    k += emit(ipaddress.IPv6Address(top << 112 | rng.getrandbits(112)))
