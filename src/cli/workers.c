/*
 * workers.c - vigil read --workers N: one capture file list, N threads.
 *
 * Each worker walks every record of every file (the files are mapped:
 * the page cache is shared, walking costs little) and keeps the packets
 * of its shard: a hash of the packet's two addresses taken in order (for
 * an ICMP error, of the header it quotes), so both directions of a flow,
 * its fragments and the errors about it reach one worker. The shard of
 * a plain TCP or UDP packet is read from its bytes (quick_shard); only
 * the others are decoded to find theirs, and each worker decodes for
 * real only its own. The worker runs its own flow table, app stage and
 * the detectors' packet hooks (a packet-only engine: they tag flows and
 * note what they learn, detect.h); it holds no detector table.
 *
 * What the detectors judge - ended flows with their metadata, the
 * hooks' notes (login replies, ARP probes), the DNS answers - goes into
 * the worker's record stream: chunks of CHUNK_BYTES handed over through
 * two queues (full, free), so memory is bounded (CHUNKS chunks a worker)
 * and a worker ahead of the others waits. The calling thread merges the
 * streams batch by batch: every worker ends each batch of VG_BATCH
 * records with a batch mark, and the merger takes worker 0's records of
 * batch b, then worker 1's, ..., then ticks the detectors with the
 * batch's time, as one thread does after each batch. So the detectors,
 * attribution, writers and store stay single-threaded and whole: a
 * sweep over many hosts, whose flows land on different workers, is still
 * one source in the scan detector's table, a distributed flood one
 * victim in the flood detector's. Flows end at the same packet time as
 * with one thread (each worker's clock follows every record it walks);
 * with the tables' memory split N ways, eviction under pressure comes
 * sooner.
 *
 * Counters: each record is counted by the worker it belongs to; decode,
 * flow and app counters are summed.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/pipeline.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "common/vg.h"

#define CHUNK_BYTES (256u << 10)
#define CHUNKS      8 /* per worker: 2 MiB of records in flight at most */
#define WORKERS_MAX 64

/* Summed as an array of counters. */
_Static_assert(sizeof(struct vg_decode_stats) % sizeof(uint64_t) == 0, "decode stats: counters");

enum rec_type {
	R_BATCH = 1, /* end of a batch: body struct batch_mark */
	R_FLOW,      /* an ended flow: struct vg_flow [, struct vg_app_flow part] */
	R_NOTE,      /* a packet hook's note: aux = detector index | length << 8 */
	R_DNS,       /* an answer for the DNS cache: aux = family */
	R_FILE,      /* end of a file: struct file_mark, then its error text */
	R_DONE,      /* end of the stream */
	R_MARK,      /* live: end of a segment: body uint64_t, its time */
	R_SNAP,      /* live: the worker's counters: struct wsnap */
	R_ERR,       /* live: the capture failed: the error text */
};

struct rhdr {
	uint16_t type;
	uint16_t aux;
	uint32_t len; /* of the whole record, a multiple of 8 */
};

struct batch_mark {
	uint64_t tick_ns;      /* time of the batch's last record */
	uint64_t records;      /* in the batch (all shards) */
	uint64_t offset, size; /* of the file, for the progress line */
};

struct file_mark {
	uint64_t packets;
	int32_t rc;
};

struct dns_body {
	struct vg_addr addr;
	char name[]; /* NUL-terminated */
};

struct chunk {
	struct chunk *next;
	size_t len;
	uint64_t data[CHUNK_BYTES / 8];
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	uint64_t waits; /* pops that found the queue empty */
};

/* Live: what the worker rings when it hands over a chunk. */
struct bell {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t seq;
};

struct worker {
	unsigned id, n;
	bool live;              /* vigil watch: every handed-over chunk ends with a mark */
	struct vg_capture *cap; /* live: the worker's own sockets */
	struct bell *bell;      /* live: rung on every hand-over */
	const int *stop;        /* live: set by the merger (atomic) */
	uint64_t mark_ns;       /* live: time of the last mark (never goes back) */
	bool final;             /* live: ending its flows: marks say so (aux 1) */
	uint64_t guard_ns;      /* live: how far idle marks stay behind the wall clock */
	uint64_t shard_seed;
	const struct vg_ctx *ctx; /* settings and home network, read only */
	char *const *paths;
	unsigned npaths;
	pthread_t th;
	bool started;
	uint64_t cpu_ns;                /* the thread's CPU time */
	uint64_t records;               /* walked, all shards */
	struct vg_decode_stats dec;     /* of this shard's packets */
	struct vg_decode_stats scratch; /* of records decoded to find their shard */
	uint64_t first_ns, last_ns;
	uint64_t clock_ns; /* for vg_ctx_catch_up */
	struct vg_flow_table *flows;
	struct vg_app *app;
	struct vg_detect *det; /* packet hooks only */
	bool detect_noflow;
	struct queue full, free;
	struct chunk *cur;
	struct chunk *all[CHUNKS];
	struct vg_pkt_rec recs[VG_BATCH];
	struct vg_packet pkts[VG_BATCH];
	struct vg_flow *fl[VG_BATCH];
};

static void q_init(struct queue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = q->tail = NULL;
}

static void q_fini(struct queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

static void q_push(struct queue *q, struct chunk *c)
{
	c->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static struct chunk *q_pop(struct queue *q)
{
	struct chunk *c;

	pthread_mutex_lock(&q->mu);
	if (!q->head)
		q->waits++;
	while (!q->head)
		pthread_cond_wait(&q->cv, &q->mu);
	c = q->head;
	q->head = c->next;
	if (!q->head)
		q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return c;
}

#define MARK_LEN (sizeof(struct rhdr) + sizeof(uint64_t))

static void put_hdr(struct worker *w, unsigned type, size_t len)
{
	struct rhdr *h = (struct rhdr *)((uint8_t *)w->cur->data + w->cur->len);

	h->type = (uint16_t)type;
	h->aux = 0;
	h->len = (uint32_t)len;
	w->cur->len += len;
}

/* Hands the current chunk over and takes a free one (waits for it). */
static void hand_over(struct worker *w)
{
	q_push(&w->full, w->cur);
	if (w->bell) {
		pthread_mutex_lock(&w->bell->mu);
		w->bell->seq++;
		pthread_cond_signal(&w->bell->cv);
		pthread_mutex_unlock(&w->bell->mu);
	}
	w->cur = q_pop(&w->free);
	w->cur->len = 0;
}

/* Room for a record of body bytes in the current chunk, which is handed
 * over when full. Records never span chunks; live, segments do not
 * either: a full chunk ends with a mark of the last mark's time (room for
 * it is kept). */
static void *rec_put(struct worker *w, unsigned type, unsigned aux, size_t body)
{
	size_t len = (sizeof(struct rhdr) + body + 7) & ~(size_t)7;
	size_t room = w->live ? MARK_LEN : 0;
	struct rhdr *h;

	if (w->cur->len + len + room > CHUNK_BYTES) {
		if (w->live) {
			uint64_t *t = (uint64_t *)((uint8_t *)w->cur->data + w->cur->len +
						   sizeof(struct rhdr));
			put_hdr(w, R_MARK, MARK_LEN);
			((struct rhdr *)t - 1)->aux = w->final;
			*t = w->mark_ns;
		}
		hand_over(w);
	}
	h = (struct rhdr *)((uint8_t *)w->cur->data + w->cur->len);
	h->type = (uint16_t)type;
	h->aux = (uint16_t)aux;
	h->len = (uint32_t)len;
	w->cur->len += len;
	return h + 1;
}

/* The bytes of m that its protocol uses. */
static size_t meta_size(const struct vg_app_flow *m)
{
	size_t base = offsetof(struct vg_app_flow, dns);

	switch (m->proto) {
	case VG_APP_DNS: return base + sizeof m->dns;
	case VG_APP_TLS: return base + sizeof m->tls;
	case VG_APP_HTTP: return base + sizeof m->http;
	default: return base;
	}
}

static void worker_flow_end(void *arg, const struct vg_flow *f, enum vg_flow_end why)
{
	struct worker *w = arg;
	const struct vg_app_flow *m = vg_app_of(w->app, f);
	size_t fsz = (sizeof *f + 7) & ~(size_t)7, msz = m ? meta_size(m) : 0;
	uint8_t *b = rec_put(w, R_FLOW, (unsigned)why | (m ? 0x100u : 0), fsz + msz);

	memcpy(b, f, sizeof *f);
	if (m)
		memcpy(b + fsz, m, msz);
	vg_app_flow_end(w->app, f);
}

static void worker_note(void *arg, unsigned index, const void *note, size_t len)
{
	struct worker *w = arg;

	/* aux: the detector's index, and the note's length (VG_NOTE_MAX). */
	memcpy(rec_put(w, R_NOTE, index | (unsigned)len << 8, len), note, len);
}

static void worker_dns(void *arg, int family, const struct vg_addr *addr, const char *name)
{
	struct worker *w = arg;
	size_t nl = strlen(name) + 1;
	struct dns_body *d = rec_put(w, R_DNS, (unsigned)family, sizeof *d + nl);

	d->addr = *addr;
	memcpy(d->name, name, nl);
}

/* The worker of an address pair: both directions of a flow alike (the
 * two addresses are hashed in a fixed order). family 4: the first 4
 * bytes of each address count. */
static unsigned shard_of_pair(const struct worker *w, int family, const uint8_t *a,
			      const uint8_t *b)
{
	uint64_t x0, x1, y0 = 0, y1 = 0, h;

	if (family == 4) {
		uint32_t u, v;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		x0 = u < v ? u : v;
		x1 = u < v ? v : u;
	} else {
		uint64_t a0, a1, b0, b1;
		memcpy(&a0, a, 8);
		memcpy(&a1, a + 8, 8);
		memcpy(&b0, b, 8);
		memcpy(&b1, b + 8, 8);
		if (a0 < b0 || (a0 == b0 && a1 < b1)) {
			x0 = a0, y0 = a1, x1 = b0, y1 = b1;
		} else {
			x0 = b0, y0 = b1, x1 = a0, y1 = a1;
		}
	}
	h = vg_hash_mix(x0 ^ w->shard_seed, x1 ^ 0x9e3779b97f4a7c15ull);
	h = vg_hash_mix(h ^ y0, y1 ^ 0xc2b2ae3d27d4eb4full);
	return (unsigned)(((h >> 32) * w->n) >> 32);
}

/* The worker of a decoded packet: by its addresses, for an ICMP error by
 * those of the header it quotes (the flow it belongs to); packets
 * without IP go to worker 0. */
static unsigned shard_of(const struct worker *w, const struct vg_packet *p)
{
	if (!(p->flags & VG_PKT_IP))
		return 0;
	if ((p->flags & VG_PKT_ICMP_ERR) && p->inner.family)
		return shard_of_pair(w, p->inner.family, p->inner.src.b, p->inner.dst.b);
	return shard_of_pair(w, p->family, p->src.b, p->dst.b);
}

/* The worker of a record read from its bytes, without decoding it, for
 * the common case: Ethernet (up to two VLAN tags) or raw IP, carrying
 * IPv4 or IPv6 with TCP or UDP next. Anything else (ICMP, whose errors
 * belong to the flow they quote, extension headers, other links): -1,
 * the caller decodes the record to know. The answer equals shard_of's
 * on the decoded packet. */
static int quick_shard(const struct worker *w, const struct vg_pkt_rec *r)
{
	const uint8_t *d = r->data;
	uint32_t off, n = r->caplen;
	unsigned type;

	switch (r->linktype) {
	case VG_LINK_ETHERNET:
		if (n < 14)
			return -1;
		off = 14;
		type = vg_load_be16(d + 12);
		for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
			if (n < off + 4)
				return -1;
			type = vg_load_be16(d + off + 2);
			off += 4;
		}
		break;
	case VG_LINK_RAW:
	case VG_LINK_IPV4:
	case VG_LINK_IPV6:
		if (n < 1)
			return -1;
		off = 0;
		type = (d[0] >> 4) == 4 ? 0x0800 : 0x86dd;
		break;
	default: return -1;
	}
	if (type == 0x0800) {
		if (n < off + 20 || (d[off] >> 4) != 4 || (d[off] & 15) < 5 ||
		    (d[off + 9] != 6 && d[off + 9] != 17))
			return -1;
		return (int)shard_of_pair(w, 4, d + off + 12, d + off + 16);
	}
	if (type == 0x86dd) {
		if (n < off + 40 || (d[off] >> 4) != 6 || (d[off + 6] != 6 && d[off + 6] != 17))
			return -1;
		return (int)shard_of_pair(w, 6, d + off + 8, d + off + 24);
	}
	return -1;
}

static void worker_batch(struct worker *w, struct vg_capture *cap, unsigned n)
{
	struct batch_mark *bm;
	uint64_t max_ns = 0;
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct vg_pkt_rec *r = &w->recs[i];
		int sh = quick_shard(w, r);
		if (r->ts_ns < w->first_ns)
			w->first_ns = r->ts_ns;
		if (r->ts_ns > w->last_ns)
			w->last_ns = r->ts_ns;
		if (r->ts_ns > max_ns)
			max_ns = r->ts_ns;
		if (sh < 0) { /* decode to know; count it only if it is ours */
			vg_decode(&w->scratch, r, &w->pkts[m]);
			sh = (int)shard_of(w, &w->pkts[m]);
		}
		if ((unsigned)sh == w->id)
			vg_decode(&w->dec, r, &w->pkts[m++]);
	}
	if (m && vg_flow_update_batch(w->flows, w->pkts, m, w->fl) && w->detect_noflow)
		for (unsigned i = 0; i < m; i++)
			if (!w->fl[i])
				vg_detect_packet(w->det, &w->pkts[i], NULL, 0);
	/* The clock follows every record, not only this shard's. */
	vg_flow_table_advance(w->flows, max_ns);
	vg_ctx_catch_up(w->flows, &w->clock_ns, w->recs[n - 1].ts_ns,
			w->ctx->set.flow.sweep_period_s);
	bm = rec_put(w, R_BATCH, 0, sizeof *bm);
	bm->tick_ns = w->recs[n - 1].ts_ns;
	bm->records = n;
	w->records += n;
	bm->offset = vg_capture_offset(cap);
	bm->size = vg_capture_size(cap);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char err[512];

	for (unsigned i = 0; i < w->npaths; i++) {
		struct vg_capture *cap;
		uint64_t before = w->records;
		int rc = vg_capture_open(&cap, w->paths[i], err, sizeof err), n = 0;

		if (rc == 0) {
			while ((n = vg_capture_next(cap, w->recs, VG_BATCH)) > 0)
				worker_batch(w, cap, (unsigned)n);
			if (n < 0) {
				rc = n;
				snprintf(err, sizeof err, "%s", vg_capture_error(cap));
			}
			vg_capture_free(cap);
		}
		size_t el = rc < 0 ? strlen(err) + 1 : 0;
		struct file_mark *fm = rec_put(w, R_FILE, 0, sizeof *fm + el);
		fm->packets = w->records - before;
		fm->rc = rc;
		if (el)
			memcpy(fm + 1, err, el);
	}
	vg_flow_table_flush(w->flows);
	w->cpu_ns = thread_cpu_ns();
	rec_put(w, R_DONE, 0, 0);
	q_push(&w->full, w->cur);
	w->cur = NULL;
	return NULL;
}

static void worker_free(struct worker *w)
{
	if (!w)
		return;
	vg_detect_free(w->det);
	vg_flow_table_free(w->flows);
	vg_app_free(w->app);
	for (unsigned i = 0; i < CHUNKS; i++)
		free(w->all[i]);
	q_fini(&w->full);
	q_fini(&w->free);
	free(w);
}

static int worker_new(struct worker **out, const struct vg_ctx *ctx, unsigned id, unsigned n,
		      uint64_t seed, char *errbuf, size_t errlen)
{
	struct worker *w = calloc(1, sizeof *w);
	struct vg_flow_config fc = ctx->set.flow;
	struct vg_app_config ac = ctx->set.app;
	int rc;

	*out = NULL;
	if (!w) {
		snprintf(errbuf, errlen, "worker %u: out of memory", id);
		return VG_ENOMEM;
	}
	w->id = id;
	w->n = n;
	w->shard_seed = seed;
	w->ctx = ctx;
	w->first_ns = UINT64_MAX;
	q_init(&w->full);
	q_init(&w->free);
	for (unsigned i = 0; i < CHUNKS; i++) {
		if (!(w->all[i] = malloc(sizeof *w->all[i]))) {
			rc = VG_ENOMEM;
			snprintf(errbuf, errlen, "worker %u: out of memory", id);
			goto fail;
		}
		if (i)
			q_push(&w->free, w->all[i]);
	}
	w->cur = w->all[0];
	w->cur->len = 0;
	/* The caps are the run's: each worker gets its share. */
	fc.memcap /= n;
	fc.hash_seed = seed ^ (0x776f726b6572ull + id);
	rc = vg_flow_table_new(&w->flows, &fc, worker_flow_end, w);
	if (rc < 0) {
		snprintf(errbuf, errlen, "flow table: %s (flow.memcap %" PRIu64 " / %u workers)",
			 vg_strerror(rc), ctx->set.flow.memcap, n);
		goto fail;
	}
	if (ctx->app) {
		ac.memcap /= n;
		/* The detectors read the merger's DNS cache (fed by R_DNS): a
		 * worker's own is never read. */
		ac.dns_cache = 4;
		rc = vg_app_new(&w->app, &ac, w->flows, fc.hash_seed);
		if (rc < 0) {
			snprintf(errbuf, errlen,
				 "app stage: %s (app.memcap %" PRIu64 " / %u workers)",
				 vg_strerror(rc), ctx->set.app.memcap, n);
			goto fail;
		}
		vg_app_set_dns_sink(w->app, worker_dns, w);
		vg_flow_table_set_payload_hook(w->flows, vg_app_packet, w->app, ac.packets);
	}
	rc = vg_detect_new_packet_only(&w->det, &ctx->set.detect, &ctx->home, fc.hash_seed,
				       worker_note, w);
	if (rc < 0) {
		snprintf(errbuf, errlen, "detectors: %s", vg_strerror(rc));
		goto fail;
	}
	if (vg_detect_wants(w->det) & VG_DETECT_PKT_FLOW)
		vg_flow_table_set_packet_hook(w->flows, vg_detect_packet, w->det);
	w->detect_noflow = vg_detect_wants(w->det) & VG_DETECT_PKT_NOFLOW;
	*out = w;
	return 0;
fail:
	worker_free(w);
	return rc;
}

/* The merger's place in one worker's stream. */
struct reader {
	struct worker *w;
	struct chunk *c;
	size_t off;
	bool done;
};

/* The next record of the stream, left in place (peek) or taken. */
static const struct rhdr *peek_rec(struct reader *r)
{
	if (!r->c || r->off >= r->c->len) {
		if (r->c)
			q_push(&r->w->free, r->c);
		r->c = q_pop(&r->w->full);
		r->off = 0;
	}
	return (const struct rhdr *)((const uint8_t *)r->c->data + r->off);
}

static const struct rhdr *next_rec(struct reader *r)
{
	const struct rhdr *h = peek_rec(r);

	r->off += h->len;
	return h;
}

/* Where a record goes among the other workers' records of the same
 * batch: notes and answers first (the hooks ran before the batch's
 * expiry), then ended flows by their first packet. One thread's table
 * ends a batch's flows in pool order, which is their order of creation
 * until slots are reused; this order comes closest to it. */
static uint64_t rec_key(const struct rhdr *h)
{
	if (h->type == R_FLOW)
		return ((const struct vg_flow *)(h + 1))->first_ns + 1;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct merge {
	struct vg_ctx *ctx;
	uint64_t *packets;
	vg_read_error_fn on_error;
	void *arg;
	unsigned file; /* index of the file being read */
	int rc;
	uint64_t records, start_ns, batches;
	bool progress;
	const char *const *paths;
};

/* An ended flow, a note or a DNS answer, into the context: true if h was
 * one of those. */
static bool apply_rec(struct vg_ctx *ctx, const struct rhdr *h)
{
	const void *body = h + 1;

	switch (h->type) {
	case R_FLOW: {
		const struct vg_flow *f = body;
		size_t fsz = (sizeof *f + 7) & ~(size_t)7;
		const struct vg_app_flow *m =
		    (h->aux & 0x100) ? (const void *)((const uint8_t *)body + fsz) : NULL;
		vg_ctx_flow_end(ctx, f, (enum vg_flow_end)(h->aux & 0xff), m);
		return true;
	}
	case R_NOTE:
		if (ctx->det)
			vg_detect_apply_note(ctx->det, h->aux & 0xff, body, h->aux >> 8);
		return true;
	case R_DNS: {
		const struct dns_body *d = body;
		if (ctx->app)
			vg_app_dns_put(ctx->app, h->aux, &d->addr, d->name);
		return true;
	}
	default: return false;
	}
}

/* Takes worker i's next record: returns its batch mark's tick time (the
 * end of the worker's part of a round), 1 for other records, 0 at the
 * end of the stream. */
static uint64_t merge_one(struct merge *mg, struct reader *r, unsigned i)
{
	struct vg_ctx *ctx = mg->ctx;
	const struct rhdr *h = next_rec(r);
	const void *body = h + 1;

	switch (h->type) {
	case R_BATCH: {
		const struct batch_mark *bm = body;
		if (i == 0) {
			mg->records += bm->records;
			if (VG_UNLIKELY(mg->progress) && (++mg->batches & 0x3fff) == 0) {
				uint64_t el = mono_ns() - mg->start_ns;
				fprintf(stderr,
					"\rvigil: %s %5.1f%%  %" PRIu64
					" packets  %.2f Mpps  (%u workers) ",
					mg->paths[mg->file],
					bm->size ? 100.0 * (double)bm->offset / (double)bm->size
						 : 0.0,
					mg->records,
					el ? (double)mg->records * 1e3 / (double)el : 0.0, r->w->n);
			}
		}
		return bm->tick_ns ? bm->tick_ns : 2;
	}
	case R_FLOW:
	case R_NOTE:
	case R_DNS: apply_rec(ctx, h); return 1;
	case R_FILE: {
		const struct file_mark *fm = body;
		if (i == 0) {
			ctx->files++;
			if (mg->packets)
				mg->packets[mg->file] = fm->packets;
			if (fm->rc < 0) {
				ctx->files_failed++;
				mg->rc = fm->rc;
				mg->on_error(mg->arg, (const char *)(fm + 1));
			}
			mg->file++;
		}
		return 1;
	}
	case R_DONE: r->done = true; return 0;
	default: return 1;
	}
}

/* One round: every worker's records of one batch (or, after the last, of
 * its final flush), interleaved by rec_key; returns the tick time. */
static uint64_t merge_round(struct merge *mg, struct reader *rd, unsigned n, unsigned *ended)
{
	bool in_round[WORKERS_MAX];
	uint64_t tick = 0;
	unsigned left = 0;

	for (unsigned i = 0; i < n; i++) {
		in_round[i] = !rd[i].done;
		left += in_round[i];
	}
	while (left) {
		unsigned best = n;
		uint64_t best_key = UINT64_MAX;
		for (unsigned i = 0; i < n; i++) {
			const struct rhdr *h;
			uint64_t k;
			if (!in_round[i])
				continue;
			h = peek_rec(&rd[i]);
			if (h->type == R_BATCH || h->type == R_DONE) {
				uint64_t t = merge_one(mg, &rd[i], i);
				if (!t)
					++*ended;
				else if (i == 0)
					tick = t;
				in_round[i] = false;
				left--;
				continue;
			}
			k = rec_key(h);
			if (best == n || k < best_key) {
				best = i;
				best_key = k;
			}
		}
		if (best < n)
			merge_one(mg, &rd[best], best);
	}
	return tick;
}

unsigned vg_workers_available(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

int vg_ctx_read_files(struct vg_ctx *ctx, unsigned workers, char *const *paths, unsigned n,
		      uint64_t *packets, vg_read_error_fn on_error, void *arg)
{
	struct worker *w[WORKERS_MAX] = {0};
	struct reader rd[WORKERS_MAX];
	struct merge mg = {.ctx = ctx, .packets = packets, .on_error = on_error, .arg = arg};
	char err[512];
	unsigned live = 0;
	uint64_t cpu0 = 0;
	int rc = 0;

	/* Every worker opens every file: a pipe or a device can be read once. */
	for (unsigned i = 0; i < n && workers > 1; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0 && !S_ISREG(st.st_mode)) {
			snprintf(err, sizeof err,
				 "warning: %s is not a regular file: read with one thread, not %u",
				 paths[i], workers);
			on_error(arg, err);
			workers = 1;
		}
	}
	if (workers <= 1) {
		for (unsigned i = 0; i < n; i++) {
			uint64_t before = ctx->dec.packets;
			if (vg_ctx_read_file(ctx, paths[i], err, sizeof err) < 0) {
				on_error(arg, err);
				rc = VG_EIO;
			}
			if (packets)
				packets[i] = ctx->dec.packets - before;
		}
		return rc;
	}
	if (workers > WORKERS_MAX)
		workers = WORKERS_MAX;
	for (unsigned i = 0; i < workers; i++) {
		if ((rc = worker_new(&w[i], ctx, i, workers,
				     ctx->set.flow.hash_seed ^ 0x5348415244ull, err, sizeof err)) <
		    0) {
			on_error(arg, err);
			goto out;
		}
		w[i]->paths = paths;
		w[i]->npaths = n;
	}
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&w[i]->th, NULL, worker_main, w[i]) != 0) {
			/* The started ones run to their end; their records are
			 * read below and dropped. */
			on_error(arg, "cannot start a worker thread");
			rc = VG_ENOMEM;
			break;
		}
		w[i]->started = true;
		live++;
	}
	memset(rd, 0, sizeof rd);
	for (unsigned i = 0; i < live; i++)
		rd[i].w = w[i];
	mg.paths = (const char *const *)paths;
	mg.progress = ctx->progress && rc == 0;
	mg.start_ns = mono_ns();
	cpu0 = thread_cpu_ns();
	/* Round by round: the workers' records of one batch, then the tick. */
	for (unsigned ended = 0; ended < live;) {
		uint64_t tick;
		if (rc < 0) { /* a thread did not start: drain the others */
			for (unsigned i = 0; i < live; i++)
				while (!rd[i].done)
					if (next_rec(&rd[i])->type == R_DONE)
						rd[i].done = true;
			break;
		}
		tick = merge_round(&mg, rd, live, &ended);
		if (tick > 2 && ctx->det)
			vg_detect_tick(ctx->det, tick);
	}
	if (mg.progress)
		fprintf(stderr, "\r\033[K");
	for (unsigned i = 0; i < live; i++) {
		pthread_join(w[i]->th, NULL);
		if (rd[i].c)
			q_push(&w[i]->free, rd[i].c);
	}
	if (rc < 0)
		goto out;
	/* The counters of the run. */
	ctx->merged = true;
	ctx->workers = workers;
	ctx->merge_cpu_ns = thread_cpu_ns() - cpu0;
	ctx->merge_waits = 0;
	for (unsigned i = 0; i < workers && i < VG_ARRAY_LEN(ctx->wstats); i++) {
		ctx->wstats[i].cpu_ns = w[i]->cpu_ns;
		ctx->wstats[i].flows = vg_flow_table_stats(w[i]->flows)->created;
		ctx->wstats[i].stalls = w[i]->free.waits;
		ctx->merge_waits += w[i]->full.waits;
	}
	/* Each record was counted by the worker it belongs to. */
	memset(&ctx->dec, 0, sizeof ctx->dec);
	for (unsigned i = 0; i < workers; i++)
		for (size_t k = 0; k < sizeof ctx->dec / sizeof(uint64_t); k++)
			((uint64_t *)&ctx->dec)[k] += ((const uint64_t *)&w[i]->dec)[k];
	if (w[0]->first_ns < ctx->first_ns)
		ctx->first_ns = w[0]->first_ns;
	if (w[0]->last_ns > ctx->last_ns)
		ctx->last_ns = w[0]->last_ns;
	for (unsigned i = 0; i < workers; i++) {
		const struct vg_flow_stats *fs = vg_flow_table_stats(w[i]->flows);
		for (size_t c = 0; c < vg_flow_ncounters; c++)
			*(uint64_t *)((char *)&ctx->merged_flow + vg_flow_counters[c].offset) +=
			    vg_counter_get(fs, &vg_flow_counters[c]);
		ctx->merged_capacity += vg_flow_table_capacity(w[i]->flows);
		if (w[i]->app) {
			const struct vg_app_stats *as = vg_app_stats(w[i]->app);
			for (int c = 0; c < VG_APPC_COUNT; c++)
				ctx->merged_app.c[c] += as->c[c];
		}
	}
	rc = mg.rc;
out:
	for (unsigned i = 0; i < workers; i++)
		worker_free(w[i]);
	return rc;
}

/*
 * vigil watch --workers N: live workers. Each worker owns its capture (a
 * socket per interface, joined into the interface's PACKET_FANOUT group:
 * the kernel hands it the packets of its share of address pairs, live.c),
 * so it keeps every packet it gets. Workers are not in lockstep: the
 * stream is cut into segments, each ended by a mark with a time (the
 * batch's last packet time; when idle, the wall clock less guard_ns, as
 * the single-threaded loop's idle clock), never going back. A worker
 * hands over its chunk when it is full or at least every LIVE_FLUSH_NS
 * (so an idle worker still publishes marks, and latency stays bounded),
 * and a handed-over chunk always ends with a mark. The merger (the
 * calling thread) takes the segment with the earliest mark among those
 * handed over, but only if every other worker has handed over a mark at
 * or after it (a worker with nothing pending: its last mark, as its marks
 * never go back); then ticks the detectors to the mark's time. Workers
 * publish their counters as snapshot records (R_SNAP) in the same stream:
 * no counter is shared between threads.
 */
#define LIVE_WAIT_MS  50
#define LIVE_FLUSH_NS 100000000ull /* a chunk handed over at least every 100 ms */
#define LIVE_TURN     256          /* batches between two looks at the clock */
/* Longest a ready segment waits for the watermark: past it, it is applied
 * anyway (order loosened, never lost). Only a stuck clock gets there: the
 * wall clock stepped back (an idle worker's marks stay at their old time
 * until it catches up), or a worker that hands nothing over. */
#define LIVE_HOLD_NS 2000000000ull

struct wsnap {
	struct vg_decode_stats dec;
	struct vg_flow_stats flow;
	struct vg_app_stats app;
	struct vg_capture_stats cap;
	uint64_t cpu_ns, first_ns, last_ns;
	uint64_t capacity;
};

struct lreader {
	struct worker *w;
	struct chunk *c;
	size_t off, scan;  /* next record to apply; end of the scanned part */
	bool head, done;   /* a whole segment is ready; the stream ended */
	bool final;        /* the ready segment is a final one */
	uint64_t head_ns;  /* its mark's time */
	uint64_t last_ns;  /* the last mark applied */
	struct wsnap snap; /* the latest snapshot */
};

struct vg_live_workers {
	struct vg_ctx *ctx;
	unsigned n, started;
	int stop;
	struct bell bell;
	uint64_t seen, tick_ns, cpu0;
	uint64_t held_since; /* monotonic: since when a ready segment waits (0: none) */
	uint64_t held_ns;    /* its mark's time */
	uint64_t forced;     /* segments applied past the watermark (LIVE_HOLD_NS) */
	struct worker *w[WORKERS_MAX];
	struct lreader rd[WORKERS_MAX];
	char err[512];
	bool failed;
};

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void live_mark(struct worker *w)
{
	*(uint64_t *)rec_put(w, R_MARK, w->final, sizeof(uint64_t)) = w->mark_ns;
}

static void live_snap(struct worker *w)
{
	struct wsnap *s = rec_put(w, R_SNAP, 0, sizeof *s);

	s->dec = w->dec;
	s->flow = *vg_flow_table_stats(w->flows);
	if (w->app)
		s->app = *vg_app_stats(w->app);
	else
		memset(&s->app, 0, sizeof s->app);
	vg_capture_stats(w->cap, &s->cap);
	s->cpu_ns = thread_cpu_ns();
	s->first_ns = w->first_ns;
	s->last_ns = w->last_ns;
	s->capacity = vg_flow_table_capacity(w->flows);
}

static void live_batch(struct worker *w, unsigned n)
{
	/* The batch's earliest and latest times, for first_ns, last_ns and
	 * the mark (which the idle clock may have put past last_ns). */
	uint64_t lo = UINT64_MAX, hi = 0;

	vg_decode_batch(&w->dec, w->recs, w->pkts, n, &lo, &hi);
	if (lo < w->first_ns)
		w->first_ns = lo;
	if (hi > w->last_ns)
		w->last_ns = hi;
	if (vg_flow_update_batch(w->flows, w->pkts, n, w->fl) && w->detect_noflow)
		for (unsigned i = 0; i < n; i++)
			if (!w->fl[i])
				vg_detect_packet(w->det, &w->pkts[i], NULL, 0);
	if (hi > w->mark_ns)
		w->mark_ns = hi;
	live_mark(w);
}

static void *live_main(void *arg)
{
	struct worker *w = arg;
	uint64_t last_flush = 0;
	int n;

	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE)) {
		unsigned turns = 0;
		uint64_t t;
		int rc = vg_capture_wait(w->cap, LIVE_WAIT_MS);
		if (rc < 0) {
			const char *e = vg_capture_error(w->cap);
			memcpy(rec_put(w, R_ERR, 0, strlen(e) + 1), e, strlen(e) + 1);
			break;
		}
		while (turns++ < LIVE_TURN && (n = vg_capture_next(w->cap, w->recs, VG_BATCH)) > 0)
			live_batch(w, (unsigned)n);
		t = real_ns();
		if (t - last_flush >= LIVE_FLUSH_NS) {
			last_flush = t;
			/* The idle clock (watch.c): behind the packets still in
			 * the kernel's blocks. */
			if (t - w->guard_ns > w->mark_ns)
				w->mark_ns = t - w->guard_ns;
			vg_flow_table_advance(w->flows, w->mark_ns);
			live_snap(w);
			live_mark(w);
			hand_over(w);
		}
	}
	/* The last packets in the ring, then the end of every flow. */ while (
	    (n = vg_capture_next(w->cap, w->recs, VG_BATCH)) > 0)
		live_batch(w, (unsigned)n);
	/* The flows still open end in the final segments, which the merger
	 * interleaves by first packet, as one thread's table ends them. */
	live_mark(w);
	w->final = true;
	vg_flow_table_flush(w->flows);
	live_snap(w);
	live_mark(w);
	rec_put(w, R_DONE, 0, 0);
	w->cpu_ns = thread_cpu_ns();
	hand_over(w);
	return NULL;
}

static struct chunk *q_trypop(struct queue *q)
{
	struct chunk *c;

	pthread_mutex_lock(&q->mu);
	c = q->head;
	if (c) {
		q->head = c->next;
		if (!q->head)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return c;
}

/* Is worker r's next segment handed over whole? Scans to its mark. */
static bool find_head(struct lreader *r)
{
	if (r->head)
		return true;
	if (r->done)
		return false;
	for (;;) {
		const struct rhdr *h;
		if (!r->c || r->scan >= r->c->len) {
			/* The chunk is applied (chunks end with a mark). */
			struct chunk *c = q_trypop(&r->w->full);
			if (!c)
				return false;
			if (r->c)
				q_push(&r->w->free, r->c);
			r->c = c;
			r->off = r->scan = 0;
		}
		h = (const struct rhdr *)((const uint8_t *)r->c->data + r->scan);
		r->scan += h->len;
		if (h->type == R_MARK) {
			r->head_ns = *(const uint64_t *)(h + 1);
			r->head = true;
			r->final = h->aux == 1;
			return true;
		}
		if (h->type == R_DONE) {
			r->head_ns = r->last_ns;
			r->head = true;
			r->final = false;
			return true;
		}
	}
}

/* Applies the next record of r's ready segment; at its end the segment is
 * done with. */
static void apply_one(struct vg_live_workers *lw, struct lreader *r)
{
	const struct rhdr *h = (const struct rhdr *)((const uint8_t *)r->c->data + r->off);

	r->off += h->len;
	if (!apply_rec(lw->ctx, h)) {
		switch (h->type) {
		case R_SNAP: memcpy(&r->snap, h + 1, sizeof r->snap); break;
		case R_ERR:
			if (!lw->failed)
				snprintf(lw->err, sizeof lw->err, "%s", (const char *)(h + 1));
			lw->failed = true;
			break;
		case R_DONE: r->done = true; break;
		default: break;
		}
	}
	if (r->off >= r->scan) {
		if (r->head_ns > r->last_ns)
			r->last_ns = r->head_ns;
		r->head = false;
	}
}

static void apply_segment(struct vg_live_workers *lw, struct lreader *r)
{
	while (r->head)
		apply_one(lw, r);
}

/* The end: once every worker's next segment is a final one (its flows
 * ended at shutdown), their records are interleaved by rec_key (ended
 * flows by first packet), as the read merger's last round does. Returns
 * the records applied; stops where a worker's next part is not handed
 * over yet. */
static unsigned merge_final(struct vg_live_workers *lw)
{
	unsigned applied = 0;

	for (unsigned i = 0; i < lw->started; i++)
		if (!lw->rd[i].done && !(find_head(&lw->rd[i]) && lw->rd[i].final))
			return 0;
	for (;;) {
		unsigned best = lw->started;
		uint64_t best_key = UINT64_MAX;
		for (unsigned i = 0; i < lw->started; i++) {
			struct lreader *r = &lw->rd[i];
			uint64_t k;
			if (r->done)
				continue;
			if (!find_head(r))
				return applied; /* more of it to come */
			if (!r->final)
				continue;
			k = rec_key((const struct rhdr *)((const uint8_t *)r->c->data + r->off));
			if (best == lw->started || k < best_key) {
				best = i;
				best_key = k;
			}
		}
		if (best == lw->started)
			return applied;
		apply_one(lw, &lw->rd[best]);
		applied++;
	}
}

/* Applies every segment that is safe to apply; returns their number. */
static unsigned live_merge(struct vg_live_workers *lw)
{
	unsigned applied = 0;

	for (;;) {
		unsigned best = lw->started;
		uint64_t bound = UINT64_MAX;
		for (unsigned i = 0; i < lw->started; i++) {
			struct lreader *r = &lw->rd[i];
			if (find_head(r)) {
				/* A final segment waits for merge_final. */
				if (!r->final &&
				    (best == lw->started || r->head_ns < lw->rd[best].head_ns))
					best = i;
			} else if (!r->done && r->last_ns < bound) {
				bound = r->last_ns;
			}
		}
		if (best == lw->started)
			return applied + merge_final(lw);
		if (lw->rd[best].head_ns > bound) {
			uint64_t now = mono_ns();
			if (!lw->held_since) {
				lw->held_since = now;
				lw->held_ns = lw->rd[best].head_ns;
				return applied;
			}
			if (now - lw->held_since < LIVE_HOLD_NS)
				return applied;
			lw->forced++; /* and it stays forced until the marks catch up */
		} else if (lw->held_since && lw->rd[best].head_ns >= lw->held_ns) {
			lw->held_since = 0;
		}
		apply_segment(lw, &lw->rd[best]);
		applied++;
		if (lw->rd[best].head_ns > lw->tick_ns) {
			lw->tick_ns = lw->rd[best].head_ns;
			if (lw->ctx->det)
				vg_detect_tick(lw->ctx->det, lw->tick_ns);
		}
	}
}

void vg_live_workers_free(struct vg_live_workers *lw)
{
	if (!lw)
		return;
	for (unsigned i = 0; i < lw->n; i++)
		if (lw->w[i]) {
			vg_capture_free(lw->w[i]->cap);
			worker_free(lw->w[i]);
		}
	pthread_mutex_destroy(&lw->bell.mu);
	pthread_cond_destroy(&lw->bell.cv);
	free(lw);
}

int vg_live_workers_open(struct vg_live_workers **out, struct vg_ctx *ctx, unsigned n,
			 const struct vg_live_config *lc, char *errbuf, size_t errlen)
{
	struct vg_live_workers *lw = calloc(1, sizeof *lw);
	struct vg_live_config cfg = *lc;
	int rc = 0;

	*out = NULL;
	if (!lw) {
		snprintf(errbuf, errlen, "out of memory");
		return VG_ENOMEM;
	}
	pthread_mutex_init(&lw->bell.mu, NULL);
	pthread_cond_init(&lw->bell.cv, NULL);
	lw->ctx = ctx;
	lw->n = n > WORKERS_MAX ? WORKERS_MAX : n;
	cfg.fanout = 1;
	/* The ring memory is the run's, as the flow table's: each worker's
	 * rings get their share of capture.blocks (at least 2 blocks). */
	cfg.blocks = lc->blocks / lw->n;
	if (cfg.blocks < 2)
		cfg.blocks = lc->blocks < 2 ? lc->blocks : 2;
	memset(cfg.fanout_ids, 0, sizeof cfg.fanout_ids);
	for (unsigned i = 0; i < lw->n && rc == 0; i++) {
		struct worker *w;
		if ((rc = worker_new(&lw->w[i], ctx, i, lw->n, ctx->set.flow.hash_seed, errbuf,
				     errlen)) < 0)
			break;
		w = lw->w[i];
		w->live = true;
		w->bell = &lw->bell;
		w->stop = &lw->stop;
		w->guard_ns = 2ull * ctx->set.capture_block_timeout_ms * 1000000u + LIVE_FLUSH_NS;
		/* Worker 0 makes the groups, the others join them. */
		if ((rc = vg_capture_open_live(&w->cap, &cfg, errbuf, errlen)) < 0)
			break;
		if (i == 0)
			vg_capture_live_fanout_ids(w->cap, cfg.fanout_ids, 16);
	}
	/* Every member joined: packets may come in. */
	for (unsigned i = 0; i < lw->n && rc == 0; i++)
		rc = vg_capture_live_arm(lw->w[i]->cap, lc, errbuf, errlen);
	if (rc < 0) {
		vg_live_workers_free(lw);
		return rc;
	}
	*out = lw;
	return 0;
}

int vg_live_workers_start(struct vg_live_workers *lw, char *errbuf, size_t errlen)
{
	sigset_t all, old;

	/* Signals go to the merging thread, whose loop acts on them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < lw->n; i++) {
		lw->rd[i].w = lw->w[i];
		if (pthread_create(&lw->w[i]->th, NULL, live_main, lw->w[i]) != 0) {
			snprintf(errbuf, errlen, "cannot start worker thread %u", i);
			break;
		}
		lw->w[i]->started = true;
		lw->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	lw->cpu0 = thread_cpu_ns();
	lw->ctx->merged = true;
	lw->ctx->workers = lw->n;
	return lw->started == lw->n ? 0 : VG_ENOMEM;
}

int vg_live_workers_run(struct vg_live_workers *lw, int wait_ms, char *errbuf, size_t errlen)
{
	if (!live_merge(lw) && wait_ms > 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)wait_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&lw->bell.mu);
		if (lw->bell.seq == lw->seen)
			pthread_cond_timedwait(&lw->bell.cv, &lw->bell.mu, &until);
		lw->seen = lw->bell.seq;
		pthread_mutex_unlock(&lw->bell.mu);
		live_merge(lw);
	}
	if (lw->forced && !lw->ctx->merge_forced)
		fprintf(stderr,
			"vigil watch: warning: a worker's clock stayed behind for %.0f s "
			"(the wall clock stepped back?): its flows are merged out of time "
			"order until it catches up\n",
			(double)LIVE_HOLD_NS / 1e9);
	lw->ctx->merge_forced = lw->forced;
	if (lw->failed) {
		snprintf(errbuf, errlen, "%s", lw->err);
		return VG_EIO;
	}
	return 0;
}

void vg_live_workers_stats(struct vg_live_workers *lw)
{
	struct vg_ctx *ctx = lw->ctx;

	memset(&ctx->dec, 0, sizeof ctx->dec);
	memset(&ctx->merged_flow, 0, sizeof ctx->merged_flow);
	memset(&ctx->merged_app, 0, sizeof ctx->merged_app);
	memset(&ctx->cap_stats, 0, sizeof ctx->cap_stats);
	ctx->merged_capacity = 0;
	for (unsigned i = 0; i < lw->started; i++) {
		const struct wsnap *s = &lw->rd[i].snap;
		struct vg_worker_stats *ws = &ctx->wstats[i];
		for (size_t k = 0; k < sizeof ctx->dec / sizeof(uint64_t); k++)
			((uint64_t *)&ctx->dec)[k] += ((const uint64_t *)&s->dec)[k];
		for (size_t c = 0; c < vg_flow_ncounters; c++)
			*(uint64_t *)((char *)&ctx->merged_flow + vg_flow_counters[c].offset) +=
			    vg_counter_get(&s->flow, &vg_flow_counters[c]);
		for (int c = 0; c < VG_APPC_COUNT; c++)
			ctx->merged_app.c[c] += s->app.c[c];
		ctx->merged_capacity += (uint32_t)s->capacity;
		ctx->cap_stats.kernel_packets += s->cap.kernel_packets;
		ctx->cap_stats.kernel_drops += s->cap.kernel_drops;
		ctx->cap_stats.vlan_restored += s->cap.vlan_restored;
		ctx->cap_stats.vlan_lost += s->cap.vlan_lost;
		ctx->cap_stats.interfaces = s->cap.interfaces;
		if (s->dec.packets && s->first_ns < ctx->first_ns)
			ctx->first_ns = s->first_ns;
		if (s->dec.packets && s->last_ns > ctx->last_ns)
			ctx->last_ns = s->last_ns;
		ws->packets = s->dec.packets;
		ws->kernel_packets = s->cap.kernel_packets;
		ws->kernel_drops = s->cap.kernel_drops;
		ws->flows = s->flow.created;
		ws->cpu_ns = s->cpu_ns;
	}
}

int vg_live_workers_stop(struct vg_live_workers *lw, char *errbuf, size_t errlen)
{
	struct vg_ctx *ctx = lw->ctx;
	bool all_done = false;

	__atomic_store_n(&lw->stop, 1, __ATOMIC_RELEASE);
	while (!all_done) {
		vg_live_workers_run(lw, 20, errbuf, errlen);
		all_done = true;
		for (unsigned i = 0; i < lw->started; i++)
			all_done &= lw->rd[i].done;
	}
	for (unsigned i = 0; i < lw->started; i++) {
		pthread_join(lw->w[i]->th, NULL);
		if (lw->rd[i].c)
			q_push(&lw->w[i]->free, lw->rd[i].c);
		lw->rd[i].c = NULL;
	}
	vg_live_workers_stats(lw);
	ctx->merge_cpu_ns = thread_cpu_ns() - lw->cpu0;
	ctx->merge_waits = 0;
	for (unsigned i = 0; i < lw->started; i++) {
		ctx->wstats[i].stalls = lw->w[i]->free.waits;
		ctx->merge_waits += lw->w[i]->full.waits;
	}
	if (lw->failed) {
		snprintf(errbuf, errlen, "%s", lw->err);
		return VG_EIO;
	}
	return 0;
}
