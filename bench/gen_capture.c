/*
 * gen_capture.c - fixed-seed generator of a large synthetic capture for the vigil benchmark.
 *
 *   gen_capture [--packets N] [--seed S] [--snaplen L] OUT.pcap     (OUT may be "-" for stdout)
 *
 * What it writes: a classic pcap file (little-endian, microsecond timestamps, LINKTYPE_ETHERNET)
 * shaped like the capture in ../shared/PEERS.md, so vigil's figures can be set beside the peers':
 * about 548,000 flows per 10 million packets (the flow count scales with N), one hour of traffic
 * with strictly increasing timestamps, about 19.5% IPv6, about 67% of frames <= 100 bytes and about
 * 15.6% > 1000 bytes. Frames longer than the snaplen are truncated (caplen = snaplen, origlen = the
 * real length), as a capture taken with `-s 256` would be.
 *
 * The traffic model (a discrete-event simulation: one heap of flows ordered by the time of their
 * next packet, so thousands of flows are interleaved the way a real link interleaves them):
 *   - flows start as a Poisson process over the hour;
 *   - 60% TCP: SYN, SYN-ACK, ACK, then a Pareto-distributed number of data packets (alpha 1.2, so a
 *     few flows carry most packets), then FIN-ACK / FIN-ACK / ACK; 6% of SYNs are refused with
 *     RST-ACK instead. Data packets are a size mix (pure ACKs and small segments, medium, large,
 *     full-MSS); sequence and acknowledgement numbers are consistent per direction;
 *   - 32% DNS over UDP: a real query (A or AAAA) and its response (1-3 answers, or NXDOMAIN);
 *   - 8% ICMP echo (v4 or v6): 1-4 request/reply pairs one second apart;
 *   - each flow draws an RTT, a mean inter-packet gap and an idle time before it closes, which sets
 *     how many flows are open at once (printed at the end as the working set).
 * Clients are in 10.0.0.0/8 and fd00::/8; servers come from a fixed pool of random global unicast
 * addresses, picked with a skew so some are popular. IPv4 header checksums and TCP/UDP/ICMP
 * checksums are correct; payload bytes are zeros except DNS messages and the ping pattern.
 *
 * Determinism: the only source of randomness is xoshiro256** seeded with splitmix64(seed), and the
 * few transcendental functions are computed here with basic IEEE-754 operations (no libm), so a
 * given (N, seed, snaplen) gives a byte-identical file on any machine that evaluates doubles in
 * double precision (FLT_EVAL_METHOD 0: x86-64, arm64; not x87).
 *
 * Limits: no VLANs, fragments, retransmissions, reordering, TCP options beyond MSS or attacks;
 * 5-tuples are random, so two flows may rarely share a tuple. The shares above are met to within
 * about a percentage point for any seed, but the heavy tail makes the flow count vary by several
 * percent between seeds: the default seed 1 gives 542,384 flows for 10M packets (PEERS.md: 547,838).
 * Everything is printed to stderr so a run can be checked.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- tunables (chosen so 10M packets match the shares PEERS.md reports) ------------------- */

#define DEFAULT_PACKETS 10000000ULL
#define DEFAULT_SEED 1ULL
#define DEFAULT_SNAPLEN 256U

#define CAPTURE_EPOCH_S 1767225600ULL /* 2026-01-01T00:00:00Z */
#define CAPTURE_SPAN_US 3600000000ULL /* one hour */
#define FLOWS_PER_PACKET 0.0547838    /* 547,838 flows in 10M packets */

/* Flow kinds, per mille of new flows. */
#define PERMILLE_TCP 600
#define PERMILLE_DNS 320 /* the rest is ICMP echo */
#define PERMILLE_TCP_REJECTED 60
#define PERMILLE_IPV6 195

/* TCP data packets per flow: Pareto(xm, alpha), capped. */
#define DATA_XM 4.5
#define DATA_ALPHA 1.2
#define DATA_MAX 100000.0 /* bounds the spread of the flow count between seeds */

/* Frame-size mix of TCP data packets, per mille; the rest are full-size segments (> 1000 bytes). */
#define PERMILLE_DATA_SMALL 588 /* <= 100 bytes: mostly pure ACKs */
#define PERMILLE_DATA_MEDIUM 140 /* 101..256 */
#define PERMILLE_DATA_LARGE 66   /* 257..1000 */

/* Timing, microseconds. */
#define RTT_MIN_US 500.0
#define RTT_MAX_US 250000.0
#define GAP_MIN_US 200.0
#define GAP_MAX_US 10000000.0       /* mean gap of a flow: log-uniform in [MIN, MAX] */
#define FLOW_ACTIVE_MAX_US 1200e6   /* data phase of big flows stays within ~20 minutes */
#define LINGER_MEAN_US 60000000.0   /* idle time before a TCP flow closes (keep-alive) */

#define SERVERS_V4 20000U
#define SERVERS_V6 5000U
#define CLIENTS_V4 40000U
#define CLIENTS_V6 10000U

#define FRAME_MAX 1514U
#define ETH_LEN 14U
#define IPV4_LEN 20U
#define IPV6_LEN 40U
#define OUT_BUF_BYTES (8U << 20)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* ---- deterministic random numbers and math ------------------------------------------------ */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna). */
static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) for n < 2^32 (multiply-shift; the bias is far below anything measured). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* Uniform in (0, 1]. */
static double rng_unit(struct rng *r)
{
	return (double)((rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

#define LN2 0.69314718055994530942

static double f64_from_bits(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof d);
	return d;
}

static uint64_t bits_from_f64(double d)
{
	uint64_t b;
	memcpy(&b, &d, sizeof b);
	return b;
}

/* Natural logarithm of a positive normal x, from IEEE basic operations only (see the header). */
static double det_log(double x)
{
	uint64_t b = bits_from_f64(x);
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	double m = f64_from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e += 1;
	}
	/* ln(m) = 2 atanh(s), |s| <= 0.172, so 12 terms are exact to double precision. */
	double s = (m - 1.0) / (m + 1.0);
	double s2 = s * s, term = s, sum = 0.0;
	for (int k = 1; k <= 23; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return 2.0 * sum + e * LN2;
}

static double det_exp(double y)
{
	if (y < -700.0)
		return 0.0;
	if (y > 700.0)
		y = 700.0;
	double kf = y / LN2;
	int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
	double r = y - k * LN2; /* |r| <= ln2/2 */
	double term = 1.0, sum = 1.0;
	for (int i = 1; i <= 18; i++) {
		term *= r / i;
		sum += term;
	}
	return sum * f64_from_bits((uint64_t)(k + 1023) << 52);
}

static double rng_exponential(struct rng *r, double mean)
{
	return -mean * det_log(rng_unit(r));
}

static double rng_log_uniform(struct rng *r, double lo, double hi)
{
	return lo * det_exp(rng_unit(r) * det_log(hi / lo));
}

/* Pareto with scale xm and shape alpha: xm * U^(-1/alpha). */
static double rng_pareto(struct rng *r, double xm, double alpha)
{
	return xm * det_exp(-det_log(rng_unit(r)) / alpha);
}

/* ---- byte order helpers ------------------------------------------------------------------- */

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* One's-complement sum of big-endian 16-bit words (RFC 1071), not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- flows -------------------------------------------------------------------------------- */

enum flow_kind { FLOW_TCP, FLOW_TCP_REJECTED, FLOW_DNS, FLOW_ICMP, FLOW_KINDS };

static const char *const flow_kind_name[FLOW_KINDS] = {
	"tcp", "tcp-rejected", "dns", "icmp-echo",
};

struct flow {
	uint8_t addr_c[16], addr_s[16]; /* IPv4 uses the first 4 bytes */
	uint8_t mac_c[6];
	uint8_t kind, ipv6, step, server_closes, started;
	uint8_t last_data_client; /* who sent the last data segment (the other side ACKs it) */
	uint8_t ttl_s;
	uint16_t port_c, port_s;
	uint16_t ip_id_c, ip_id_s;
	uint16_t win_c, win_s;
	uint32_t label_c, label_s; /* IPv6 flow labels */
	uint32_t seq_c, seq_s;     /* next sequence number to send, per direction */
	uint32_t remaining;        /* TCP data packets, or ICMP echo pairs, still to send */
	uint32_t rtt_us;
	double gap_us;             /* mean gap between data packets */
	uint16_t dns_id;
	uint16_t icmp_seq;
};

struct heap_item {
	uint64_t ts_us;
	uint32_t flow;
};

struct stats {
	uint64_t packets, packets_ipv6, packets_le100, packets_gt1000, packets_truncated;
	uint64_t bytes_wire, bytes_file;
	uint64_t flows[FLOW_KINDS], flows_ipv6;
	uint64_t active_sum, active_max;
	uint64_t first_ts_us, last_ts_us;
};

struct gen {
	struct rng rng;      /* flows: kinds, addresses, sizes in packets, timing */
	struct rng rng_size; /* the size and direction of each data packet, kept apart so tuning
			      * the size mix leaves the flows unchanged */
	uint32_t snaplen;
	FILE *out;
	uint8_t *obuf;
	size_t olen;
	uint64_t last_ts_us; /* last timestamp written, relative to the epoch */
	bool any_written;

	struct flow *flows;   /* pool; free slots are chained through free_next */
	uint32_t *free_next;
	uint32_t flows_cap, free_head;
	struct heap_item *heap;
	uint32_t heap_len;

	uint32_t servers_v4[SERVERS_V4];
	uint8_t servers_v6[SERVERS_V6][16];

	struct stats st;
	uint8_t frame[FRAME_MAX + 64];
};

#define NO_FLOW UINT32_MAX

static int out_flush(struct gen *g)
{
	if (g->olen && fwrite(g->obuf, 1, g->olen, g->out) != g->olen)
		return -1;
	g->olen = 0;
	return 0;
}

static int out_write(struct gen *g, const void *p, size_t len)
{
	if (g->olen + len > OUT_BUF_BYTES && out_flush(g) < 0)
		return -1;
	memcpy(g->obuf + g->olen, p, len);
	g->olen += len;
	return 0;
}

/* Zeroes the part of the frame that can reach the file, so payload reads as zeros. */
static void frame_begin(struct gen *g, uint32_t wire_len)
{
	uint32_t n = wire_len < g->snaplen ? wire_len : g->snaplen;
	if (n < 128)
		n = 128; /* headers are always fully zeroed, even with a tiny snaplen */
	if (n > sizeof g->frame)
		n = sizeof g->frame;
	memset(g->frame, 0, n);
}

/* Appends the built frame as one pcap record at ts_us (forced strictly increasing). */
static int frame_emit(struct gen *g, const struct flow *f, uint32_t wire_len, uint64_t ts_us)
{
	if (g->any_written && ts_us <= g->last_ts_us)
		ts_us = g->last_ts_us + 1;
	g->last_ts_us = ts_us;
	if (!g->any_written)
		g->st.first_ts_us = ts_us;
	g->any_written = true;
	g->st.last_ts_us = ts_us;

	uint32_t caplen = wire_len < g->snaplen ? wire_len : g->snaplen;
	uint64_t abs_us = CAPTURE_EPOCH_S * 1000000ULL + ts_us;
	uint8_t rec[16];
	put_le32(rec, (uint32_t)(abs_us / 1000000ULL));
	put_le32(rec + 4, (uint32_t)(abs_us % 1000000ULL));
	put_le32(rec + 8, caplen);
	put_le32(rec + 12, wire_len);
	if (out_write(g, rec, sizeof rec) < 0 || out_write(g, g->frame, caplen) < 0)
		return -1;

	struct stats *st = &g->st;
	st->packets++;
	st->packets_ipv6 += f->ipv6;
	st->packets_le100 += wire_len <= 100;
	st->packets_gt1000 += wire_len > 1000;
	st->packets_truncated += wire_len > caplen;
	st->bytes_wire += wire_len;
	st->bytes_file += sizeof rec + caplen;
	st->active_sum += g->heap_len;
	if (g->heap_len > st->active_max)
		st->active_max = g->heap_len;
	return 0;
}

static uint32_t ip_len(const struct flow *f)
{
	return f->ipv6 ? IPV6_LEN : IPV4_LEN;
}

/*
 * Writes Ethernet and IP headers for a packet of flow f carrying l4_len bytes of protocol proto.
 * Returns the offset of the L4 header; *pseudo gets the checksum pseudo-header sum (for ICMPv4,
 * which has none, the caller ignores it).
 */
static uint32_t put_l2l3(struct gen *g, struct flow *f, bool from_client, uint8_t proto,
			 uint32_t l4_len, uint32_t *pseudo)
{
	static const uint8_t mac_gw[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t *p = g->frame;
	const uint8_t *src = from_client ? f->addr_c : f->addr_s;
	const uint8_t *dst = from_client ? f->addr_s : f->addr_c;

	memcpy(p, from_client ? mac_gw : f->mac_c, 6);
	memcpy(p + 6, from_client ? f->mac_c : mac_gw, 6);
	put_be16(p + 12, f->ipv6 ? 0x86dd : 0x0800);
	p += ETH_LEN;

	if (f->ipv6) {
		put_be32(p, 0x60000000U | (from_client ? f->label_c : f->label_s));
		put_be16(p + 4, l4_len);
		p[6] = proto;
		p[7] = from_client ? 64 : f->ttl_s;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		uint32_t sum = csum_add(0, p + 8, 32);
		*pseudo = sum + (l4_len >> 16) + (l4_len & 0xffff) + proto;
		return ETH_LEN + IPV6_LEN;
	}
	p[0] = 0x45;
	p[1] = 0;
	put_be16(p + 2, IPV4_LEN + l4_len);
	put_be16(p + 4, from_client ? f->ip_id_c++ : f->ip_id_s++);
	put_be16(p + 6, 0x4000); /* DF */
	p[8] = from_client ? 64 : f->ttl_s;
	p[9] = proto;
	put_be16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put_be16(p + 10, csum_fold(csum_add(0, p, IPV4_LEN)));
	*pseudo = csum_add(0, p + 12, 8) + proto + l4_len;
	return ETH_LEN + IPV4_LEN;
}

static int send_tcp(struct gen *g, struct flow *f, bool from_client, uint8_t flags,
		    uint32_t payload_len, uint64_t ts_us)
{
	uint32_t tcp_len = (flags & TH_SYN) ? 24 : 20; /* SYNs carry an MSS option */
	uint32_t wire_len = ETH_LEN + ip_len(f) + tcp_len + payload_len;
	uint32_t pseudo;

	frame_begin(g, wire_len);
	uint32_t off = put_l2l3(g, f, from_client, PROTO_TCP, tcp_len + payload_len, &pseudo);
	uint8_t *t = g->frame + off;
	uint32_t *seq = from_client ? &f->seq_c : &f->seq_s;
	uint32_t ack = from_client ? f->seq_s : f->seq_c;

	put_be16(t, from_client ? f->port_c : f->port_s);
	put_be16(t + 2, from_client ? f->port_s : f->port_c);
	put_be32(t + 4, (flags & TH_RST) && !from_client && (flags & TH_ACK) ? 0 : *seq);
	put_be32(t + 8, (flags & TH_ACK) ? ack : 0);
	t[12] = (uint8_t)((tcp_len / 4) << 4);
	t[13] = flags;
	put_be16(t + 14, (flags & TH_RST) ? 0 : (from_client ? f->win_c : f->win_s));
	if (flags & TH_SYN) {
		t[20] = 2; /* MSS, RFC 9293 section 3.7.1 */
		t[21] = 4;
		put_be16(t + 22, f->ipv6 ? 1440 : 1460);
	}
	/* Payload is zeros, so the header alone gives the checksum. */
	put_be16(t + 16, csum_fold(csum_add(pseudo, t, tcp_len)));
	*seq += payload_len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	return frame_emit(g, f, wire_len, ts_us);
}

static int send_udp(struct gen *g, struct flow *f, bool from_client, const uint8_t *payload,
		    uint32_t payload_len, uint64_t ts_us)
{
	uint32_t udp_len = 8 + payload_len;
	uint32_t wire_len = ETH_LEN + ip_len(f) + udp_len;
	uint32_t pseudo;

	frame_begin(g, wire_len);
	uint32_t off = put_l2l3(g, f, from_client, PROTO_UDP, udp_len, &pseudo);
	uint8_t *u = g->frame + off;
	put_be16(u, from_client ? f->port_c : f->port_s);
	put_be16(u + 2, from_client ? f->port_s : f->port_c);
	put_be16(u + 4, udp_len);
	memcpy(u + 8, payload, payload_len);
	uint16_t c = csum_fold(csum_add(pseudo, u, udp_len));
	put_be16(u + 6, c ? c : 0xffff); /* RFC 768: a computed zero is sent as all ones */
	return frame_emit(g, f, wire_len, ts_us);
}

#define PING_PAYLOAD 56U

static int send_echo(struct gen *g, struct flow *f, bool request, uint64_t ts_us)
{
	uint32_t icmp_len = 8 + PING_PAYLOAD;
	uint32_t wire_len = ETH_LEN + ip_len(f) + icmp_len;
	uint8_t proto = f->ipv6 ? PROTO_ICMPV6 : PROTO_ICMP;
	uint32_t pseudo;

	frame_begin(g, wire_len);
	uint32_t off = put_l2l3(g, f, request, proto, icmp_len, &pseudo);
	uint8_t *m = g->frame + off;
	if (f->ipv6)
		m[0] = request ? 128 : 129; /* RFC 4443 section 4 */
	else
		m[0] = request ? 8 : 0; /* RFC 792 */
	put_be16(m + 4, f->port_c); /* identifier */
	put_be16(m + 6, f->icmp_seq);
	for (uint32_t i = 8; i < PING_PAYLOAD; i++) /* the iputils pattern after an 8-byte stamp */
		m[8 + i] = (uint8_t)i;
	uint32_t sum = csum_add(f->ipv6 ? pseudo : 0, m, icmp_len);
	put_be16(m + 2, csum_fold(sum));
	return frame_emit(g, f, wire_len, ts_us);
}

/* A DNS message (RFC 1035 section 4): the question, and for a response 0-3 answers. */
static uint32_t build_dns(const struct flow *f, bool response, uint8_t *p)
{
	static const char *const hosts[] = { "www", "api", "cdn", "mail", "img", "static", "login" };
	static const char *const tlds[] = { "com", "net", "org", "io", "de" };
	uint32_t key = f->dns_id; /* derives the name, so query and response agree */
	char site[16];
	uint32_t n = 12;

	memset(p, 0, 12);
	put_be16(p, f->dns_id);
	bool nxdomain = (key % 20) == 0;
	uint32_t answers = response && !nxdomain ? 1 + key % 3 : 0;
	put_be16(p + 2, response ? (0x8180 | (nxdomain ? 3 : 0)) : 0x0100);
	put_be16(p + 4, 1);
	put_be16(p + 6, answers);

	const char *labels[3] = { hosts[key % 7], site, tlds[(key >> 3) % 5] };
	snprintf(site, sizeof site, "site%u", (unsigned)((key * 2654435761U) >> 20));
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(labels[i]);
		p[n++] = (uint8_t)len;
		memcpy(p + n, labels[i], len);
		n += (uint32_t)len;
	}
	p[n++] = 0;
	bool aaaa = (key >> 5) % 10 < 3;
	put_be16(p + n, aaaa ? 28 : 1);
	put_be16(p + n + 2, 1);
	n += 4;
	for (uint32_t i = 0; i < answers; i++) {
		uint32_t rdlen = aaaa ? 16 : 4;
		put_be16(p + n, 0xc00c); /* pointer to the question name */
		put_be16(p + n + 2, aaaa ? 28 : 1);
		put_be16(p + n + 4, 1);
		put_be32(p + n + 6, 300);
		put_be16(p + n + 10, rdlen);
		for (uint32_t j = 0; j < rdlen; j++)
			p[n + 12 + j] = (uint8_t)((key >> (j % 4 * 8)) ^ (i + j + 1));
		n += 12 + rdlen;
	}
	return n;
}

static uint64_t to_us(double v)
{
	return v < 1.0 ? 1 : (uint64_t)v;
}

static uint32_t pick_skewed(struct rng *r, uint32_t n)
{
	double u = rng_unit(r);
	uint32_t i = (uint32_t)(u * u * u * n); /* a few servers get most flows */
	return i < n ? i : n - 1;
}

static void flow_init(struct gen *g, struct flow *f)
{
	struct rng *r = &g->rng;
	uint32_t k = rng_below(r, 1000);

	memset(f, 0, sizeof *f);
	if (k < PERMILLE_TCP)
		f->kind = rng_below(r, 1000) < PERMILLE_TCP_REJECTED ? FLOW_TCP_REJECTED : FLOW_TCP;
	else if (k < PERMILLE_TCP + PERMILLE_DNS)
		f->kind = FLOW_DNS;
	else
		f->kind = FLOW_ICMP;
	f->ipv6 = rng_below(r, 1000) < PERMILLE_IPV6;

	if (f->ipv6) {
		uint32_t c = rng_below(r, CLIENTS_V6);
		static const uint8_t prefix[8] = { 0xfd, 0x00, 0x76, 0x69, 0x67, 0x69, 0x00, 0x01 };
		memcpy(f->addr_c, prefix, 8);
		put_be32(f->addr_c + 8, 0x02000000U | c);
		put_be32(f->addr_c + 12, c * 2654435761U);
		memcpy(f->addr_s, g->servers_v6[pick_skewed(r, SERVERS_V6)], 16);
		f->label_c = rng_next(r) & 0xfffff;
		f->label_s = rng_next(r) & 0xfffff;
		f->mac_c[3] = 0x60;
		f->mac_c[4] = (uint8_t)(c >> 8);
		f->mac_c[5] = (uint8_t)c;
	} else {
		uint32_t c = rng_below(r, CLIENTS_V4);
		put_be32(f->addr_c, 0x0a000000U | (c / 250) << 8 | (c % 250 + 1));
		put_be32(f->addr_s, g->servers_v4[pick_skewed(r, SERVERS_V4)]);
		f->mac_c[3] = (uint8_t)(c >> 16);
		f->mac_c[4] = (uint8_t)(c >> 8);
		f->mac_c[5] = (uint8_t)c;
	}
	f->mac_c[0] = 0x02; /* locally administered */

	static const uint8_t ttl_base[3] = { 64, 128, 255 };
	f->ttl_s = (uint8_t)(ttl_base[rng_below(r, 3)] - rng_range(r, 4, 24));
	f->ip_id_c = (uint16_t)rng_next(r);
	f->ip_id_s = (uint16_t)rng_next(r);
	f->port_c = (uint16_t)rng_range(r, 32768, 60999); /* Linux ephemeral range */
	f->rtt_us = (uint32_t)rng_log_uniform(r, RTT_MIN_US, RTT_MAX_US);

	switch (f->kind) {
	case FLOW_TCP:
	case FLOW_TCP_REJECTED: {
		/* Services whose dissectors accept zero payload (tshark calls SSH with zeros malformed). */
		static const uint16_t ports[] = { 443, 443, 443, 443, 80, 80, 8443, 25, 993, 8080 };
		static const uint16_t wins[] = { 64240, 65535, 29200, 42340, 8192 };
		f->port_s = ports[rng_below(r, 10)];
		f->win_c = wins[rng_below(r, 5)];
		f->win_s = wins[rng_below(r, 5)];
		f->seq_c = (uint32_t)rng_next(r);
		f->seq_s = (uint32_t)rng_next(r);
		double d = rng_pareto(r, DATA_XM, DATA_ALPHA);
		f->remaining = (uint32_t)(d > DATA_MAX ? DATA_MAX : d);
		double gap_max = FLOW_ACTIVE_MAX_US / (f->remaining + 1);
		if (gap_max > GAP_MAX_US)
			gap_max = GAP_MAX_US;
		f->gap_us = gap_max > GAP_MIN_US ? rng_log_uniform(r, GAP_MIN_US, gap_max) : gap_max;
		f->server_closes = rng_below(r, 2);
		break;
	}
	case FLOW_DNS:
		f->port_s = 53;
		f->dns_id = (uint16_t)rng_next(r);
		break;
	case FLOW_ICMP:
		f->remaining = rng_range(r, 1, 4);
		f->icmp_seq = 1;
		break;
	}
}

/* A data segment's direction and size: most are pure ACKs (from whichever side last received
 * data) or the server's data; requests and small writes come mostly from the client. */
static int send_data(struct gen *g, struct flow *f, uint64_t ts_us)
{
	struct rng *r = &g->rng_size;
	uint32_t hdr = ETH_LEN + ip_len(f) + 20;
	uint32_t k = rng_below(r, 1000), frame;
	bool from_client;

	if (k < PERMILLE_DATA_SMALL) {
		if (rng_below(r, 5)) { /* a pure ACK, from the side that last received data */
			from_client = !f->last_data_client;
			frame = hdr;
		} else {
			from_client = rng_below(r, 4) != 0;
			frame = rng_range(r, hdr + 1, 100);
		}
	} else {
		from_client = rng_below(r, 5) == 0;
		k -= PERMILLE_DATA_SMALL;
		if (k < PERMILLE_DATA_MEDIUM)
			frame = rng_range(r, 101, 256);
		else if (k < PERMILLE_DATA_MEDIUM + PERMILLE_DATA_LARGE)
			frame = rng_range(r, 257, 1000);
		else
			frame = rng_below(r, 20) < 17 ? FRAME_MAX : rng_range(r, 1001, FRAME_MAX - 1);
	}
	if (frame > hdr)
		f->last_data_client = from_client;
	uint8_t flags = frame > hdr ? TH_ACK | TH_PSH : TH_ACK;
	return send_tcp(g, f, from_client, flags, frame - hdr, ts_us);
}

/*
 * Emits flow f's next packet at ts and sets *next_us to the time of the packet after it.
 * Returns 1 if the flow goes on, 0 if it is finished, <0 on a write error.
 */
static int flow_step(struct gen *g, struct flow *f, uint64_t ts, uint64_t *next_us)
{
	struct rng *r = &g->rng;
	uint32_t rtt = f->rtt_us;
	uint64_t ack_delay = rng_range(r, 20, 200);
	int rc;

	if (!f->started) {
		f->started = 1;
		g->st.flows[f->kind]++;
		g->st.flows_ipv6 += f->ipv6;
	}

	switch (f->kind) {
	case FLOW_TCP_REJECTED:
		if (f->step++ == 0) {
			*next_us = ts + rtt;
			return send_tcp(g, f, true, TH_SYN, 0, ts) < 0 ? -1 : 1;
		}
		return send_tcp(g, f, false, TH_RST | TH_ACK, 0, ts) < 0 ? -1 : 0;

	case FLOW_DNS: {
		uint8_t msg[256];
		uint32_t len = build_dns(f, f->step == 1, msg);
		rc = send_udp(g, f, f->step == 0, msg, len, ts);
		if (rc < 0)
			return -1;
		*next_us = ts + rtt;
		return f->step++ == 0;
	}

	case FLOW_ICMP:
		if (f->step == 0) {
			f->step = 1;
			*next_us = ts + rtt;
			return send_echo(g, f, true, ts) < 0 ? -1 : 1;
		}
		rc = send_echo(g, f, false, ts);
		if (rc < 0 || --f->remaining == 0)
			return rc < 0 ? -1 : 0;
		f->step = 0;
		f->icmp_seq++;
		*next_us = ts + 1000000 - rtt; /* ping sends once a second */
		return 1;

	case FLOW_TCP:
		break;
	}

	switch (f->step) {
	case 0: /* SYN */
		f->step = 1;
		*next_us = ts + rtt;
		return send_tcp(g, f, true, TH_SYN, 0, ts) < 0 ? -1 : 1;
	case 1: /* SYN-ACK */
		f->step = 2;
		*next_us = ts + ack_delay;
		return send_tcp(g, f, false, TH_SYN | TH_ACK, 0, ts) < 0 ? -1 : 1;
	case 2: /* ACK; the first request follows after one client think time */
		f->step = f->remaining ? 3 : 4;
		*next_us = ts + to_us(rng_exponential(r, f->gap_us));
		return send_tcp(g, f, true, TH_ACK, 0, ts) < 0 ? -1 : 1;
	case 3: /* data */
		if (--f->remaining == 0) {
			f->step = 4;
			*next_us = ts + to_us(rng_exponential(r, LINGER_MEAN_US));
		} else {
			*next_us = ts + to_us(rng_exponential(r, f->gap_us));
		}
		return send_data(g, f, ts) < 0 ? -1 : 1;
	case 4: /* first FIN */
		f->step = 5;
		*next_us = ts + rtt;
		return send_tcp(g, f, !f->server_closes, TH_FIN | TH_ACK, 0, ts) < 0 ? -1 : 1;
	case 5: /* the other side's FIN */
		f->step = 6;
		*next_us = ts + ack_delay;
		return send_tcp(g, f, f->server_closes, TH_FIN | TH_ACK, 0, ts) < 0 ? -1 : 1;
	default: /* last ACK */
		return send_tcp(g, f, !f->server_closes, TH_ACK, 0, ts) < 0 ? -1 : 0;
	}
}

/* ---- flow pool and heap ------------------------------------------------------------------- */

static int pool_alloc(struct gen *g, uint32_t *out)
{
	if (g->free_head == NO_FLOW) {
		uint32_t cap = g->flows_cap ? g->flows_cap * 2 : 4096;
		struct flow *nf = realloc(g->flows, (size_t)cap * sizeof *nf);
		if (!nf)
			return -1;
		g->flows = nf;
		uint32_t *nn = realloc(g->free_next, (size_t)cap * sizeof *nn);
		if (!nn)
			return -1;
		g->free_next = nn;
		struct heap_item *nh = realloc(g->heap, (size_t)cap * sizeof *nh);
		if (!nh)
			return -1;
		g->heap = nh;
		for (uint32_t i = cap; i-- > g->flows_cap;) {
			g->free_next[i] = g->free_head;
			g->free_head = i;
		}
		g->flows_cap = cap;
	}
	*out = g->free_head;
	g->free_head = g->free_next[*out];
	return 0;
}

static void pool_release(struct gen *g, uint32_t i)
{
	g->free_next[i] = g->free_head;
	g->free_head = i;
}

static bool heap_less(const struct heap_item *a, const struct heap_item *b)
{
	return a->ts_us < b->ts_us || (a->ts_us == b->ts_us && a->flow < b->flow);
}

static void heap_sift_down(struct gen *g, uint32_t i)
{
	struct heap_item *h = g->heap, x = h[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= g->heap_len)
			break;
		if (c + 1 < g->heap_len && heap_less(&h[c + 1], &h[c]))
			c++;
		if (!heap_less(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static void heap_push(struct gen *g, uint64_t ts_us, uint32_t flow)
{
	struct heap_item *h = g->heap, x = { ts_us, flow };
	uint32_t i = g->heap_len++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!heap_less(&x, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

/* ---- main --------------------------------------------------------------------------------- */

static void servers_init(struct gen *g)
{
	for (uint32_t i = 0; i < SERVERS_V4; i++) {
		uint32_t a;
		uint8_t o1, o2;
		do { /* global unicast only: skip 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
		      * 192.168/16, 198.18/15 and 224/3 */
			a = (uint32_t)rng_next(&g->rng);
			o1 = (uint8_t)(a >> 24);
			o2 = (uint8_t)(a >> 16);
		} while (o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224 ||
			 (o1 == 100 && (o2 & 0xc0) == 64) || (o1 == 169 && o2 == 254) ||
			 (o1 == 172 && (o2 & 0xf0) == 16) || (o1 == 192 && o2 == 168) ||
			 (o1 == 198 && (o2 & 0xfe) == 18));
		g->servers_v4[i] = a;
	}
	for (uint32_t i = 0; i < SERVERS_V6; i++) {
		uint8_t *a = g->servers_v6[i];
		put_be32(a, 0x24000000U | (uint32_t)(rng_next(&g->rng) & 0x00ffffffU)); /* 2400::/8 */
		put_be32(a + 4, (uint32_t)rng_next(&g->rng));
		put_be32(a + 8, 0);
		put_be32(a + 12, (uint32_t)rng_range(&g->rng, 1, 0xffff));
	}
}

static int write_file_header(struct gen *g)
{
	uint8_t h[24];
	put_le32(h, 0xa1b2c3d4); /* microsecond timestamps */
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);  /* thiszone */
	put_le32(h + 12, 0); /* sigfigs */
	put_le32(h + 16, g->snaplen);
	put_le32(h + 20, 1); /* LINKTYPE_ETHERNET */
	g->st.bytes_file += sizeof h;
	return out_write(g, h, sizeof h);
}

static int generate(struct gen *g, uint64_t packets)
{
	double mean_arrival_us = (double)CAPTURE_SPAN_US / ((double)packets * FLOWS_PER_PACKET);
	uint64_t next_arrival = to_us(rng_exponential(&g->rng, mean_arrival_us));

	while (g->st.packets < packets) {
		if (g->heap_len == 0 || next_arrival <= g->heap[0].ts_us) {
			uint32_t i;
			if (pool_alloc(g, &i) < 0)
				return -ENOMEM;
			flow_init(g, &g->flows[i]);
			heap_push(g, next_arrival, i);
			next_arrival += to_us(rng_exponential(&g->rng, mean_arrival_us));
			continue;
		}
		uint32_t i = g->heap[0].flow;
		uint64_t next_us = 0;
		int rc = flow_step(g, &g->flows[i], g->heap[0].ts_us, &next_us);
		if (rc < 0)
			return -EIO;
		if (rc > 0) {
			g->heap[0].ts_us = next_us;
		} else {
			pool_release(g, i);
			g->heap[0] = g->heap[--g->heap_len];
		}
		heap_sift_down(g, 0);
	}
	return 0;
}

static void print_summary(const struct gen *g, double seconds)
{
	const struct stats *st = &g->st;
	uint64_t flows = 0;
	double n = st->packets ? (double)st->packets : 1.0;

	for (int k = 0; k < FLOW_KINDS; k++)
		flows += st->flows[k];
	fprintf(stderr, "packets: %" PRIu64 "\n", st->packets);
	fprintf(stderr, "flows: %" PRIu64 " (", flows);
	for (int k = 0; k < FLOW_KINDS; k++)
		fprintf(stderr, "%s%s %" PRIu64, k ? ", " : "", flow_kind_name[k], st->flows[k]);
	fprintf(stderr, ")\n");
	fprintf(stderr, "flows_ipv6: %.1f%%\n", flows ? 100.0 * st->flows_ipv6 / flows : 0.0);
	fprintf(stderr, "packets_ipv6: %.1f%%\n", 100.0 * st->packets_ipv6 / n);
	fprintf(stderr, "frames_le_100: %.1f%%\n", 100.0 * st->packets_le100 / n);
	fprintf(stderr, "frames_gt_1000: %.1f%%\n", 100.0 * st->packets_gt1000 / n);
	fprintf(stderr, "truncated: %.1f%% (snaplen %u)\n", 100.0 * st->packets_truncated / n,
		g->snaplen);
	fprintf(stderr, "bytes_wire: %" PRIu64 "\n", st->bytes_wire);
	fprintf(stderr, "bytes_file: %" PRIu64 "\n", st->bytes_file);
	fprintf(stderr, "duration_s: %.1f\n", (st->last_ts_us - st->first_ts_us) / 1e6);
	fprintf(stderr, "active_flows_mean: %.0f\n", st->active_sum / n);
	fprintf(stderr, "active_flows_max: %" PRIu64 "\n", st->active_max);
	fprintf(stderr, "elapsed_s: %.2f\n", seconds);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: gen_capture [--packets N] [--seed S] [--snaplen L] OUT.pcap\n"
		    "  --packets N   packets to write (default %llu)\n"
		    "  --seed S      PRNG seed; same seed, same bytes (default %llu)\n"
		    "  --snaplen L   bytes kept per frame, 14..65535 (default %u)\n"
		    "  OUT.pcap      output file, or - for stdout\n",
		(unsigned long long)DEFAULT_PACKETS, (unsigned long long)DEFAULT_SEED,
		DEFAULT_SNAPLEN);
}

int main(int argc, char **argv)
{
	uint64_t packets = DEFAULT_PACKETS, seed = DEFAULT_SEED, snaplen = DEFAULT_SNAPLEN;
	const char *path = NULL;
	struct gen *g = NULL;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t *dst = NULL, max = 0;
		if (!strcmp(a, "--packets"))
			dst = &packets, max = UINT64_MAX / 2;
		else if (!strcmp(a, "--seed"))
			dst = &seed, max = UINT64_MAX;
		else if (!strcmp(a, "--snaplen"))
			dst = &snaplen, max = 65535;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "gen_capture: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = a;
			continue;
		} else {
			fprintf(stderr, "gen_capture: more than one output file\n");
			return 2;
		}
		if (i + 1 >= argc || parse_u64(argv[++i], max, dst) < 0) {
			fprintf(stderr, "gen_capture: %s needs a number up to %" PRIu64 "\n", a, max);
			return 2;
		}
	}
	if (snaplen < ETH_LEN) {
		fprintf(stderr, "gen_capture: --snaplen must be at least %u\n", ETH_LEN);
		return 2;
	}
	if (!path) {
		usage(stderr);
		return 2;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	g = calloc(1, sizeof *g);
	if (!g || !(g->obuf = malloc(OUT_BUF_BYTES))) {
		fprintf(stderr, "gen_capture: out of memory\n");
		goto out;
	}
	g->free_head = NO_FLOW;
	g->snaplen = (uint32_t)snaplen;
	rng_seed(&g->rng, seed);
	rng_seed(&g->rng_size, seed ^ 0x73697a6573697a65ULL);
	servers_init(g);

	g->out = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	if (!g->out) {
		fprintf(stderr, "gen_capture: %s: %s\n", path, strerror(errno));
		goto out;
	}
	int err = write_file_header(g);
	if (!err)
		err = generate(g, packets);
	if (!err)
		err = out_flush(g);
	if (!err && fflush(g->out))
		err = -EIO;
	if (err) {
		fprintf(stderr, "gen_capture: %s: %s\n", path,
			err == -ENOMEM ? "out of memory" : strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(g, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
out:
	if (g) {
		if (g->out && g->out != stdout && fclose(g->out) && rc == 0) {
			fprintf(stderr, "gen_capture: %s: %s\n", path, strerror(errno));
			rc = 1;
		}
		free(g->heap);
		free(g->free_next);
		free(g->flows);
		free(g->obuf);
		free(g);
	}
	return rc;
}
