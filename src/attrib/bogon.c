/*
 * bogon.c - the table of special-purpose address blocks (see bogon.h).
 *
 * IPv4 follows the IANA IPv4 Special-Purpose Address Registry (RFC 6890,
 * RFC 8190) restricted to blocks that are never a valid source from the
 * Internet, plus multicast (RFC 5771) and 240/4 (RFC 1112; includes the
 * limited broadcast 255.255.255.255). 192.88.99.0/24 (6to4 relays, RFC
 * 7526) is left out: it was anycast and public. IPv6 follows the IANA IPv6
 * Special-Purpose Address Registry and RFC 4291; anything outside 2000::/3
 * that no entry names is unallocated (IANA IPv6 Address Space), except the
 * NAT64 prefix 64:ff9b::/96 (RFC 6052), which carries real IPv4 sources.
 *
 * First match wins: specific blocks come before the blocks that hold them.
 * A linear scan is enough: it runs once per attack, not per packet.
 */
#include <stdbool.h>
#include <string.h>

#include "attrib/bogon.h"

struct block {
	uint8_t family;
	uint8_t bits;
	uint8_t prefix[16];
	const char *what;
};

static const struct block blocks[] = {
    {4, 8, {0}, "'this network' address (0.0.0.0/8, RFC 791)"},
    {4, 8, {10}, "private address (RFC 1918)"},
    {4, 10, {100, 64}, "shared address space, carrier-grade NAT (RFC 6598)"},
    {4, 8, {127}, "loopback address (RFC 1122)"},
    {4, 16, {169, 254}, "link-local address (RFC 3927)"},
    {4, 12, {172, 16}, "private address (RFC 1918)"},
    {4, 24, {192, 0, 0}, "IETF protocol assignment (192.0.0.0/24, RFC 6890)"},
    {4, 24, {192, 0, 2}, "documentation address (RFC 5737)"},
    {4, 16, {192, 168}, "private address (RFC 1918)"},
    {4, 15, {198, 18}, "benchmarking address (RFC 2544)"},
    {4, 24, {198, 51, 100}, "documentation address (RFC 5737)"},
    {4, 24, {203, 0, 113}, "documentation address (RFC 5737)"},
    {4, 4, {224}, "multicast address (RFC 5771)"},
    {4, 4, {240}, "reserved address (240.0.0.0/4, RFC 1112)"},
    {6, 128, {0}, "unspecified address (::, RFC 4291)"},
    {6, 128, {[15] = 1}, "loopback address (::1, RFC 4291)"},
    {6, 96, {[10] = 0xff, [11] = 0xff}, "IPv4-mapped address (::ffff:0:0/96, RFC 4291)"},
    {6, 96, {0x00, 0x64, 0xff, 0x9b}, NULL}, /* NAT64 well-known prefix: real sources */
    {6, 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, "local-use NAT64 address (RFC 8215)"},
    {6, 64, {0x01, 0x00}, "discard-only address (100::/64, RFC 6666)"},
    {6, 48, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, "benchmarking address (RFC 5180)"},
    {6, 32, {0x20, 0x01, 0x0d, 0xb8}, "documentation address (2001:db8::/32, RFC 3849)"},
    {6, 20, {0x3f, 0xff, 0x00}, "documentation address (3fff::/20, RFC 9637)"},
    {6, 3, {0x20}, NULL}, /* global unicast: public unless named above */
    {6, 7, {0xfc}, "unique local address (fc00::/7, RFC 4193)"},
    {6, 10, {0xfe, 0x80}, "link-local address (fe80::/10, RFC 4291)"},
    {6, 10, {0xfe, 0xc0}, "site-local address (fec0::/10, deprecated by RFC 3879)"},
    {6, 8, {0xff}, "multicast address (ff00::/8, RFC 4291)"},
    {6, 0, {0}, "unallocated IPv6 address (outside 2000::/3)"},
};

static bool in_block(const uint8_t *a, const struct block *b)
{
	unsigned full = b->bits / 8u, rest = b->bits % 8u;

	if (memcmp(a, b->prefix, full) != 0)
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ b->prefix[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const char *vg_bogon_reason(const struct vg_addr *a, int family)
{
	for (size_t i = 0; i < VG_ARRAY_LEN(blocks); i++)
		if (blocks[i].family == family && in_block(a->b, &blocks[i]))
			return blocks[i].what;
	return NULL;
}
