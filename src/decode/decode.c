/*
 * decode.c - the decode stage's entry point: picks the link-layer decoder
 * from the record's link type, and the table of anomaly names.
 */
#include <string.h>

#include "common/vg.h"
#include "decode/decode.h"

static const struct {
	const char *name;
	bool fatal;
} anomalies[] = {
#define VG_ANOM_ROW(id, name, fatal) {name, fatal},
    VG_ANOMALIES(VG_ANOM_ROW)
#undef VG_ANOM_ROW
};

const char *vg_anomaly_name(enum vg_anomaly a)
{
	return (unsigned)a < VG_ANOM_COUNT ? anomalies[a].name : "decode.unknown";
}

bool vg_anomaly_fatal(enum vg_anomaly a)
{
	return (unsigned)a < VG_ANOM_COUNT && anomalies[a].fatal;
}

/* Raw IP link types: the version nibble says which. */
static int raw_decode(struct vg_decode_stats *st, struct vg_packet *p)
{
	if (p->caplen < 1)
		return VG_ANOM_IPV4_TRUNCATED;
	return vg_l3_decode(st, p, 0,
			    (p->data[0] >> 4) == 6 ? VG_ETHERTYPE_IPV6 : VG_ETHERTYPE_IPV4);
}

void vg_decode(struct vg_decode_stats *st, const struct vg_pkt_rec *rec, struct vg_packet *p)
{
	int a;

	/* Clear only what layers read back before writing; the rest is set by
	 * the layer that owns it, guarded by p->flags. */
	p->ts_ns = rec->ts_ns;
	p->data = rec->data;
	p->caplen = rec->caplen;
	p->wire_len = rec->origlen;
	p->flags = 0;
	p->vlan[0] = p->vlan[1] = 0;
	p->vlan_depth = 0;
	p->family = 0;
	p->proto = 0;
	p->tcp_flags = 0;
	p->icmp_type = p->icmp_code = 0;
	p->sport = p->dport = 0;
	p->ethertype = 0;
	p->payload_len = 0;

	st->packets++;
	st->bytes_wire += rec->origlen;
	st->bytes_captured += rec->caplen;

	if (VG_LIKELY(rec->linktype == VG_LINK_ETHERNET))
		a = vg_eth_decode(st, p, 0);
	else
		switch (rec->linktype) {
		case VG_LINK_RAW:
		case VG_LINK_RAW_12:
		case VG_LINK_RAW_14: a = raw_decode(st, p); break;
		case VG_LINK_IPV4: a = vg_l3_decode(st, p, 0, VG_ETHERTYPE_IPV4); break;
		case VG_LINK_IPV6: a = vg_l3_decode(st, p, 0, VG_ETHERTYPE_IPV6); break;
		case VG_LINK_SLL: a = vg_sll_decode(st, p, 0); break;
		case VG_LINK_SLL2: a = vg_sll2_decode(st, p, 0); break;
		case VG_LINK_NULL: a = vg_null_decode(st, p, 0, false); break;
		case VG_LINK_LOOP: a = vg_null_decode(st, p, 0, true); break;
		default: a = VG_ANOM_LINK_UNSUPPORTED;
		}
	p->anomaly = (uint8_t)a;
	if (VG_UNLIKELY(a != VG_ANOM_NONE)) {
		st->anomalies[a]++;
		if (vg_anomaly_fatal(a))
			p->flags &= ~(uint32_t)(VG_PKT_PORTS | VG_PKT_IP);
	}
}

int vg_l3_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint16_t ethertype)
{
	p->ethertype = ethertype;
	switch (ethertype) {
	case VG_ETHERTYPE_IPV4: return vg_ipv4_decode(st, p, off);
	case VG_ETHERTYPE_IPV6: return vg_ipv6_decode(st, p, off);
	case VG_ETHERTYPE_ARP: return vg_arp_decode(st, p, off);
	case VG_ETHERTYPE_MPLS:
	case VG_ETHERTYPE_MPLS_MC: return vg_mpls_decode(st, p, off);
	default: st->non_ip++; return VG_ANOM_NONE; /* other protocols are not anomalies */
	}
}

int vg_transport_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	switch (p->proto) {
	case VG_IPPROTO_TCP: return vg_tcp_decode(st, p, off, len);
	case VG_IPPROTO_UDP: return vg_udp_decode(st, p, off, len);
	case VG_IPPROTO_ICMP: return vg_icmp_decode(st, p, off, len);
	case VG_IPPROTO_ICMPV6: return vg_icmpv6_decode(st, p, off, len);
	case VG_IPPROTO_SCTP: return vg_sctp_decode(st, p, off, len);
	case VG_IPPROTO_ESP: return vg_esp_decode(st, p, off, len);
	default: st->ip_other++; return VG_ANOM_NONE;
	}
}
