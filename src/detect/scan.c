/*
 * scan.c - port scans and host sweeps: one source probing many ports of a
 * host (scan.port) or one or a few ports across many hosts (scan.sweep,
 * also by ARP), and the probing that goes beyond open ports: service and
 * version probing (scan.service), OS fingerprinting (scan.os).
 *
 * Method: every flow a source opens, and every ARP request it sends, is a
 * probe; the probe's outcome feeds a sequential hypothesis test, the
 * threshold random walk (TRW) of Jung, Paxson, Berger and Balakrishnan,
 * "Fast portscan detection using sequential hypothesis testing" (IEEE S&P
 * 2004): a success (the target answered: SYN-ACK, a UDP or ICMP reply)
 * multiplies the likelihood ratio by theta1/theta0, a failure (RST, or no
 * answer by the time the flow ends) by (1-theta1)/(1-theta0). A source is
 * a scanner once the ratio passes eta1 = 99 and it has reached at least
 * detect.scan.min_targets distinct (host, port) targets. The ratio is
 * floored at eta0 = 0.01, so a busy, healthy client (a crawler fetching
 * 500 pages: all successes) stays benign, yet a slow scan still
 * accumulates over detect.scan.window. A source is watched (gets a
 * record) from its first failed contact on: before that it costs a
 * lookup per flow, and its successful contacts are not counted. Unlike Jung et al., every probe
 * counts, not only first contacts, and the minimum of distinct targets
 * keeps a client retrying one dead service from being called a scanner.
 * ARP replies are not matched to requests: a source that ARP-probes
 * detect.scan.sweep_arp distinct addresses, mostly unanswered, is sweeping.
 *
 * Memory, two tiers, both bounded: every source gets a small record
 * (counters, the TRW ratio, its last RECENT probes) in a table of
 * detect.scan.sources entries found by a seeded hash with 8-slot linear
 * probing; a new source takes the least recently active of those 8. Only
 * a suspect - a source with PROMOTE_PENDING probes still unanswered, or
 * PROMOTE_FAILURES failures - also gets a detail block from a pool of
 * detect.scan.suspects: exact distinct hosts (up to 256, then linear
 * counting, Whang et al. 1990), one bit per port below 4096 (exact) and a
 * hashed bitmap above, distinct (host, port) targets, the first victims
 * and ports. Its recent probes are replayed into the block when it is
 * made. A flood of forged sources thus costs one small record each, in a
 * table that never grows; an evicted source with an open attack is
 * reported first, so no attack is lost.
 *
 * Kind: a scanner whose probes include a SYN carrying FIN or URG (no
 * stack sends one; OS fingerprinting does: nmap -O's T3 probe is
 * SYN|FIN|PSH|URG) is scan.os; one that also held SERVICE_SESSIONS
 * conversations with the ports it found (handshake completed, data
 * exchanged, not aborted by its own RST: nmap -sV reading banners and
 * sending its probes) is scan.service; else scan.sweep when it reached
 * more hosts than ports, scan.port otherwise.
 *
 * Tool: the first SYN of every flow is matched against the probe formats
 * of the common scanners (tool_of) from the packet hook, which stores the
 * answer in the flow's tag byte; the tool is named when most of the
 * source's SYN probes carry it.
 *
 * An attack is one event: it opens when the source is judged a scanner
 * and is reported when the source has been silent for detect.scan.idle
 * seconds of packet time, or at the end of the input.
 *
 * THREAT: the attacker chooses addresses, ports and how many sources it
 * forges; all of it lands in fixed-size tables and counters.
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

#define NS_PER_S         1000000000ull
#define VICTIMS_KEPT     8
#define RECENT           8
#define PROMOTE_PENDING  8
#define PROMOTE_FAILURES 4
#define SERVICE_SESSIONS 2

/* Detail bitmaps (see the top comment). */
#define HOST_BITS   2048
#define HOSTS_EXACT 512 /* hash slots; exact up to half of them (a /24 sweep) */
#define PORT_DIRECT 4096
#define PORT_BITS   4096
#define TARGET_BITS 4096

/* TRW parameters (Jung et al. 2004, section 4): the chance a contact
 * succeeds for a benign host (theta0) and for a scanner (theta1), and the
 * decision thresholds. */
#define THETA0 0.8
#define THETA1 0.2
#define ETA1   99.0
#define ETA0   0.01

enum tech { T_SYN, T_CONNECT, T_FIN, T_NULL, T_XMAS, T_ACK, T_MAIMON, T_UDP, T_ICMP, T_ARP, T_N };

/* Scanners recognised by their SYN probes (flow tag byte 0). */
enum tool { TOOL_NONE, TOOL_NMAP, TOOL_MASSCAN, TOOL_ZMAP, TOOL_N };
static const char *const tool_names[TOOL_N] = {NULL, "nmap", "masscan", "zmap"};

static const char *const tech_names[T_N] = {
    "syn", "connect", "fin", "null", "xmas", "ack", "maimon", "udp", "icmp_echo", "arp",
};

struct hostset {
	uint64_t bm[HOST_BITS / 64];
	uint32_t ids[HOSTS_EXACT];
	uint32_t n; /* distinct ids while exact; past HOSTS_EXACT / 2 the bitmap counts */
};

struct detail {
	uint32_t owner; /* index of the source that holds it */
	uint8_t n_ports, n_victims;
	uint16_t port_list[VG_ATTACK_LIST_MAX];
	struct vg_addr victims[VICTIMS_KEPT];
	struct hostset hosts;                 /* hosts reached by IP probes */
	struct hostset arp_hosts;             /* addresses asked for by ARP */
	uint64_t low_ports[PORT_DIRECT / 64]; /* ports below PORT_DIRECT, one bit each */
	uint64_t ports[PORT_BITS / 64];       /* hashed higher ports */
	uint64_t targets[TARGET_BITS / 64];   /* hashed (host, port) */
};

struct probe_rec {
	struct vg_addr host;
	uint16_t port;
	uint8_t tech;
};

struct source_key {
	struct vg_addr addr;
	uint64_t family;
};

struct source {
	struct source_key key;      /* first: the table's key */
	uint64_t first_ns, last_ns; /* probes seen from first to last */
	uint64_t packets, bytes;
	uint64_t attack_id, reported_ns; /* reported: time of the last report */
	uint32_t probes, failures, successes;
	uint32_t syn_open;     /* SYN probes answered SYN-ACK and left half-open */
	uint16_t os_probes;    /* SYNs with FIN or URG: fingerprinting */
	uint16_t svc_sessions; /* conversations with found services */
	uint16_t tool[TOOL_N]; /* SYN probes by their tool */
	float llr;             /* log of the TRW likelihood ratio */
	uint32_t detail;       /* 1 + index in the detail pool, 0 if none */
	uint16_t tech[T_N];
	uint8_t open, proto;
	uint8_t n_recent; /* probes in recent[], a ring of the last RECENT */
	struct vg_addr first_victim;
	struct probe_rec recent[RECENT];
};

struct scan_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	struct detail *pool;
	uint32_t pool_cap, pool_used, free_detail; /* free list through owner */
	uint64_t seed;
	uint64_t window_ns, idle_ns, update_ns;
	struct vg_open_list open;      /* sources with an open attack */
	uint64_t hash[VG_DETECT_RING]; /* per view slot: its client's key hash */
};

static uint64_t hash_addr(const struct scan_state *s, const struct vg_addr *a, uint64_t extra)
{
	uint64_t k[3];

	memcpy(k, a->b, 16);
	k[2] = extra;
	return vg_hash_words(k, sizeof k, s->seed);
}

static bool bit_set(uint64_t *bm, unsigned nbits, uint64_t h)
{
	unsigned i = (unsigned)(h % nbits);
	uint64_t m = 1ull << (i & 63);
	bool was = bm[i >> 6] & m;

	bm[i >> 6] |= m;
	return !was;
}

static uint32_t popcount(const uint64_t *bm, unsigned nbits)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nbits / 64; i++)
		n += (unsigned)__builtin_popcountll(bm[i]);
	return n;
}

/* Linear counting: n = -m ln(zero bits / m); all bits set reads as m ln m. */
static uint32_t distinct(const uint64_t *bm, unsigned nbits)
{
	unsigned set = popcount(bm, nbits);

	if (set == 0)
		return 0;
	if (set == nbits)
		return (uint32_t)(nbits * log((double)nbits));
	return (uint32_t)lround(-(double)nbits * log((double)(nbits - set) / nbits));
}

/* Adds a host; true if it was not in the set (as far as the set knows).
 * The exact part is an open-addressing set of 32-bit hash values (never
 * 0), used until it is half full. */
static bool hostset_add(struct hostset *hs, uint64_t h)
{
	bool new_bit = bit_set(hs->bm, HOST_BITS, h);
	uint32_t id = (uint32_t)(h >> 32) | 1, i = (uint32_t)h;

	if (hs->n > HOSTS_EXACT / 2)
		return new_bit;
	for (;; i++) {
		uint32_t *slot = &hs->ids[i & (HOSTS_EXACT - 1)];
		if (*slot == id)
			return false;
		if (!*slot) {
			*slot = id;
			break;
		}
	}
	hs->n++;
	return true;
}

static uint32_t hostset_count(const struct hostset *hs)
{
	return hs->n <= HOSTS_EXACT / 2 ? hs->n : distinct(hs->bm, HOST_BITS);
}

static struct detail *detail_of(const struct scan_state *s, const struct source *e)
{
	return e->detail ? &s->pool[e->detail - 1] : NULL;
}

static uint32_t count_ports(const struct detail *d)
{
	return popcount(d->low_ports, PORT_DIRECT) + distinct(d->ports, PORT_BITS);
}

static void release_detail(struct scan_state *s, struct source *e)
{
	if (!e->detail)
		return;
	vg_dtable_set_busy(&s->t, e, e->open);
	s->pool[e->detail - 1].owner = s->free_detail;
	s->free_detail = e->detail;
	e->detail = 0;
}

/* Forgets everything about a source but its key; it starts again at now. */
static void reset_source(struct scan_state *s, struct source *e, uint64_t now)
{
	struct source_key k = e->key;

	release_detail(s, e);
	memset(e, 0, sizeof *e);
	e->key = k;
	e->first_ns = e->last_ns = now;
	vg_dtable_set_busy(&s->t, e, false);
}

static bool is_home(const struct scan_state *s, const struct vg_addr *a, int family)
{
	return vg_cidr_match(s->env.home, a, family);
}

/* The tool most probes of the scan's technique came from, if most of
 * them carry its signature. */
static enum tool scan_tool(const struct source *e, enum tech t)
{
	unsigned best = TOOL_NONE;

	for (unsigned i = TOOL_NONE + 1; i < TOOL_N; i++)
		if (e->tool[i] > (best ? e->tool[best] : 0))
			best = i;
	return best && 2u * e->tool[best] > e->tech[t] ? (enum tool)best : TOOL_NONE;
}

static enum tech dominant(const struct source *e)
{
	unsigned best = 0;

	for (unsigned t = 1; t < T_N; t++)
		if (e->tech[t] > e->tech[best])
			best = t;
	return (enum tech)best;
}

/* Reports the source's attack: final (it ended) or an interim update. */
static void report(struct scan_state *s, struct source *e, bool final)
{
	const struct detail *d = detail_of(s, e);
	enum tech best = dominant(e);
	struct vg_attack a;
	uint32_t hosts, ports;
	bool src_home, dst_home, sweep;

	if (!d) /* cannot happen: an attack opens only with a detail block */
		return;
	/* Closed ports cannot tell a connect scan from a SYN scan; open ones
	 * can: handshakes completed and none left half-open is connect. */
	if (best == T_SYN && e->tech[T_CONNECT] && !e->syn_open)
		best = T_CONNECT;
	hosts = hostset_count(best == T_ARP ? &d->arp_hosts : &d->hosts);
	ports = best == T_ARP ? 0 : count_ports(d);
	sweep = best == T_ARP || hosts > ports;
	src_home = is_home(s, &e->key.addr, e->key.family);
	dst_home = d->n_victims && is_home(s, &d->victims[0], e->key.family);
	memset(&a, 0, sizeof a);
	a.id = e->attack_id;
	a.kind = e->os_probes                          ? "scan.os"
		 : e->svc_sessions >= SERVICE_SESSIONS ? "scan.service"
		 : sweep                               ? "scan.sweep"
						       : "scan.port";
	a.technique = tech_names[best];
	a.tool = tool_names[scan_tool(e, best)];
	a.src = e->key.addr;
	a.dst = d->n_victims ? d->victims[0] : e->key.addr;
	a.family = e->key.family;
	a.proto = best == T_ARP ? 0 : e->proto;
	/* A home terminal probing others is an infected terminal (outbound),
	 * whoever it probes; the worst case, so severity 1. */
	a.direction = src_home ? "outbound" : dst_home ? "inbound" : "transit";
	a.severity = src_home ? 1 : sweep ? 3 : 2;
	a.src_verified = e->tech[T_CONNECT] > 0; /* some probe completed a handshake */
	a.succeeded = e->successes > 0;          /* some probe found a live host or open port */
	a.start_ns = e->first_ns;
	a.end_ns = e->last_ns;
	a.packets = e->packets;
	a.bytes = e->bytes;
	a.attempts = best == T_ARP ? e->tech[T_ARP] : e->probes - e->tech[T_ARP];
	a.victims = hosts;
	a.ports = ports;
	a.n_victim_ips = d->n_victims;
	memcpy(a.victim_ips, d->victims, sizeof d->victims);
	a.n_ports = best == T_ARP ? 0 : d->n_ports;
	memcpy(a.port_list, d->port_list, sizeof d->port_list);
	if (best == T_ARP)
		snprintf(a.evidence, sizeof a.evidence,
			 "%u ARP requests for %u addresses, %u answered", e->tech[T_ARP], hosts,
			 e->successes);
	else
		snprintf(a.evidence, sizeof a.evidence,
			 "%u probes (%u unanswered or refused, %u answered) to %u ports on %u "
			 "hosts; TRW log likelihood ratio %.1f (threshold %.1f); %u service "
			 "conversations, %u fingerprinting SYNs",
			 (unsigned)a.attempts, e->failures, e->successes, ports, hosts,
			 (double)e->llr, log(ETA1), e->svc_sessions, e->os_probes);
	a.final = final;
	s->env.emit(s->env.emit_arg, &a);
	e->reported_ns = e->last_ns;
}

static void close_attack(struct scan_state *s, struct source *e)
{
	report(s, e, true);
	/* Start afresh: a scanner that comes back later is a new attack,
	 * which starts at its own first flow (times 0: as a new record). */
	reset_source(s, e, 0);
}

/* The source with this address, or (create) a new record for it. */
static struct source *find(struct scan_state *s, const struct vg_addr *a, uint8_t family,
			   uint64_t now, bool create)
{
	struct source_key k = {*a, family};
	struct source *e = vg_dtable_find(&s->t, &k, create, now);

	if (e && !e->first_ns)
		e->first_ns = e->last_ns = now;
	return e;
}

/* A busy source (an open attack, a detail block) losing its slot. */
static void evict(void *owner, void *rec)
{
	struct scan_state *s = owner;
	struct source *e = rec;

	if (e->open)
		close_attack(s, e); /* reported before the slot is reused */
	release_detail(s, e);
}

static void touch(struct scan_state *s, struct source *e, uint64_t now)
{
	e->last_ns = now;
	vg_dtable_touch(&s->t, e, now);
}

/* Records a probe in the detail block. */
static void record(struct scan_state *s, struct detail *d, const struct probe_rec *r,
		   uint8_t family)
{
	uint64_t hh = hash_addr(s, &r->host, family);

	bit_set(d->targets, TARGET_BITS, vg_hash_mix(hh ^ r->port, 0x9e3779b97f4a7c15ull));
	if (hostset_add(r->tech == T_ARP ? &d->arp_hosts : &d->hosts, hh) &&
	    d->n_victims < VICTIMS_KEPT && memcmp(&r->host, &d->victims[0], sizeof r->host) != 0)
		d->victims[d->n_victims++] = r->host;
	if (r->tech == T_ARP)
		return;
	if (r->port < PORT_DIRECT
		? bit_set(d->low_ports, PORT_DIRECT, r->port)
		: bit_set(d->ports, PORT_BITS,
			  vg_hash_mix(r->port ^ s->seed, 0xc2b2ae3d27d4eb4full))) {
		if (d->n_ports < VG_ATTACK_LIST_MAX)
			d->port_list[d->n_ports++] = r->port;
	}
}

/* Gives a suspect its detail block and replays its recent probes. When
 * the pool is full, the least recently active suspect without an open
 * attack gives its block up (it keeps its counters and ratio). */
static void promote(struct scan_state *s, struct source *e)
{
	uint32_t idx = 0;
	struct detail *d;

	if (e->detail)
		return;
	if (s->free_detail) {
		idx = s->free_detail;
		s->free_detail = s->pool[idx - 1].owner;
	} else if (s->pool_used < s->pool_cap) {
		idx = ++s->pool_used;
	} else {
		struct source *oldest = NULL;
		for (uint32_t i = 0; i < s->pool_cap; i++) {
			struct source *o = vg_dtable_at(&s->t, s->pool[i].owner);
			if (!o->open && (!oldest || o->last_ns < oldest->last_ns))
				oldest = o;
		}
		if (!oldest)
			return; /* every suspect is an open attack: stay a suspect */
		idx = oldest->detail;
		oldest->detail = 0;
		vg_dtable_set_busy(&s->t, oldest, oldest->open);
	}
	d = &s->pool[idx - 1];
	memset(d, 0, sizeof *d);
	d->owner = vg_dtable_index(&s->t, e);
	e->detail = idx;
	vg_dtable_set_busy(&s->t, e, true);
	/* The first victim heads the list even if it left the ring. */
	d->victims[d->n_victims++] = e->first_victim;
	for (unsigned i = 0; i < e->n_recent && i < RECENT; i++)
		record(s, d, &e->recent[i], e->key.family);
}

static bool maybe_promote(struct scan_state *s, struct source *e)
{
	if (!e->detail && (e->probes - e->successes - e->failures >= PROMOTE_PENDING ||
			   e->failures >= PROMOTE_FAILURES))
		promote(s, e);
	return e->detail != 0;
}

static void maybe_open(struct scan_state *s, struct source *e)
{
	const struct detail *d;

	if (e->open || !maybe_promote(s, e))
		return;
	d = detail_of(s, e);
	if (e->tech[T_ARP]) {
		if (hostset_count(&d->arp_hosts) < s->env.cfg->scan_sweep_arp ||
		    e->successes * 2 > e->tech[T_ARP])
			return;
	} else if (e->llr < log(ETA1) ||
		   distinct(d->targets, TARGET_BITS) < s->env.cfg->scan_min_targets) {
		return;
	}
	if (vg_open_full(&s->open))
		return; /* reported when others have closed */
	e->open = 1;
	e->attack_id = (*s->env.next_attack_id)++;
	e->reported_ns = e->first_ns;
	vg_open_add(&s->open, &s->t, e);
}

static void outcome(struct scan_state *s, struct source *e, bool success)
{
	if (success) {
		e->successes++;
		e->llr += (float)log(THETA1 / THETA0);
	} else {
		e->failures++;
		e->llr += (float)log((1 - THETA1) / (1 - THETA0));
	}
	if (e->llr < (float)log(ETA0))
		e->llr = (float)log(ETA0);
	maybe_open(s, e);
}

/* A probe: a flow the source opened, or an ARP request. */
static void probe(struct scan_state *s, struct source *e, const struct vg_addr *host, uint16_t port,
		  enum tech t, uint8_t proto)
{
	struct probe_rec r = {*host, port, (uint8_t)t};
	struct detail *d = detail_of(s, e);

	if (!e->probes)
		e->first_victim = *host;
	e->probes++;
	e->tech[t]++;
	if (t != T_ARP)
		e->proto = proto;
	if (d)
		record(s, d, &r, e->key.family);
	else
		e->recent[e->n_recent++ % RECENT] = r;
}

/* The technique a TCP flow's client flags show, T_N if it is not a probe
 * (picked up mid-stream). Flag-only probes (FIN, NULL, XMAS, ACK, Maimon)
 * are short: a client that sent more is a connection seen mid-stream. */
static enum tech tcp_tech(const struct vg_flow *f)
{
	uint8_t fl = f->tcp_flags[0] & (VG_TH_SYN | VG_TH_ACK | VG_TH_FIN | VG_TH_PSH | VG_TH_URG);

	/* The client completed the handshake itself: a connect scan (or a
	 * real client: the TRW ratio says which). A SYN scan aborts with a
	 * bare RST. To a closed port both look the same - a SYN, then the
	 * server's RST - so they count as syn. */
	if (fl & VG_TH_SYN)
		return (f->flags & VG_FLOW_HANDSHAKE) ? T_CONNECT : T_SYN;
	if (f->pkts[0] > 2)
		return T_N;
	switch (fl) {
	case VG_TH_FIN: return T_FIN;
	case 0: return T_NULL;
	case VG_TH_FIN | VG_TH_PSH | VG_TH_URG: return T_XMAS;
	case VG_TH_ACK: return T_ACK;
	case VG_TH_FIN | VG_TH_ACK: return T_MAIMON;
	default: return T_N;
	}
}

/* An ARP packet, as the packet hook notes it for the tables. */
struct arp_note {
	uint64_t ts_ns;
	struct vg_addr src, dst; /* sender and target protocol addresses */
	uint32_t caplen;
	uint8_t op; /* 1 request, 2 reply */
};

static void scan_on_note(void *state, const void *note, size_t len)
{
	struct scan_state *s = state;
	const struct arp_note *n = note;
	static const uint8_t zero[4];
	struct source *e;

	if (len != sizeof *n)
		return;
	/* Gratuitous ARP and probes from 0.0.0.0 (RFC 5227) are not sweeps. */
	if (!memcmp(n->src.b, n->dst.b, 4) || !memcmp(n->src.b, zero, 4))
		return;
	if (n->op == 1) { /* request: a probe of its target */
		e = find(s, &n->src, 4, n->ts_ns, true);
		e->packets++;
		e->bytes += n->caplen;
		touch(s, e, n->ts_ns);
		probe(s, e, &n->dst, 0, T_ARP, 0);
		maybe_open(s, e);
	} else if (n->op == 2 && (e = find(s, &n->dst, 4, n->ts_ns, false))) {
		e->successes++; /* a reply to whoever asked */
	}
}

/* The scanner a flow's first packet comes from, by the probe formats the
 * tools' sources use: nmap's SYN probes carry one option, MSS 1460, and a
 * window of 1024 to 4096, its flag probes (FIN, NULL, Xmas, ACK, Maimon)
 * no option and a window of 1024; masscan's SYNs have no options and a
 * window of 1024 (it sends no flag probes); zmap sets the IP id to 54321
 * and a window of 65535. Operating systems send several options and
 * larger windows. */
static enum tool tool_of(const struct vg_packet *p)
{
	uint16_t w = p->tcp.window;
	/* The tests combined with & (no branch each): a flow's first packet
	 * is a SYN nearly always, and its fields are the client's choice. */
	bool bare = (p->tcp.hlen == 20) & (w == 1024);
	bool zmap = (p->family == 4) & (p->frag_id == 54321) & (w == 65535);
	bool nmap =
	    (p->tcp.hlen == 24) & (p->tcp.mss == 1460) & ((w & 1023) == 0) & (w != 0) & (w <= 4096);

	if (!(p->tcp_flags & VG_TH_SYN))
		return bare ? TOOL_NMAP : TOOL_NONE;
	if (p->tcp_flags & VG_TH_ACK)
		return TOOL_NONE;
	return zmap ? TOOL_ZMAP : bare ? TOOL_MASSCAN : nmap ? TOOL_NMAP : TOOL_NONE;
}

/* The SYNs that fingerprint (SYN without ACK, with FIN or URG): bit i of
 * FINGERPRINT_FLAGS for each value i of a packet's flags & FINGERPRINT_BITS. */
#define FINGERPRINT_BITS (VG_TH_SYN | VG_TH_ACK | VG_TH_FIN | VG_TH_URG)
#define FINGERPRINT_FLAGS                                                        \
	((1ull << (VG_TH_SYN | VG_TH_FIN)) | (1ull << (VG_TH_SYN | VG_TH_URG)) | \
	 (1ull << (VG_TH_SYN | VG_TH_FIN | VG_TH_URG)))

/* ARP requests are probes; a flow's first SYN is matched to a tool (kept
 * in the flow's tag until the flow ends). IP probes are otherwise judged
 * whole, when their flow ends. */
static void scan_on_packet(void *state, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	if (VG_LIKELY(f != NULL)) {
		uint8_t fl = p->tcp_flags;
		if (f->proto != VG_IPPROTO_TCP)
			return;
		/* No branch on dir (a coin toss: SYN, SYN-ACK, ...): the first
		 * packet's counts imply dir 0 (a reply counts in pkts[1]
		 * before the hook), and the fingerprint bit is or-ed in with
		 * dir as one of its terms. */
		if ((f->pkts[0] == 1) & (f->pkts[1] == 0))
			f->tag[0] = (uint8_t)tool_of(p);
		f->tag[1] |= (uint8_t)(((FINGERPRINT_FLAGS >> (fl & FINGERPRINT_BITS)) &
					(unsigned)(dir == 0)) *
				       VG_TAG1_SCAN_FINGERPRINT);
		return;
	}
	if (p->flags & VG_PKT_ARP) {
		const struct scan_state *s = state;
		struct arp_note n = {.ts_ns = p->ts_ns,
				     .src = p->src,
				     .dst = p->dst,
				     .caplen = p->caplen,
				     .op = p->icmp_type};
		vg_detect_note(&s->env, &n, sizeof n);
	}
}

/* A conversation with a service the source found: the handshake
 * completed, data went either way, and the client did not abort it with
 * a reset (a connect scan resets at once; a banner sent before that
 * reset arrives does not make a conversation). */
static bool service_session(const struct vg_flow *f)
{
	return (f->flags & VG_FLOW_HANDSHAKE) &&
	       ((f->tcp_flags[0] & VG_TH_PSH) ||
		((f->tcp_flags[1] & VG_TH_PSH) && !(f->tcp_flags[0] & VG_TH_RST)));
}

/* Every flow is a probe by its client, judged when it ends: its first
 * packets give the technique, the server's answer the outcome (SYN-ACK or
 * any reply: success; RST or silence: failure), its counters the packets
 * and bytes. One lookup per flow, none per packet. */
static void scan_on_flow_end(void *state, const struct vg_flow_view *v,
			     const struct vg_app_flow *meta)
{
	struct scan_state *s = state;
	const struct vg_flow *f = v->f;
	uint16_t port = v->e.server_port;
	struct source_key k;
	struct source *e;
	enum tech t;
	bool success;

	(void)meta;
	switch (f->proto) {
	case VG_IPPROTO_TCP:
		t = tcp_tech(f);
		success = (f->tcp_flags[1] & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK);
		break;
	case VG_IPPROTO_UDP:
		t = T_UDP;
		/* An ICMP unreachable is counted in the flow it quotes
		 * (flow.c): a refusal, not an answer. */
		success = f->pkts[1] > 0 && !(f->flags & VG_FLOW_ICMP_ERR);
		break;
	case VG_IPPROTO_ICMP:
	case VG_IPPROTO_ICMPV6:
		if (f->icmp_type != (f->proto == VG_IPPROTO_ICMP ? 8 : 128))
			return; /* only echo requests probe */
		t = T_ICMP;
		port = 0;
		success = f->pkts[1] > 0;
		break;
	default: return;
	}
	if (t == T_N)
		return;
	/* A source is watched from its first failed contact: a client whose
	 * contacts all succeed costs a lookup, never a record. */
	k.addr = v->e.client;
	k.family = v->e.family;
	e = vg_dtable_find_h(&s->t, &k,
			     v->prefetched ? s->hash[v->slot] : vg_dtable_hash(&s->t, &k), !success,
			     f->first_ns);
	if (!e)
		return;
	if (!e->first_ns) /* as find() does */
		e->first_ns = e->last_ns = f->first_ns;
	/* An open scan quiet for detect.scan.idle ended before this flow (the
	 * ticks close it within a second of packet time after that). */
	if (e->open && vg_open_idle(f->first_ns, e->last_ns, s->idle_ns))
		close_attack(s, e);
	if (f->first_ns > e->last_ns && f->first_ns - e->last_ns > s->window_ns && !e->open)
		reset_source(s, e, f->first_ns); /* judged afresh */
	if (f->first_ns < e->first_ns)
		e->first_ns = f->first_ns;
	if (f->last_ns > e->last_ns)
		touch(s, e, f->last_ns);
	e->packets += f->pkts[0];
	e->bytes += f->bytes[0];
	if (t == T_SYN && success)
		e->syn_open++;
	if (f->proto == VG_IPPROTO_TCP) {
		if (f->tag[1] & VG_TAG1_SCAN_FINGERPRINT)
			e->os_probes += e->os_probes < UINT16_MAX;
		else if (t == T_CONNECT && service_session(f))
			e->svc_sessions += e->svc_sessions < UINT16_MAX;
		if (f->tag[0] < TOOL_N && e->tool[f->tag[0]] < UINT16_MAX)
			e->tool[f->tag[0]]++;
	}
	probe(s, e, &v->e.server, port, t, f->proto);
	outcome(s, e, success);
}

static void scan_prefetch(void *state, const struct vg_flow_view *v)
{
	struct scan_state *s = state;
	struct source_key k;

	k.addr = v->e.client;
	k.family = v->e.family;
	s->hash[v->slot] = vg_dtable_hash(&s->t, &k);
	vg_dtable_prefetch_h(&s->t, s->hash[v->slot]);
}

/* Most flows' clients made no record (their contacts all succeeded):
 * the filter tells, and only a record found is loaded. */
static void scan_prefetch_record(void *state, const struct vg_flow_view *v)
{
	const struct scan_state *s = state;

	vg_dtable_prefetch_rec(&s->t, s->hash[v->slot]);
}

/* An open attack at a tick (vg_open_fn): closed when idle, else reported if under way
 * since the last report; 0 once closed (now or by eviction), else when it
 * needs its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct scan_state *s = owner;
	struct source *e = rec;

	(void)slot;
	if (e->open && (end || vg_open_idle(now_ns, e->last_ns, s->idle_ns)))
		close_attack(s, e);
	else if (e->open && vg_open_update_due(e->last_ns, e->reported_ns, s->update_ns))
		report(s, e, false); /* still under way */
	return e->open ? vg_open_next(now_ns, e->last_ns, s->idle_ns, e->reported_ns, s->update_ns)
		       : 0;
}

static void scan_on_tick(void *state, uint64_t now_ns)
{
	struct scan_state *s = state;

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static void scan_configure(void *state)
{
	struct scan_state *s = state;

	s->window_ns = (uint64_t)s->env.cfg->scan_window_s * NS_PER_S;
	s->idle_ns = (uint64_t)s->env.cfg->scan_idle_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
}

static int scan_init(void *state, const struct vg_detect_env *env)
{
	struct scan_state *s = state;
	int rc;

	s->env = *env;
	s->pool_cap = env->cfg->scan_suspects;
	s->seed = env->seed ^ 0x7363616e;
	scan_configure(s);
	if (env->packet_only)
		return 0; /* the hook tags flows and notes ARP: no table */
	rc = vg_dtable_init(&s->t, env->cfg->scan_sources, sizeof(struct source),
			    sizeof(struct source_key), s->seed, evict, s);
	if (rc < 0)
		return rc;
	s->pool = vg_table_alloc((size_t)s->pool_cap * sizeof *s->pool);
	if (!s->pool) {
		vg_dtable_fini(&s->t);
		return VG_ENOMEM;
	}
	return 0;
}

static void scan_fini(void *state)
{
	struct scan_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	vg_dtable_fini(&s->t);
	vg_table_free(s->pool, (size_t)s->pool_cap * sizeof *s->pool);
	s->pool = NULL;
}

const struct vg_detector vg_detector_scan = {
    .name = "scan",
    .enabled_off = offsetof(struct vg_detect_config, scan_on),
    .state_size = sizeof(struct scan_state),
    .wants = VG_DETECT_PKT_NOFLOW | VG_DETECT_PKT_FLOW | VG_DETECT_PKT_TCP,
    .init = scan_init,
    .on_packet = scan_on_packet,
    .prefetch_flow_end = scan_prefetch,
    .prefetch_record = scan_prefetch_record,
    .on_flow_end = scan_on_flow_end,
    .on_note = scan_on_note,
    .reconfigure = scan_configure,
    .on_tick = scan_on_tick,
    .table_off = {offsetof(struct scan_state, t)},
    .fini = scan_fini,
};
