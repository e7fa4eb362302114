/*
 * eth.c - Ethernet II frames (IEEE 802.3 with an EtherType).
 *
 * 14 bytes: destination, source, EtherType. VLAN tags (0x8100, 0x88a8,
 * 0x9100) go to vlan.c. IEEE 802.3 frames (a length <= 1500 in place of
 * the type) carry IP only behind an LLC/SNAP header (RFC 1042: AA AA 03,
 * OUI 00 00 00, then the EtherType); other LLC frames (STP, ...) are
 * counted as non-IP.
 */
#include "common/bytes.h"
#include "decode/decode.h"

#define ETH_HLEN 14

int vg_eth_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	uint16_t type;
	uint32_t next = off + ETH_HLEN;

	if (p->caplen < next)
		return VG_ANOM_ETH_TRUNCATED;
	type = vg_load_be16(p->data + off + 12);
	if (type <= 1500) {
		const uint8_t *llc = p->data + next;
		if (p->caplen < next + 8 || llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 ||
		    llc[3] || llc[4] || llc[5]) {
			st->non_ip++;
			return VG_ANOM_NONE;
		}
		type = vg_load_be16(llc + 6);
		next += 8;
	}
	if (type == VG_ETHERTYPE_VLAN || type == VG_ETHERTYPE_QINQ ||
	    type == VG_ETHERTYPE_QINQ_OLD) {
		int a = vg_vlan_decode(st, p, next, &type, &next);
		if (a != VG_ANOM_NONE)
			return a;
	}
	return vg_l3_decode(st, p, next, type);
}
