/*
 * null.c - BSD loopback encapsulation (LINKTYPE_NULL 0, LINKTYPE_LOOP 108).
 *
 * A 4-byte address family: in the writing host's byte order for NULL, in
 * network order for LOOP. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD) or 30 (macOS). Reference:
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 */
#include "common/bytes.h"
#include "decode/decode.h"

int vg_null_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, bool be)
{
	uint32_t fam;

	if (p->caplen < off + 4)
		return VG_ANOM_NULL_TRUNCATED;
	fam = be ? vg_load_be32(p->data + off) : vg_load_le32(p->data + off);
	/* NULL is in the writer's order: a value too large to be a family
	 * is the other order. */
	if (!be && fam > 0xffff)
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2: return vg_l3_decode(st, p, off + 4, VG_ETHERTYPE_IPV4);
	case 24:
	case 28:
	case 30: return vg_l3_decode(st, p, off + 4, VG_ETHERTYPE_IPV6);
	default:
		st->non_ip++; /* OSI, IPX, AppleTalk...: not ours, not malformed */
		return VG_ANOM_NONE;
	}
}
