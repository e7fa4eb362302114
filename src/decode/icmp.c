/*
 * icmp.c - ICMP (RFC 792) and ICMPv6 (RFC 4443) messages.
 *
 * Echo request/reply (and ICMPv6 128/129) put the identifier in both
 * sport and dport, so a request and its reply fall in one flow. Error
 * messages - destination unreachable, time exceeded, parameter problem,
 * source quench, redirect, ICMPv6 packet too big - quote the offending
 * packet's IP header and at least 8 bytes of its transport header (RFC 792;
 * RFC 1812 section 4.3.2.3, RFC 4443 section 2.4): that quoted header, in
 * p->inner, is how a UDP scan's closed ports and a traceroute are seen.
 * Other messages use type and code as the ports.
 *
 * A quoted header that is cut short or malformed is noted
 * (decode.icmp.inner_*) without dropping the ICMP message itself.
 *
 * THREAT: the quoted header is attacker-controlled like any other; it is
 * checked with the same care and never trusted to match a real packet.
 */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode.h"

static bool icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool icmp6_is_error(uint8_t type)
{
	return type >= 1 && type <= 4;
}

static void set_ports(struct vg_packet *p, const uint8_t *h, bool echo)
{
	if (echo) {
		p->sport = p->dport = vg_load_be16(h + 4);
	} else {
		p->sport = p->icmp_type;
		p->dport = p->icmp_code;
	}
}

int vg_icmp_inner_decode(struct vg_packet *p, uint32_t off)
{
	const uint8_t *h = p->data + off;
	uint32_t avail = p->caplen > off ? p->caplen - off : 0;
	struct vg_inner *in = &p->inner;
	uint32_t hlen;

	memset(in, 0, sizeof *in);
	if (avail < 1)
		return VG_ANOM_ICMP_INNER_TRUNCATED;
	if ((h[0] >> 4) == 4) {
		if (avail < 20)
			return VG_ANOM_ICMP_INNER_TRUNCATED;
		hlen = (uint32_t)(h[0] & 0x0f) * 4;
		if (hlen < 20)
			return VG_ANOM_ICMP_INNER_BAD;
		in->family = 4;
		in->proto = h[9];
		memcpy(in->src.b, h + 12, 4);
		memcpy(in->dst.b, h + 16, 4);
		/* Only the first fragment quotes a transport header. */
		if (vg_load_be16(h + 6) & 0x1fff)
			return VG_ANOM_NONE;
	} else if ((h[0] >> 4) == 6) {
		if (avail < 40)
			return VG_ANOM_ICMP_INNER_TRUNCATED;
		hlen = 40;
		in->family = 6;
		in->proto = h[6];
		memcpy(in->src.b, h + 8, 16);
		memcpy(in->dst.b, h + 24, 16);
		/* Extension headers in quoted packets are not walked: scans
		 * and traceroutes quote plain UDP/TCP/ICMPv6. */
	} else {
		return VG_ANOM_ICMP_INNER_BAD;
	}
	if (in->proto == VG_IPPROTO_TCP || in->proto == VG_IPPROTO_UDP) {
		if (avail < hlen + 4)
			return VG_ANOM_ICMP_INNER_TRUNCATED;
		in->sport = vg_load_be16(h + hlen);
		in->dport = vg_load_be16(h + hlen + 2);
		p->flags |= VG_PKT_INNER_PORTS;
	}
	return VG_ANOM_NONE;
}

static int decode_common(struct vg_packet *p, uint32_t off, uint32_t len, bool error, bool echo)
{
	const uint8_t *h = p->data + off;

	p->l4_off = (uint16_t)off;
	p->icmp_type = h[0];
	p->icmp_code = h[1];
	p->payload_off = (uint16_t)(off + 8);
	p->payload_len = (uint16_t)(len - 8);
	set_ports(p, h, echo);
	if (!error)
		return VG_ANOM_NONE;
	p->flags |= VG_PKT_ICMP_ERR;
	return vg_icmp_inner_decode(p, off + 8);
}

int vg_icmp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;

	if (p->caplen - off < 8 || len < 8)
		return VG_ANOM_ICMP_TRUNCATED;
	st->icmp++;
	/* Echo 8/0, timestamp 13/14, information 15/16, address mask 17/18. */
	return decode_common(p, off, len, icmp4_is_error(h[0]),
			     h[0] == 0 || h[0] == 8 || (h[0] >= 13 && h[0] <= 18));
}

int vg_icmpv6_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;

	if (p->caplen - off < 8 || len < 8)
		return VG_ANOM_ICMPV6_TRUNCATED;
	st->icmpv6++;
	return decode_common(p, off, len, icmp6_is_error(h[0]), h[0] == 128 || h[0] == 129);
}
