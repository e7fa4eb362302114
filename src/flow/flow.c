/*
 * flow.c - the flow table: seeded hash over a fixed pool, TCP state,
 * clock-hand expiry and sampled eviction (see flow.h for the design).
 *
 * Layout: `buckets` holds, per hash bucket, the pool index of the first
 * record of its chain; records chain through hnext. Index 0 is never a
 * record, so a zeroed (untouched, unmapped) bucket array is an empty one. Records are taken from
 * a free list, or from the never-used tail of the pool, so the memory that
 * is touched grows with the peak number of flows, up to the cap.
 *
 * Per batch: keys and hashes of all packets are computed first and their
 * buckets prefetched, then each packet finds its record (Suricata's
 * flow-hash.c does the same in spirit; STYLE.md "work in batches").
 *
 * Timeout references: Suricata's flow-timeouts defaults (suricata.yaml);
 * RFC 9293 for the TCP states kept here - a simplified view of the
 * connection from a passive observer, not a full state machine.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "flow/flow.h"
#include "flow/frag.h"

#define NS_PER_S 1000000000ull

const struct vg_counter_desc vg_flow_counters[] = {
#define VG_FLOW_COUNTER_ROW(field, name) {name, offsetof(struct vg_flow_stats, field)},
    VG_FLOW_COUNTERS(VG_FLOW_COUNTER_ROW)
#undef VG_FLOW_COUNTER_ROW
};
const size_t vg_flow_ncounters = VG_ARRAY_LEN(vg_flow_counters);
/* Flows examined to pick one to evict when the pool is full: enough to
 * find a stale or half-open flow almost always, bounded per new flow. */
#define EVICT_SAMPLE 8

struct vg_flow_table {
	struct vg_flow_config cfg;
	struct vg_flow *pool;
	uint32_t *buckets;
	/* Per pool slot, for the expiry hand: a time (packet time >> DUE_SHIFT,
	 * saturated) at or before which the flow cannot have expired. The hand
	 * reads these 4 bytes instead of the record's two cache lines and
	 * looks at the record only once this time has come; it is a lower
	 * bound, refreshed then: a packet that moves last_ns later leaves it
	 * stale but still a lower bound, so most packets never write it; a
	 * change of state that shortens the timeout sets it to 0. */
	uint32_t *due;
	uint32_t cap;          /* records in the pool */
	uint32_t mask;         /* buckets - 1 */
	uint32_t used_tail;    /* records [1, used_tail) were handed out once */
	uint32_t free_head;    /* free list through hnext */
	uint32_t hand;         /* clock hand for expiry and eviction */
	uint64_t sweep_ns;     /* packet time the hand has been credited up to */
	uint64_t sweep_credit; /* slots the hand owes, scaled by sweep_period */
	uint64_t now_ns;       /* latest packet time seen */
	uint64_t tmo_ns[12];   /* [tcp, udp, icmp, other] x [new, est, closed] */
	vg_flow_end_fn on_end;
	void *arg;
	vg_flow_packet_fn on_packet;
	void *packet_arg;
	vg_flow_prefetch_fn end_prefetch;
	void *prefetch_arg;
	vg_flow_packet_fn on_payload; /* the app stage */
	void *payload_arg;
	uint32_t payload_pkts; /* 0: no payload hook */
	struct vg_flow_stats st;
	struct vg_frag_cache frags;
};

int vg_flow_table_new(struct vg_flow_table **out, const struct vg_flow_config *cfg,
		      vg_flow_end_fn on_end, void *arg)
{
	struct vg_flow_table *t;
	uint64_t nb = 1, cap;
	const struct vg_flow_timeouts *to = &cfg->timeout;

	*out = NULL;
	/* Records, buckets and the expiry hand's due times share the cap, one
	 * bucket (rounded down to a power of two) and one due per record; slot
	 * 0 of the pool is never a record, so the table may pass the cap by
	 * one record's 100 bytes. */
	cap = cfg->memcap / (sizeof(struct vg_flow) + 2 * sizeof(uint32_t));
	if (cap < 16)
		return VG_EINVAL;
	if (cap > UINT32_MAX - 1)
		cap = UINT32_MAX - 1;
	while (nb * 2 <= cap)
		nb *= 2;
	t = calloc(1, sizeof *t);
	if (!t)
		return VG_ENOMEM;
	t->cfg = *cfg;
	t->cap = (uint32_t)cap;
	t->mask = (uint32_t)nb - 1;
	/* Untouched pages stay unmapped: RSS follows use. */
	t->pool = vg_table_alloc((cap + 1) * sizeof *t->pool);
	t->buckets = vg_table_alloc(nb * sizeof *t->buckets);
	t->due = vg_table_alloc((cap + 1) * sizeof *t->due);
	if (!t->pool || !t->buckets || !t->due) {
		vg_flow_table_free(t);
		return VG_ENOMEM;
	}
	t->free_head = VG_FLOW_NIL;
	t->used_tail = 1;
	t->hand = 1;
	t->on_end = on_end;
	t->arg = arg;
	t->frags.seed = cfg->hash_seed ^ 0x6672616773ull;
	uint32_t tmo[4][3] = {
	    {to->tcp_new, to->tcp_established, to->tcp_closed},
	    {to->udp_new, to->udp_established, to->udp_established},
	    {to->icmp_new, to->icmp_established, to->icmp_established},
	    {to->other_new, to->other_established, to->other_established},
	};
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 3; j++)
			t->tmo_ns[i * 3 + j] = (uint64_t)tmo[i][j] * NS_PER_S;
	*out = t;
	return 0;
}

void vg_flow_table_set_packet_hook(struct vg_flow_table *t, vg_flow_packet_fn fn, void *arg)
{
	t->on_packet = fn;
	t->packet_arg = arg;
}

void vg_flow_table_set_payload_hook(struct vg_flow_table *t, vg_flow_packet_fn fn, void *arg,
				    uint32_t max_pkts)
{
	t->on_payload = fn;
	t->payload_arg = arg;
	t->payload_pkts = fn ? max_pkts : 0;
}

uint32_t vg_flow_table_index(const struct vg_flow_table *t, const struct vg_flow *f)
{
	return (uint32_t)(f - t->pool);
}

void vg_flow_table_set_end_prefetch(struct vg_flow_table *t, vg_flow_prefetch_fn fn, void *arg)
{
	t->end_prefetch = fn;
	t->prefetch_arg = arg;
}

void vg_flow_table_free(struct vg_flow_table *t)
{
	if (!t)
		return;
	vg_table_free(t->pool, ((size_t)t->cap + 1) * sizeof *t->pool);
	vg_table_free(t->buckets, ((size_t)t->mask + 1) * sizeof *t->buckets);
	vg_table_free(t->due, ((size_t)t->cap + 1) * sizeof *t->due);
	free(t);
}

/* An address as two little-endian words, IPv4 mapped into ::ffff:0:0/96. */
static inline void addr_words(const struct vg_addr *a, uint8_t family, uint64_t *w0, uint64_t *w1)
{
	if (family == 4) {
		uint32_t v4;
		memcpy(&v4, a->b, 4);
		*w0 = 0;
		*w1 = (uint64_t)v4 << 32 | 0xffff0000u; /* bytes 10, 11 = ff ff */
	} else {
		memcpy(w0, a->b, 8);
		memcpy(w1, a->b + 8, 8);
	}
}

/* Builds the symmetric key in registers and stores it with full-width
 * stores; returns true if the packet's source is key.lo. Endpoints are
 * ordered by (address words, port) - any total order would do, this one
 * is cheap. */
static inline bool make_key(struct vg_flow_key *k, const struct vg_packet *p)
{
	uint64_t s0, s1, d0, d1, ports, meta, m, x0, x1;
	uint32_t sd, ds;
	bool src_lo;

	addr_words(&p->src, p->family, &s0, &s1);
	addr_words(&p->dst, p->family, &d0, &d1);
	src_lo = s0 != d0 ? s0 < d0 : s1 != d1 ? s1 < d1 : p->sport <= p->dport;
	meta = (uint64_t)p->proto << 32;
	/* Most packets carry no VLAN tag: one test instead of two masks. */
	if (VG_UNLIKELY(p->vlan[0] | p->vlan[1]))
		meta |= (uint64_t)((uint32_t)(p->vlan[0] & 0xfff) << 20 |
				   (uint32_t)(p->vlan[1] & 0xfff) << 8)
			<< 32;
	/* Which end is lo is a coin toss per packet (the two directions of
	 * a flow interleave): the words are swapped under a mask, not a
	 * branch that would mispredict half the time. */
	m = -(uint64_t)src_lo; /* all ones: the source is lo */
	x0 = (s0 ^ d0) & m;    /* s ^ d where the source is lo, else 0 */
	x1 = (s1 ^ d1) & m;
	sd = (uint32_t)p->sport << 16 | p->dport; /* as if the destination were lo */
	ds = (uint32_t)p->dport << 16 | p->sport; /* as if the source were lo */
	ports = sd ^ ((sd ^ ds) & (uint32_t)m);
	k->w[0] = d0 ^ x0;
	k->w[1] = d1 ^ x1;
	k->w[2] = s0 ^ x0;
	k->w[3] = s1 ^ x1;
	k->w[4] = meta | ports;
	return src_lo;
}

/* The key's hash, seeded per family (an IPv4 flow and IPv6 packets
 * between IPv4-mapped addresses have the same key words). An IPv4 key
 * holds 8 bytes of addresses (the high half of words 1 and 3, see
 * addr_words) and word 4: those two words are hashed, the constant ones
 * are not. */
static inline uint64_t key_hash(const struct vg_flow_key *k, uint8_t family, uint64_t seed)
{
	if (family == 4)
		return vg_hash_2words(k->w[1] >> 32 | (k->w[3] & 0xffffffff00000000ull), k->w[4],
				      seed ^ 4);
	return vg_hash_key40(k->w, seed ^ family);
}

static int proto_class(uint8_t proto)
{
	switch (proto) {
	case VG_IPPROTO_TCP: return 0;
	case VG_IPPROTO_UDP: return 1;
	case VG_IPPROTO_ICMP:
	case VG_IPPROTO_ICMPV6: return 2;
	default: return 3;
	}
}

static bool tcp_closed(const struct vg_flow *f)
{
	return f->tcp_state == VG_TCP_CLOSED;
}

/* Which of new, established, closed a TCP state's timeout is. */
static inline int tcp_timeout_state(uint8_t tcp_state)
{
	return tcp_state == VG_TCP_CLOSED ? 2 : tcp_state >= VG_TCP_ESTABLISHED ? 1 : 0;
}

/* Which timeout applies: computed when the protocol state changes (a
 * TCP transition, the first reply), not per packet. */
static uint8_t timeout_index(const struct vg_flow *f)
{
	int cls = proto_class(f->proto), st;

	if (cls == 0)
		st = tcp_timeout_state(f->tcp_state);
	else
		st = f->pkts[1] ? 1 : 0;
	return (uint8_t)(cls * 3 + st);
}

static inline bool is_expired(const struct vg_flow_table *t, const struct vg_flow *f)
{
	return f->last_ns < t->now_ns && t->now_ns - f->last_ns > t->tmo_ns[f->tmo];
}

/* Units of the due array: about a second, a shift rather than a division. */
#define DUE_SHIFT 30

/* A packet time in due units, saturated: monotonic, so that a flow that
 * expired (now > last_ns + timeout) always has due_units(now) >= its due.
 * At most INT32_MAX (2^61 ns, 73 years), also the due of a free slot. */
#define DUE_NEVER INT32_MAX
static inline uint32_t due_units(uint64_t ns)
{
	uint64_t u = ns >> DUE_SHIFT;

	return u < DUE_NEVER ? (uint32_t)u : DUE_NEVER;
}

/* The flow's due: when its timeout runs out, as of now (a sum that wraps
 * gives an earlier time, which is still a lower bound). */
static inline uint32_t due_of(const struct vg_flow_table *t, const struct vg_flow *f)
{
	return due_units(f->last_ns + t->tmo_ns[f->tmo]);
}

/* After a change of state: the flow's timeout index, and its due if the
 * new timeout is shorter (0: the hand looks at the record next time).
 * Out of line: the packet loop calls it for a few packets in a hundred. */
static __attribute__((noinline)) void retime(struct vg_flow_table *t, struct vg_flow *f)
{
	uint8_t tmo = timeout_index(f);

	if (t->tmo_ns[tmo] < t->tmo_ns[f->tmo])
		t->due[f - t->pool] = 0;
	f->tmo = tmo;
}

/* Unlinks record idx from its bucket chain and returns it to the free list. */
static void release(struct vg_flow_table *t, uint32_t idx, enum vg_flow_end why)
{
	struct vg_flow *f = &t->pool[idx];
	uint32_t *link = &t->buckets[f->hash & t->mask];

	if (t->on_end)
		t->on_end(t->arg, f, why);
	while (*link != idx)
		link = &t->pool[*link].hnext; /* idx is in this chain by construction */
	*link = f->hnext;
	f->flags = 0;
	f->hnext = t->free_head;
	t->free_head = idx;
	t->st.active--;
	switch (why) {
	case VG_FLOW_END_TIMEOUT: t->st.ended_timeout++; break;
	case VG_FLOW_END_FORCED: t->st.ended_forced++; break;
	case VG_FLOW_END_SHUTDOWN: t->st.ended_shutdown++; break;
	}
}

static inline uint32_t next_slot(const struct vg_flow_table *t, uint32_t i)
{
	return i + 1 < t->used_tail ? i + 1 : 1;
}

/* Picks the best of EVICT_SAMPLE used records from the hand: a flow that
 * never got a reply before one that did, then the longest idle. */
static uint32_t evict_one(struct vg_flow_table *t)
{
	uint32_t best = VG_FLOW_NIL;
	uint64_t best_score = 0;

	for (int i = 0; i < EVICT_SAMPLE; i++) {
		uint32_t idx = t->hand;
		const struct vg_flow *f = &t->pool[idx];
		uint64_t score;

		t->hand = next_slot(t, t->hand);
		if (!(f->flags & VG_FLOW_USED))
			continue;
		score = t->now_ns - (f->last_ns < t->now_ns ? f->last_ns : t->now_ns);
		if (!f->pkts[1])
			score += 1ull << 62; /* one-sided: forged or unanswered */
		if (best == VG_FLOW_NIL || score > best_score) {
			best = idx;
			best_score = score;
		}
	}
	return best;
}

static uint32_t alloc_record(struct vg_flow_table *t)
{
	uint32_t idx;

	if (t->free_head != VG_FLOW_NIL) {
		idx = t->free_head;
		t->free_head = t->pool[idx].hnext;
		return idx;
	}
	if (t->used_tail <= t->cap)
		return t->used_tail++;
	/* Full: every record is in use, so the sample finds one. */
	idx = evict_one(t);
	release(t, idx, VG_FLOW_END_FORCED);
	t->free_head = t->pool[idx].hnext;
	return idx;
}

/* Per IP protocol, which flow.created.<kind> counter a new flow counts
 * in, as a distance back from created_other (4 tcp, 3 udp, 2 icmpv4,
 * 1 icmpv6, 0 other: unlisted protocols are 0): a load, not a switch on
 * the protocol that mispredicted on the mix of new flows. */
static const uint8_t created_back[256] = {
    [VG_IPPROTO_TCP] = 4,
    [VG_IPPROTO_UDP] = 3,
    [VG_IPPROTO_ICMP] = 2,
    [VG_IPPROTO_ICMPV6] = 1,
};

/* Not inlined: inlined into the batch loop it cost 13 instructions a
 * packet (callgrind) in register pressure, for the 1 packet in 20 that
 * opens a flow. */
static __attribute__((noinline)) struct vg_flow *create(struct vg_flow_table *t,
							const struct vg_flow_key *k, uint32_t h,
							const struct vg_packet *p, bool src_is_lo)
{
	static const uint8_t class_of_back[5] = {3, 2, 2, 1, 0}; /* proto_class */
	uint32_t idx = alloc_record(t);
	struct vg_flow *f = &t->pool[idx];
	uint32_t *head = &t->buckets[h & t->mask];
	unsigned back = created_back[p->proto];

	_Static_assert(
	    offsetof(struct vg_flow_stats, created_udp) ==
		    offsetof(struct vg_flow_stats, created_tcp) + 8 &&
		offsetof(struct vg_flow_stats, created_icmpv4) ==
		    offsetof(struct vg_flow_stats, created_tcp) + 16 &&
		offsetof(struct vg_flow_stats, created_icmpv6) ==
		    offsetof(struct vg_flow_stats, created_tcp) + 24 &&
		offsetof(struct vg_flow_stats, created_other) ==
		    offsetof(struct vg_flow_stats, created_tcp) + 32,
	    "the created.<kind> counters are consecutive: tcp, udp, icmpv4, icmpv6, other");
	_Static_assert(sizeof *f == 96, "every field of the record is written below");
	/* Every field written once (no memset first): a new flow has no
	 * reply, and TCP starts in NONE, so its timeout is its protocol's
	 * "new" one (timeout_index). */
	f->key = *k;
	f->hash = h;
	f->hnext = *head;
	*head = idx;
	f->first_ns = f->last_ns = p->ts_ns;
	f->bytes[0] = f->bytes[1] = 0;
	f->pkts[0] = f->pkts[1] = 0;
	f->flags = (uint8_t)(VG_FLOW_USED | (src_is_lo ? VG_FLOW_CLIENT_LO : 0) |
			     (p->family == 4 ? VG_FLOW_V4 : 0));
	f->tcp_state = VG_TCP_NONE;
	f->tcp_flags[0] = f->tcp_flags[1] = 0;
	f->proto = p->proto;
	f->icmp_type = p->icmp_type;
	f->icmp_code = p->icmp_code;
	f->tmo = (uint8_t)(class_of_back[back] * 3);
	t->due[idx] = due_of(t, f);
	t->st.created++;
	/* Within the stats struct, by byte offset (not past a member). */
	(*(uint64_t *)((char *)&t->st + offsetof(struct vg_flow_stats, created_other) -
		       back * sizeof(uint64_t)))++;
	if (++t->st.active > t->st.active_max)
		t->st.active_max = t->st.active;
	return f;
}

static void tcp_transition(struct vg_flow *f, uint8_t fl, int dir)
{
	if (fl & VG_TH_RST) {
		f->tcp_state = VG_TCP_CLOSED;
		return;
	}
	switch (f->tcp_state) {
	case VG_TCP_NONE:
		if (f->pkts[0] + f->pkts[1] > 0)
			break; /* mid-stream: stays NONE until FIN/RST */
		if ((fl & (VG_TH_SYN | VG_TH_ACK)) == VG_TH_SYN)
			f->tcp_state = VG_TCP_SYN_SENT;
		else if ((fl & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK))
			f->flags |= VG_FLOW_SYN_ACK_FIRST;
		break;
	case VG_TCP_SYN_SENT:
		if (dir == 1 && (fl & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK))
			f->tcp_state = VG_TCP_SYN_RECV;
		break;
	case VG_TCP_SYN_RECV:
		if (dir == 0 && (fl & (VG_TH_SYN | VG_TH_ACK)) == VG_TH_ACK) {
			f->tcp_state = VG_TCP_ESTABLISHED;
			f->flags |= VG_FLOW_HANDSHAKE;
		}
		break;
	default: break;
	}
	if (fl & VG_TH_FIN) {
		if ((f->tcp_flags[0] & VG_TH_FIN) && (f->tcp_flags[1] & VG_TH_FIN))
			f->tcp_state = VG_TCP_CLOSED;
		else if (f->tcp_state == VG_TCP_ESTABLISHED || f->tcp_state == VG_TCP_NONE)
			f->tcp_state = VG_TCP_FIN_WAIT;
	}
}

static inline void tcp_update(struct vg_flow_table *t, struct vg_flow *f, uint8_t fl, int dir)
{
	uint8_t before = f->tcp_state;

	f->tcp_flags[dir] |= fl;
	/* Most segments of a connection change nothing: only SYN, FIN, RST
	 * and the handshake's last ACK move the state. */
	if (!(fl & (VG_TH_SYN | VG_TH_FIN | VG_TH_RST)) && f->tcp_state != VG_TCP_SYN_RECV &&
	    f->tcp_state != VG_TCP_NONE)
		return;
	tcp_transition(f, fl, dir);
	/* SYN_SENT, SYN_RECV, FIN_WAIT keep the timeout of the state before. */
	if (tcp_timeout_state(f->tcp_state) != tcp_timeout_state(before))
		retime(t, f);
}

/* A SYN on a closed connection starts a new one (RFC 9293 3.6.1: the
 * 4-tuple may be reused after close). */
static inline bool is_reuse(const struct vg_flow *f, const struct vg_packet *p)
{
	/* The packet's flags first: a bare SYN is rare, the test is cheap. */
	return (p->tcp_flags & (VG_TH_SYN | VG_TH_ACK)) == VG_TH_SYN &&
	       f->proto == VG_IPPROTO_TCP && tcp_closed(f);
}

/* Word-wise: memcmp on 40 bytes is a library call, this is 10 loads. */
static inline bool key_eq(const struct vg_flow_key *a, const struct vg_flow_key *b)
{
	_Static_assert(sizeof *a == 40, "flow key is 40 bytes");
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3]) | (a->w[4] ^ b->w[4])) == 0;
}

/* The record of key k (hash h, family of p), or NULL. The table's arrays
 * come in as arguments: the caller keeps them in registers (stores to a
 * record's bytes would otherwise force them to be read again). */
static inline struct vg_flow *lookup(struct vg_flow *pool, const uint32_t *buckets, uint32_t mask,
				     const struct vg_flow_key *k, uint32_t h,
				     const struct vg_packet *p, uint32_t *idx_out)
{
	uint8_t v4 = p->family == 4 ? VG_FLOW_V4 : 0;

	for (uint32_t idx = buckets[h & mask]; idx != VG_FLOW_NIL; idx = pool[idx].hnext) {
		struct vg_flow *c = &pool[idx];
		/* The family is compared too: an IPv4 flow and IPv6 packets
		 * between the IPv4-mapped addresses (::ffff:a.b.c.d) have the
		 * same key words but are not the same traffic. */
		if (c->hash == h && key_eq(&c->key, k) && !((c->flags ^ v4) & VG_FLOW_V4)) {
			*idx_out = idx;
			return c;
		}
	}
	return NULL;
}

/* The protocols that make flows: those Suricata calls FlowSetupPacket for
 * (decode-ipv4.c, decode-ipv6.c, and the transport decoders): TCP, UDP,
 * ICMP, ICMPv6, SCTP, ESP, and the outer packets of IP-in-IP and
 * IPv6-in-IPv4 tunnels. Others (IGMP, GRE, OSPF, PIM...) have no flow. */
static inline bool tracked(uint8_t proto)
{
	switch (proto) {
	case VG_IPPROTO_TCP:
	case VG_IPPROTO_UDP:
	case VG_IPPROTO_ICMP:
	case VG_IPPROTO_ICMPV6:
	case VG_IPPROTO_SCTP:
	case VG_IPPROTO_ESP:
	case 4: /* IPv4-in-IP */
	case 41: /* IPv6-in-IP */ return true;
	default: return false;
	}
}

/* An ICMPv4 destination unreachable that quotes a TCP, UDP or SCTP
 * header belongs to the flow of the quoted packet, as Suricata counts it
 * (flow-hash.c: the hash and compare use the embedded tuple): the key is
 * built from the quoted header, as if the quoted packet were sent again. */
static inline bool icmp_err_of_flow(const struct vg_packet *p)
{
	return VG_UNLIKELY(p->proto == VG_IPPROTO_ICMP) && p->icmp_type == 3 &&
	       (p->flags & (VG_PKT_ICMP_ERR | VG_PKT_INNER_PORTS)) ==
		   (VG_PKT_ICMP_ERR | VG_PKT_INNER_PORTS) &&
	       p->inner.family == 4;
}

static VG_COLD void make_inner_key(struct vg_flow_key *k, const struct vg_packet *p)
{
	struct vg_packet q;

	memset(&q, 0, sizeof q);
	q.family = 4;
	q.proto = p->inner.proto;
	q.src = p->inner.src;
	q.dst = p->inner.dst;
	q.sport = p->inner.sport;
	q.dport = p->inner.dport;
	q.vlan[0] = p->vlan[0];
	q.vlan[1] = p->vlan[1];
	make_key(k, &q);
}

/* The ICMP error counted in the quoted packet's flow f: to the server if
 * it comes from the client, else to the client (Suricata's
 * FlowGetPacketDirection for ICMP); no TCP state change. */
static VG_COLD void count_icmp_err(struct vg_flow *f, const struct vg_packet *p)
{
	struct vg_flow_ends e;
	int dir;

	vg_flow_ends(f, &e);
	dir = memcmp(e.client.b, p->src.b, 4) != 0;
	f->pkts[dir]++;
	f->bytes[dir] += p->caplen;
	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
	f->flags |= VG_FLOW_ICMP_ERR;
}

#define DUE_RUN 64 /* slots the hand lists per run */

/* Advances the hand so that it passes every used slot once per
 * sweep_period of packet time (at most sweep_max slots per call) and ends
 * the flows idle past their timeout. The cost follows packet time, not
 * packet count: a busy link does not pay more per packet for expiry.
 * Expired flows are collected first and their buckets prefetched, so the
 * chain unlinks do not each wait on a cold bucket. */
static void expire_step(struct vg_flow_table *t)
{
	uint64_t period = (uint64_t)t->cfg.sweep_period_s * NS_PER_S, owed, now = t->now_ns;
	uint32_t n, found[32], nf = 0, hand, tail = t->used_tail, now_u = due_units(now);
	const struct vg_flow *pool = t->pool;
	uint32_t *due = t->due;

	if (t->used_tail <= 1 || t->now_ns <= t->sweep_ns || !t->sweep_ns) {
		t->sweep_ns = t->now_ns; /* first call, or time went back */
		return;
	}
	/* credit is in slot-nanoseconds: used slots times elapsed time. */
	t->sweep_credit += (uint64_t)(t->used_tail - 1) * (t->now_ns - t->sweep_ns);
	t->sweep_ns = t->now_ns;
	owed = period ? t->sweep_credit / period : t->used_tail - 1;
	if (owed > t->used_tail - 1) /* after a jump in time: one full pass */
		owed = t->used_tail - 1;
	n = owed > t->cfg.sweep_max ? t->cfg.sweep_max : (uint32_t)owed;
	t->sweep_credit = period && owed > n ? (owed - n) * period : t->sweep_credit - n * period;
	/* The hand walks runs of slots up to the pool's used tail, then
	 * wraps to 1; nothing is released before the walk ends, so the tail
	 * does not move under it. */
	hand = t->hand;
	while (n) {
		uint32_t end = tail - hand > n ? hand + n : tail;

		n -= end - hand;
		while (hand < end) {
			/* A run of slots in two passes: list the due ones (no
			 * branch per slot) and prefetch their records, then look
			 * at them in order. The records the hand reaches were
			 * last touched long ago: read one by one, each load
			 * missed (most of the hand's time). */
			uint32_t cend = end - hand > DUE_RUN ? hand + DUE_RUN : end, cand[DUE_RUN],
				 nc = 0;

			for (uint32_t j = hand; j < cend; j++) {
				cand[nc] = j;
				nc += due[j] <= now_u;
			}
			for (uint32_t c = 0; c < nc; c++) {
				/* hash .. tmo: bytes 44-95, on one or two lines */
				VG_PREFETCH(&pool[cand[c]].hash);
				VG_PREFETCH(&pool[cand[c]].tmo);
			}
			hand = cend;
			for (uint32_t c = 0; c < nc; c++) {
				uint32_t slot = cand[c];
				const struct vg_flow *f = &pool[slot];

				if (!(f->flags & VG_FLOW_USED)) {
					due[slot] = DUE_NEVER; /* free: not looked at again */
					continue;
				}
				if (!(f->last_ns < now && now - f->last_ns > t->tmo_ns[f->tmo])) {
					due[slot] = due_of(t, f);
					continue;
				}
				/* Its bucket for the unlink, and its first line (the
				 * key: the end hooks read the flow's ends first). */
				VG_PREFETCH(&t->buckets[f->hash & t->mask]);
				VG_PREFETCH(f);
				found[nf++] = slot;
				if (nf == VG_ARRAY_LEN(found)) {
					/* Full: the hand stops just past this flow. */
					hand = slot + 1;
					end = hand;
					n = 0;
					break;
				}
			}
		}
		if (hand >= tail)
			hand = 1;
	}
	t->hand = hand;
	if (t->end_prefetch)
		for (uint32_t i = 0; i < nf; i++)
			t->end_prefetch(t->prefetch_arg, &t->pool[found[i]]);
	for (uint32_t i = 0; i < nf; i++)
		release(t, found[i], VG_FLOW_END_TIMEOUT);
}

#define BATCH_MAX 256
#define QUOTED    2

#define PREFETCH_BUCKET 16
#define PREFETCH_RECORD 8

/* Both always inlined: as plain functions gcc 12 judged them free of side
 * effects (a prefetch does not count) and dropped every call to
 * prefetch_record, so no record was ever prefetched. hashes[] holds 0 for
 * packets without a flow and past the batch's end: their prefetches load
 * bucket 0 and its record, harmless, and spare a test per packet. */
static inline __attribute__((always_inline)) void
prefetch_bucket(const uint32_t *buckets, uint32_t mask, const uint64_t *hashes, unsigned i)
{
	VG_PREFETCH(&buckets[(uint32_t)hashes[i] & mask]);
}

static inline __attribute__((always_inline)) void
prefetch_record(const struct vg_flow *pool, const uint32_t *buckets, uint32_t mask,
		const uint64_t *hashes, unsigned i)
{
	uint32_t idx = buckets[(uint32_t)hashes[i] & mask];

	/* A 96-byte record spans two cache lines: fetch both (record 0 is
	 * never used, and harmless to fetch). */
	VG_PREFETCH(&pool[idx]);
	/* Its last byte from the same address (&pool[idx + 1] made gcc
	 * compute a second index, in case idx + 1 wraps). */
	VG_PREFETCH((const char *)&pool[idx] + sizeof *pool - 1);
}

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize")))
#endif
static unsigned
update_chunk(struct vg_flow_table *t, struct vg_packet *pkts, unsigned n, struct vg_flow **flows)
{
	struct vg_flow_key keys[BATCH_MAX];
	uint64_t hashes[BATCH_MAX + PREFETCH_BUCKET];
	uint8_t lo[BATCH_MAX]; /* 1: the source is key.lo; QUOTED: an ICMP error's inner key */
	struct vg_flow *pool = t->pool;
	const uint32_t *buckets = t->buckets;
	uint32_t mask = t->mask;
	uint64_t seed = t->cfg.hash_seed;
	unsigned i, none = 0;

	for (i = 0; i < n; i++) {
		struct vg_packet *p = &pkts[i];

		/* Most packets: TCP or UDP, not a fragment. */
		if (VG_LIKELY((p->flags & (VG_PKT_IP | VG_PKT_FRAG)) == VG_PKT_IP &&
			      (p->proto == VG_IPPROTO_TCP || p->proto == VG_IPPROTO_UDP))) {
			/* Two copies, one per family: in the IPv4 one gcc knows
			 * half the key's words are constants and folds them. */
			if (VG_LIKELY(p->family == 4)) {
				lo[i] = make_key(&keys[i], p);
				hashes[i] = key_hash(&keys[i], 4, seed);
			} else {
				lo[i] = make_key(&keys[i], p);
				hashes[i] = key_hash(&keys[i], p->family, seed);
			}
			continue;
		}
		hashes[i] = 0; /* no flow: prefetches load bucket 0 */
		if (!(p->flags & VG_PKT_IP)) {
			none++;
			continue;
		}
		if (VG_UNLIKELY(!tracked(p->proto))) {
			t->st.not_tracked++;
			p->flags &= ~(uint32_t)VG_PKT_IP; /* marks "no flow" below */
			none++;
			continue;
		}
		if (VG_UNLIKELY(p->flags & VG_PKT_FRAG)) {
			if (p->flags & VG_PKT_FRAG_FIRST) {
				vg_frag_remember(&t->frags, p);
			} else if (vg_frag_lookup(&t->frags, p)) {
				t->st.frag_matched++;
			} else {
				t->st.no_flow++;
				p->flags &= ~(uint32_t)VG_PKT_IP; /* marks "no flow" below */
				none++;
				continue;
			}
		}
		if (VG_UNLIKELY(icmp_err_of_flow(p))) {
			make_inner_key(&keys[i], p);
			lo[i] = QUOTED;
		} else {
			lo[i] = make_key(&keys[i], p);
		}
		hashes[i] = key_hash(&keys[i], p->family, seed);
	}
	for (i = n; i < n + PREFETCH_BUCKET; i++)
		hashes[i] = 0;
	/* Loads run PREFETCH_BUCKET packets ahead for buckets and
	 * PREFETCH_RECORD ahead for records (found in the bucket fetched
	 * earlier): enough to hide the latency, few enough that the misses in
	 * flight do not exceed the core's miss buffers (issuing all of a
	 * batch's prefetches at once stalled on them). */
	for (i = 0; i < PREFETCH_BUCKET; i++)
		prefetch_bucket(buckets, mask, hashes, i);
	for (i = 0; i < PREFETCH_RECORD; i++)
		prefetch_record(pool, buckets, mask, hashes, i);
	for (i = 0; i < n; i++) {
		struct vg_packet *p = &pkts[i];
		struct vg_flow *f;
		uint32_t h, idx = VG_FLOW_NIL;
		int dir;
		bool fresh;

		prefetch_bucket(buckets, mask, hashes, i + PREFETCH_BUCKET);
		prefetch_record(pool, buckets, mask, hashes, i + PREFETCH_RECORD);
		if (!(p->flags & VG_PKT_IP)) {
			flows[i] = NULL;
			continue;
		}
		/* "Now" is the time of the latest packet, even if it goes back
		 * (files given out of order): a flow is judged by the time of the
		 * traffic it is part of, never by another file's clock. */
		t->now_ns = p->ts_ns;
		h = (uint32_t)hashes[i];
		f = lookup(pool, buckets, mask, &keys[i], h, p, &idx);
		if (VG_UNLIKELY(lo[i] == QUOTED)) {
			if (f) {
				count_icmp_err(f, p);
				t->st.icmp_err_matched++;
				flows[i] = f;
				continue;
			}
			/* The quoted packet's flow is not (or no longer) here:
			 * the error is an ICMP flow of its own. */
			lo[i] = make_key(&keys[i], p);
			hashes[i] = key_hash(&keys[i], p->family, t->cfg.hash_seed);
			h = (uint32_t)hashes[i];
			f = lookup(pool, buckets, mask, &keys[i], h, p, &idx);
		}
		if (f &&
		    VG_UNLIKELY(is_reuse(f, p) || (f->last_ns < p->ts_ns &&
						   p->ts_ns - f->last_ns > t->tmo_ns[f->tmo]))) {
			if (is_reuse(f, p))
				t->st.tcp_reuse++;
			release(t, idx, VG_FLOW_END_TIMEOUT);
			f = NULL;
		}
		fresh = !f;
		if (fresh)
			f = create(t, &keys[i], h, p, lo[i]);
		_Static_assert(VG_FLOW_CLIENT_LO == 1, "CLIENT_LO is bit 0");
		dir = (lo[i] ^ f->flags) & VG_FLOW_CLIENT_LO; /* 0: toserver */
		if (p->proto == VG_IPPROTO_TCP && (p->flags & VG_PKT_PORTS))
			tcp_update(t, f, p->tcp_flags, dir);
		/* & rather than &&: dir is a coin toss, a branch on it alone
		 * would mispredict half the time. */
		if (VG_UNLIKELY((dir == 1) & (f->pkts[1] == 0))) {
			f->pkts[1] = 1;                 /* first reply: the flow is established */
			if (f->proto != VG_IPPROTO_TCP) /* TCP's timeout follows its state */
				retime(t, f);
		} else {
			f->pkts[dir]++;
		}
		f->bytes[dir] += p->caplen;
		if (p->ts_ns > f->last_ns)
			f->last_ns = p->ts_ns;
		flows[i] = f;
		/* The app stage first, so that a detector seeing the same packet
		 * finds its metadata: payload packets, the first few per side. */
		/* The packet count first: it is rarely small enough (never when
		 * no stage wants payloads), while a payload is a coin toss. */
		if (f->pkts[dir] <= t->payload_pkts && p->payload_len)
			t->on_payload(t->payload_arg, p, f, dir);
		if (t->on_packet &&
		    (fresh || (p->tcp_flags & VG_TH_SYN) || (f->flags & VG_FLOW_WATCH)))
			t->on_packet(t->packet_arg, p, f, dir);
	}
	expire_step(t);
	return none;
}

unsigned vg_flow_update_batch(struct vg_flow_table *t, struct vg_packet *pkts, unsigned n,
			      struct vg_flow **flows)
{
	unsigned none = 0;

	/* The per-batch arrays live on the stack: longer batches go in chunks. */
	for (unsigned done = 0; done < n; done += BATCH_MAX)
		none += update_chunk(t, pkts + done, n - done < BATCH_MAX ? n - done : BATCH_MAX,
				     flows + done);
	return none;
}

void vg_flow_table_advance(struct vg_flow_table *t, uint64_t now_ns)
{
	if (now_ns <= t->now_ns)
		return;
	t->now_ns = now_ns;
	expire_step(t);
}

void vg_flow_table_expire_all(struct vg_flow_table *t)
{
	for (uint32_t i = 1; i < t->used_tail; i++)
		if ((t->pool[i].flags & VG_FLOW_USED) && is_expired(t, &t->pool[i]))
			release(t, i, VG_FLOW_END_TIMEOUT);
	t->sweep_credit = 0;
}

void vg_flow_table_flush(struct vg_flow_table *t)
{
	for (uint32_t i = 1; i < t->used_tail; i++)
		if (t->pool[i].flags & VG_FLOW_USED)
			release(t, i, VG_FLOW_END_SHUTDOWN);
}

const struct vg_flow_stats *vg_flow_table_stats(const struct vg_flow_table *t)
{
	return &t->st;
}

uint32_t vg_flow_table_capacity(const struct vg_flow_table *t)
{
	return t->cap;
}

uint32_t vg_flow_bytes_per_flow(const struct vg_flow_table *t)
{
	uint64_t buckets = (uint64_t)t->mask + 1;

	return (uint32_t)(sizeof(struct vg_flow) + sizeof *t->due +
			  (buckets * sizeof(uint32_t) + t->cap - 1) / t->cap);
}

/* A key address as the packets carry it: IPv4 (mapped in bytes 12-15
 * of the key) back in bytes 0-3, the rest zero. Word-wise, as the key is
 * built (little-endian words, see addr_words). */
static inline void key_addr(const struct vg_addr *k, bool v4, struct vg_addr *out)
{
	uint64_t w[2];

	memcpy(w, k->b, 16);
	if (v4) {
		w[0] = w[1] >> 32;
		w[1] = 0;
	}
	memcpy(out->b, w, 16);
}

void vg_flow_ends(const struct vg_flow *f, struct vg_flow_ends *e)
{
	bool lo = f->flags & VG_FLOW_CLIENT_LO, v4 = f->flags & VG_FLOW_V4;
	const struct vg_addr *c = lo ? &f->key.lo : &f->key.hi, *s = lo ? &f->key.hi : &f->key.lo;

	key_addr(c, v4, &e->client);
	key_addr(s, v4, &e->server);
	e->client_port = lo ? f->key.port_lo : f->key.port_hi;
	e->server_port = lo ? f->key.port_hi : f->key.port_lo;
	e->family = v4 ? 4 : 6;
}

const char *vg_tcp_state_name(const struct vg_flow *f)
{
	static const char *const names[] = {
	    [VG_TCP_NONE] = "none",          [VG_TCP_SYN_SENT] = "syn_sent",
	    [VG_TCP_SYN_RECV] = "syn_recv",  [VG_TCP_ESTABLISHED] = "established",
	    [VG_TCP_FIN_WAIT] = "fin_wait1", [VG_TCP_CLOSED] = "closed",
	};
	return f->tcp_state < VG_ARRAY_LEN(names) ? names[f->tcp_state] : "none";
}

const char *vg_flow_state_name(const struct vg_flow *f)
{
	if (f->proto == VG_IPPROTO_TCP) {
		if (tcp_closed(f))
			return "closed";
		if (f->tcp_state >= VG_TCP_ESTABLISHED)
			return "established";
		return "new";
	}
	return f->pkts[1] ? "established" : "new";
}

const char *vg_flow_end_name(enum vg_flow_end why)
{
	switch (why) {
	case VG_FLOW_END_FORCED: return "forced";
	case VG_FLOW_END_SHUTDOWN: return "shutdown";
	default: return "timeout";
	}
}

uint64_t vg_flow_id(const struct vg_flow *f)
{
	/* 51 bits: exact in JSON numbers read as doubles, as Suricata's. */
	return vg_hash_mix((uint64_t)f->hash << 32 | f->key.port_lo, f->first_ns | 1) &
	       ((1ull << 51) - 1);
}
