/*
 * exfil.c - a home terminal sending far more to one external destination
 * than it receives from it and than it usually sends (exfil.volume).
 *
 * Method: per (terminal, external address), an episode sums the bytes of
 * the flows the terminal opened to that address - sent (toserver) and
 * received (toclient) - from flow ends only (no packet hook); a silence of
 * detect.exfil.idle seconds ends the episode. It is an attack when all
 * three hold:
 *
 * - volume: at least detect.exfil.bytes sent in the episode;
 * - asymmetry: sent >= detect.exfil.ratio x received (an upload, not a
 *   conversation: a video call or a sync sends and receives alike);
 * - baseline: sent >= detect.exfil.baseline x the terminal's typical
 *   upload to one destination: an exponentially weighted mean (weight
 *   1/8) of the bytes sent in its earlier episodes, kept per terminal. A
 *   terminal with no earlier episode has no baseline and passes this test
 *   (the first large upload of a new terminal is reported).
 *
 * An episode gets a record only from a flow that sent more than it
 * received, and at least UPLOAD_MIN bytes (most flows download, and
 * unanswered probes and lookups are small: they only update a record that
 * exists, found through the table's filter); its volume goes into the terminal's
 * baseline when it ends or loses its slot. Destinations in
 * detect.exfil.allow (backup hosts, the organisation's cloud storage) are
 * skipped before any lookup.
 *
 * The receiver is reported as src_ip (the party to attribute: where the
 * data went, as a C&C server is for malware.c2), the terminal as dest_ip,
 * direction outbound. Bytes are captured bytes (flow.h): a capture cut at
 * a short snap length undercounts the volume (the ratio too).
 *
 * Memory: fixed tables of detect.exfil.pairs episodes (about 200 bytes)
 * and detect.exfil.pairs / 4 terminals (32 bytes), seeded hash, 8 slots to
 * a line, least recently active reused (an open attack there is reported
 * first, and every evicted episode still feeds its terminal's baseline).
 *
 * THREAT: addresses and volumes come from traffic; all of it lands in
 * fixed tables.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S   1000000000ull
#define PORTS_MAX  8
#define UPLOAD_MIN 1024 /* bytes sent by a flow that opens an episode */
#define MAYBE_BITS 65536

struct episode_key {
	struct vg_addr term, dest;
	uint32_t family;
};

struct episode {
	struct episode_key key; /* first: the table's key */
	uint64_t first_ns, last_ns;
	uint64_t sent, received, packets, attack_id, reported_ns;
	uint32_t flows, ports_more;
	uint8_t open, verified, proto, n_ports;
	uint16_t ports[PORTS_MAX];
};

struct terminal_key {
	struct vg_addr term;
	uint32_t family, pad;
};

struct terminal {
	struct terminal_key key;
	uint64_t mean_sent; /* EWMA of bytes sent per episode */
	uint32_t episodes;
	uint32_t pad;
};

struct exfil_state {
	struct vg_detect_env env;
	struct vg_dtable t, terms;
	struct vg_cidr_set allow;
	uint64_t idle_ns, update_ns, swept_ns, seed;
	uint64_t maybe[MAYBE_BITS / 64]; /* bit set: an episode of this pair may exist */
	uint64_t skipped_allowed, baselined;
	struct vg_open_list open; /* episodes with an open attack */
	/* Per view slot: the episode key's hash, when the prefetch made it. */
	uint64_t hash[VG_DETECT_RING];
	bool hashed[VG_DETECT_RING];
};

/* A cheap filter before the table: most flows download, and a flow of a
 * pair with no episode is told so by one bit (the table's own filter
 * would hash the whole key). Seeded; bits are set when an episode is
 * made and rebuilt from the live ones at each sweep. */
static uint32_t maybe_bit(const struct exfil_state *s, const struct episode_key *k)
{
	uint64_t t, d;

	memcpy(&t, &k->term, 8);
	memcpy(&d, &k->dest, 8);
	return (uint32_t)(((t ^ s->seed) * 0x9e3779b97f4a7c15ull ^ d * 0xc2b2ae3d27d4eb4full) >>
			  48);
}

static void report(struct exfil_state *s, struct episode *e, bool final)
{
	struct vg_attack a;
	char ratio[32];

	memset(&a, 0, sizeof a);
	a.id = e->attack_id;
	a.kind = "exfil.volume";
	a.src = e->key.dest; /* the receiver of the data, for attribution */
	a.dst = e->key.term;
	a.family = (uint8_t)e->key.family;
	a.proto = e->proto;
	a.direction = "outbound";
	a.src_verified = e->verified;
	a.severity = 1;
	a.final = final;
	a.start_ns = e->first_ns;
	a.end_ns = e->last_ns;
	a.packets = e->packets;
	a.bytes = e->sent;
	a.attempts = e->flows;
	a.victims = 1;
	a.n_victim_ips = 1;
	a.victim_ips[0] = e->key.term;
	a.ports = e->n_ports + e->ports_more;
	a.n_ports = e->n_ports;
	memcpy(a.port_list, e->ports, sizeof e->ports);
	if (e->received)
		snprintf(ratio, sizeof ratio, "%.0f", (double)e->sent / (double)e->received);
	else
		snprintf(ratio, sizeof ratio, "no reply bytes");
	snprintf(a.evidence, sizeof a.evidence,
		 "%llu bytes sent and %llu received (ratio %s) in %u flow%s over %.0f s",
		 (unsigned long long)e->sent, (unsigned long long)e->received, ratio, e->flows,
		 e->flows == 1 ? "" : "s", (double)(e->last_ns - e->first_ns) / 1e9);
	s->env.emit(s->env.emit_arg, &a);
	e->reported_ns = e->last_ns;
}

/* An episode ended: its volume goes into the terminal's baseline (unless
 * it was the exfiltration itself: that is not the terminal's habit). */
static void baseline_add(struct exfil_state *s, const struct episode *e)
{
	struct terminal_key k;
	struct terminal *t;

	if (e->open)
		return;
	memset(&k, 0, sizeof k);
	k.term = e->key.term;
	k.family = e->key.family;
	t = vg_dtable_find(&s->terms, &k, true, e->last_ns);
	t->mean_sent = t->episodes ? t->mean_sent - t->mean_sent / 8 + e->sent / 8 : e->sent;
	t->episodes++;
	vg_dtable_touch(&s->terms, t, e->last_ns);
	s->baselined++;
}

static void end_episode(struct exfil_state *s, struct episode *e)
{
	if (e->open)
		report(s, e, true);
	else
		baseline_add(s, e);
	vg_dtable_remove(&s->t, e);
}

static void evict(void *owner, void *rec)
{
	struct exfil_state *s = owner;
	struct episode *e = rec;

	if (e->open)
		report(s, e, true); /* reported before its slot is reused */
	else
		baseline_add(s, e);
}

static void add_port(struct episode *e, uint16_t port)
{
	for (unsigned i = 0; i < e->n_ports; i++)
		if (e->ports[i] == port)
			return;
	if (e->n_ports < PORTS_MAX)
		e->ports[e->n_ports++] = port;
	else
		e->ports_more++; /* may count a port twice past the list */
}

static void maybe_open(struct exfil_state *s, struct episode *e)
{
	const struct vg_detect_config *c = s->env.cfg;
	struct terminal_key k;
	const struct terminal *t;

	if (e->open || e->sent < c->exfil_bytes ||
	    e->sent < (uint64_t)c->exfil_ratio * e->received || vg_open_full(&s->open))
		return;
	memset(&k, 0, sizeof k);
	k.term = e->key.term;
	k.family = e->key.family;
	t = vg_dtable_find(&s->terms, &k, false, e->last_ns);
	if (t && t->episodes && e->sent < (uint64_t)c->exfil_baseline * t->mean_sent)
		return; /* this terminal uploads this much as a habit */
	e->open = 1;
	e->reported_ns = e->first_ns;
	e->attack_id = (*s->env.next_attack_id)++;
	vg_open_add(&s->open, &s->t, e);
}

static void exfil_on_flow_end(void *state, const struct vg_flow_view *v,
			      const struct vg_app_flow *meta)
{
	struct exfil_state *s = state;
	const struct vg_flow *f = v->f;
	const struct vg_flow_ends *ends = &v->e;
	struct episode_key k;
	struct episode *e;
	bool upload = f->bytes[0] > f->bytes[1] && f->bytes[0] >= UPLOAD_MIN;
	uint32_t b;
	uint64_t h;

	(void)meta;

	if (!v->client_home || v->server_home)
		return; /* not a terminal's own connection out */
	if (s->allow.n && vg_cidr_match(&s->allow, &ends->server, ends->family)) {
		s->skipped_allowed++;
		return;
	}
	memset(&k, 0, sizeof k);
	k.term = ends->client;
	k.dest = ends->server;
	k.family = ends->family;
	b = maybe_bit(s, &k);
	if (!upload && !(s->maybe[b / 64] & (1ull << (b % 64))))
		return; /* a download, and surely no episode: no lookup */
	h = v->prefetched && s->hashed[v->slot] ? s->hash[v->slot] : vg_dtable_hash(&s->t, &k);
	e = vg_dtable_find_h(&s->t, &k, h, upload, f->last_ns);
	if (!e)
		return; /* a download with no upload episode open */
	s->maybe[b / 64] |= 1ull << (b % 64);
	if (e->flows && f->first_ns > e->last_ns && f->first_ns - e->last_ns > s->idle_ns) {
		end_episode(s, e); /* the previous episode ended long ago */
		if (!upload || !(e = vg_dtable_find_h(&s->t, &k, h, true, f->last_ns)))
			return;
	}
	if (!e->flows || f->first_ns < e->first_ns)
		e->first_ns = f->first_ns;
	if (f->last_ns > e->last_ns)
		e->last_ns = f->last_ns;
	e->flows++;
	e->sent += f->bytes[0];
	e->received += f->bytes[1];
	e->packets += f->pkts[0];
	if (!e->proto)
		e->proto = f->proto;
	if ((f->flags & VG_FLOW_HANDSHAKE) || f->pkts[1])
		e->verified = 1;
	add_port(e, ends->server_port);
	vg_dtable_touch(&s->t, e, e->last_ns);
	vg_dtable_set_busy(&s->t, e, true); /* its volume feeds the baseline when evicted */
	maybe_open(s, e);
}

/* The flows on_flow_end looks up (as far as the filter tells now). */
static void exfil_prefetch(void *state, const struct vg_flow_view *v)
{
	struct exfil_state *s = state;
	const struct vg_flow *f = v->f;
	struct episode_key k;
	uint32_t b;

	s->hashed[v->slot] = false;
	if (!v->client_home || v->server_home ||
	    (s->allow.n && vg_cidr_match(&s->allow, &v->e.server, v->e.family)))
		return;
	memset(&k, 0, sizeof k);
	k.term = v->e.client;
	k.dest = v->e.server;
	k.family = v->e.family;
	b = maybe_bit(s, &k);
	if (!(f->bytes[0] > f->bytes[1] && f->bytes[0] >= UPLOAD_MIN) &&
	    !(s->maybe[b / 64] & (1ull << (b % 64))))
		return;
	s->hash[v->slot] = vg_dtable_hash(&s->t, &k);
	s->hashed[v->slot] = true;
	vg_dtable_prefetch_h(&s->t, s->hash[v->slot]);
}

/* Ends the episodes idle longer than detect.exfil.idle, so that their
 * volume reaches the baseline: a pass over the slots' last-active times
 * (8 bytes each) every quarter of the idle time of packet time. */
static void sweep(struct exfil_state *s, uint64_t now_ns)
{
	uint32_t now_s = (uint32_t)(now_ns / NS_PER_S) & 0x7fffffff;
	uint32_t idle_s = (uint32_t)(s->idle_ns / NS_PER_S);

	s->swept_ns = now_ns;
	memset(s->maybe, 0, sizeof s->maybe);
	for (uint32_t i = 0; i < s->t.cap; i++) {
		struct episode *e = vg_dtable_at(&s->t, i);
		uint32_t b;
		if (!s->t.slot[i].tag)
			continue;
		if (now_s - s->t.slot[i].last_s > idle_s && !e->open && now_ns > e->last_ns &&
		    now_ns - e->last_ns > s->idle_ns) {
			end_episode(s, e);
			continue;
		}
		b = maybe_bit(s, &e->key);
		s->maybe[b / 64] |= 1ull << (b % 64);
	}
}

/* An open episode at a tick (vg_open_fn): ended when idle, else reported if it went
 * on since the last report; 0 once ended or its record removed, else when it
 * needs its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct exfil_state *s = owner;
	struct episode *e = rec;

	if (!vg_dtable_used(&s->t, slot))
		return 0; /* removed: its record is zeroed, nothing open */
	if (e->open && (end || vg_open_idle(now_ns, e->last_ns, s->idle_ns)))
		end_episode(s, e);
	else if (e->open && vg_open_update_due(e->last_ns, e->reported_ns, s->update_ns))
		report(s, e, false);
	if (!vg_dtable_used(&s->t, slot) || !e->open)
		return 0;
	return vg_open_next(now_ns, e->last_ns, s->idle_ns, e->reported_ns, s->update_ns);
}

static void exfil_on_tick(void *state, uint64_t now_ns)
{
	struct exfil_state *s = state;

	if (now_ns > s->swept_ns + s->idle_ns / 4)
		sweep(s, now_ns);

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static int configure(struct exfil_state *s, char *err, size_t errlen)
{
	struct vg_cidr_set allow;

	if (vg_cidr_parse(&allow, s->env.cfg->exfil_allow, err, errlen) < 0)
		return VG_EINVAL;
	s->allow = allow;
	s->idle_ns = (uint64_t)s->env.cfg->exfil_idle_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
	return 0;
}

static void exfil_reconfigure(void *state)
{
	char err[128];

	configure(state, err, sizeof err); /* checked by the loader: keeps the old on error */
}

static int exfil_init(void *state, const struct vg_detect_env *env)
{
	struct exfil_state *s = state;
	char err[128];
	int rc;

	s->env = *env;
	s->seed = env->seed ^ 0x6578666c6f77ull;
	if (configure(s, err, sizeof err) < 0)
		return VG_EINVAL; /* the config loader checked it: not reached */
	rc = vg_dtable_init(&s->t, env->cfg->exfil_pairs, sizeof(struct episode),
			    sizeof(struct episode_key), s->seed, evict, s);
	if (rc < 0)
		return rc;
	rc = vg_dtable_init(&s->terms, env->cfg->exfil_pairs / 4, sizeof(struct terminal),
			    sizeof(struct terminal_key), env->seed ^ 0x7465726d73ull, NULL, NULL);
	if (rc < 0)
		vg_dtable_fini(&s->t);
	return rc;
}

static void exfil_fini(void *state)
{
	struct exfil_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	vg_dtable_fini(&s->t);
	vg_dtable_fini(&s->terms);
}

const struct vg_detector vg_detector_exfil = {
    .name = "exfil",
    .enabled_off = offsetof(struct vg_detect_config, exfil_on),
    .state_size = sizeof(struct exfil_state),
    .wants = 0,
    .init = exfil_init,
    .prefetch_flow_end = exfil_prefetch,
    .on_flow_end = exfil_on_flow_end,
    .reconfigure = exfil_reconfigure,
    .on_tick = exfil_on_tick,
    .table_off = {offsetof(struct exfil_state, t), offsetof(struct exfil_state, terms)},
    .fini = exfil_fini,
};
