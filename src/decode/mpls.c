/*
 * mpls.c - MPLS label stacks (RFC 3032).
 *
 * Labels are 4 bytes each; the bottom-of-stack bit ends the stack. What
 * follows carries no type field: the first nibble tells IPv4 (4) from
 * IPv6 (6) (RFC 4928 explains why routers rely on the same guess). Other
 * payloads (pseudowires, Ethernet over MPLS) are counted as non-IP.
 *
 * THREAT: the stack depth is attacker-controlled; it is capped.
 */
#include "common/bytes.h"
#include "decode/decode.h"

int vg_mpls_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	for (int depth = 0;; depth++) {
		if (depth >= VG_MPLS_MAX_DEPTH)
			return VG_ANOM_MPLS_TOO_DEEP;
		if (p->caplen < off + 4)
			return VG_ANOM_MPLS_TRUNCATED;
		off += 4;
		if (p->data[off - 2] & 0x01) /* bottom of stack */
			break;
	}
	if (p->caplen < off + 1)
		return VG_ANOM_MPLS_TRUNCATED;
	switch (p->data[off] >> 4) {
	case 4: return vg_l3_decode(st, p, off, VG_ETHERTYPE_IPV4);
	case 6: return vg_l3_decode(st, p, off, VG_ETHERTYPE_IPV6);
	default: st->non_ip++; return VG_ANOM_NONE;
	}
}
