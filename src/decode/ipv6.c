/*
 * ipv6.c - IPv6 headers and the extension header chain (RFC 8200).
 *
 * The fixed 40-byte header, then the chain: hop-by-hop options (0),
 * routing (43), destination options (60) - each (len + 1) * 8 bytes -,
 * fragment (44, 8 bytes; RFC 8200 section 4.5) and authentication header
 * (51, (len + 2) * 4 bytes; RFC 4302). No Next Header (59) and ESP (50) end
 * the walk with no transport header. A payload length of 0 with a
 * hop-by-hop header is a jumbogram (RFC 2675): the wire length is used.
 *
 * THREAT: chain length and every header length are attacker-controlled;
 * the walk is capped at VG_IPV6_MAX_EXT headers and each header must lie
 * within the captured bytes.
 */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode.h"

#define IP6_HBH      0
#define IP6_ROUTING  43
#define IP6_FRAGMENT 44
#define IP6_AH       51
#define IP6_DSTOPTS  60

int vg_ipv6_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	const uint8_t *h = p->data + off;
	uint32_t avail = p->caplen - off;
	uint32_t wire = p->wire_len > off ? p->wire_len - off : 0;
	uint32_t plen, end, cur;
	uint8_t next;
	unsigned n;

	if (avail < 1)
		return VG_ANOM_IPV6_TRUNCATED;
	if ((h[0] >> 4) != 6)
		return VG_ANOM_IPV6_BAD_VERSION;
	if (avail < 40)
		return VG_ANOM_IPV6_TRUNCATED;
	plen = vg_load_be16(h + 4);
	next = h[6];
	if (plen == 0 && next == IP6_HBH)
		plen = wire >= 40 ? wire - 40 : 0; /* jumbogram */
	if (40 + plen > wire)
		return VG_ANOM_IPV6_BAD_PAYLOAD_LEN;

	st->ipv6++;
	p->flags |= VG_PKT_IP;
	p->family = 6;
	p->l3_off = (uint16_t)off;
	p->ttl = h[7];
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);

	end = off + 40 + plen; /* end of the datagram on the wire */
	cur = off + 40;
	for (n = 0;; n++) {
		uint32_t elen;
		const uint8_t *e = p->data + cur;

		if (next != IP6_HBH && next != IP6_ROUTING && next != IP6_FRAGMENT &&
		    next != IP6_AH && next != IP6_DSTOPTS)
			break;
		if (n >= VG_IPV6_MAX_EXT)
			return VG_ANOM_IPV6_EXT_TOO_MANY;
		if (p->caplen < cur + 8 || end < cur + 8)
			return VG_ANOM_IPV6_EXT_TRUNCATED;
		if (next == IP6_FRAGMENT) {
			uint16_t fo = vg_load_be16(e + 2);
			elen = 8;
			if (fo & 0xfff9) { /* offset non-zero or more fragments */
				if (!(p->flags & VG_PKT_FRAG))
					st->fragments++;
				p->flags |= VG_PKT_FRAG;
				p->frag_id = vg_load_be32(e + 4);
				p->frag_off = fo & 0xfff8;
				if (p->frag_off != 0) {
					p->proto = e[0];
					return VG_ANOM_NONE;
				}
				p->flags |= VG_PKT_FRAG_FIRST;
			}
		} else if (next == IP6_AH) {
			elen = ((uint32_t)e[1] + 2) * 4;
		} else {
			elen = ((uint32_t)e[1] + 1) * 8;
		}
		if (p->caplen < cur + elen || end < cur + elen)
			return VG_ANOM_IPV6_EXT_TRUNCATED;
		next = e[0];
		cur += elen;
	}
	p->proto = next;
	return vg_transport_decode(st, p, cur, end - cur);
}
