/*
 * decode.c - the decode stage's entry point: picks the link-layer decoder
 * from the record's link type, and the table of anomaly names.
 */
#include <stddef.h>
#include <string.h>

#include "common/bytes.h"
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

/* The transport decoders without vg_transport_decode's dispatch, for
 * eth_decode_fast below (proto held in a register, not read back from p
 * after the byte stores, which may alias it). A TCP header that passes
 * its checks took eth_fast: here are UDP, the others, and TCP that
 * fails a check. */
static inline int transport_fast(struct vg_decode_stats *st, struct vg_packet *p, uint8_t proto,
				 uint32_t off, uint32_t len)
{
	if (proto == VG_IPPROTO_UDP)
		return vg_udp_decode(st, p, off, len);
	if (proto == VG_IPPROTO_TCP)
		return vg_tcp_decode(st, p, off, len);
	return vg_transport_decode(st, p, off, len);
}

/* Ethernet II straight to IPv4 without options or fragmentation, or to
 * IPv6 without extension headers: the same fields, counters and anomalies
 * as vg_eth_decode -> vg_l3_decode -> vg_ipv4_decode / vg_ipv6_decode,
 * with the checks of that path done in one place. Anything else (a short
 * frame, a VLAN tag, LLC, options, a fragment, a header that fails a
 * check) goes down that path from the start, before anything is
 * written. */
static inline int eth_decode_fast(struct vg_decode_stats *st, struct vg_packet *p)
{
	const uint8_t *d = p->data;
	uint32_t caplen = p->caplen, wire = p->wire_len > 14 ? p->wire_len - 14 : 0;
	uint16_t type;

	if (VG_UNLIKELY(caplen < 14 + 20))
		return vg_eth_decode(st, p, 0);
	type = vg_load_be16(d + 12);
	if (VG_LIKELY(type == VG_ETHERTYPE_IPV4)) {
		const uint8_t *h = d + 14;
		uint32_t total = vg_load_be16(h + 2), a32, b32;
		uint8_t proto = h[9];

		/* version 4, IHL 5; total length covers the header and fits the
		 * frame on the wire; neither MF nor an offset. */
		if (VG_UNLIKELY(h[0] != 0x45 || total < 20 || total > wire ||
				(vg_load_be16(h + 6) & 0x3fff)))
			return vg_eth_decode(st, p, 0);
		p->ethertype = type;
		st->ipv4++;
		p->flags = VG_PKT_IP; /* vg_decode cleared the flags */
		p->family = 4;
		p->l3_off = 14;
		p->ttl = h[8];
		p->proto = proto;
		p->frag_id = vg_load_be16(h + 4);
		memcpy(&a32, h + 12, 4);
		memcpy(&b32, h + 16, 4);
		memset(&p->src, 0, sizeof p->src);
		memset(&p->dst, 0, sizeof p->dst);
		memcpy(p->src.b, &a32, 4);
		memcpy(p->dst.b, &b32, 4);
		return transport_fast(st, p, proto, 14 + 20, total - 20);
	}
	if (type == VG_ETHERTYPE_IPV6 && caplen >= 14 + 40) {
		const uint8_t *h = d + 14;
		uint32_t plen = vg_load_be16(h + 4);
		uint8_t next = h[6];

		/* version 6; a transport header (or anything but an extension
		 * header) next; the payload fits the frame on the wire. */
		if (VG_UNLIKELY((h[0] >> 4) != 6 || next == 0 || next == 43 || next == 44 ||
				next == 51 || next == 60 || 40 + plen > wire))
			return vg_eth_decode(st, p, 0);
		p->ethertype = type;
		st->ipv6++;
		p->flags = VG_PKT_IP; /* vg_decode cleared the flags */
		p->family = 6;
		p->l3_off = 14;
		p->ttl = h[7];
		memcpy(p->src.b, h + 8, 16);
		memcpy(p->dst.b, h + 24, 16);
		p->proto = next;
		return transport_fast(st, p, next, 14 + 40, plen);
	}
	return vg_eth_decode(st, p, 0);
}

/* Everything but the common case below: vg_decode's fields cleared, then
 * the link layer's decoder (Ethernet through eth_decode_fast). The
 * counters of packets and bytes are the caller's. */
static void decode_general(struct vg_decode_stats *st, const uint8_t *data, uint32_t caplen,
			   uint32_t wire, uint64_t ts, uint32_t linktype, struct vg_packet *p,
			   bool fast)
{
	int a;

	/* Clear only what layers read back before writing; the rest is set by
	 * the layer that owns it, guarded by p->flags. */
	p->ts_ns = ts;
	p->data = data;
	p->caplen = caplen;
	p->wire_len = wire;
	p->flags = 0;
	p->sport = p->dport = 0;
	/* payload_len, ethertype, vlan[], vlan_depth, family, proto, ttl,
	 * tcp_flags, icmp_type/code and anomaly lie together (decode.h):
	 * one 16-byte store clears them (ttl and anomaly need not be, at no
	 * cost). */
	_Static_assert(
	    offsetof(struct vg_packet, anomaly) + 1 - offsetof(struct vg_packet, payload_len) == 16,
	    "the fields vg_decode clears are 16 contiguous bytes");
	memset(&p->payload_len, 0, 16);

	switch (linktype) {
	case VG_LINK_ETHERNET: a = fast ? eth_decode_fast(st, p) : vg_eth_decode(st, p, 0); break;
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

/* The common case: Ethernet II (or behind one or two VLAN tags), IPv4 without
 * options or fragmentation (or IPv6 without extension headers), then a TCP
 * header wholly captured that passes vg_tcp_decode's checks or a UDP
 * header that passes vg_udp_decode's. Every check comes before the first
 * store, and the fields of the record and the header are held in
 * registers: p may alias the packet's bytes, a store between two loads
 * would make the compiler load again. The fields written and their values
 * are those of the general path (eth.c [-> vlan.c] -> ipv4.c / ipv6.c ->
 * tcp.c / udp.c), no more, no fewer: vg_decode_ref is the reference
 * (decode_test.c, fuzz_decode.c). eth_fast returns false, having written
 * nothing, for any other packet. */

/* The TCP header at t = d + off (20 bytes of it captured): its length if
 * it passes vg_tcp_decode's checks within a segment of len bytes, else 0. */
__attribute__((always_inline)) static inline uint32_t
tcp_fast_hlen(const uint8_t *t, uint32_t caplen, uint32_t off, uint32_t len)
{
	uint32_t b = t[12], hlen;

	/* Data offset >= 5 (the byte's high nibble), the header within the
	 * segment and within the bytes captured. */
	if (VG_UNLIKELY(b < 0x50))
		return 0;
	hlen = (b >> 4) * 4;
	if (VG_UNLIKELY(hlen > len || hlen > caplen - off))
		return 0;
	return hlen;
}

/* The network layer's stores: IPv4 (h its header) ... */
__attribute__((always_inline)) static inline void
ip4_fast_store(struct vg_decode_stats *st, struct vg_packet *p, const uint8_t *h)
{
	uint8_t ttl = h[8];
	uint32_t id = vg_load_be16(h + 4);

	st->ipv4++;
	memset(&p->payload_len, 0, 16); /* see decode_general */
	p->ethertype = VG_ETHERTYPE_IPV4;
	p->family = 4;
	p->ttl = ttl;
	p->frag_id = id;
#if defined(__GNUC__)
	{
		/* Each address zero-extended to 16 bytes in a vector
		 * register: one load, one store. */
		typedef uint32_t v4u32 __attribute__((vector_size(16)));
		v4u32 va = {0, 0, 0, 0}, vb = {0, 0, 0, 0};
		memcpy(&va, h + 12, 4);
		memcpy(&vb, h + 16, 4);
		memcpy(p->src.b, &va, 16);
		memcpy(p->dst.b, &vb, 16);
	}
#else
	memset(&p->src, 0, sizeof p->src);
	memset(&p->dst, 0, sizeof p->dst);
	memcpy(p->src.b, h + 12, 4);
	memcpy(p->dst.b, h + 16, 4);
#endif
}

/* ... and IPv6. */
__attribute__((always_inline)) static inline void
ip6_fast_store(struct vg_decode_stats *st, struct vg_packet *p, const uint8_t *h)
{
	st->ipv6++;
	memset(&p->payload_len, 0, 16);
	p->ethertype = VG_ETHERTYPE_IPV6;
	p->family = 6;
	p->ttl = h[7];
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);
}

/* The stores common to TCP and UDP (off and proto are constants): the
 * record, flags, offsets, protocol and ports. */
__attribute__((always_inline)) static inline void
l4_fast_store(struct vg_packet *p, const uint8_t *d, uint32_t caplen, uint32_t wire, uint64_t ts,
	      uint32_t l2, uint32_t off, uint8_t proto)
{
	const uint8_t *t = d + off;

	p->ts_ns = ts;
	p->data = d;
	p->caplen = caplen;
	p->wire_len = wire;
	p->proto = proto;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		/* flags, l3_off and l4_off side by side: one store of a
		 * constant; sport and dport: one load, one store. */
		uint64_t c = (VG_PKT_IP | VG_PKT_PORTS) | (uint64_t)l2 << 32 | (uint64_t)off << 48;
		uint32_t ports;

		_Static_assert(
		    offsetof(struct vg_packet, l3_off) == offsetof(struct vg_packet, flags) + 4 &&
			offsetof(struct vg_packet, l4_off) ==
			    offsetof(struct vg_packet, flags) + 6 &&
			offsetof(struct vg_packet, dport) == offsetof(struct vg_packet, sport) + 2,
		    "flags, l3_off, l4_off and sport, dport lie side by side");
		memcpy(&p->flags, &c, 8);
		memcpy(&ports, t, 4);
		ports = __builtin_bswap32(ports);
		ports = ports >> 16 | ports << 16;
		memcpy(&p->sport, &ports, 4);
	}
#else
	p->flags = VG_PKT_IP | VG_PKT_PORTS;
	p->l3_off = (uint16_t)l2;
	p->l4_off = (uint16_t)off;
	p->sport = vg_load_be16(t);
	p->dport = vg_load_be16(t + 2);
#endif
}

/* TCP: the fields after the ports, and the options. */
__attribute__((always_inline)) static inline void
tcp_fast_store(struct vg_decode_stats *st, struct vg_packet *p, const uint8_t *d, uint32_t caplen,
	       uint32_t wire, uint64_t ts, uint32_t l2, uint32_t off, uint32_t len, uint32_t hlen)
{
	const uint8_t *t = d + off;

	st->tcp++;
	l4_fast_store(p, d, caplen, wire, ts, l2, off, VG_IPPROTO_TCP);
	vg_tcp_fields_after_ports(p, t, off, hlen, len);
	if (VG_UNLIKELY(hlen > 20)) {
		int a = vg_tcp_options(p, off, hlen);
		if (a != VG_ANOM_NONE) { /* not fatal: the packet keeps its flow */
			p->anomaly = (uint8_t)a;
			st->anomalies[a]++;
		}
	}
}

/* UDP: ulen is the header's length field, checked. */
__attribute__((always_inline)) static inline void
udp_fast_store(struct vg_decode_stats *st, struct vg_packet *p, const uint8_t *d, uint32_t caplen,
	       uint32_t wire, uint64_t ts, uint32_t l2, uint32_t off, uint32_t ulen)
{
	st->udp++;
	l4_fast_store(p, d, caplen, wire, ts, l2, off, VG_IPPROTO_UDP);
	p->payload_off = (uint16_t)(off + 8);
	p->payload_len = (uint16_t)(ulen - 8);
}

/* eth_fast past the link header, whose length l2 is a constant in each
 * copy (14 bytes of Ethernet, 18 with a VLAN tag, 22 with two): IPv4 at d + l2 ... */
__attribute__((always_inline)) static inline bool ip4_fast(struct vg_decode_stats *st,
							   const uint8_t *d, uint32_t caplen,
							   uint32_t wire, uint64_t ts,
							   struct vg_packet *p, uint32_t l2)
{
	const uint8_t *h = d + l2;
	uint32_t len, hlen;
	uint8_t proto = h[9];

	/* version 4, IHL 5; neither MF nor an offset (the flags and offset
	 * field, loaded without its byte swap). */
	if (VG_UNLIKELY(h[0] != 0x45 || (vg_load_le16(h + 6) & 0xff3f)))
		return false;
	len = vg_load_be16(h + 2); /* total length */
	/* It fits the frame on the wire. */
	if (VG_UNLIKELY(len + l2 > wire))
		return false;
	if (VG_LIKELY(proto == VG_IPPROTO_TCP)) {
		/* It covers the 20 bytes of IPv4 and TCP's header (hlen >= 20
		 * also rules out len < 20). */
		if (VG_UNLIKELY(h[20 + 12] < 0x50))
			return false;
		hlen = ((uint32_t)h[20 + 12] >> 4) * 4;
		if (VG_UNLIKELY(hlen + 20 > len || hlen > caplen - (l2 + 20)))
			return false;
		ip4_fast_store(st, p, h);
		tcp_fast_store(st, p, d, caplen, wire, ts, l2, l2 + 20, len - 20, hlen);
		return true;
	}
	if (proto == VG_IPPROTO_UDP) {
		uint32_t ulen = vg_load_be16(h + 20 + 4);
		/* 8 <= UDP length <= IP payload (rules out len < 28). */
		if (VG_UNLIKELY(ulen < 8 || ulen + 20 > len))
			return false;
		ip4_fast_store(st, p, h);
		udp_fast_store(st, p, d, caplen, wire, ts, l2, l2 + 20, ulen);
		return true;
	}
	return false;
}

/* ... and IPv6. */
__attribute__((always_inline)) static inline bool ip6_fast(struct vg_decode_stats *st,
							   const uint8_t *d, uint32_t caplen,
							   uint32_t wire, uint64_t ts,
							   struct vg_packet *p, uint32_t l2)
{
	const uint8_t *h = d + l2;
	uint32_t len, hlen;
	uint8_t proto;

	if (VG_UNLIKELY(caplen < l2 + 40 + 20 || (h[0] >> 4) != 6))
		return false;
	proto = h[6];
	len = vg_load_be16(h + 4);
	if (VG_UNLIKELY(l2 + 40 + len > wire))
		return false;
	if (VG_LIKELY(proto == VG_IPPROTO_TCP)) {
		if (!(hlen = tcp_fast_hlen(h + 40, caplen, l2 + 40, len)))
			return false;
		ip6_fast_store(st, p, h);
		tcp_fast_store(st, p, d, caplen, wire, ts, l2, l2 + 40, len, hlen);
		return true;
	}
	if (proto == VG_IPPROTO_UDP) {
		uint32_t ulen = vg_load_be16(h + 40 + 4);
		/* 8 <= UDP length <= IP payload; 0 (a jumbogram's, RFC 2675)
		 * goes the general way. */
		if (VG_UNLIKELY(ulen < 8 || ulen > len))
			return false;
		ip6_fast_store(st, p, h);
		udp_fast_store(st, p, d, caplen, wire, ts, l2, l2 + 40, ulen);
		return true;
	}
	return false;
}

static bool is_tag_type(uint16_t type)
{
	return type == VG_ETHERTYPE_VLAN || type == VG_ETHERTYPE_QINQ ||
	       type == VG_ETHERTYPE_QINQ_OLD;
}

/* The network layer at d + l2 behind tags (l2 a constant: 18 or 22),
 * whose type is the 2 bytes before it: 1 decoded, 0 not by the fast path,
 * -1 not IP (another tag, maybe). */
__attribute__((always_inline)) static inline int tagged_fast(struct vg_decode_stats *st,
							     const uint8_t *d, uint32_t caplen,
							     uint32_t wire, uint64_t ts,
							     struct vg_packet *p, uint32_t l2)
{
	uint16_t type;

	if (VG_UNLIKELY(caplen < l2 + 20 + 20))
		return 0;
	type = vg_load_be16(d + l2 - 2);
	if (type == VG_ETHERTYPE_IPV4)
		return ip4_fast(st, d, caplen, wire, ts, p, l2);
	if (type == VG_ETHERTYPE_IPV6)
		return ip6_fast(st, d, caplen, wire, ts, p, l2);
	return -1;
}

/* Two stacked tags (802.1ad QinQ: a provider's outer tag, the customer's
 * inner one), as vg_vlan_decode reads them; a third goes the general way. */
static __attribute__((noinline)) bool qinq_fast(struct vg_decode_stats *st, const uint8_t *d,
						uint32_t caplen, uint32_t wire, uint64_t ts,
						struct vg_packet *p)
{
	if (tagged_fast(st, d, caplen, wire, ts, p, 22) <= 0)
		return false;
	p->vlan[0] = vg_load_be16(d + 14) & 0x0fff;
	p->vlan[1] = vg_load_be16(d + 18) & 0x0fff;
	p->vlan_depth = 2;
	return true;
}

/* One tag (802.1Q, a trunk port's traffic; or 802.1ad's type), read as
 * vg_vlan_decode reads it: the id, then the type it announces (a second
 * tag: qinq_fast). The id is stored after the network layer's stores,
 * which clear it. Out of line: untagged frames keep the code they had. */
static __attribute__((noinline)) bool vlan_fast(struct vg_decode_stats *st, const uint8_t *d,
						uint32_t caplen, uint32_t wire, uint64_t ts,
						struct vg_packet *p)
{
	int r = tagged_fast(st, d, caplen, wire, ts, p, 18);

	if (r < 0)
		return is_tag_type(vg_load_be16(d + 16)) && qinq_fast(st, d, caplen, wire, ts, p);
	if (!r)
		return false;
	p->vlan[0] = vg_load_be16(d + 14) & 0x0fff;
	p->vlan_depth = 1;
	return true;
}

static inline bool eth_fast(struct vg_decode_stats *st, const uint8_t *d, uint32_t caplen,
			    uint32_t wire, uint64_t ts, struct vg_packet *p)
{
	uint16_t type;

	/* Ethernet, 20 bytes of IPv4 and 20 of TCP (or 8 of UDP). */
	if (VG_UNLIKELY(caplen < 14 + 20 + 20))
		return false;
	type = vg_load_be16(d + 12);
	if (VG_LIKELY(type == VG_ETHERTYPE_IPV4))
		return ip4_fast(st, d, caplen, wire, ts, p, 14);
	if (type == VG_ETHERTYPE_IPV6)
		return ip6_fast(st, d, caplen, wire, ts, p, 14);
	if (is_tag_type(type))
		return vlan_fast(st, d, caplen, wire, ts, p);
	return false;
}

static inline void decode_one(struct vg_decode_stats *st, const uint8_t *d, uint32_t caplen,
			      uint32_t wire, uint64_t ts, uint32_t link, struct vg_packet *p)
{
	st->bytes_wire += wire;
	st->bytes_captured += caplen;
	if (VG_LIKELY(link == VG_LINK_ETHERNET) && VG_LIKELY(eth_fast(st, d, caplen, wire, ts, p)))
		return;
	decode_general(st, d, caplen, wire, ts, link, p, true);
}

void vg_decode(struct vg_decode_stats *st, const struct vg_pkt_rec *rec, struct vg_packet *p)
{
	st->packets++;
	decode_one(st, rec->data, rec->caplen, rec->origlen, rec->ts_ns, rec->linktype, p);
}

/* Without SLP vectorization: gcc 12 paired the record's lengths into SSE
 * registers (lane extracts to use them): instructions a packet more. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize")))
#endif
void vg_decode_batch(struct vg_decode_stats *st, const struct vg_pkt_rec *recs,
		     struct vg_packet *pkts, unsigned n, uint64_t *first_ns, uint64_t *last_ns)
{
	st->packets += n;
	for (unsigned i = 0; i < n; i++) {
		/* The record's fields in registers before any store. */
		const uint8_t *d = recs[i].data;
		uint32_t caplen = recs[i].caplen, wire = recs[i].origlen, link = recs[i].linktype;
		uint64_t ts = recs[i].ts_ns;

		if (ts < *first_ns)
			*first_ns = ts;
		if (ts > *last_ns)
			*last_ns = ts;
		decode_one(st, d, caplen, wire, ts, link, &pkts[i]);
	}
}

void vg_decode_ref(struct vg_decode_stats *st, const struct vg_pkt_rec *rec, struct vg_packet *p)
{
	st->packets++;
	st->bytes_wire += rec->origlen;
	st->bytes_captured += rec->caplen;
	decode_general(st, rec->data, rec->caplen, rec->origlen, rec->ts_ns, rec->linktype, p,
		       false);
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
