/*
 * flood.c - floods against one victim: SYN floods (flood.syn), UDP and
 * ICMP floods (flood.udp, flood.icmp) and reflection (flood.reflection:
 * answers the victim never asked for, from DNS, NTP, SSDP, memcached,
 * CLDAP, chargen, SNMP, IKE NAT-T, BACnet, ... or TCP SYN-ACKs).
 *
 * Method: every flow is judged when it ends (one lookup per flow, none per
 * packet), and only one-sided traffic counts (but ICMP echo, which the
 * victim's kernel answers even when flooded): a SYN flood is half-open
 * connections (the handshake never completed), not SYNs - a busy, healthy
 * server completes its handshakes; a UDP or ICMP flood is datagrams the
 * victim never answered; reflection is a flow whose first packet came
 * from an amplifier's service port (or was a SYN-ACK), i.e. a reply to a
 * request the victim did not send. Per (victim, kind), packets, bytes,
 * first and last time, distinct sources (HyperLogLog) and the top
 * source (Misra-Gries, 4 counters) are kept; a run of such traffic ends
 * after detect.flood.idle seconds of packet time without any, and is an
 * attack if it holds at least detect.flood.packets packets at an average
 * of detect.flood.pps per second or more (runs shorter than a second
 * count as a second: a 0.15 s burst of 6,651 SYN-ACKs is 6,651 per s).
 *
 * Forged sources: floods from millions of addresses fill the flow table,
 * whose eviction ends their flows early - each still counts here, once.
 * Memory: a fixed table of detect.flood.victims (victim, kind) entries of
 * about 280 bytes; a run's first SRC_EXACT distinct sources are kept
 * exactly, and a run that reaches HLL_AFTER packets (every flood does)
 * takes a 1 KiB HyperLogLog from a pool of HLL_POOL_MAX at most, fed the
 * exact sources first. Most runs (a host pinged a few times) never need
 * one: the table stays small and cache-friendly. Sources of a run between
 * its SRC_EXACT-th distinct one and the HyperLogLog's start are not
 * counted (at most HLL_AFTER packets' worth, within the estimate's error
 * for a flood from thousands); with the pool empty the count is a lower
 * bound and the evidence says so.
 *
 * THREAT: addresses, ports and counts are the attacker's; all of it lands
 * in a fixed table and counters.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S     1000000000ull
#define HLL_BITS     10 /* 1,024 registers: about 3% error */
#define HLL_M        (1u << HLL_BITS)
#define TOP_K        4
#define SRC_EXACT    8    /* distinct sources kept exactly before a HyperLogLog */
#define HLL_AFTER    64   /* packets of a run before it gets one */
#define HLL_POOL_MAX 4096 /* HyperLogLogs at once (4 MiB) */

enum kind { K_SYN, K_UDP, K_ICMP, K_REFL, K_N };

static const char *const kind_names[K_N] = {"flood.syn", "flood.udp", "flood.icmp",
					    "flood.reflection"};

/* Source ports of services abused for amplification (US-CERT TA14-017A
 * and later reports), and of IKE NAT-T and BACnet seen in the corpus. */
static const uint16_t amplifier_ports[] = {
    17, 19, 53, 69, 111, 123, 137, 161, 389, 500, 1900, 3283, 3702, 4500, 5353, 11211, 37810, 47808,
};

struct top {
	struct vg_addr addr;
	uint64_t count;
};

struct victim_key {
	struct vg_addr addr;
	uint32_t kind, family;
};

struct victim {
	struct victim_key key; /* first: the table's key */
	uint64_t first_ns, last_ns, packets, bytes, flows;
	uint64_t attack_id, reported_ns; /* id once reported; time of that report */
	uint64_t src[SRC_EXACT];         /* hashes of the first distinct sources */
	uint32_t hll;                    /* 1 + its HyperLogLog in the pool, 0: none */
	uint8_t n_src;                   /* entries of src[] */
	uint8_t src_more;                /* sources were seen that src[] could not hold */
	struct top top[TOP_K];
	struct vg_addr first_src; /* of the run's earliest flow */
	uint16_t port;            /* the victim's port, of the run's earliest flow */
	uint8_t proto;
};

struct flood_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	uint64_t seed, idle_ns, update_ns;
	struct vg_open_list live;             /* entries holding traffic, checked at ticks */
	uint8_t *hll_pool;                    /* hll_cap blocks of HLL_M registers */
	uint32_t hll_cap, hll_used, hll_free; /* free list: 1 + block, through its first bytes */
	uint64_t hash[VG_DETECT_RING];        /* per view slot: its victim key's hash */
};

static bool amplifier(uint16_t port)
{
	for (size_t i = 0; i < VG_ARRAY_LEN(amplifier_ports); i++)
		if (amplifier_ports[i] == port)
			return true;
	return false;
}

/* HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007): forged floods
 * have millions of sources, so the count must not saturate; small counts
 * use linear counting over the empty registers, as the paper advises. */
static void hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - HLL_BITS));
	uint8_t rank = (uint8_t)(__builtin_clzll((h << HLL_BITS) | (1ull << (HLL_BITS - 1))) + 1);

	if (rank > reg[idx])
		reg[idx] = rank;
}

static uint32_t hll_count(const uint8_t *reg)
{
	double sum = 0, m = HLL_M, est;
	unsigned zeros = 0;

	for (unsigned i = 0; i < HLL_M; i++) {
		sum += 1.0 / (double)(1ull << (reg[i] & 63));
		zeros += !reg[i];
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);
	return (uint32_t)lround(est);
}

static uint8_t *hll_of(const struct flood_state *s, const struct victim *v)
{
	return s->hll_pool + (size_t)(v->hll - 1) * HLL_M;
}

/* A source of the run: exact while few, then into a HyperLogLog taken
 * from the pool once the run has HLL_AFTER packets. */
static void source_add(struct flood_state *s, struct victim *v, uint64_t h)
{
	if (v->hll) {
		hll_add(hll_of(s, v), h);
		return;
	}
	for (unsigned i = 0; i < v->n_src; i++)
		if (v->src[i] == h)
			goto promote;
	if (v->n_src < SRC_EXACT)
		v->src[v->n_src++] = h;
	else
		v->src_more = 1;
promote:
	if (v->packets < HLL_AFTER || (!s->hll_free && s->hll_used >= s->hll_cap))
		return;
	if (s->hll_free) {
		v->hll = s->hll_free;
		memcpy(&s->hll_free, hll_of(s, v), sizeof s->hll_free);
	} else {
		v->hll = ++s->hll_used;
	}
	memset(hll_of(s, v), 0, HLL_M);
	for (unsigned i = 0; i < v->n_src; i++)
		hll_add(hll_of(s, v), v->src[i]);
}

/* Misra-Gries: the heaviest sources survive in TOP_K counters. */
static void top_add(struct victim *v, const struct vg_addr *src, uint64_t n)
{
	int empty = -1;

	for (int i = 0; i < TOP_K; i++) {
		if (v->top[i].count && !memcmp(&v->top[i].addr, src, sizeof *src)) {
			v->top[i].count += n;
			return;
		}
		if (!v->top[i].count && empty < 0)
			empty = i;
	}
	if (empty >= 0) {
		v->top[empty].addr = *src;
		v->top[empty].count = n;
		return;
	}
	for (int i = 0; i < TOP_K; i++)
		v->top[i].count = v->top[i].count > n ? v->top[i].count - n : 0;
}

/* Reports the run if it is a flood (or was reported as one already):
 * final when it has ended, else an interim update. */
static void report(struct flood_state *s, struct victim *v, bool final)
{
	uint64_t dur = v->last_ns - v->first_ns;
	double secs = dur < NS_PER_S ? 1.0 : (double)dur / NS_PER_S;
	double pps = (double)v->packets / secs;
	uint32_t sources;
	int best = 0;
	struct vg_attack a;

	if (v->attack_id ||
	    (v->packets >= s->env.cfg->flood_packets && pps >= s->env.cfg->flood_pps)) {
		sources = v->hll ? hll_count(hll_of(s, v)) : v->n_src; /* only for floods */
		for (int i = 1; i < TOP_K; i++)
			if (v->top[i].count > v->top[best].count)
				best = i;
		if (!v->attack_id)
			v->attack_id = (*s->env.next_attack_id)++;
		v->reported_ns = v->last_ns;
		memset(&a, 0, sizeof a);
		a.id = v->attack_id;
		a.kind = kind_names[v->key.kind];
		/* The heaviest source if one sent more than once; else (forged,
		 * one packet each) the first. */
		a.src = v->top[best].count >= 2 ? v->top[best].addr : v->first_src;
		a.dst = v->key.addr;
		a.family = v->key.family;
		a.proto = v->proto;
		a.direction = vg_cidr_match(s->env.home, &v->key.addr, v->key.family) ? "inbound"
			      : vg_cidr_match(s->env.home, &a.src, v->key.family)     ? "outbound"
										      : "transit";
		a.severity = 2;
		a.final = final;
		a.start_ns = v->first_ns;
		a.end_ns = v->last_ns;
		a.packets = v->packets;
		a.bytes = v->bytes;
		a.attempts = v->packets;
		a.victims = 1;
		a.n_victim_ips = 1;
		a.victim_ips[0] = v->key.addr;
		if (v->key.kind != K_ICMP) { /* ICMP has no ports */
			a.ports = 1;
			a.n_ports = 1;
			a.port_list[0] = v->port;
		}
		snprintf(a.evidence, sizeof a.evidence,
			 "%llu packets in %.2f s (%.0f per s average) from %s %u sources%s",
			 (unsigned long long)v->packets, (double)dur / NS_PER_S, pps,
			 v->hll        ? "about"
			 : v->src_more ? "at least"
				       : "exactly",
			 sources,
			 sources > 1000 && sources * 2 > v->flows
			     ? " (most sent once or twice: forged or reflectors)"
			     : "");
		s->env.emit(s->env.emit_arg, &a);
	}
}

static void end_run(struct flood_state *s, struct victim *v)
{
	report(s, v, true);
	if (v->hll) { /* its HyperLogLog goes back to the pool */
		uint32_t b = v->hll;
		memcpy(hll_of(s, v), &s->hll_free, sizeof s->hll_free);
		s->hll_free = b;
	}
	vg_dtable_remove(&s->t, v);
}

static void evict(void *owner, void *rec)
{
	end_run(owner, rec);
}

static struct victim *find(struct flood_state *s, const struct victim_key *k, uint64_t h,
			   uint64_t now)
{
	struct victim *v = vg_dtable_find_h(&s->t, k, h, false, now);

	if (v)
		return v;
	v = vg_dtable_find_h(&s->t, k, h, true, now);
	vg_open_add(&s->live, &s->t, v); /* busy: a run to judge before reuse */
	return v;
}

/* The kind of run a flow belongs to, K_N if none. */
static enum kind kind_of(const struct vg_flow_view *view)
{
	const struct vg_flow *f = view->f;
	const struct vg_flow_ends *e = &view->e;

	/* Answered traffic is a busy service, not a flood - except ICMP echo:
	 * a host's kernel answers a ping flood, and thousands of echo
	 * requests a second are a flood all the same. An ICMP unreachable
	 * counted in the flow (flow.c) is no answer either. */
	if ((f->pkts[1] != 0) & !(f->flags & (VG_FLOW_SYN_ACK_FIRST | VG_FLOW_ICMP_ERR)) &
	    (f->proto != VG_IPPROTO_ICMP) & (f->proto != VG_IPPROTO_ICMPV6))
		return K_N; /* the tests with &: one branch */
	switch (f->proto) {
	case VG_IPPROTO_TCP:
		if (f->flags & VG_FLOW_SYN_ACK_FIRST)
			return K_REFL;
		if ((f->tcp_flags[0] & VG_TH_SYN) && !(f->flags & VG_FLOW_HANDSHAKE))
			return K_SYN;
		return K_N;
	case VG_IPPROTO_UDP:
		return amplifier(e->client_port) && !amplifier(e->server_port) ? K_REFL : K_UDP;
	case VG_IPPROTO_ICMP:
	case VG_IPPROTO_ICMPV6:
		if (f->icmp_type != (f->proto == VG_IPPROTO_ICMP ? 8 : 128))
			return K_N;
		return K_ICMP;
	default: return K_N;
	}
}

static void flood_on_flow_end(void *state, const struct vg_flow_view *view,
			      const struct vg_app_flow *meta)
{
	struct flood_state *s = state;
	const struct vg_flow *f = view->f;
	const struct vg_flow_ends *e = &view->e;
	enum kind k = kind_of(view);
	struct victim_key key;
	struct victim *v;
	uint64_t h;

	(void)meta;

	if (k == K_N)
		return;
	key = (struct victim_key){e->server, (uint32_t)k, e->family};
	h = view->prefetched ? s->hash[view->slot] : vg_dtable_hash(&s->t, &key);
	v = find(s, &key, h, f->first_ns);
	if (v->packets && f->first_ns > v->last_ns && f->first_ns - v->last_ns > s->idle_ns) {
		end_run(s, v); /* a pause: what came before was one run */
		v = find(s, &key, h, f->first_ns);
	}
	/* The earliest flow (the lowest source on a tie) names the run's
	 * port, and its source when none repeats: the same whatever order
	 * the flows end in (with read --workers, tables end them apart). */
	if (!v->packets || f->first_ns < v->first_ns ||
	    (f->first_ns == v->first_ns && memcmp(e->client.b, v->first_src.b, 16) < 0)) {
		v->first_src = e->client;
		v->port = e->server_port;
	}
	if (!v->packets) {
		v->first_ns = f->first_ns;
		v->proto = f->proto;
	}
	if (f->first_ns < v->first_ns)
		v->first_ns = f->first_ns;
	if (f->last_ns > v->last_ns)
		v->last_ns = f->last_ns;
	v->packets += f->pkts[0];
	v->bytes += f->bytes[0];
	v->flows++;
	vg_dtable_touch(&s->t, v, v->last_ns);
	{
		uint64_t sk[2];
		memcpy(sk, e->client.b, 16);
		source_add(s, v, vg_hash_words(sk, sizeof sk, s->seed));
	}
	top_add(v, &e->client, f->pkts[0]);
}

static void flood_prefetch(void *state, const struct vg_flow_view *view)
{
	struct flood_state *s = state;
	enum kind k = kind_of(view);
	struct victim_key key;

	if (k == K_N)
		return;
	key = (struct victim_key){view->e.server, (uint32_t)k, view->e.family};
	s->hash[view->slot] = vg_dtable_hash(&s->t, &key);
	vg_dtable_prefetch_h(&s->t, s->hash[view->slot]);
}

/* An entry holding traffic at a tick (vg_open_fn): its run ended when idle, else
 * reported if it went on since the last report; 0 once its record is gone
 * (the run ended, now or by eviction), else when it needs its next look
 * (vg_open_next). */
static uint64_t tick_live(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct flood_state *s = owner;
	struct victim *v = rec;

	if (!vg_dtable_used(&s->t, slot))
		return 0; /* its run ended (or it was evicted) since */
	if (end || vg_open_idle(now_ns, v->last_ns, s->idle_ns))
		end_run(s, v);
	else if (s->update_ns &&
		 v->last_ns - (v->attack_id ? v->reported_ns : v->first_ns) >= s->update_ns)
		report(s, v, false); /* a flood still under way */
	if (!vg_dtable_used(&s->t, slot))
		return 0;
	return vg_open_next(now_ns, v->last_ns, s->idle_ns,
			    v->attack_id ? v->reported_ns : v->first_ns, s->update_ns);
}

static void flood_on_tick(void *state, uint64_t now_ns)
{
	struct flood_state *s = state;

	vg_open_walk(&s->live, &s->t, tick_live, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static void flood_configure(void *state)
{
	struct flood_state *s = state;

	s->idle_ns = (uint64_t)s->env.cfg->flood_idle_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
}

static int flood_init(void *state, const struct vg_detect_env *env)
{
	struct flood_state *s = state;

	s->env = *env;
	s->seed = env->seed ^ 0x666c6f6f64ull;
	flood_configure(s);
	s->hll_cap =
	    env->cfg->flood_victims < HLL_POOL_MAX ? env->cfg->flood_victims : HLL_POOL_MAX;
	s->hll_pool = vg_table_alloc((size_t)s->hll_cap * HLL_M); /* pages touched as used */
	if (!s->hll_pool)
		return VG_ENOMEM;
	if (vg_dtable_init(&s->t, env->cfg->flood_victims, sizeof(struct victim),
			   sizeof(struct victim_key), s->seed, evict, s) < 0) {
		vg_table_free(s->hll_pool, (size_t)s->hll_cap * HLL_M);
		s->hll_pool = NULL;
		return VG_ENOMEM;
	}
	return 0;
}

static void flood_fini(void *state)
{
	struct flood_state *s = state;

	for (uint32_t i = 0; i < s->t.cap; i++)
		if (vg_dtable_used(&s->t, i))
			end_run(s, vg_dtable_at(&s->t, i));
	vg_open_free(&s->live);
	vg_dtable_fini(&s->t);
	vg_table_free(s->hll_pool, (size_t)s->hll_cap * HLL_M);
	s->hll_pool = NULL;
}

const struct vg_detector vg_detector_flood = {
    .name = "flood",
    .enabled_off = offsetof(struct vg_detect_config, flood_on),
    .state_size = sizeof(struct flood_state),
    .wants = 0,
    .init = flood_init,
    .prefetch_flow_end = flood_prefetch,
    .on_flow_end = flood_on_flow_end,
    .reconfigure = flood_configure,
    .on_tick = flood_on_tick,
    .table_off = {offsetof(struct flood_state, t)},
    .fini = flood_fini,
};
