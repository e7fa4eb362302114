/*
 * udp.c - UDP headers (RFC 768).
 *
 * The length field must cover the 8-byte header and fit in the IP payload
 * on the wire. In the first fragment of a fragmented datagram the length
 * covers the whole datagram, so it is only checked against 8.
 *
 * THREAT: the length field is attacker-controlled.
 */
#include "common/bytes.h"
#include "decode/decode.h"

int vg_udp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;
	uint32_t ulen;

	if (p->caplen - off < 8 || len < 8)
		return VG_ANOM_UDP_TRUNCATED;
	ulen = vg_load_be16(h + 4);
	/* A zero length is legal for IPv6 jumbograms (RFC 2675). */
	if (ulen == 0 && p->family == 6)
		ulen = len;
	if (ulen < 8 || (ulen > len && !(p->flags & VG_PKT_FRAG)))
		return VG_ANOM_UDP_BAD_LEN;
	st->udp++;
	p->flags |= VG_PKT_PORTS;
	p->l4_off = (uint16_t)off;
	p->sport = vg_load_be16(h);
	p->dport = vg_load_be16(h + 2);
	p->payload_off = (uint16_t)(off + 8);
	p->payload_len = (uint16_t)(ulen - 8);
	return VG_ANOM_NONE;
}
