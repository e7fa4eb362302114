/*
 * app.c - the app stage's tables and dispatch (see app.h).
 *
 * Entries: an arena of pairs of halves, allocated once (app.memcap / the
 * bytes of a pair). A TLS or HTTP entry takes a whole pair; a DNS entry,
 * about half the size, takes one half, the other half of a pair with a
 * DNS entry first: on a link where most metadata is DNS the stage touches
 * (and the kernel zeroes) half the memory a pool of equal entries would.
 * An entry is named by its unit, 2 x pair + half (a TLS/HTTP entry by its
 * pair's first half). A side array indexed by the flow's pool index holds
 * the unit of each flow's entry (0: none), so a lookup is two loads, and
 * a flag in the flow (VG_FLOW_APP) spares flows without metadata even
 * that. The flag also marks a TCP flow whose first client payload was
 * neither TLS nor HTTP: its later packets return at once. Free pairs are
 * reused first (a stack), then pairs with one DNS half free (a list),
 * then pairs never used. When the arena is full, a clock hand takes the
 * oldest-allocated pair (the entries in it count in app.evicted) and
 * unhooks them from their flows.
 *
 * DNS cache: app.dns_cache entries in sets of 4 ways, the set chosen by a
 * seeded hash of the address; an answer replaces the same address or the
 * least recently written way. Names longer than fit are not cached.
 * Writes are queued (PUT_QUEUE answers) with their set's tag line
 * prefetched, and applied in order before the cache is next read, before
 * an entry is released (a queued write points to its entry's name, which
 * is not written again once the response is parsed) or when the queue is
 * full: the tag line, rarely still in the cache when an answer comes, is
 * loaded while the batch goes on instead of stalling the packet. A read
 * sees every answer before it, as if written at once.
 *
 * Gathering buffers: app.tls_buffers buffers of VG_APP_TLS_BUF bytes for
 * ClientHellos split over segments; taken when a flow's first client
 * segment holds the start of a hello, given back when it is complete,
 * when the next segment is not its continuation, or at flow end.
 *
 * THREAT: the payload is the sender's; each parser checks its lengths.
 * Which parser runs is decided from ports and the first bytes, both
 * chosen by the sender: a flow can only make itself parsed, never make
 * another flow's metadata change.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "app/app.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"

/* Entry states (struct slot.done) */
enum {
	DONE_REQUEST = 1u << 0,  /* DNS query / TLS ClientHello / HTTP request parsed or given up */
	DONE_RESPONSE = 1u << 1, /* the reply side */
	LEN_REQUEST = 1u << 2,   /* DNS over TCP: the length prefix came alone, */
	LEN_RESPONSE = 1u << 3,  /* the message starts the next segment */
};

/* Who holds a pair's entries, in an array of its own: releasing an entry
 * (at flow end, minutes after it was last read) and taking one touch only
 * this dense array, not the entry's cold lines. */
struct pair_link {
	uint32_t flow_idx[2]; /* pool index of the flow of each half; 0: free;
			       * [1] PAIR_WHOLE: one TLS/HTTP entry, flow in [0] */
	uint32_t next, prev;  /* free stack (next) or list of half-used pairs */
};

#define PAIR_WHOLE UINT32_MAX

/* An entry: this header, then the metadata; a DNS entry has only the
 * bytes of its protocol (the other members of pub's union are past its
 * end, as in a worker's record: cli/workers.c). */
struct slot {
	uint8_t done;
	uint16_t buf;      /* gathering buffer + 1; 0 none */
	uint16_t buf_len;  /* bytes gathered */
	uint16_t buf_need; /* bytes the whole hello takes */
	uint32_t next_seq; /* TCP sequence number the next piece starts at */
	struct vg_app_flow pub;
};

/* A half: the bytes of a DNS entry, rounded to 16; a pair holds a whole
 * struct slot (a TLS entry, the largest). */
#define HALF_BYTES                                                         \
	((offsetof(struct slot, pub) + offsetof(struct vg_app_flow, dns) + \
	  sizeof(struct vg_app_dns) + 15) &                                \
	 ~(size_t)15)
#define PAIR_BYTES (2 * HALF_BYTES)
_Static_assert(PAIR_BYTES >= sizeof(struct slot), "a pair holds any entry");

#define CACHE_WAYS     4
#define CACHE_NAME_MAX (256 - 16 - 8 - 1)

struct cache_way {
	struct vg_addr addr;
	uint64_t seq; /* write order; 0: empty */
	uint8_t family;
	char name[CACHE_NAME_MAX];
};

/* A set's ways as seen from its tag line: 32 bytes a set, 128 KiB for the
 * default 16384 entries, so finding the way to write (or that nothing
 * matches) reads no 256-byte way, which the flow table's traffic keeps
 * out of the cache; a way is read only when its tag matches. */
struct cache_tags {
	uint32_t tag[CACHE_WAYS]; /* high bits of the key's hash, never 0; 0: empty */
	uint32_t age[CACHE_WAYS]; /* write order (wraps: only compared within a set) */
};

/* A queued cache write (see the top of the file). */
#define PUT_QUEUE 32

struct cache_put_req {
	struct vg_addr addr;
	uint8_t family;
	uint16_t name_len;
	uint64_t h;       /* the key's hash */
	const char *name; /* the rrname of a DNS entry */
};

struct vg_app {
	struct vg_app_config cfg;
	const struct vg_flow_table *table;
	uint32_t *slot_of; /* per flow pool index */
	size_t slot_of_bytes;
	/* Per flow pool index, one bit: the flow holds an entry. A flow the
	 * stage has judged (VG_FLOW_APP) with its bit clear has none: most TCP
	 * flows, whose later payload packets then read 8 bytes for 64 flows
	 * (a line that stays in the cache) instead of slot_of's 4 for one. */
	uint64_t *has_slot;
	size_t has_slot_bytes;
	uint8_t *arena;          /* pairs of halves; pair 0 unused */
	struct pair_link *links; /* per pair */
	uint32_t n_pairs, used_tail, free_head, half_head, hand;
	struct cache_way *cache;
	struct cache_tags *tags;
	size_t cache_bytes;
	uint32_t cache_mask; /* sets - 1 */
	uint64_t cache_seq, seed;
	uint8_t *bufs;
	uint16_t *buf_free; /* stack of free buffer numbers */
	uint32_t n_buf_free;
	struct vg_app_stats st;
	vg_app_dns_fn dns_sink; /* told each answer the cache takes */
	void *dns_sink_arg;
	uint32_t n_put; /* queued cache writes */
	struct cache_put_req put[PUT_QUEUE];
};

static const struct {
	const char *name;
	bool problem;
} counters[] = {
#define VG_APP_COUNTER_ROW(field, name, problem) {name, problem},
    VG_APP_COUNTERS(VG_APP_COUNTER_ROW)
#undef VG_APP_COUNTER_ROW
};

const char *vg_app_counter_name(enum vg_app_counter c)
{
	return c < VG_APPC_COUNT ? counters[c].name : "?";
}

bool vg_app_counter_problem(enum vg_app_counter c)
{
	return c < VG_APPC_COUNT && counters[c].problem;
}

int vg_app_new(struct vg_app **out, const struct vg_app_config *cfg,
	       const struct vg_flow_table *table, uint64_t seed)
{
	struct vg_app *a = calloc(1, sizeof *a);
	uint64_t n, sets = 1;

	*out = NULL;
	if (!a)
		return VG_ENOMEM;
	a->cfg = *cfg;
	a->table = table;
	a->seed = seed ^ 0x6170706e616d65ull;
	/* A pair counts as its bytes and its link. */
	n = cfg->memcap / (PAIR_BYTES + sizeof(struct pair_link));
	if (n < 8)
		n = 8;
	if (n > UINT32_MAX / 2 - 1)
		n = UINT32_MAX / 2 - 1; /* units (2 x pair + half) fit in 32 bits */
	a->n_pairs = (uint32_t)n;
	a->arena = vg_table_alloc((n + 1) * PAIR_BYTES);
	a->links = vg_table_alloc((n + 1) * sizeof *a->links);
	a->slot_of_bytes = ((size_t)vg_flow_table_capacity(table) + 1) * sizeof *a->slot_of;
	a->slot_of = vg_table_alloc(a->slot_of_bytes);
	a->has_slot_bytes = ((size_t)vg_flow_table_capacity(table) / 64 + 1) * sizeof *a->has_slot;
	a->has_slot = vg_table_alloc(a->has_slot_bytes);
	while (sets * CACHE_WAYS < cfg->dns_cache)
		sets <<= 1;
	a->cache_mask = (uint32_t)(sets - 1);
	a->cache_bytes = (size_t)sets * CACHE_WAYS * sizeof *a->cache;
	a->cache = vg_table_alloc(a->cache_bytes); /* zero pages, touched as used */
	a->tags = vg_table_alloc(sets * sizeof *a->tags);
	a->bufs = malloc((size_t)cfg->tls_buffers * VG_APP_TLS_BUF + 1);
	a->buf_free = malloc(((size_t)cfg->tls_buffers + 1) * sizeof *a->buf_free);
	if (!a->arena || !a->links || !a->slot_of || !a->has_slot || !a->cache || !a->tags ||
	    !a->bufs || !a->buf_free) {
		vg_app_free(a);
		return VG_ENOMEM;
	}
	a->used_tail = 1;
	a->hand = 1;
	for (uint32_t i = 0; i < cfg->tls_buffers; i++)
		a->buf_free[a->n_buf_free++] = (uint16_t)(cfg->tls_buffers - i);
	*out = a;
	return 0;
}

void vg_app_free(struct vg_app *a)
{
	if (!a)
		return;
	if (a->arena)
		vg_table_free(a->arena, ((size_t)a->n_pairs + 1) * PAIR_BYTES);
	if (a->links)
		vg_table_free(a->links, ((size_t)a->n_pairs + 1) * sizeof *a->links);
	if (a->slot_of)
		vg_table_free(a->slot_of, a->slot_of_bytes);
	if (a->has_slot)
		vg_table_free(a->has_slot, a->has_slot_bytes);
	if (a->cache)
		vg_table_free(a->cache, a->cache_bytes);
	if (a->tags)
		vg_table_free(a->tags, (size_t)(a->cache_mask + 1) * sizeof *a->tags);
	free(a->bufs);
	free(a->buf_free);
	free(a);
}

uint64_t vg_app_memory(const struct vg_app *a)
{
	return (uint64_t)(a->n_pairs + 1) * (PAIR_BYTES + sizeof *a->links) + a->slot_of_bytes +
	       a->has_slot_bytes + a->cache_bytes +
	       (uint64_t)(a->cache_mask + 1) * sizeof *a->tags +
	       (uint64_t)a->cfg.tls_buffers * VG_APP_TLS_BUF;
}

const struct vg_app_stats *vg_app_stats(const struct vg_app *a)
{
	return &a->st;
}

uint32_t vg_app_packets(const struct vg_app *a)
{
	return a->cfg.packets;
}

static void put_buf(struct vg_app *a, struct slot *s)
{
	if (s->buf) {
		a->buf_free[a->n_buf_free++] = s->buf;
		s->buf = 0;
	}
}

static void put_flush(struct vg_app *a);

static inline struct slot *slot_at(const struct vg_app *a, uint32_t u)
{
	return (struct slot *)(a->arena + (size_t)u * HALF_BYTES);
}

static void half_unlink(struct vg_app *a, uint32_t p)
{
	struct pair_link *l = &a->links[p];

	if (l->prev)
		a->links[l->prev].next = l->next;
	else
		a->half_head = l->next;
	if (l->next)
		a->links[l->next].prev = l->prev;
}

static void half_push(struct vg_app *a, uint32_t p)
{
	struct pair_link *l = &a->links[p];

	l->prev = 0;
	l->next = a->half_head;
	if (a->half_head)
		a->links[a->half_head].prev = p;
	a->half_head = p;
}

static void free_push(struct vg_app *a, uint32_t p)
{
	a->links[p].next = a->free_head;
	a->free_head = p;
}

/* Frees the entry at unit u and unhooks it from its flow. */
static void release(struct vg_app *a, uint32_t u)
{
	uint32_t p = u / 2, h = u % 2;
	struct pair_link *l = &a->links[p];
	uint32_t fi = l->flow_idx[h];

	if (a->n_put) /* queued writes may point to this entry's name */
		put_flush(a);

	/* Only while a buffer is out can this entry hold one: most of the
	 * time the entry itself is not read. */
	if (a->n_buf_free < a->cfg.tls_buffers)
		put_buf(a, slot_at(a, u));
	a->slot_of[fi] = 0;
	a->has_slot[fi / 64] &= ~(1ull << (fi % 64));
	if (l->flow_idx[1] == PAIR_WHOLE) {
		l->flow_idx[0] = l->flow_idx[1] = 0;
		free_push(a, p);
		return;
	}
	l->flow_idx[h] = 0;
	if (l->flow_idx[!h]) {
		half_push(a, p); /* was full: one half free now */
	} else {
		half_unlink(a, p);
		free_push(a, p);
	}
}

/* A pair with both halves free: reused, never used, or the hand's. */
static uint32_t take_pair(struct vg_app *a)
{
	uint32_t p;

	if (a->free_head) {
		p = a->free_head;
		a->free_head = a->links[p].next;
		return p;
	}
	if (a->used_tail <= a->n_pairs)
		return a->used_tail++;
	/* Full: the hand's entries go (allocation order, oldest first). With
	 * no free pair, its pair holds one or two entries; freed, it is the
	 * top of the free stack. */
	p = a->hand;
	a->hand = a->hand < a->n_pairs ? a->hand + 1 : 1;
	if (a->links[p].flow_idx[1] == PAIR_WHOLE) {
		release(a, 2 * p);
		a->st.c[VG_APPC_evicted]++;
	} else {
		for (uint32_t h = 0; h < 2; h++)
			if (a->links[p].flow_idx[h]) {
				release(a, 2 * p + h);
				a->st.c[VG_APPC_evicted]++;
			}
	}
	a->free_head = a->links[p].next;
	return p;
}

/* The unit of a new entry for flow fi. */
static uint32_t take_unit(struct vg_app *a, uint32_t fi, bool whole)
{
	uint32_t p, h = 0;

	if (whole) {
		p = take_pair(a);
		a->links[p].flow_idx[0] = fi;
		a->links[p].flow_idx[1] = PAIR_WHOLE;
		return 2 * p;
	}
	if (a->half_head) {
		p = a->half_head;
		h = a->links[p].flow_idx[0] ? 1 : 0;
		half_unlink(a, p); /* full now */
	} else {
		p = take_pair(a);
		half_push(a, p);
	}
	a->links[p].flow_idx[h] = fi;
	return 2 * p + h;
}

static struct slot *new_slot(struct vg_app *a, struct vg_flow *f, uint32_t fi, uint8_t proto)
{
	uint32_t u = take_unit(a, fi, proto != VG_APP_DNS), nx;
	struct slot *s = slot_at(a, u);

	s->done = 0;
	s->buf = 0;
	s->buf_len = s->buf_need = 0;
	s->pub.proto = proto;
	/* Only the fields the writers test are cleared: strings start empty. */
	switch (proto) {
	case VG_APP_DNS:
		memset(&s->pub.dns, 0, offsetof(struct vg_app_dns, rrname));
		s->pub.dns.rrname[0] = '\0';
		/* The answers' lines, written when the response comes (a round
		 * trip later): loaded now, they are in the cache by then. */
		VG_PREFETCH_W(&s->pub.dns.answers[0]);
		VG_PREFETCH_W(&s->pub.dns.answers[2]);
		break;
	case VG_APP_TLS:
		memset(&s->pub.tls, 0, offsetof(struct vg_app_tls, sni));
		s->pub.tls.sni[0] = s->pub.tls.ja3_md5[0] = s->pub.tls.ja4[0] = '\0';
		s->pub.tls.alpn[0] = s->pub.tls.ja3[0] = '\0';
		break;
	case VG_APP_HTTP:
		memset(&s->pub.http, 0, offsetof(struct vg_app_http, method));
		s->pub.http.method[0] = s->pub.http.protocol[0] = s->pub.http.uri[0] = '\0';
		s->pub.http.host[0] = s->pub.http.user_agent[0] = '\0';
		break;
	}
	a->slot_of[fi] = u;
	a->has_slot[fi / 64] |= 1ull << (fi % 64);
	f->flags |= VG_FLOW_APP;
	a->st.c[VG_APPC_flows]++;
	/* The entry the next DNS flow (the most common) will take is known
	 * already: start loading its first lines (the header the parsers
	 * write first). */
	if (a->half_head)
		nx = 2 * a->half_head + (a->links[a->half_head].flow_idx[0] ? 1 : 0);
	else
		nx = 2 * (a->free_head                 ? a->free_head
			  : a->used_tail <= a->n_pairs ? a->used_tail
						       : a->hand);
	VG_PREFETCH(slot_at(a, nx));
	VG_PREFETCH((const char *)slot_at(a, nx) + 64);
	return s;
}

static struct slot *slot_of(const struct vg_app *a, const struct vg_flow *f, uint32_t *fi)
{
	uint32_t u;

	*fi = vg_flow_table_index(a->table, f);
	if (!(f->flags & VG_FLOW_APP))
		return NULL;
	if (!(a->has_slot[*fi / 64] & (1ull << (*fi % 64))))
		return NULL;
	u = a->slot_of[*fi];
	return u ? slot_at(a, u) : NULL;
}

const struct vg_app_flow *vg_app_of(const struct vg_app *a, const struct vg_flow *f)
{
	uint32_t fi;
	const struct slot *s;

	if (!a || !(f->flags & VG_FLOW_APP))
		return NULL;
	s = slot_of(a, f, &fi);
	return s ? &s->pub : NULL;
}

void vg_app_flow_end(struct vg_app *a, const struct vg_flow *f)
{
	uint32_t fi;

	if (!a || !(f->flags & VG_FLOW_APP))
		return;
	if (slot_of(a, f, &fi))
		release(a, a->slot_of[fi]);
}

static void count(struct vg_app *a, int rc)
{
	if (rc > 0 && rc < VG_APPC_COUNT)
		a->st.c[rc]++;
}

/* ---- DNS cache ---- */

/* The key's hash: its set in the low bits, its tag in the high 32. */
static uint64_t cache_hash(const struct vg_app *a, int family, const struct vg_addr *addr)
{
	uint64_t w[2];

	memcpy(w, addr->b, 16);
	if (family == 4)
		w[1] = 0, w[0] &= 0xffffffffu;
	return vg_hash_words(w, 16, a->seed ^ (uint64_t)family);
}

static uint32_t cache_tag(uint64_t h)
{
	uint32_t t = (uint32_t)(h >> 32);
	return t ? t : 1;
}

static bool way_is(const struct cache_way *w, int family, const struct vg_addr *addr)
{
	return w->seq && w->family == family &&
	       (family == 4 ? memcmp(w->addr.b, addr->b, 4) : memcmp(w->addr.b, addr->b, 16)) == 0;
}

/* The tags equal to tag (bit i: way i), as a mask. */
static inline unsigned tags_equal(const struct cache_tags *tg, uint32_t tag)
{
#ifdef __SSE2__
	_Static_assert(CACHE_WAYS == 4 && sizeof tg->tag == 16, "the 4 tags are one vector");
	__m128i t = _mm_loadu_si128((const __m128i *)tg->tag);

	return (unsigned)_mm_movemask_ps(
	    _mm_castsi128_ps(_mm_cmpeq_epi32(t, _mm_set1_epi32((int)tag))));
#else
	unsigned m = 0;

	for (int i = 0; i < CACHE_WAYS; i++)
		m |= (unsigned)(tg->tag[i] == tag) << i;
	return m;
#endif
}

/* The way of set a write of the key (hash h) takes: the first one holding
 * the address, else the first empty one, else the oldest (the first of
 * the oldest). Computed from masks: which case it is and which way are
 * coin tosses a branch would miss. */
static int cache_victim(const struct vg_app *a, uint32_t set, uint32_t tag, int family,
			const struct vg_addr *addr)
{
	const struct cache_tags *tg = &a->tags[set];
	unsigned m = tags_equal(tg, tag), e = tags_equal(tg, 0);
	int v = 0;

	while (VG_UNLIKELY(m)) { /* a tag matches: rarely a different address */
		int i = __builtin_ctz(m);
		if (way_is(&a->cache[(size_t)set * CACHE_WAYS + i], family, addr))
			return i;
		m &= m - 1;
	}
	for (int i = 1; i < CACHE_WAYS; i++)
		v = (int32_t)(tg->age[i] - tg->age[v]) < 0 ? i : v;
	return e ? __builtin_ctz(e) : v;
}

/* Writes name for the address whose key hashes to h (names that fit). */
static void cache_write(struct vg_app *a, uint64_t h, int family, const struct vg_addr *addr,
			const char *name, size_t nl)
{
	uint32_t set = (uint32_t)h & a->cache_mask, tag = cache_tag(h);
	struct cache_tags *tg = &a->tags[set];
	int v = cache_victim(a, set, tag, family, addr);
	struct cache_way *victim = &a->cache[(size_t)set * CACHE_WAYS + v];
	uint64_t w[2], v4 = -(uint64_t)(family == 4);

	tg->tag[v] = tag;
	tg->age[v] = (uint32_t)(a->cache_seq + 1);
	/* The address with zeros past an IPv4 one: stores, not a memset and
	 * a copy of a size chosen by a branch (bytes 4-7 are w[0]'s high
	 * half on a little-endian machine). */
	memcpy(w, addr->b, 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[0] &= ~(v4 << 32);
#else
	w[0] &= ~(v4 & 0xffffffffull);
#endif
	w[1] &= ~v4;
	memcpy(victim->addr.b, w, 16);
	victim->family = (uint8_t)family;
	victim->seq = ++a->cache_seq;
	memcpy(victim->name, name, nl + 1);
}

/* Applies the queued writes, oldest first. */
static void put_flush(struct vg_app *a)
{
	for (uint32_t i = 0; i < a->n_put; i++) {
		const struct cache_put_req *r = &a->put[i];
		cache_write(a, r->h, r->family, &r->addr, r->name, r->name_len);
	}
	a->n_put = 0;
}

/* Queues the write of name for the address; whether it will be stored
 * (a name too long is not: a cut name would match the wrong things). */
static bool cache_put(struct vg_app *a, int family, const struct vg_addr *addr, const char *name,
		      size_t nl)
{
	struct cache_put_req *r;

	if (nl >= CACHE_NAME_MAX)
		return false;
	if (a->n_put == PUT_QUEUE)
		put_flush(a);
	r = &a->put[a->n_put++];
	r->h = cache_hash(a, family, addr);
	r->family = (uint8_t)family;
	r->addr = *addr;
	r->name = name;
	r->name_len = (uint16_t)nl;
	VG_PREFETCH(&a->tags[(uint32_t)r->h & a->cache_mask]);
	return true;
}

void vg_app_set_dns_sink(struct vg_app *a, vg_app_dns_fn fn, void *arg)
{
	a->dns_sink = fn;
	a->dns_sink_arg = arg;
}

void vg_app_dns_put(struct vg_app *a, int family, const struct vg_addr *addr, const char *name)
{
	size_t nl = strlen(name);

	/* Written now, after what is queued: name is the caller's. */
	if (a->n_put)
		put_flush(a);
	if (nl < CACHE_NAME_MAX)
		cache_write(a, cache_hash(a, family, addr), family, addr, name, nl);
}

uint64_t vg_app_addr_hash(const struct vg_app *a, int family, const struct vg_addr *addr)
{
	return cache_hash(a, family, addr);
}

const char *vg_app_name_of_addr_h(const struct vg_app *a, int family, const struct vg_addr *addr,
				  uint64_t h)
{
	const struct cache_tags *tg;
	uint32_t set, tag;

	if (!a || (family != 4 && family != 6))
		return NULL;
	/* The queued writes first. The stage is never defined const (vg_app_new
	 * allocates it): the queue is how it writes, not what it holds. */
	if (a->n_put)
		put_flush((struct vg_app *)a);
	set = (uint32_t)h & a->cache_mask;
	tag = cache_tag(h);
	tg = &a->tags[set];
	for (int i = 0; i < CACHE_WAYS; i++) {
		const struct cache_way *w = &a->cache[(size_t)set * CACHE_WAYS + i];
		if (tg->tag[i] == tag && way_is(w, family, addr))
			return w->name;
	}
	return NULL;
}

const char *vg_app_name_of_addr(const struct vg_app *a, int family, const struct vg_addr *addr)
{
	if (!a || (family != 4 && family != 6))
		return NULL;
	return vg_app_name_of_addr_h(a, family, addr, cache_hash(a, family, addr));
}

void vg_app_prefetch_name(const struct vg_app *a, uint64_t h)
{
	VG_PREFETCH(&a->tags[(uint32_t)h & a->cache_mask]);
}

void vg_app_prefetch_name_way(const struct vg_app *a, uint64_t h)
{
	uint32_t set = (uint32_t)h & a->cache_mask, tag = cache_tag(h);
	const struct cache_tags *tg = &a->tags[set];

	/* The tags as they are now (a queued write may change them: then
	 * this loads a line for nothing). The name follows the address on
	 * the way's first line. */
	for (int i = 0; i < CACHE_WAYS; i++)
		if (tg->tag[i] == tag) {
			VG_PREFETCH(&a->cache[(size_t)set * CACHE_WAYS + i]);
			return;
		}
}

/* The flow's pool index, or UINT32_MAX for a flow of another table. */
static uint32_t index_of(const struct vg_app *a, const struct vg_flow *f)
{
	uint32_t fi = vg_flow_table_index(a->table, f);

	return fi <= vg_flow_table_capacity(a->table) ? fi : UINT32_MAX;
}

void vg_app_prefetch_of(const struct vg_app *a, const struct vg_flow *f)
{
	uint32_t fi;

	if (!(f->flags & VG_FLOW_APP) || (fi = index_of(a, f)) == UINT32_MAX)
		return;
	VG_PREFETCH(&a->has_slot[fi / 64]);
	VG_PREFETCH(&a->slot_of[fi]);
}

void vg_app_prefetch_entry(const struct vg_app *a, const struct vg_flow *f)
{
	uint32_t fi, u;

	if (!(f->flags & VG_FLOW_APP) || (fi = index_of(a, f)) == UINT32_MAX ||
	    !(a->has_slot[fi / 64] & (1ull << (fi % 64))) || !(u = a->slot_of[fi]))
		return;
	VG_PREFETCH(slot_at(a, u));
}

/* ---- dispatch ---- */

static void on_dns(struct vg_app *a, struct vg_flow *f, uint32_t fi, struct slot *s,
		   const uint8_t *pl, size_t n, bool tcp)
{
	const struct vg_app_dns *d;
	bool had_response;
	int rc;

	if (!s)
		s = new_slot(a, f, fi, VG_APP_DNS);
	if (s->pub.proto != VG_APP_DNS)
		return;
	if (tcp) { /* RFC 7766 section 8: a 2-byte length first */
		size_t ml;
		if (n < 2) {
			count(a, VG_APPC_dns_truncated);
			return;
		}
		ml = vg_load_be16(pl);
		if (ml < 12) {
			count(a, VG_APPC_dns_bad_length);
			return;
		}
		pl += 2;
		n -= 2;
		if (ml < n)
			n = ml; /* a second message in the segment: not read */
	}
	had_response = s->pub.dns.has_response;
	rc = vg_dns_parse(pl, n, &s->pub.dns);
	a->st.c[VG_APPC_dns_messages]++;
	count(a, rc);
	if (had_response || !s->pub.dns.has_response)
		return; /* only the first response is kept */
	d = &s->pub.dns;
	/* The hint malware.dga reads at the flow's end (flow.h), on the
	 * record the packet just touched: the metadata's line stays cold
	 * for the other DNS flows. */
	if (d->rcode == VG_DNS_NXDOMAIN)
		f->tag[1] |= VG_FLOW_TAG1_NXDOMAIN;
	if (d->rrname_truncated)
		return;
	for (unsigned i = 0; i < d->n_kept; i++) {
		int family = d->answers[i].rrtype == 1 ? 4 : 6;
		if (d->answers[i].rrtype != 1 && d->answers[i].rrtype != 28)
			continue;
		if (cache_put(a, family, &d->answers[i].addr, d->rrname, d->rrname_len))
			a->st.c[VG_APPC_dns_cache_inserted]++;
		if (a->dns_sink)
			a->dns_sink(a->dns_sink_arg, family, &d->answers[i].addr, d->rrname);
	}
}

static void tls_parsed(struct vg_app *a, struct slot *s, int rc, bool client)
{
	count(a, rc);
	if (client && s->pub.tls.has_client_hello)
		a->st.c[VG_APPC_tls_client_hello]++;
	if (!client && s->pub.tls.has_server_hello)
		a->st.c[VG_APPC_tls_server_hello]++;
}

static void on_tls_client(struct vg_app *a, struct slot *s, const struct vg_packet *p,
			  const uint8_t *pl, size_t n)
{
	size_t need;
	int rc;

	if (s->buf) { /* gathering: is this the next piece? */
		uint32_t seq = p->tcp.seq;
		uint8_t *b = a->bufs + (size_t)(s->buf - 1) * VG_APP_TLS_BUF;
		if ((int32_t)(seq + (uint32_t)n - s->next_seq) <= 0)
			return; /* a retransmission of what we have */
		if (seq != s->next_seq || n != p->payload_len) {
			count(a, seq != s->next_seq ? VG_APPC_tls_gap : VG_APPC_tls_truncated);
			put_buf(a, s);
			s->done |= DONE_REQUEST;
			return;
		}
		if (n > (size_t)(s->buf_need - s->buf_len))
			n = (size_t)(s->buf_need - s->buf_len);
		memcpy(b + s->buf_len, pl, n);
		s->buf_len = (uint16_t)(s->buf_len + n);
		s->next_seq += (uint32_t)n;
		if (s->buf_len < s->buf_need)
			return;
		rc = vg_tls_parse(b, s->buf_len, &s->pub.tls, &need);
		a->st.c[VG_APPC_tls_reassembled]++;
		put_buf(a, s);
		s->done |= DONE_REQUEST;
		tls_parsed(a, s, rc, true);
		return;
	}
	rc = vg_tls_parse(pl, n, &s->pub.tls, &need);
	if (rc != VG_APP_NEED_MORE) {
		s->done |= DONE_REQUEST;
		tls_parsed(a, s, rc, true);
		return;
	}
	/* The hello goes on in later segments. */
	if (n < p->payload_len) {
		count(a, VG_APPC_tls_truncated); /* the capture's snap length cut it */
	} else if (need > VG_APP_TLS_BUF) {
		count(a, VG_APPC_tls_too_long);
	} else if (!a->n_buf_free) {
		count(a, VG_APPC_tls_no_buffer);
	} else {
		s->buf = a->buf_free[--a->n_buf_free];
		memcpy(a->bufs + (size_t)(s->buf - 1) * VG_APP_TLS_BUF, pl, n);
		s->buf_len = (uint16_t)n;
		s->buf_need = (uint16_t)need;
		s->next_seq = p->tcp.seq + (uint32_t)n;
		return;
	}
	s->done |= DONE_REQUEST;
}

/* An HTTP/1.x request line: a common method, or any upper-case token
 * whose line ends in " HTTP/1.x" (WebDAV's PROPFIND...). Other protocols
 * that start with a word (SMTP, FTP) are not taken for broken HTTP. */
static bool looks_http(const uint8_t *pl, size_t n)
{
	static const char *const methods[] = {"GET ",    "POST ",    "HEAD ",    "PUT ",
					      "DELETE ", "OPTIONS ", "CONNECT ", "PATCH "};
	const uint8_t *nl;
	size_t m = 0, e;

	if (n < 4 || pl[0] < 'A' || pl[0] > 'Z')
		return false;
	for (size_t i = 0; i < VG_ARRAY_LEN(methods); i++) {
		size_t l = strlen(methods[i]);
		if (n >= l && memcmp(pl, methods[i], l) == 0)
			return true;
	}
	while (m < n && m < 16 && pl[m] >= 'A' && pl[m] <= 'Z')
		m++;
	if (m >= n || pl[m] != ' ')
		return false;
	nl = memchr(pl, '\n', n < 4096 ? n : 4096);
	if (!nl)
		return false;
	e = (size_t)(nl - pl);
	if (e && pl[e - 1] == '\r')
		e--;
	return e >= 9 && memcmp(pl + e - 9, " HTTP/1.", 8) == 0;
}

static void on_tcp(struct vg_app *a, const struct vg_packet *p, struct vg_flow *f, int dir,
		   const uint8_t *pl, size_t n)
{
	uint32_t fi;
	struct slot *s = slot_of(a, f, &fi);
	int rc;

	if (!s) {
		/* Only a flow's first client payload decides: TLS or HTTP. A
		 * flow it rejected (or whose entry was evicted) has the flag
		 * without an entry, and costs nothing more. */
		if (dir != 0 || (f->flags & VG_FLOW_APP))
			return;
		if (n >= 6 && pl[0] == 22 && pl[1] == 3 && pl[5] == 1) {
			s = new_slot(a, f, fi, VG_APP_TLS);
			on_tls_client(a, s, p, pl, n);
		} else if (looks_http(pl, n)) {
			s = new_slot(a, f, fi, VG_APP_HTTP);
			rc = vg_http_parse_request(pl, n, &s->pub.http);
			s->done |= DONE_REQUEST;
			if (s->pub.http.has_request)
				a->st.c[VG_APPC_http_requests]++;
			count(a, rc);
		} else {
			f->flags |= VG_FLOW_APP; /* decided: nothing to read */
		}
		return;
	}
	if (dir == 0) {
		if (s->pub.proto == VG_APP_TLS && !(s->done & DONE_REQUEST))
			on_tls_client(a, s, p, pl, n);
		return;
	}
	if (s->done & DONE_RESPONSE)
		return;
	s->done |= DONE_RESPONSE;
	if (s->pub.proto == VG_APP_TLS) {
		size_t need;
		if (n >= 6 && pl[0] == 22 && pl[1] == 3 && pl[5] == 2) {
			rc = vg_tls_parse(pl, n, &s->pub.tls, &need);
			/* A ServerHello alone is short; a long one in pieces is
			 * not gathered (its version is all we read). */
			tls_parsed(a, s, rc == VG_APP_NEED_MORE ? 0 : rc, false);
		}
	} else if (s->pub.proto == VG_APP_HTTP) {
		rc = vg_http_parse_response(pl, n, &s->pub.http);
		if (s->pub.http.has_response)
			a->st.c[VG_APPC_http_responses]++;
		count(a, rc);
	}
}

/* The packet's work, out of line: the hook's common case (below) then
 * saves no registers. */
static __attribute__((noinline)) void app_packet(struct vg_app *a, const struct vg_packet *p,
						 struct vg_flow *f, int dir)
{
	const uint8_t *pl;
	size_t n;

	pl = p->data + p->payload_off;
	n = p->caplen - p->payload_off;
	if (n > p->payload_len)
		n = p->payload_len; /* Ethernet padding is not payload */
	if (p->proto == VG_IPPROTO_UDP) {
		/* DNS, mDNS (RFC 6762) and LLMNR (RFC 4795): one message format. */
		if (p->sport == 53 || p->dport == 53 || p->sport == 5353 || p->dport == 5353 ||
		    p->sport == 5355 || p->dport == 5355) {
			uint32_t fi;
			struct slot *s = slot_of(a, f, &fi);
			on_dns(a, f, fi, s, pl, n, false);
		}
		return;
	}
	if (p->proto != VG_IPPROTO_TCP)
		return;
	if (p->sport == 53 || p->dport == 53) {
		uint32_t fi;
		struct slot *s = slot_of(a, f, &fi);
		uint8_t done = dir ? DONE_RESPONSE : DONE_REQUEST;
		uint8_t len_alone = dir ? LEN_RESPONSE : LEN_REQUEST;

		/* The first segment each way starts a message, with its length
		 * in front; some stacks send the length in a segment of its own. */
		if (s && (s->done & done))
			return;
		if (s && (s->done & len_alone)) {
			on_dns(a, f, fi, s, pl, n, false);
		} else if (n == 2) {
			if (!s)
				s = new_slot(a, f, fi, VG_APP_DNS);
			s->done |= len_alone;
			return;
		} else {
			on_dns(a, f, fi, s, pl, n, true);
		}
		s = slot_of(a, f, &fi);
		if (s)
			s->done |= done;
		return;
	}
	on_tcp(a, p, f, dir, pl, n);
}

void vg_app_packet(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	struct vg_app *a = arg;

	if (VG_UNLIKELY(p->payload_off >= p->caplen))
		return;
	/* Most calls: a later packet of a TCP flow judged without an entry
	 * (on_tcp would return at once), or the server's before the client's
	 * first payload. */
	if (p->proto == VG_IPPROTO_TCP && p->sport != 53 && p->dport != 53) {
		if (!(f->flags & VG_FLOW_APP)) {
			if (dir != 0)
				return;
		} else {
			uint32_t fi = vg_flow_table_index(a->table, f);
			if (!(a->has_slot[fi / 64] & (1ull << (fi % 64))))
				return;
		}
	}
	app_packet(a, p, f, dir);
}
