/*
 * beacon.c - a home terminal calling the same external endpoint at
 * near-regular intervals (malware.beacon): the check-in of an implant to
 * its command-and-control server.
 *
 * Method, scored the way RITA (Active Countermeasures) scores beacons,
 * from connection starts and sizes only (flow ends: no packet hook). Per
 * (terminal, external address, service port, protocol) the last RING
 * connection starts and the bytes the terminal sent in each are kept in a
 * ring, with the count, first and last start of the run. When a pair has
 * made detect.beacon.min_conns connections over at least
 * detect.beacon.min_span seconds, its ring is scored, each part in [0, 1]:
 *
 * - timing: the intervals between sorted starts (zero intervals dropped,
 *   as parallel connections of one check-in are not a new interval):
 *   skew = 1 - |Bowley skewness| ((Q1 + Q3 - 2 Q2) / (Q3 - Q1), taken as 0
 *   when Q3 - Q1 < 10 s or the median equals a quartile: a tight
 *   distribution is symmetric enough); dispersion = (median - MADM) /
 *   median (MADM: median absolute deviation about the median), so jitter
 *   small against the interval scores near 1; cadence = (starts - 1) x
 *   median interval / span of the ring, at most 1: the connections fill
 *   their time at the median rhythm instead of coming in bursts.
 * - size: the same skew and dispersion over the bytes sent per connection
 *   (dispersion 0 when the median is under 1 byte), and smallness = 1 -
 *   mode / 65535: check-ins are small and alike.
 * - score = (timing + size) / 2, the mean of the six parts (RITA's
 *   timestamp and data-size scores, with cadence for its connection-count
 *   score). At detect.beacon.score hundredths or more the pair is an
 *   attack, reported until it goes quiet for detect.beacon.idle seconds
 *   or four median intervals, whichever is longer.
 *
 * Only flows a home terminal opened to an address outside the home
 * network count; destinations in detect.beacon.allow and services in
 * detect.beacon.allow_ports (NTP by default: clients poll it at fixed
 * intervals by design) are skipped before any lookup.
 *
 * Memory, all fixed at start (detect.beacon.pairs = P): a pair's first
 * connection only goes into a direct-mapped cache of P entries (80 bytes;
 * most pairs never have a second: a page, a lookup; a pair whose entry
 * another pair took before its second connection loses that first one);
 * its second makes a record in a table of P (about 160 bytes, seeded
 * hash, 8 slots to a line, the least recently active reused - an open
 * attack there is reported first) and takes a ring (768 bytes) from a
 * pool of as many, given back when the pair ends or loses its slot (a
 * pool of fewer would leave new pairs waiting behind stale ones). A
 * filter of MAYBE_BITS bits in front of the table answers "no record"
 * for most flows without a lookup. At most about 16 MiB at the default P
 * = 16384, mapped untouched and resident as used.
 *
 * THREAT: the external endpoint is whoever the terminal talks to; keys
 * and counts land in a fixed table, and scoring sorts at most RING values.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S   1000000000ull
#define RING       64 /* starts kept per pair: 32 minutes of a 30 s beacon */
#define MAYBE_BITS 65536

/* The key: the terminal, then the service, then the server address, so
 * the 32 bytes the table hashes hold all of an IPv4 pair. 40 bytes. */
struct pair_key {
	struct vg_addr term;
	uint16_t port;
	uint8_t proto, family;
	uint32_t pad;
	struct vg_addr server;
};

/* A pair's first connection, in a direct-mapped cache: most pairs have
 * only one (a page, a lookup), and a cache line written costs less than a
 * record made in the table. 80 bytes. */
struct first_seen {
	struct pair_key key;
	uint64_t start_ns, end_ns, bytes;
	uint32_t sent, packets;
	uint8_t used, verified;
};

/* What the last scoring found, for the evidence. */
struct verdict {
	double score, timing, size;
	double median_s, madm_s; /* interval and its jitter */
	uint32_t mode_bytes;
};

/* The last RING connections of a pair: start and bytes sent. */
struct ring {
	uint64_t start_ns[RING];
	uint32_t sent[RING];
};

/* A pair with two connections or more: about 150 bytes, and a ring from
 * the pool. */
struct pair {
	struct pair_key key; /* first: the table's key */
	uint64_t first_ns, last_ns, end_ns;
	uint64_t packets, bytes, attack_id, reported_ns;
	uint32_t conns, ring; /* ring: index in the pool + 1, 0 none */
	uint8_t n, head, open, verified;
	struct verdict v;
};

struct beacon_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	struct vg_cidr_set allow;
	struct vg_port_list allow_ports;
	uint64_t idle_ns, update_ns, min_span_ns;
	uint64_t skipped_allowed; /* flows skipped by the allow-lists */
	uint64_t no_ring;         /* connections not kept: the ring pool was empty */
	struct ring *rings;       /* pool of n_rings, free ones on a stack */
	uint32_t *free_rings, n_rings, n_free;
	struct first_seen *seen; /* seen_mask + 1 entries */
	uint32_t seen_mask, maybe_made;
	uint64_t maybe[MAYBE_BITS / 64]; /* bit set: the pair may have a record */
	uint64_t seed;
	struct vg_open_list open;      /* pairs with an open attack */
	uint64_t hash[VG_DETECT_RING]; /* per view slot: the pair's hash, if prefetched */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of sorted v[0..n). */
static double median(const double *v, uint32_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Skew part: 1 - |Bowley skewness| of sorted v (quartiles: medians of
 * the lower and upper halves, the middle value left out when n is odd). */
static double skew_part(const double *v, uint32_t n)
{
	double q1 = median(v, n / 2), q2 = median(v, n), q3 = median(v + (n + 1) / 2, n / 2);
	double den = q3 - q1, skew = 0;

	if (den >= 10 && q2 != q1 && q2 != q3)
		skew = (q1 + q3 - 2 * q2) / den;
	skew = 1 - fabs(skew);
	return skew < 0 ? 0 : skew;
}

/* Dispersion part: (median - MADM) / median of sorted v; tmp is scratch.
 * *madm_out gets the MADM. */
static double dispersion_part(const double *v, uint32_t n, double *tmp, double dflt,
			      double *madm_out)
{
	double med = median(v, n), madm, s;

	for (uint32_t i = 0; i < n; i++)
		tmp[i] = fabs(v[i] - med);
	qsort(tmp, n, sizeof *tmp, cmp_double);
	madm = median(tmp, n);
	*madm_out = madm;
	s = med >= 1 ? (med - madm) / med : dflt;
	return s < 0 || isnan(s) ? 0 : s;
}

/* Scores the pair's ring (n >= 4). Returns false when there are fewer than
 * 3 non-zero intervals (nothing to judge). */
static bool score(const struct beacon_state *s, const struct pair *p, struct verdict *out)
{
	const struct ring *r = p->ring ? &s->rings[p->ring - 1] : NULL;
	double t[RING], d[RING], sz[RING], tmp[RING], madm, span;
	uint32_t n = p->n, nd = 0, mode = 0, run = 0, best = 0;
	double skew_t, disp_t, cadence, skew_s, disp_s, small;

	if (!r || n < 4)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		t[i] = (double)(r->start_ns[i] - p->first_ns) / 1e9;
		sz[i] = r->sent[i];
	}
	qsort(t, n, sizeof *t, cmp_double);
	qsort(sz, n, sizeof *sz, cmp_double);
	for (uint32_t i = 0; i + 1 < n; i++)
		if (t[i + 1] > t[i])
			d[nd++] = t[i + 1] - t[i];
	if (nd < 3)
		return false;
	qsort(d, nd, sizeof *d, cmp_double);
	skew_t = skew_part(d, nd);
	disp_t = dispersion_part(d, nd, tmp, 1, &madm);
	out->median_s = median(d, nd);
	out->madm_s = madm;
	span = t[n - 1] - t[0];
	cadence = span > 0 ? (double)(n - 1) * out->median_s / span : 0;
	if (cadence > 1)
		cadence = 1;

	skew_s = skew_part(sz, n);
	disp_s = dispersion_part(sz, n, tmp, 0, &madm);
	for (uint32_t i = 0; i < n; i++) { /* the mode: the longest run of sorted sizes */
		run = i && sz[i] == sz[i - 1] ? run + 1 : 1;
		if (run > best) {
			best = run;
			mode = (uint32_t)sz[i];
		}
	}
	small = 1 - (double)mode / 65535;
	if (small < 0)
		small = 0;
	out->mode_bytes = mode;
	out->timing = (skew_t + disp_t + cadence) / 3;
	out->size = (skew_s + disp_s + small) / 3;
	out->score = (out->timing + out->size) / 2;
	return true;
}

static void report(struct beacon_state *s, struct pair *p, bool final)
{
	struct vg_attack a;

	score(s, p, &p->v); /* the evidence of the ring as it is now */
	memset(&a, 0, sizeof a);
	a.id = p->attack_id;
	a.kind = "malware.beacon";
	a.technique = "beacon";
	a.src = p->key.server; /* the C&C side, for attribution */
	a.dst = p->key.term;
	a.family = p->key.family;
	a.proto = p->key.proto;
	a.direction = "outbound";
	a.src_verified = p->verified;
	a.severity = 1;
	a.final = final;
	a.start_ns = p->first_ns;
	a.end_ns = p->end_ns > p->last_ns ? p->end_ns : p->last_ns;
	a.packets = p->packets;
	a.bytes = p->bytes;
	a.attempts = p->conns;
	a.victims = 1;
	a.n_victim_ips = 1;
	a.victim_ips[0] = p->key.term;
	a.ports = 1;
	a.n_ports = 1;
	a.port_list[0] = p->key.port;
	snprintf(a.evidence, sizeof a.evidence,
		 "%u connections to port %u over %.1f h, every %.1f s (median) with %.1f s jitter "
		 "(MADM), %u bytes sent each (mode); beacon score %.2f (timing %.2f, size %.2f)",
		 p->conns, p->key.port, (double)(p->last_ns - p->first_ns) / 3600e9, p->v.median_s,
		 p->v.madm_s, p->v.mode_bytes, p->v.score, p->v.timing, p->v.size);
	s->env.emit(s->env.emit_arg, &a);
	p->reported_ns = a.end_ns;
}

static void ring_release(struct beacon_state *s, struct pair *p)
{
	if (p->ring)
		s->free_rings[s->n_free++] = p->ring - 1;
	p->ring = 0;
}

/* Scores a pair that is not an attack yet: a beacon is reported from
 * now on (opened); with list false (the pair is ending: evicted, its run
 * over, the input over) it is reported final at once instead. */
static bool judge(struct beacon_state *s, struct pair *p, bool list)
{
	if (p->open || p->conns < s->env.cfg->beacon_min_conns ||
	    p->last_ns - p->first_ns < s->min_span_ns || !score(s, p, &p->v) ||
	    p->v.score * 100 < s->env.cfg->beacon_score)
		return false;
	if (list && vg_open_full(&s->open))
		return false; /* judged again at its next scoring or its end */
	p->attack_id = (*s->env.next_attack_id)++;
	p->reported_ns = p->first_ns;
	if (!list) {
		report(s, p, true);
		return true;
	}
	p->open = 1;
	vg_open_add(&s->open, &s->t, p);
	return true;
}

/* A pair's run ends: reported final if it was (or now proves) a beacon. */
static void forget(struct beacon_state *s, struct pair *p)
{
	if (p->open)
		report(s, p, true);
	else
		judge(s, p, false);
	ring_release(s, p);
	vg_dtable_remove(&s->t, p);
}

/* Pairs with a ring are busy: their slot is reused only through here. */
static void evict(void *owner, void *rec)
{
	struct pair *p = rec;

	if (p->open)
		report(owner, p, true); /* reported before its slot is reused */
	else
		judge(owner, p, false);
	ring_release(owner, p);
}

/* The median interval of the ring, in ns (0 with fewer than 2 starts). */
static uint64_t median_interval_ns(const struct beacon_state *s, const struct pair *p)
{
	const struct ring *r = p->ring ? &s->rings[p->ring - 1] : NULL;
	double t[RING], d[RING];
	uint32_t nd = 0;

	if (!r)
		return 0;
	for (uint32_t i = 0; i < p->n; i++)
		t[i] = (double)(r->start_ns[i] - p->first_ns);
	qsort(t, p->n, sizeof *t, cmp_double);
	for (uint32_t i = 0; i + 1 < p->n; i++)
		if (t[i + 1] > t[i])
			d[nd++] = t[i + 1] - t[i];
	if (!nd)
		return 0;
	qsort(d, nd, sizeof *d, cmp_double);
	return (uint64_t)median(d, nd);
}

/* A gap after which a pair's run is over: idle, and four median
 * intervals (an hourly beacon is not over after an hour). */
static bool run_over(const struct beacon_state *s, const struct pair *p, uint64_t gap)
{
	uint64_t m;

	if (gap <= s->idle_ns)
		return false;
	m = p->open ? (uint64_t)(p->v.median_s * 1e9) : median_interval_ns(s, p);
	return m && gap > 4 * m;
}

static uint64_t pair_hash(const struct beacon_state *s, const struct pair_key *k)
{
	uint64_t w[5];

	memcpy(w, k, sizeof w);
	return vg_hash_key40(w, s->seed);
}

/* The filter bit of a pair's hash (bits 40 and up; the cache uses 20-39). */
static inline uint32_t maybe_bit(uint64_t h)
{
	return (uint32_t)(h >> 40) & (MAYBE_BITS - 1);
}

static inline bool maybe_has(const struct beacon_state *s, uint64_t h)
{
	uint32_t b = maybe_bit(h);
	return s->maybe[b / 64] & (1ull << (b % 64));
}

/* A record was made: its bit is set; after MAYBE_BITS / 8 of them the
 * filter is made again from the live records, so it never fills up. */
static void maybe_add(struct beacon_state *s, uint64_t h)
{
	uint32_t b;

	if (++s->maybe_made > MAYBE_BITS / 8) {
		memset(s->maybe, 0, sizeof s->maybe);
		s->maybe_made = 1;
		for (uint32_t i = 0; i < s->t.cap; i++)
			if (s->t.slot[i].tag) {
				b = maybe_bit(pair_hash(s, vg_dtable_at(&s->t, i)));
				s->maybe[b / 64] |= 1ull << (b % 64);
			}
	}
	b = maybe_bit(h);
	s->maybe[b / 64] |= 1ull << (b % 64);
}

static bool allowed_port(const struct vg_port_list *l, uint16_t port, uint8_t proto)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->port[i] == port && (!l->proto[i] || l->proto[i] == proto))
			return true;
	return false;
}

/* The key of a terminal's flow out, or false for other flows. */
static bool pair_of(const struct vg_flow_view *v, struct pair_key *k)
{
	const struct vg_flow *f = v->f;
	const struct vg_flow_ends *e = &v->e;

	if (!((f->proto == VG_IPPROTO_TCP) | (f->proto == VG_IPPROTO_UDP)))
		return false; /* one branch, not one per protocol */
	if (!v->client_home || v->server_home)
		return false; /* not a terminal calling out */
	memset(k, 0, sizeof *k);
	k->term = e->client;
	k->server = e->server;
	k->port = e->server_port;
	k->proto = f->proto;
	k->family = e->family;
	return true;
}

/* A flow will end soon: start loading its first-connection cache slot
 * (and its record, when the filter says there may be one). */
static void beacon_prefetch(void *state, const struct vg_flow_view *v)
{
	struct beacon_state *s = state;
	const struct first_seen *fs;
	struct pair_key k;
	uint64_t h;

	if (!pair_of(v, &k))
		return;
	h = s->hash[v->slot] = pair_hash(s, &k);
	fs = &s->seen[(uint32_t)(h >> 20) & s->seen_mask];
	/* 80 bytes: its key and its used flag are on two lines. */
	VG_PREFETCH(fs);
	VG_PREFETCH((const char *)(fs + 1) - 1);
	if (maybe_has(s, h))
		vg_dtable_prefetch(&s->t, &k);
}

static void beacon_on_flow_end(void *state, const struct vg_flow_view *v,
			       const struct vg_app_flow *meta)
{
	struct beacon_state *s = state;
	const struct vg_flow *f = v->f;
	const struct vg_flow_ends *e = &v->e;
	struct pair_key k;
	struct pair *p;
	uint64_t start = f->first_ns;
	uint32_t sent;
	bool verified;
	uint64_t h;

	(void)meta;

	if (!pair_of(v, &k))
		return;
	if ((s->allow_ports.n && allowed_port(&s->allow_ports, e->server_port, f->proto)) ||
	    (s->allow.n && vg_cidr_match(&s->allow, &e->server, e->family))) {
		s->skipped_allowed++;
		return;
	}
	sent = f->bytes[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)f->bytes[0];
	verified = ((f->flags & VG_FLOW_HANDSHAKE) != 0) |
		   ((f->proto == VG_IPPROTO_UDP) & (f->pkts[1] != 0)); /* no branch */
	h = v->prefetched ? s->hash[v->slot] : pair_hash(s, &k);
	/* Most flows are a pair's first: a bit of the filter says so without
	 * a lookup in the table. */
	p = maybe_has(s, h) ? vg_dtable_find(&s->t, &k, false, start) : NULL;
	/* A run over before this connection: never a beacon, or a beacon the
	 * ticks would have ended (within a second of packet time after that). */
	if (p && start > p->last_ns && run_over(s, p, start - p->last_ns)) {
		forget(s, p); /* this one starts again */
		p = NULL;
	}
	if (!p) {
		struct first_seen *fs = &s->seen[(uint32_t)(h >> 20) & s->seen_mask];
		if (!fs->used || memcmp(&fs->key, &k, sizeof k)) {
			/* A first connection: remembered in the cache only. */
			fs->key = k;
			fs->used = 1;
			fs->start_ns = start;
			fs->end_ns = f->last_ns;
			fs->sent = sent;
			fs->packets = f->pkts[0] + f->pkts[1];
			fs->bytes = f->bytes[0] + f->bytes[1];
			fs->verified = verified;
			return;
		}
		/* The second: the pair gets its record and a ring, the first
		 * connection coming from the cache. */
		p = vg_dtable_find(&s->t, &k, true, start);
		maybe_add(s, h);
		p->conns = 1;
		p->first_ns = p->last_ns = fs->start_ns;
		p->end_ns = fs->end_ns;
		p->packets = fs->packets;
		p->bytes = fs->bytes;
		p->verified = fs->verified;
		fs->used = 0;
		if (s->n_free) {
			struct ring *r;
			p->ring = s->free_rings[--s->n_free] + 1;
			r = &s->rings[p->ring - 1];
			r->start_ns[0] = fs->start_ns;
			r->sent[0] = fs->sent;
			p->n = 1;
			p->head = 1;
			vg_dtable_set_busy(&s->t, p, true);
		}
	}
	if (start < p->first_ns)
		p->first_ns = start;
	if (start > p->last_ns)
		p->last_ns = start;
	if (f->last_ns > p->end_ns)
		p->end_ns = f->last_ns;
	p->conns++;
	p->packets += (uint64_t)f->pkts[0] + f->pkts[1];
	p->bytes += f->bytes[0] + f->bytes[1];
	if (verified)
		p->verified = 1; /* the server answered: a real endpoint */
	if (p->ring) {
		struct ring *r = &s->rings[p->ring - 1];
		r->start_ns[p->head] = start;
		r->sent[p->head] = sent;
		p->head = (uint8_t)((p->head + 1) % RING);
		if (p->n < RING)
			p->n++;
	} else {
		s->no_ring++;
	}
	vg_dtable_touch(&s->t, p, p->last_ns);
	/* Scored at the count, then every 4th connection: enough to open an
	 * attack within a few check-ins without sorting at every flow. */
	if (p->conns < s->env.cfg->beacon_min_conns || p->n < 4 || p->open ||
	    (p->conns % 4 && p->conns != s->env.cfg->beacon_min_conns))
		return;
	judge(s, p, true);
}

/* An open attack at a tick (vg_open_fn): forgotten when its run is over, else
 * reported if calling since the last report; 0 once closed (now or by
 * eviction), else when it needs its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct beacon_state *s = owner;
	struct pair *p = rec;

	(void)slot;
	if (p->open && (end || (now_ns > p->last_ns && run_over(s, p, now_ns - p->last_ns))))
		forget(s, p);
	else if (p->open && vg_open_update_due(p->last_ns, p->reported_ns, s->update_ns))
		report(s, p, false); /* still calling */
	/* A run is over after a gap past the idle time at least (run_over):
	 * the look then, and each tick after while 4 median intervals are
	 * longer. */
	return p->open ? vg_open_next(now_ns, p->last_ns, s->idle_ns, p->reported_ns, s->update_ns)
		       : 0;
}

static void beacon_on_tick(void *state, uint64_t now_ns)
{
	struct beacon_state *s = state;

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static int configure(struct beacon_state *s, char *err, size_t errlen)
{
	struct vg_cidr_set allow;
	struct vg_port_list ports;

	if (vg_cidr_parse(&allow, s->env.cfg->beacon_allow, err, errlen) < 0 ||
	    vg_port_list_parse(&ports, s->env.cfg->beacon_allow_ports, err, errlen) < 0)
		return VG_EINVAL;
	s->allow = allow;
	s->allow_ports = ports;
	s->idle_ns = (uint64_t)s->env.cfg->beacon_idle_s * NS_PER_S;
	s->min_span_ns = (uint64_t)s->env.cfg->beacon_min_span_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
	return 0;
}

static void beacon_reconfigure(void *state)
{
	char err[128];

	configure(state, err, sizeof err); /* checked by the loader: keeps the old on error */
}

/* The first-connection cache and, after it, the stack of free rings. */
static size_t seen_bytes(const struct beacon_state *s)
{
	return (size_t)(s->seen_mask + 1) * sizeof *s->seen +
	       (size_t)(s->seen_mask + 1) * sizeof *s->free_rings;
}

static int beacon_init(void *state, const struct vg_detect_env *env)
{
	struct beacon_state *s = state;
	char err[128];

	s->env = *env;
	if (configure(s, err, sizeof err) < 0)
		return VG_EINVAL; /* the config loader checked them: not reached */
	s->seed = env->seed ^ 0x626561636f6eull;
	s->seen_mask = 1;
	while (s->seen_mask + 1 < env->cfg->beacon_pairs)
		s->seen_mask = s->seen_mask * 2 + 1;
	s->n_rings = s->seen_mask + 1; /* one per record: a pair never waits for one */
	/* The cache and the free-ring stack share one mapping: each mapping
	 * is zeroed in 2 MiB pages at first touch, and the stack is written
	 * whole right here. */
	s->seen = vg_table_alloc(seen_bytes(s));
	s->rings = vg_table_alloc((size_t)s->n_rings * sizeof *s->rings);
	if (!s->rings || !s->seen)
		goto nomem;
	s->free_rings = (void *)((uint8_t *)s->seen + (size_t)(s->seen_mask + 1) * sizeof *s->seen);
	for (uint32_t i = 0; i < s->n_rings; i++)
		s->free_rings[i] = s->n_rings - 1 - i;
	s->n_free = s->n_rings;
	if (vg_dtable_init(&s->t, env->cfg->beacon_pairs, sizeof(struct pair),
			   sizeof(struct pair_key), s->seed, evict, s) < 0)
		goto nomem;
	return 0;
nomem:
	vg_table_free(s->seen, seen_bytes(s));
	s->seen = NULL;
	vg_table_free(s->rings, (size_t)s->n_rings * sizeof *s->rings);
	s->rings = NULL;
	s->free_rings = NULL;
	return VG_ENOMEM;
}

static void beacon_fini(void *state)
{
	struct beacon_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	/* Pairs scored only every 4th connection may have become beacons
	 * since: judged a last time. */
	for (uint32_t i = 0; i < s->t.cap; i++)
		if (vg_dtable_used(&s->t, i))
			judge(s, vg_dtable_at(&s->t, i), false);
	vg_dtable_fini(&s->t);
	vg_table_free(s->seen, seen_bytes(s));
	s->seen = NULL;
	vg_table_free(s->rings, (size_t)s->n_rings * sizeof *s->rings);
	s->rings = NULL;
	s->free_rings = NULL;
}

const struct vg_detector vg_detector_beacon = {
    .name = "beacon",
    .enabled_off = offsetof(struct vg_detect_config, beacon_on),
    .state_size = sizeof(struct beacon_state),
    .wants = 0,
    .init = beacon_init,
    .prefetch_flow_end = beacon_prefetch,
    .on_flow_end = beacon_on_flow_end,
    .reconfigure = beacon_reconfigure,
    .on_tick = beacon_on_tick,
    .table_off = {offsetof(struct beacon_state, t)},
    .fini = beacon_fini,
};
