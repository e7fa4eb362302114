/*
 * tcp.c - TCP headers and options (RFC 9293; options RFC 7323, RFC 2018).
 *
 * Checks: 20 bytes present, data offset >= 5 and within both the segment
 * on the wire and the bytes captured. Options kept for fingerprinting and
 * scan-tool identification: MSS (2), window scale (3), SACK permitted (4),
 * timestamps (8). A malformed option list is noted (decode.tcp.bad_options)
 * but the packet keeps its flow: endpoints ignore what they cannot parse.
 *
 * THREAT: data offset and option lengths are attacker-controlled.
 */
#include <string.h>

#include "common/bytes.h"
#include "common/vg.h"
#include "decode/decode.h"

static int parse_options(struct vg_tcp_info *t, const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return VG_ANOM_TCP_BAD_OPTIONS;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return VG_ANOM_TCP_BAD_OPTIONS;
		switch (kind) {
		case 2:
			if (olen == 4)
				t->mss = vg_load_be16(o + i + 2);
			break;
		case 3:
			if (olen == 3)
				t->wscale = o[i + 2];
			break;
		case 4: t->sack_ok = 1; break;
		case 8: t->has_ts = olen == 10; break;
		}
		i += olen;
	}
	return VG_ANOM_NONE;
}

int vg_tcp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;
	uint32_t avail = p->caplen - off;
	uint32_t hlen;
	struct vg_tcp_info *t = &p->tcp;

	hlen = avail >= 13 ? (uint32_t)(h[12] >> 4) * 4 : 0;
	if (VG_UNLIKELY(avail < 20 || len < 20 || hlen < 20 || hlen > len || hlen > avail)) {
		/* A first fragment that splits the TCP header (RFC 1858 "tiny
		 * fragment"): an evasion, not noise. Keep the ports so the
		 * datagram has a flow; flags are unknown. */
		if ((p->flags & VG_PKT_FRAG_FIRST) && avail >= 4 && len >= 4 &&
		    (len < 20 || (avail >= 13 && hlen > len))) {
			st->tcp++;
			memset(t, 0, sizeof *t); /* nothing of the header but ports */
			p->flags |= VG_PKT_PORTS;
			p->l4_off = (uint16_t)off;
			p->sport = vg_load_be16(h);
			p->dport = vg_load_be16(h + 2);
			return VG_ANOM_TCP_SPLIT_HEADER;
		}
		if (avail < 20 || len < 20)
			return VG_ANOM_TCP_TRUNCATED;
		if (hlen < 20 || hlen > len)
			return VG_ANOM_TCP_BAD_HLEN;
		return VG_ANOM_TCP_TRUNCATED;
	}
	st->tcp++;
	p->flags |= VG_PKT_PORTS;
	vg_tcp_fields(p, h, off, hlen, len);
	if (hlen == 20)
		return VG_ANOM_NONE;
	return vg_tcp_options(p, off, hlen);
}

int vg_tcp_options(struct vg_packet *p, uint32_t off, uint32_t hlen)
{
	struct vg_tcp_info *t = &p->tcp;

	const uint8_t *o = p->data + off + 20;

	p->flags |= VG_PKT_TCP_OPTS;
	t->mss = 0;
	t->wscale = 0xff;
	t->sack_ok = 0;
	t->has_ts = 0;
	/* Two layouts are most of the traffic: what parse_options would find
	 * in them, without the walk. MSS alone (SYNs of scanners and of many
	 * stacks), and NOP, NOP, timestamps (nearly every segment of an
	 * established connection, RFC 7323 appendix A). */
	if (hlen == 24 && o[0] == 2 && o[1] == 4) {
		t->mss = vg_load_be16(o + 2);
		return VG_ANOM_NONE;
	}
	if (hlen == 32 && vg_load_le32(o) == 0x0a080101) {
		t->has_ts = 1;
		return VG_ANOM_NONE;
	}
	return parse_options(t, o, hlen - 20);
}
