/*
 * arp.c - ARP over Ethernet for IPv4 (RFC 826).
 *
 * 28 bytes for hardware type 1 / protocol 0x0800: the sender and target
 * protocol addresses become src and dst (what an ARP sweep walks). Other
 * hardware/protocol pairs are counted as ARP and not read further.
 */
#include <string.h>

#include "common/bytes.h"
#include "decode/decode.h"

int vg_arp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off)
{
	const uint8_t *a = p->data + off;

	if (p->caplen < off + 8)
		return VG_ANOM_ARP_TRUNCATED;
	st->arp++;
	if (vg_load_be16(a) != 1 || vg_load_be16(a + 2) != VG_ETHERTYPE_IPV4 || a[4] != 6 ||
	    a[5] != 4) {
		p->flags |= VG_PKT_ARP;
		return VG_ANOM_NONE;
	}
	if (p->caplen < off + 28)
		return VG_ANOM_ARP_TRUNCATED;
	p->flags |= VG_PKT_ARP;
	memset(&p->src, 0, sizeof p->src);
	memset(&p->dst, 0, sizeof p->dst);
	memcpy(p->src.b, a + 14, 4);
	memcpy(p->dst.b, a + 24, 4);
	p->icmp_type = (uint8_t)vg_load_be16(a + 6); /* opcode: 1 request, 2 reply */
	return VG_ANOM_NONE;
}
