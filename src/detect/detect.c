/*
 * detect.c - the table of detectors and the engine that runs them.
 *
 * Adding a detector is one file with a `const struct vg_detector` and one
 * line in vg_detectors[].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

extern const struct vg_detector vg_detector_scan;
extern const struct vg_detector vg_detector_bruteforce;
extern const struct vg_detector vg_detector_flood;
extern const struct vg_detector vg_detector_c2;
extern const struct vg_detector vg_detector_beacon;
extern const struct vg_detector vg_detector_exfil;
extern const struct vg_detector vg_detector_dga;

/* clang-format off */
const struct vg_detector *const vg_detectors[] = {
    &vg_detector_scan,
    &vg_detector_bruteforce,
    &vg_detector_flood,
    &vg_detector_c2,
    &vg_detector_beacon,
    &vg_detector_exfil,
    &vg_detector_dga,
    NULL,
};
/* clang-format on */

typedef void (*packet_fn)(void *state, const struct vg_packet *p, struct vg_flow *f, int dir);
typedef void (*view_fn)(void *state, const struct vg_flow_view *v);
typedef void (*end_fn)(void *state, const struct vg_flow_view *v, const struct vg_app_flow *meta);

/* The home network split by family, for the views: a prefix of IPv4
 * reads the address's first 4 bytes only (its mask covers no more), 4
 * prefixes to a vector (unused lanes: mask 0, want 1, never matched). */
typedef uint32_t u32x4 __attribute__((vector_size(16)));
struct home_split {
	unsigned g4, n6; /* groups of 4 IPv4 prefixes; IPv6 prefixes */
	u32x4 m4[VG_CIDR_MAX / 4], w4[VG_CIDR_MAX / 4];
	uint64_t m6[VG_CIDR_MAX][2], w6[VG_CIDR_MAX][2];
};

/* The enabled detectors, in table order, each with its state; and, for
 * the hot packet path, the on_packet calls each kind of packet needs. */
struct vg_detect {
	unsigned n;
	uint64_t next_attack_id;
	const struct vg_intel *intel; /* the detectors' env.intel points here */
	const struct vg_detector *det[8];
	void *state[8];
	unsigned n_flow, n_noflow;
	bool flow_any; /* some flow hook wants more than TCP flows' packets */
	packet_fn flow_fn[8], noflow_fn[8];
	void *flow_state[8], *noflow_state[8];
	/* The same for flow ends: the hooks each detector has. */
	unsigned n_prefetch, n_end, n_rec;
	view_fn prefetch_fn[8], rec_fn[8];
	void *rec_state[8];
	end_fn end_fn[8];
	unsigned n_tick;
	void (*tick_fn[8])(void *state, uint64_t now_ns);
	void *tick_state[8];
	uint64_t tick_ns; /* packet time of the last walk of the ticks */
	void *prefetch_state[8], *end_state[8];
	vg_note_sink_fn note_sink; /* packet-only engines: where notes go */
	void *note_arg;
	const struct vg_cidr_set *home;
	struct home_split split; /* of *home, made again on reconfigure */
	/* Views of the flows prefetched and not yet ended, oldest at tail
	 * (counters run on; slot = counter % VG_DETECT_RING). */
	uint32_t ring_head, ring_tail, ring_rec; /* rec: the next second prefetch step */
	struct vg_flow_view ring[VG_DETECT_RING];
	uint64_t ring_first[VG_DETECT_RING], ring_last[VG_DETECT_RING]; /* the flows' times */
	struct vg_flow_view cur;                                        /* a view made at the end */
};

static void home_split(struct home_split *h, const struct vg_cidr_set *home)
{
	unsigned n4 = 0;

	memset(h, 0, sizeof *h);
	for (unsigned i = 0; i < VG_CIDR_MAX / 4; i++)
		h->w4[i] = (u32x4){1, 1, 1, 1};
	for (unsigned i = 0; home && i < home->n; i++) {
		const struct vg_cidr *c = &home->item[i];
		if (c->family == 4) {
			uint32_t m, w;
			memcpy(&m, &c->mask[0], 4); /* the bytes of addr.b[0..3] */
			memcpy(&w, &c->want[0], 4);
			h->m4[n4 / 4][n4 % 4] = m;
			h->w4[n4 / 4][n4 % 4] = w;
			n4++;
		} else if (c->family == 6) {
			memcpy(h->m6[h->n6], c->mask, sizeof c->mask);
			memcpy(h->w6[h->n6++], c->want, sizeof c->want);
		}
	}
	h->g4 = (n4 + 3) / 4;
}

/* Whether a lane is set. */
static unsigned any_lane(u32x4 v)
{
	uint64_t lo, hi;

	memcpy(&lo, &v, 8);
	memcpy(&hi, (const char *)&v + 8, 8);
	return (lo | hi) != 0;
}

static void emit_nothing(void *arg, const struct vg_attack *a)
{
	(void)arg;
	(void)a;
}

/* The flow end hooks to run: those of a detector that needs intel only
 * while some is loaded (a flow then costs it no call). */
static void flow_end_hooks(struct vg_detect *d)
{
	d->n_prefetch = d->n_rec = d->n_end = 0;
	for (unsigned i = 0; i < d->n; i++) {
		const struct vg_detector *det = d->det[i];
		if (!d->state[i] || (det->needs_intel && !d->intel))
			continue;
		if (det->prefetch_flow_end) {
			d->prefetch_fn[d->n_prefetch] = det->prefetch_flow_end;
			d->prefetch_state[d->n_prefetch++] = d->state[i];
		}
		if (det->prefetch_record) {
			d->rec_fn[d->n_rec] = det->prefetch_record;
			d->rec_state[d->n_rec++] = d->state[i];
		}
		if (det->on_flow_end) {
			d->end_fn[d->n_end] = det->on_flow_end;
			d->end_state[d->n_end++] = d->state[i];
		}
	}
}

static int detect_new(struct vg_detect **out, struct vg_detect_env *env,
		      const struct vg_detect_config *cfg)
{
	struct vg_detect *d = calloc(1, sizeof *d);
	int rc = 0;

	*out = NULL;
	if (!d)
		return VG_ENOMEM;
	d->next_attack_id = 1;
	d->home = env->home;
	home_split(&d->split, d->home);
	env->next_attack_id = &d->next_attack_id;
	env->intel = &d->intel;
	env->engine = d;
	for (unsigned i = 0; vg_detectors[i] && d->n < VG_ARRAY_LEN(d->state); i++) {
		const struct vg_detector *det = vg_detectors[i];
		if (!*(const uint32_t *)((const char *)cfg + det->enabled_off))
			continue;
		/* The index counts every enabled detector, hooks or not: the
		 * two engines of a worker run number them alike. */
		env->index = d->n;
		d->det[d->n] = det;
		if (env->packet_only && !det->on_packet) {
			d->n++; /* no hook: nothing to run in a worker */
			continue;
		}
		d->state[d->n] = calloc(1, det->state_size);
		if (!d->state[d->n]) {
			rc = VG_ENOMEM;
			goto fail;
		}
		rc = det->init(d->state[d->n], env);
		if (rc < 0) {
			free(d->state[d->n]);
			d->state[d->n] = NULL;
			goto fail;
		}
		if (det->on_packet && (det->wants & VG_DETECT_PKT_FLOW)) {
			d->flow_fn[d->n_flow] = det->on_packet;
			d->flow_state[d->n_flow++] = d->state[d->n];
			if (!(det->wants & VG_DETECT_PKT_TCP))
				d->flow_any = true;
		}
		if (det->on_tick) {
			d->tick_fn[d->n_tick] = det->on_tick;
			d->tick_state[d->n_tick++] = d->state[d->n];
		}
		if (det->on_packet && (det->wants & VG_DETECT_PKT_NOFLOW)) {
			d->noflow_fn[d->n_noflow] = det->on_packet;
			d->noflow_state[d->n_noflow++] = d->state[d->n];
		}
		d->n++;
	}
	flow_end_hooks(d);
	*out = d;
	return 0;
fail:
	vg_detect_free(d);
	return rc;
}

int vg_detect_new(struct vg_detect **out, const struct vg_detect_config *cfg,
		  const struct vg_cidr_set *home, const struct vg_app *app, uint64_t seed,
		  vg_attack_fn emit, void *arg)
{
	struct vg_detect_env env = {
	    .cfg = cfg, .home = home, .seed = seed, .emit = emit, .emit_arg = arg, .app = app};

	return detect_new(out, &env, cfg);
}

int vg_detect_new_packet_only(struct vg_detect **out, const struct vg_detect_config *cfg,
			      const struct vg_cidr_set *home, uint64_t seed, vg_note_sink_fn sink,
			      void *sink_arg)
{
	struct vg_detect_env env = {
	    .cfg = cfg, .home = home, .seed = seed, .emit = emit_nothing, .packet_only = true};
	int rc = detect_new(out, &env, cfg);

	if (rc == 0) {
		(*out)->note_sink = sink;
		(*out)->note_arg = sink_arg;
	}
	return rc;
}

void vg_detect_note(const struct vg_detect_env *env, const void *note, size_t len)
{
	struct vg_detect *d = env->engine;

	if (len > VG_NOTE_MAX)
		return; /* a detector's bug: never a silent overrun elsewhere */
	if (d->note_sink)
		d->note_sink(d->note_arg, env->index, note, len);
	else
		vg_detect_apply_note(d, env->index, note, len);
}

void vg_detect_apply_note(struct vg_detect *d, unsigned index, const void *note, size_t len)
{
	if (index < d->n && d->det[index]->on_note)
		d->det[index]->on_note(d->state[index], note, len);
}

void vg_detect_packet(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	const struct vg_detect *d = arg;

	if (VG_LIKELY(f != NULL)) {
		if (!d->flow_any && f->proto != VG_IPPROTO_TCP)
			return;
		for (unsigned i = 0; i < d->n_flow; i++)
			d->flow_fn[i](d->flow_state[i], p, f, dir);
	} else {
		for (unsigned i = 0; i < d->n_noflow; i++)
			d->noflow_fn[i](d->noflow_state[i], p, f, dir);
	}
}

unsigned vg_detect_wants(const struct vg_detect *d)
{
	unsigned w = 0;

	for (unsigned i = 0; i < d->n; i++)
		w |= d->det[i]->wants;
	return w;
}

void vg_flow_view_make(struct vg_flow_view *v, const struct vg_flow *f,
		       const struct vg_cidr_set *home)
{
	v->f = f;
	vg_flow_ends(f, &v->e);
	v->client_home = vg_cidr_match(home, &v->e.client, v->e.family);
	v->server_home = vg_cidr_match(home, &v->e.server, v->e.family);
	v->prefetched = false;
	v->slot = 0;
}

/* vg_flow_view_make with the engine's split of the home network: both
 * ends matched against the prefixes of both families with no branch but
 * the loops' (their counts are the set's, the same every flow), the
 * flow's family picking the answer; vg_cidr_match's early exits branch
 * on the family and on which prefix matched. */
static void view_make(const struct vg_detect *d, struct vg_flow_view *v, const struct vg_flow *f)
{
	const struct home_split *h = &d->split;
	uint64_t c0, c1, s0, s1;
	uint32_t c4, s4;
	u32x4 a4 = {0}, b4 = {0};
	unsigned ch4, sh4, ch6 = 0, sh6 = 0, v4, v6;

	v->f = f;
	vg_flow_ends(f, &v->e);
	memcpy(&c0, v->e.client.b, 8);
	memcpy(&c1, v->e.client.b + 8, 8);
	memcpy(&s0, v->e.server.b, 8);
	memcpy(&s1, v->e.server.b + 8, 8);
	memcpy(&c4, v->e.client.b, 4);
	memcpy(&s4, v->e.server.b, 4);
	for (unsigned i = 0; i < h->g4; i++) {
		a4 |= (u32x4)(((u32x4){c4, c4, c4, c4} & h->m4[i]) == h->w4[i]);
		b4 |= (u32x4)(((u32x4){s4, s4, s4, s4} & h->m4[i]) == h->w4[i]);
	}
	ch4 = any_lane(a4);
	sh4 = any_lane(b4);
	for (unsigned i = 0; i < h->n6; i++) {
		ch6 |=
		    (((c0 & h->m6[i][0]) ^ h->w6[i][0]) | ((c1 & h->m6[i][1]) ^ h->w6[i][1])) == 0;
		sh6 |=
		    (((s0 & h->m6[i][0]) ^ h->w6[i][0]) | ((s1 & h->m6[i][1]) ^ h->w6[i][1])) == 0;
	}
	v4 = v->e.family == 4;
	v6 = v->e.family == 6;
	v->client_home = (v4 & ch4) | (v6 & ch6);
	v->server_home = (v4 & sh4) | (v6 & sh6);
	v->prefetched = false;
	v->slot = 0;
}

void vg_detect_prefetch(void *arg, const struct vg_flow *f)
{
	struct vg_detect *d = arg;
	struct vg_flow_view *v;

	if (d->ring_head - d->ring_tail == VG_DETECT_RING)
		d->ring_tail++; /* never ended in order: dropped, made again at its end */
	v = &d->ring[d->ring_head % VG_DETECT_RING];
	view_make(d, v, f);
	v->slot = (uint8_t)(d->ring_head % VG_DETECT_RING);
	d->ring_first[v->slot] = f->first_ns;
	d->ring_last[v->slot] = f->last_ns;
	v->prefetched = true;
	d->ring_head++;
	for (unsigned i = 0; i < d->n_prefetch; i++)
		d->prefetch_fn[i](d->prefetch_state[i], v);
}

/* The second prefetch step runs this many flows ahead of the ends: the
 * first step's loads (issued for the whole batch before its first end)
 * have arrived, and its own have time to. */
#define RECORD_AHEAD 4

static void prefetch_records(struct vg_detect *d)
{
	if ((int32_t)(d->ring_rec - d->ring_tail) < 0)
		d->ring_rec = d->ring_tail;
	for (; d->ring_rec != d->ring_head && d->ring_rec - d->ring_tail <= RECORD_AHEAD;
	     d->ring_rec++) {
		const struct vg_flow_view *v = &d->ring[d->ring_rec % VG_DETECT_RING];
		for (unsigned i = 0; i < d->n_rec; i++)
			d->rec_fn[i](d->rec_state[i], v);
	}
}

const struct vg_flow_view *vg_detect_view(struct vg_detect *d, const struct vg_flow *f)
{
	if (d->ring_tail != d->ring_head) {
		const struct vg_flow_view *v = &d->ring[d->ring_tail % VG_DETECT_RING];
		/* Flows end in the order of their prefetches; the record is
		 * the same and unchanged since (its times tell). */
		if (v->f == f && f->first_ns == d->ring_first[v->slot] &&
		    f->last_ns == d->ring_last[v->slot]) {
			if (d->n_rec)
				prefetch_records(d);
			d->ring_tail++;
			return v;
		}
		d->ring_tail = d->ring_head; /* out of order: start again */
	}
	view_make(d, &d->cur, f);
	return &d->cur;
}

void vg_detect_flow_end_view(struct vg_detect *d, const struct vg_flow_view *v,
			     const struct vg_app_flow *meta)
{
	for (unsigned i = 0; i < d->n_end; i++)
		d->end_fn[i](d->end_state[i], v, meta);
}

void vg_detect_flow_end(struct vg_detect *d, const struct vg_flow *f,
			const struct vg_app_flow *meta)
{
	vg_detect_flow_end_view(d, vg_detect_view(d, f), meta);
}

/* The ticks walk each detector's open attacks, whose decisions are in
 * whole seconds of packet time (idle times, update periods): a walk per
 * second of packet time is enough. A walk per batch cost a pass over
 * every open attack each 64 packets: with thousands open (a botnet's
 * scan, 1,000,000 indicators matching many flows) that was most of the
 * run. Time that goes back (files out of order) walks at once. An attack
 * so closes up to a second after its idle time ran out; the detectors
 * also test that time when a flow of it ends, so a flow that comes in
 * that second starts a new attack, as it would have before. */
#define TICK_NS 1000000000ull

void vg_detect_tick(struct vg_detect *d, uint64_t now_ns)
{
	if (now_ns >= d->tick_ns && now_ns - d->tick_ns < TICK_NS)
		return;
	d->tick_ns = now_ns;
	for (unsigned i = 0; i < d->n_tick; i++)
		d->tick_fn[i](d->tick_state[i], now_ns);
}

bool vg_detect_evicted(const struct vg_detect *d, unsigned i, const char **name, uint64_t *n)
{
	if (i >= d->n)
		return false;
	*name = d->det[i]->name;
	*n = 0;
	for (unsigned k = 0; k < VG_ARRAY_LEN(d->det[i]->table_off); k++)
		if (d->det[i]->table_off[k])
			*n += ((const struct vg_dtable *)((const char *)d->state[i] +
							  d->det[i]->table_off[k]))
				  ->evicted;
	return true;
}

void vg_detect_reconfigure(struct vg_detect *d)
{
	home_split(&d->split, d->home); /* the set may have changed in place */
	for (unsigned i = 0; i < d->n; i++)
		if (d->det[i]->reconfigure && d->state[i])
			d->det[i]->reconfigure(d->state[i]);
}

void vg_detect_free(struct vg_detect *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n; i++) {
		if (d->det[i]->fini && d->state[i])
			d->det[i]->fini(d->state[i]);
		free(d->state[i]);
	}
	free(d);
}

void vg_detect_set_intel(struct vg_detect *d, const struct vg_intel *intel)
{
	bool had = d->intel != NULL;

	d->intel = intel;
	if (had != (intel != NULL)) {
		/* Other flow end hooks: the views prefetched so far did not run
		 * the same prefetch hooks, their flows' ends make views afresh. */
		flow_end_hooks(d);
		d->ring_tail = d->ring_rec = d->ring_head;
	}
}

int vg_port_list_parse(struct vg_port_list *l, const char *text, char *errbuf, size_t errlen)
{
	const char *p = text;

	memset(l, 0, sizeof *l);
	for (;;) {
		unsigned long port = 0;
		unsigned digits = 0;
		uint8_t proto = 0;
		const char *item;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		item = p;
		while (*p >= '0' && *p <= '9' && digits < 6) {
			port = port * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (*p == '/') {
			if (!strncmp(p, "/tcp", 4))
				proto = VG_IPPROTO_TCP;
			else if (!strncmp(p, "/udp", 4))
				proto = VG_IPPROTO_UDP;
			else
				digits = 0;
			if (digits)
				p += 4;
		}
		if (!digits || port < 1 || port > 65535 ||
		    (*p && *p != ',' && *p != ' ' && *p != '\t')) {
			int len = 0;
			while (item[len] && item[len] != ',' && item[len] != ' ' && len < 40)
				len++;
			snprintf(errbuf, errlen,
				 "\"%.*s\" is not a port (1-65535, optionally /tcp or /udp)", len,
				 item);
			return VG_EINVAL;
		}
		if (l->n == VG_PORT_LIST_MAX) {
			snprintf(errbuf, errlen, "more than %d ports", VG_PORT_LIST_MAX);
			return VG_EINVAL;
		}
		l->port[l->n] = (uint16_t)port;
		l->proto[l->n++] = proto;
	}
}
