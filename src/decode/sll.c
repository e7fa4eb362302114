/*
 * sll.c - Linux "cooked" capture headers (any-interface captures).
 *
 * SLL v1 (LINKTYPE_LINUX_SLL, 113): 16 bytes, protocol at offset 14.
 * SLL v2 (LINKTYPE_LINUX_SLL2, 276): 20 bytes, protocol at offset 0.
 * Reference: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and
 * LINKTYPE_LINUX_SLL2.html. A VLAN tag may follow if the kernel did not
 * strip it.
 */
#include "common/bytes.h"
#include "decode/decode.h"

static int after_header(struct vg_decode_stats *st, struct vg_packet *p, uint32_t next,
			uint16_t type)
{
	if (type == VG_ETHERTYPE_VLAN || type == VG_ETHERTYPE_QINQ) {
		int a = vg_vlan_decode(st, p, next, &type, &next);
		if (a != VG_ANOM_NONE)
			return a;
	}
	return vg_l3_decode(st, p, next, type);
}

int vg_sll_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	if (p->caplen < off + 16)
		return VG_ANOM_SLL_TRUNCATED;
	return after_header(st, p, off + 16, vg_load_be16(p->data + off + 14));
}

int vg_sll2_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	if (p->caplen < off + 20)
		return VG_ANOM_SLL_TRUNCATED;
	return after_header(st, p, off + 20, vg_load_be16(p->data + off));
}
