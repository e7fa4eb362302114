/*
 * vlan.c - IEEE 802.1Q tags and 802.1ad (QinQ) stacks.
 *
 * Each tag is 4 bytes after the EtherType that announced it: TCI (PCP 3
 * bits, DEI 1, VLAN id 12) and the next EtherType. The two outermost ids
 * are kept in the packet (they take part in the flow key). Stacks deeper
 * than VG_VLAN_MAX_DEPTH are an anomaly.
 *
 * THREAT: the number of tags is attacker-controlled; the walk is capped.
 */
#include "common/bytes.h"
#include "decode/decode.h"

static bool is_tag(uint16_t type)
{
	return type == VG_ETHERTYPE_VLAN || type == VG_ETHERTYPE_QINQ ||
	       type == VG_ETHERTYPE_QINQ_OLD;
}

int vg_vlan_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off,
		   uint16_t *ethertype, uint32_t *next_off)
{
	(void)st;
	do {
		uint16_t id;

		if (p->vlan_depth >= VG_VLAN_MAX_DEPTH)
			return VG_ANOM_VLAN_TOO_DEEP;
		if (p->caplen < off + 4)
			return VG_ANOM_VLAN_TRUNCATED;
		id = vg_load_be16(p->data + off) & 0x0fff;
		if (p->vlan_depth < 2)
			p->vlan[p->vlan_depth] = id;
		p->vlan_depth++;
		*ethertype = vg_load_be16(p->data + off + 2);
		off += 4;
	} while (is_tag(*ethertype));
	*next_off = off;
	return VG_ANOM_NONE;
}
