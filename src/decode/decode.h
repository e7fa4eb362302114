/*
 * decode.h - from a capture record to a vg_packet: link, network and
 * transport headers.
 *
 * Second stage. vg_decode() walks the link layer (Ethernet II or 802.3
 * LLC/SNAP, stacked 802.1Q/802.1ad tags, MPLS label stacks, Linux cooked
 * v1/v2, raw IP, BSD loopback), then ARP,
 * IPv4 or IPv6 (with its extension header chain), then TCP, UDP, ICMP or
 * ICMPv6, including the IP and transport header quoted by ICMP errors.
 *
 * Each layer lives in its own file (eth.c, vlan.c, mpls.c, sll.c, null.c,
 * arp.c, ipv4.c, ipv6.c, tcp.c, udp.c, sctp.c, icmp.c) and checks every
 * length before it reads.
 * A malformed packet is never an error of the run: the layer returns a
 * named anomaly (VG_ANOM_*, "decode.ipv4.truncated"), the packet is counted
 * under it and, if the anomaly is fatal, gets no flow.
 *
 * Truncation by the capture's snaplen is normal: headers must be present,
 * payload may be cut. Lengths in IP headers are checked against the
 * packet's length on the wire, not against the bytes captured.
 */
#ifndef VG_DECODE_H
#define VG_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/bytes.h"
#include "common/vg.h"

/* Stacked VLAN tags beyond this depth are a decode anomaly: real networks
 * use two (802.1ad) and occasionally three; more is an evasion attempt. */
#define VG_VLAN_MAX_DEPTH 4
/* IPv6 extension headers walked before giving up (RFC 8200 sets no limit;
 * RFC 7112 asks that the whole chain fit in the first fragment). */
#define VG_IPV6_MAX_EXT 8
/* MPLS label stacks beyond this depth are an anomaly (RFC 3032 sets no
 * limit; real stacks carry 2-4 labels). */
#define VG_MPLS_MAX_DEPTH 8

/* Decode anomalies: stable dotted names in one table (decode.c). */
#define VG_ANOMALIES(X)                                           \
	X(NONE, "none", 0)                                        \
	X(LINK_UNSUPPORTED, "decode.link.unsupported", 1)         \
	X(ETH_TRUNCATED, "decode.eth.truncated", 1)               \
	X(VLAN_TRUNCATED, "decode.vlan.truncated", 1)             \
	X(VLAN_TOO_DEEP, "decode.vlan.too_deep", 1)               \
	X(SLL_TRUNCATED, "decode.sll.truncated", 1)               \
	X(NULL_TRUNCATED, "decode.null.truncated", 1)             \
	X(ARP_TRUNCATED, "decode.arp.truncated", 1)               \
	X(IPV4_TRUNCATED, "decode.ipv4.truncated", 1)             \
	X(IPV4_BAD_VERSION, "decode.ipv4.bad_version", 1)         \
	X(IPV4_BAD_IHL, "decode.ipv4.bad_ihl", 1)                 \
	X(IPV4_BAD_TOTAL_LEN, "decode.ipv4.bad_total_len", 1)     \
	X(IPV4_BAD_OPTIONS, "decode.ipv4.bad_options", 0)         \
	X(IPV6_TRUNCATED, "decode.ipv6.truncated", 1)             \
	X(IPV6_BAD_VERSION, "decode.ipv6.bad_version", 1)         \
	X(IPV6_BAD_PAYLOAD_LEN, "decode.ipv6.bad_payload_len", 1) \
	X(IPV6_EXT_TRUNCATED, "decode.ipv6.ext_truncated", 1)     \
	X(IPV6_EXT_TOO_MANY, "decode.ipv6.ext_too_many", 1)       \
	X(TCP_TRUNCATED, "decode.tcp.truncated", 1)               \
	X(TCP_BAD_HLEN, "decode.tcp.bad_hlen", 1)                 \
	X(TCP_BAD_OPTIONS, "decode.tcp.bad_options", 0)           \
	X(TCP_SPLIT_HEADER, "decode.tcp.split_header", 0)         \
	X(MPLS_TRUNCATED, "decode.mpls.truncated", 1)             \
	X(MPLS_TOO_DEEP, "decode.mpls.too_deep", 1)               \
	X(UDP_TRUNCATED, "decode.udp.truncated", 1)               \
	X(UDP_BAD_LEN, "decode.udp.bad_len", 1)                   \
	X(SCTP_TRUNCATED, "decode.sctp.truncated", 1)             \
	X(ESP_TRUNCATED, "decode.esp.truncated", 1)               \
	X(ICMP_TRUNCATED, "decode.icmp.truncated", 1)             \
	X(ICMPV6_TRUNCATED, "decode.icmpv6.truncated", 1)         \
	X(ICMP_INNER_TRUNCATED, "decode.icmp.inner_truncated", 0) \
	X(ICMP_INNER_BAD, "decode.icmp.inner_bad", 0)

enum vg_anomaly {
#define VG_ANOM_ENUM(id, name, fatal) VG_ANOM_##id,
	VG_ANOMALIES(VG_ANOM_ENUM)
#undef VG_ANOM_ENUM
	    VG_ANOM_COUNT
};

const char *vg_anomaly_name(enum vg_anomaly a);
bool vg_anomaly_fatal(enum vg_anomaly a);

/* One anomaly is kept per packet: the later one if it is fatal or the
 * earlier is none, else the earlier. */
static inline int vg_anomaly_merge(int earlier, int later)
{
	if (later != VG_ANOM_NONE && (earlier == VG_ANOM_NONE || vg_anomaly_fatal(later)))
		return later;
	return earlier;
}

/* vg_packet.flags */
enum {
	VG_PKT_IP = 1u << 0,          /* has an IPv4 or IPv6 header */
	VG_PKT_PORTS = 1u << 1,       /* sport/dport are valid (TCP, UDP) */
	VG_PKT_FRAG = 1u << 2,        /* part of a fragmented datagram */
	VG_PKT_FRAG_FIRST = 1u << 3,  /* ... and it is the first fragment */
	VG_PKT_ICMP_ERR = 1u << 4,    /* ICMP error; inner holds the quoted header */
	VG_PKT_INNER_PORTS = 1u << 5, /* inner.sport/dport are valid */
	VG_PKT_ARP = 1u << 6,
	VG_PKT_IPV4_OPTS = 1u << 7,
	VG_PKT_TCP_OPTS = 1u << 8, /* tcp.mss etc. parsed from options */
	VG_PKT_SPI = 1u << 9,      /* ESP: sport/dport hold the SPI's halves */
};

/* The header an ICMP error quotes: who sent what that failed. */
struct vg_inner {
	struct vg_addr src, dst;
	uint16_t sport, dport;
	uint8_t family;
	uint8_t proto;
};

struct vg_tcp_info {
	uint32_t seq, ack;
	uint16_t window;
	uint16_t mss;   /* 0 if absent */
	uint8_t wscale; /* 0xff if absent */
	uint8_t sack_ok;
	uint8_t has_ts;
	uint8_t hlen; /* header length in bytes */
};

struct vg_packet {
	uint64_t ts_ns;
	const uint8_t *data; /* record bytes */
	uint32_t caplen, wire_len;
	uint32_t flags;
	uint16_t l3_off, l4_off; /* offsets in data; valid per flags */
	uint16_t payload_off;    /* first byte after the transport header */
	uint16_t payload_len;    /* transport payload on the wire */
	uint16_t ethertype;      /* of the network layer */
	uint16_t vlan[2];        /* outer and inner VLAN id, 0 if untagged */
	uint8_t vlan_depth;
	uint8_t family; /* 4 or 6 with VG_PKT_IP, else 0 */
	uint8_t proto;  /* transport protocol after extension headers */
	uint8_t ttl;    /* IPv4 TTL or IPv6 hop limit */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint8_t anomaly; /* enum vg_anomaly, NONE if clean */
	struct vg_addr src, dst;
	uint16_t sport, dport; /* TCP/UDP ports; ICMP echo: id in both */
	uint32_t frag_id;      /* IPv4 identification (every packet), or IPv6 fragment
				* identification (fragments only) */
	uint16_t frag_off;     /* fragment offset in bytes */
	struct vg_tcp_info tcp;
	struct vg_inner inner;
};

/* Counters of one decoder (one per worker). */
struct vg_decode_stats {
	uint64_t packets;
	uint64_t bytes_wire;
	uint64_t bytes_captured;
	uint64_t anomalies[VG_ANOM_COUNT];
	uint64_t arp, ipv4, ipv6, tcp, udp, sctp, esp, icmp, icmpv6, ip_other, non_ip;
	uint64_t fragments;
};

/* Decodes rec into p and counts it in st. Never fails: problems end up in
 * p->anomaly and st->anomalies. */
void vg_decode(struct vg_decode_stats *st, const struct vg_pkt_rec *rec, struct vg_packet *p);
/* Decodes n > 0 records into pkts[0..n-1] as n calls of vg_decode would
 * (the same fields and counters), and widens [*first_ns, *last_ns] to hold
 * every record's time: the pipeline's per-batch loop in one call. */
void vg_decode_batch(struct vg_decode_stats *st, const struct vg_pkt_rec *recs,
		     struct vg_packet *pkts, unsigned n, uint64_t *first_ns, uint64_t *last_ns);
/* vg_decode without its fast paths: each layer's decoder in turn. The
 * reference the fast paths must match, field for field (unit tests,
 * fuzz_decode); not for the packet path. */
void vg_decode_ref(struct vg_decode_stats *st, const struct vg_pkt_rec *rec, struct vg_packet *p);

/* Per-layer decoders, called by vg_decode and by each other. Each takes the
 * packet, the offset of its header in p->data and the bytes captured from
 * there, and returns VG_ANOM_NONE or an anomaly. */
int vg_eth_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_vlan_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off,
		   uint16_t *ethertype, uint32_t *next_off);
int vg_sll_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_sll2_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_null_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, bool be);
int vg_l3_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint16_t ethertype);
int vg_mpls_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_arp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_ipv4_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
int vg_ipv6_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off);
/* Transport: len is the transport segment's length on the wire. */
int vg_tcp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
/* The options of a TCP header of hlen > 20 bytes at off (already checked
 * against the bytes captured): sets VG_PKT_TCP_OPTS and p->tcp's option
 * fields. */
int vg_tcp_options(struct vg_packet *p, uint32_t off, uint32_t hlen);
/* The fields of a TCP header at off that passed vg_tcp_decode's checks
 * (hlen its length, len the segment's): shared by vg_tcp_decode and the
 * fast path of vg_decode, which inlines it. */
/* The fields after the ports (the fast path stores the ports its own way). */
__attribute__((always_inline)) static inline void
vg_tcp_fields_after_ports(struct vg_packet *p, const uint8_t *h, uint32_t off, uint32_t hlen,
			  uint32_t len)
{
	p->tcp.seq = vg_load_be32(h + 4);
	p->tcp.ack = vg_load_be32(h + 8);
	p->tcp_flags = h[13];
	p->tcp.window = vg_load_be16(h + 14);
	p->tcp.hlen = (uint8_t)hlen;
	p->payload_off = (uint16_t)(off + hlen);
	p->payload_len = (uint16_t)(len - hlen);
}

__attribute__((always_inline)) static inline void
vg_tcp_fields(struct vg_packet *p, const uint8_t *h, uint32_t off, uint32_t hlen, uint32_t len)
{
	p->l4_off = (uint16_t)off;
	p->sport = vg_load_be16(h);
	p->dport = vg_load_be16(h + 2);
	vg_tcp_fields_after_ports(p, h, off, hlen, len);
}
int vg_udp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
int vg_sctp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
int vg_esp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
int vg_icmp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
int vg_icmpv6_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len);
/* Dispatches on p->proto to the transport decoders above. */
int vg_transport_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off,
			uint32_t len);
/* Parses the IP + 8 bytes of transport header an ICMP error quotes. */
int vg_icmp_inner_decode(struct vg_packet *p, uint32_t off);

#define VG_ETHERTYPE_IPV4     0x0800
#define VG_ETHERTYPE_ARP      0x0806
#define VG_ETHERTYPE_VLAN     0x8100
#define VG_ETHERTYPE_QINQ     0x88a8
#define VG_ETHERTYPE_QINQ_OLD 0x9100
#define VG_ETHERTYPE_IPV6     0x86dd
#define VG_ETHERTYPE_MPLS     0x8847
#define VG_ETHERTYPE_MPLS_MC  0x8848

#define VG_IPPROTO_ICMP   1
#define VG_IPPROTO_TCP    6
#define VG_IPPROTO_UDP    17
#define VG_IPPROTO_ICMPV6 58
#define VG_IPPROTO_SCTP   132
#define VG_IPPROTO_ESP    50

/* TCP flags */
#define VG_TH_FIN 0x01
#define VG_TH_SYN 0x02
#define VG_TH_RST 0x04
#define VG_TH_PSH 0x08
#define VG_TH_ACK 0x10
#define VG_TH_URG 0x20
#define VG_TH_ECE 0x40
#define VG_TH_CWR 0x80

#endif
