/*
 * ipv4.c - IPv4 headers (RFC 791).
 *
 * Checks, in order: version, header length (IHL >= 5, within the bytes
 * captured), total length (>= IHL, <= the frame's length on the wire).
 * Options are walked only to check their lengths (RFC 791 section 3.1);
 * malformed options are noted but do not drop the packet, as hosts ignore
 * them. Fragments (RFC 791, RFC 815): a non-first fragment carries no
 * transport header and is flagged for the flow stage; the first fragment
 * is decoded as far as it goes. No reassembly.
 *
 * THREAT: every field is attacker-controlled; lengths are checked against
 * both the captured and the on-the-wire size before use.
 */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode.h"

static int check_options(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t type = o[i];
		if (type == 0) /* end of option list */
			break;
		if (type == 1) { /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return VG_ANOM_IPV4_BAD_OPTIONS;
		i += o[i + 1];
	}
	return VG_ANOM_NONE;
}

int vg_ipv4_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	const uint8_t *h = p->data + off;
	uint32_t avail = p->caplen - off; /* callers guarantee off <= caplen */
	uint32_t wire = p->wire_len > off ? p->wire_len - off : 0;
	uint32_t hlen, total, frag, tlen;
	int a = VG_ANOM_NONE;

	if (avail < 1)
		return VG_ANOM_IPV4_TRUNCATED;
	if ((h[0] >> 4) != 4)
		return VG_ANOM_IPV4_BAD_VERSION;
	if (avail < 20)
		return VG_ANOM_IPV4_TRUNCATED;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (hlen < 20)
		return VG_ANOM_IPV4_BAD_IHL;
	if (hlen > avail)
		return VG_ANOM_IPV4_TRUNCATED;
	total = vg_load_be16(h + 2);
	if (total < hlen || total > wire)
		return VG_ANOM_IPV4_BAD_TOTAL_LEN;

	st->ipv4++;
	p->flags |= VG_PKT_IP;
	p->family = 4;
	p->l3_off = (uint16_t)off;
	p->ttl = h[8];
	p->proto = h[9];
	memcpy(p->src.b, h + 12, 4);
	memset(p->src.b + 4, 0, 12);
	memcpy(p->dst.b, h + 16, 4);
	memset(p->dst.b + 4, 0, 12);
	if (hlen > 20) {
		p->flags |= VG_PKT_IPV4_OPTS;
		a = check_options(h + 20, hlen - 20);
	}

	/* The identification of every packet: fragments are matched by it,
	 * and some scanners set a fixed one (zmap's 54321, scan.c). */
	p->frag_id = vg_load_be16(h + 4);
	frag = vg_load_be16(h + 6);
	if (frag & 0x3fff) { /* MF set or offset non-zero */
		st->fragments++;
		p->flags |= VG_PKT_FRAG;
		p->frag_off = (uint16_t)((frag & 0x1fff) * 8);
		if (p->frag_off != 0)
			return a; /* no transport header in this fragment */
		p->flags |= VG_PKT_FRAG_FIRST;
	}

	tlen = total - hlen;
	return vg_anomaly_merge(a, vg_transport_decode(st, p, off + hlen, tlen));
}
