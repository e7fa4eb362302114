/*
 * packets.h - test helpers shared by the flow and event unit tests: the
 * documentation addresses they use (RFC 5737, RFC 3849) and a vg_packet
 * filled the way the decoders leave it for an IP packet.
 */
#ifndef VG_TEST_PACKETS_H
#define VG_TEST_PACKETS_H

#include <string.h>

#include "decode/decode.h"

#define NS   1000000000ull
#define MS   1000000ull
#define US   1000ull
#define T0   (1700000000ull * NS) /* 2023-11-14T22:13:20 */
#define SEED 0x5eed5eed12345678ull

static inline struct vg_addr a4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct vg_addr r = {{0}};

	r.b[0] = a;
	r.b[1] = b;
	r.b[2] = c;
	r.b[3] = d;
	return r;
}

/* An IPv4 address from a 32-bit number, most significant byte first. */
static inline struct vg_addr a4n(uint32_t n)
{
	return a4((uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n);
}

/* An IPv6 address w0:w1:w2::w7. */
static inline struct vg_addr a6(uint16_t w0, uint16_t w1, uint16_t w2, uint16_t w7)
{
	struct vg_addr r = {{0}};

	r.b[0] = (uint8_t)(w0 >> 8), r.b[1] = (uint8_t)w0;
	r.b[2] = (uint8_t)(w1 >> 8), r.b[3] = (uint8_t)w1;
	r.b[4] = (uint8_t)(w2 >> 8), r.b[5] = (uint8_t)w2;
	r.b[14] = (uint8_t)(w7 >> 8), r.b[15] = (uint8_t)w7;
	return r;
}

#define CLIENT4 a4(192, 0, 2, 10)
#define SERVER4 a4(198, 51, 100, 20)
#define DNS4    a4(198, 51, 100, 53)
#define ROUTER4 a4(203, 0, 113, 1)
#define CLIENT6 a6(0x2001, 0xdb8, 1, 0x10)
#define SERVER6 a6(0x2001, 0xdb8, 2, 0x20)

static inline struct vg_packet ip_pkt(uint8_t family, uint8_t proto, struct vg_addr src,
				      struct vg_addr dst, uint64_t ts, uint32_t caplen)
{
	struct vg_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.caplen = p.wire_len = caplen;
	p.flags = VG_PKT_IP;
	p.family = family;
	p.proto = proto;
	p.ethertype = family == 4 ? VG_ETHERTYPE_IPV4 : VG_ETHERTYPE_IPV6;
	p.ttl = 64;
	p.src = src;
	p.dst = dst;
	return p;
}

#endif
