/*
 * pipeline.c - drives one pipeline over capture files (see pipeline.h).
 *
 * Per batch: the capture fills VG_BATCH records, decode fills a vg_packet
 * for each, the flow table updates the batch; ended flows reach the
 * detectors and the writers through the flow table's on_end hook. Each
 * attack a detector reports is attributed (src/attrib: country, ASN,
 * confidence) before the writers see it; the attribution travels beside
 * the attack (struct vg_attribution), the attack itself is not changed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/pipeline.h"
#include "common/hash.h"
#include "common/vg.h"

void vg_ctx_flow_end(struct vg_ctx *ctx, const struct vg_flow *f, enum vg_flow_end why,
		     const struct vg_app_flow *meta)
{
	struct vg_flow_view own;
	const struct vg_flow_view *v;
	bool client_home, server_home;

	/* The detectors' view of the flow (made when its end was announced,
	 * vg_detect_prefetch) holds its direction too. */
	if (ctx->det) {
		v = vg_detect_view(ctx->det, f);
	} else {
		vg_flow_view_make(&own, f, &ctx->home);
		v = &own;
	}
	client_home = v->client_home;
	server_home = v->server_home;
	if (client_home && server_home)
		ctx->flows_internal++;
	else if (server_home)
		ctx->flows_inbound++;
	else if (client_home)
		ctx->flows_outbound++;
	else
		ctx->flows_external++;
	if (ctx->det)
		vg_detect_flow_end_view(ctx->det, v, meta);
	if (ctx->writer) {
		ctx->wops->flow(ctx->writer, f, why, meta);
		ctx->events_flow++;
	}
}

static void on_flow_end(void *arg, const struct vg_flow *f, enum vg_flow_end why)
{
	struct vg_ctx *ctx = arg;

	vg_ctx_flow_end(ctx, f, why, vg_app_of(ctx->app, f));
	/* Last: the detectors and the writer have read the metadata. */
	vg_app_flow_end(ctx->app, f);
}

/* A flow will end soon (the expiry hand found it): start loading what its
 * end reads, the app stage's index of the flow (vg_app_of, for every flow
 * the stage judged) and the detectors' records. */
static void on_end_prefetch(void *arg, const struct vg_flow *f)
{
	struct vg_ctx *ctx = arg;

	if (ctx->app)
		vg_app_prefetch_of(ctx->app, f);
	vg_detect_prefetch(ctx->det, f);
}

static void on_attack(void *arg, const struct vg_attack *a)
{
	struct vg_ctx *ctx = arg;

	struct vg_attribution at;
	const char *warn;

	/* Every event is attributed (updates hit the cache); an attack counts
	 * once, by its final event, in both tallies. */
	vg_attrib_attack(ctx->attrib, a, &at);
	if ((warn = vg_attrib_take_warning(ctx->attrib)))
		fprintf(stderr, "vigil: warning: %s\n", warn);
	if (a->final) { /* interim updates repeat the attack */
		vg_attack_count_add(&ctx->attacks, a->kind);
		ctx->confidence[at.confidence]++;
	}
	if (ctx->writer) {
		ctx->wops->attack(ctx->writer, a, &at);
		ctx->events_attack++;
	}
	/* The store keeps final attacks only (the last word, cumulative); a
	 * store error stops storing, the run and the EVE output go on. */
	if (a->final && ctx->store && ctx->store_rc == 0) {
		int rc =
		    vg_store_put_attack(ctx->store, a, &at, ctx->store_err, sizeof ctx->store_err);
		if (rc < 0)
			ctx->store_rc = rc;
		else if (rc > 0)
			ctx->stored_new++;
		else
			ctx->stored_dup++;
	}
}

void vg_ctx_attack(struct vg_ctx *ctx, const struct vg_attack *a)
{
	on_attack(ctx, a);
}

int vg_ctx_new(struct vg_ctx **out, const struct vg_settings *set, const char *eve_path,
	       char *errbuf, size_t errlen)
{
	struct vg_ctx *ctx = calloc(1, sizeof *ctx);
	struct vg_flow_config fc;
	char why[256];
	int rc;

	*out = NULL;
	if (!ctx) {
		snprintf(errbuf, errlen, "out of memory");
		return VG_ENOMEM;
	}
	ctx->set = *set;
	ctx->first_ns = UINT64_MAX;
	rc = vg_cidr_parse(&ctx->home, set->home_net, why, sizeof why);
	if (rc < 0) {
		snprintf(errbuf, errlen, "home_net: %s", why);
		goto fail;
	}
	fc = set->flow;
	if (!fc.hash_seed)
		fc.hash_seed = vg_hash_seed_random();
	rc = vg_flow_table_new(&ctx->flows, &fc, on_flow_end, ctx);
	if (rc < 0) {
		snprintf(errbuf, errlen, "flow table: %s (flow.memcap %" PRIu64 ")",
			 vg_strerror(rc), fc.memcap);
		goto fail;
	}
	rc = vg_attrib_new(&ctx->attrib, &set->attrib, vg_attrib_exe_base_dir(why, sizeof why),
			   fc.hash_seed);
	if (rc < 0) {
		snprintf(errbuf, errlen, "attribution: %s", vg_strerror(rc));
		goto fail;
	}
	if (set->app.enabled) {
		rc = vg_app_new(&ctx->app, &set->app, ctx->flows, fc.hash_seed);
		if (rc < 0) {
			snprintf(errbuf, errlen, "app stage: %s (app.memcap %" PRIu64 ")",
				 vg_strerror(rc), set->app.memcap);
			goto fail;
		}
		vg_flow_table_set_payload_hook(ctx->flows, vg_app_packet, ctx->app,
					       set->app.packets);
	}
	rc = vg_detect_new(&ctx->det, &ctx->set.detect, &ctx->home, ctx->app, fc.hash_seed,
			   on_attack, ctx);
	if (rc < 0) {
		snprintf(errbuf, errlen, "detectors: %s", vg_strerror(rc));
		goto fail;
	}
	vg_flow_table_set_end_prefetch(ctx->flows, on_end_prefetch, ctx);
	if (vg_detect_wants(ctx->det) & VG_DETECT_PKT_FLOW)
		vg_flow_table_set_packet_hook(ctx->flows, vg_detect_packet, ctx->det);
	ctx->detect_noflow = vg_detect_wants(ctx->det) & VG_DETECT_PKT_NOFLOW;
	if (eve_path && (rc = vg_ctx_open_eve(ctx, eve_path, false, errbuf, errlen)) < 0)
		goto fail;
	*out = ctx;
	return 0;
fail:
	vg_ctx_free(ctx);
	return rc;
}

int vg_ctx_open_eve(struct vg_ctx *ctx, const char *path, bool append, char *errbuf, size_t errlen)
{
	ctx->wops = vg_writer_find("eve");
	return ctx->wops->open(&ctx->writer, path, append, errbuf, errlen);
}

static uint64_t now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void draw_progress(const struct vg_capture *cap, uint64_t start_ns, uint64_t pkts0,
			  const struct vg_ctx *ctx, const char *name)
{
	uint64_t el = now_mono_ns() - start_ns, size = vg_capture_size(cap);
	double pct = size ? 100.0 * (double)vg_capture_offset(cap) / (double)size : 0;
	double mpps = el ? (double)(ctx->dec.packets - pkts0) * 1e3 / (double)el : 0;

	fprintf(stderr, "\rvigil: %s %5.1f%%  %" PRIu64 " packets  %.2f Mpps  %" PRIu64 " flows ",
		name, pct, ctx->dec.packets, mpps, vg_flow_table_stats(ctx->flows)->created);
}

void vg_ctx_process(struct vg_ctx *ctx, unsigned n)
{
	vg_decode_batch(&ctx->dec, ctx->recs, ctx->pkts, n, &ctx->first_ns, &ctx->last_ns);
	/* Packets without a flow, for detectors that want them (ARP). */
	if (vg_flow_update_batch(ctx->flows, ctx->pkts, n, ctx->fl) && ctx->detect_noflow)
		for (unsigned i = 0; i < n; i++)
			if (!ctx->fl[i])
				vg_detect_packet(ctx->det, &ctx->pkts[i], NULL, 0);
	vg_ctx_catch_up(ctx->flows, &ctx->clock_ns, ctx->recs[n - 1].ts_ns,
			ctx->set.flow.sweep_period_s);
	vg_detect_tick(ctx->det, ctx->recs[n - 1].ts_ns);
}

void vg_ctx_catch_up(struct vg_flow_table *flows, uint64_t *clock_ns, uint64_t now_ns,
		     uint32_t sweep_period_s)
{
	/* A jump of packet time longer than the expiry hand's period (the
	 * next file, a silence): the hand ends a few flows per batch, the
	 * detectors would close attacks whose flows are still in the table
	 * (a flood of 5,000 SYNs reported as 4,968). End them first. */
	uint64_t period = (uint64_t)(sweep_period_s ? sweep_period_s : 1) * 1000000000u;

	if (*clock_ns && now_ns > *clock_ns && now_ns - *clock_ns > period)
		vg_flow_table_expire_all(flows);
	if (now_ns > *clock_ns)
		*clock_ns = now_ns;
}

void vg_ctx_idle(struct vg_ctx *ctx, uint64_t now_ns)
{
	/* Never behind the packets: their clock and now_ns are the same one
	 * (the kernel's receive time), but a packet may be a little ahead. */
	if (now_ns < ctx->last_ns)
		now_ns = ctx->last_ns;
	vg_flow_table_advance(ctx->flows, now_ns);
	if (ctx->det)
		vg_detect_tick(ctx->det, now_ns);
}

static int run_capture(struct vg_ctx *ctx, struct vg_capture *cap, const char *name, char *errbuf,
		       size_t errlen)
{
	uint64_t start_ns = now_mono_ns(), pkts0 = ctx->dec.packets, batches = 0;
	/* A progress line only for inputs that take a while to read. */
	bool progress = ctx->progress && vg_capture_size(cap) > (64u << 20);
	int n;

	ctx->files++;
	while ((n = vg_capture_next(cap, ctx->recs, VG_BATCH)) > 0) {
		vg_ctx_process(ctx, (unsigned)n);
		if (VG_UNLIKELY(progress) && (++batches & 0x3fff) == 0)
			draw_progress(cap, start_ns, pkts0, ctx, name);
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	if (n < 0) {
		ctx->files_failed++;
		snprintf(errbuf, errlen, "%s", vg_capture_error(cap));
		return n;
	}
	return 0;
}

int vg_ctx_read_file(struct vg_ctx *ctx, const char *path, char *errbuf, size_t errlen)
{
	struct vg_capture *cap;
	int rc = vg_capture_open(&cap, path, errbuf, errlen);

	if (rc < 0) {
		ctx->files++;
		ctx->files_failed++;
		return rc;
	}
	rc = run_capture(ctx, cap, path, errbuf, errlen);
	vg_capture_free(cap);
	return rc;
}

int vg_ctx_read_mem(struct vg_ctx *ctx, const uint8_t *buf, size_t len, const char *name,
		    char *errbuf, size_t errlen)
{
	struct vg_capture *cap;
	int rc = vg_capture_open_mem(&cap, buf, len, name, errbuf, errlen);

	if (rc < 0) {
		ctx->files++;
		ctx->files_failed++;
		return rc;
	}
	rc = run_capture(ctx, cap, name, errbuf, errlen);
	vg_capture_free(cap);
	return rc;
}

void vg_ctx_run_stats(const struct vg_ctx *ctx, struct vg_run_stats *rs)
{
	memset(rs, 0, sizeof *rs);
	rs->first_ns = ctx->dec.packets ? ctx->first_ns : 0;
	rs->last_ns = ctx->last_ns;
	rs->files = ctx->files;
	rs->decode = &ctx->dec;
	rs->flow = ctx->merged ? &ctx->merged_flow : vg_flow_table_stats(ctx->flows);
	rs->app = !ctx->app ? NULL : ctx->merged ? &ctx->merged_app : vg_app_stats(ctx->app);
	rs->flow_capacity = ctx->merged ? ctx->merged_capacity : vg_flow_table_capacity(ctx->flows);
	rs->flow_bytes_per_flow = vg_flow_bytes_per_flow(ctx->flows);
	rs->attacks = &ctx->attacks;
	if (ctx->live) {
		struct timespec ts;
		FILE *fp;
		unsigned long pages_total, pages_rss;

		clock_gettime(CLOCK_REALTIME, &ts);
		rs->now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		rs->started_ns = ctx->started_ns;
		rs->capture = &ctx->cap_stats;
		rs->events_flow = ctx->events_flow;
		rs->events_attack = ctx->events_attack;
		rs->memory_flow_table = (uint64_t)rs->flow_capacity * rs->flow_bytes_per_flow;
		rs->memory_app = ctx->app ? vg_app_memory(ctx->app) : 0;
		rs->store = ctx->store != NULL;
		rs->store_pending = ctx->stored_new + ctx->stored_dup - ctx->store_committed;
		rs->store_lag_ns =
		    rs->store_pending && ctx->store_commit_ns && rs->now_ns > ctx->store_commit_ns
			? rs->now_ns - ctx->store_commit_ns
			: 0;
		if (ctx->merged) { /* vigil watch --workers */
			rs->workers = ctx->wstats;
			rs->nworkers = ctx->workers;
		}
		if ((fp = fopen("/proc/self/statm", "r"))) {
			if (fscanf(fp, "%lu %lu", &pages_total, &pages_rss) == 2)
				rs->memory_rss =
				    (uint64_t)pages_rss * (uint64_t)sysconf(_SC_PAGESIZE);
			fclose(fp);
		}
	}
}

int vg_ctx_finish(struct vg_ctx *ctx, char *errbuf, size_t errlen)
{
	struct vg_run_stats rs;
	int rc = 0;

	vg_flow_table_flush(ctx->flows);
	/* The detectors' table evictions, for the summary; then, ended flows
	 * having told the detectors their outcomes, they report the attacks
	 * still open. */
	for (ctx->n_evicted = 0;
	     ctx->det && ctx->n_evicted < VG_ARRAY_LEN(ctx->evicted_n) &&
	     vg_detect_evicted(ctx->det, ctx->n_evicted, &ctx->evicted_name[ctx->n_evicted],
			       &ctx->evicted_n[ctx->n_evicted]);
	     ctx->n_evicted++)
		;
	vg_detect_free(ctx->det);
	ctx->det = NULL;
	if (ctx->writer) {
		vg_ctx_run_stats(ctx, &rs);
		ctx->wops->stats(ctx->writer, &rs);
		rc = ctx->wops->close(ctx->writer, errbuf, errlen);
		ctx->writer = NULL;
	}
	return rc;
}

/* The detectors' table evictions, only when some table was too small for
 * the traffic (an open attack is reported before its record goes; the
 * evidence of the others is lost): a total, then each detector's. */
static void summary_evicted(FILE *fp, const struct vg_ctx *ctx)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < ctx->n_evicted; i++)
		total += ctx->evicted_n[i];
	if (!total)
		return;
	fprintf(fp, "detect.evicted: %" PRIu64 "\n", total);
	for (unsigned i = 0; i < ctx->n_evicted; i++)
		if (ctx->evicted_n[i])
			fprintf(fp, "  detect.%s.evicted: %" PRIu64 "\n", ctx->evicted_name[i],
				ctx->evicted_n[i]);
}

void vg_ctx_print_summary(const struct vg_ctx *ctx, FILE *fp)
{
	const struct vg_decode_stats *d = &ctx->dec;
	struct vg_run_stats rs;
	const struct vg_flow_stats *fs;
	uint64_t problems = 0;
	char t0[40] = "-", t1[40] = "-";

	vg_ctx_run_stats(ctx, &rs);
	fs = rs.flow;
	for (int a = 1; a < VG_ANOM_COUNT; a++)
		problems += d->anomalies[a];
	if (d->packets) {
		vg_format_time(t0, sizeof t0, ctx->first_ns);
		vg_format_time(t1, sizeof t1, ctx->last_ns);
	}
	if (ctx->live) {
		const struct vg_capture_stats *cs = &ctx->cap_stats;
		fprintf(fp, "interfaces: %u\n", cs->interfaces);
		fprintf(fp, "capture.kernel_packets: %" PRIu64 "\n", cs->kernel_packets);
		/* Never silent: a ring too small for the traffic. */
		fprintf(fp, "capture.kernel_drops: %" PRIu64 "\n", cs->kernel_drops);
		if (cs->vlan_lost)
			fprintf(fp, "capture.vlan_lost: %" PRIu64 "\n", cs->vlan_lost);
	} else {
		fprintf(fp, "files: %" PRIu64 "\n", ctx->files);
	}
	if (ctx->files_failed)
		fprintf(fp, "files_with_errors: %" PRIu64 "\n", ctx->files_failed);
	fprintf(fp, "packets: %" PRIu64 "\n", d->packets);
	fprintf(fp, "bytes: %" PRIu64 "\n", d->bytes_wire);
	fprintf(fp, "bytes_captured: %" PRIu64 "\n", d->bytes_captured);
	fprintf(fp, "first_packet: %s\nlast_packet: %s\n", t0, t1);
	fprintf(fp, "duration_s: %.3f\n",
		d->packets ? (double)(ctx->last_ns - ctx->first_ns) / 1e9 : 0.0);
	fprintf(fp, "ipv4: %" PRIu64 "\nipv6: %" PRIu64 "\narp: %" PRIu64 "\nnon_ip: %" PRIu64 "\n",
		d->ipv4, d->ipv6, d->arp, d->non_ip);
	fprintf(fp, "fragments: %" PRIu64 "\n", d->fragments);
	fprintf(fp, "decode_problems: %" PRIu64 "\n", problems);
	for (int a = 1; a < VG_ANOM_COUNT; a++)
		if (d->anomalies[a])
			fprintf(fp, "  %s: %" PRIu64 "\n", vg_anomaly_name((enum vg_anomaly)a),
				d->anomalies[a]);
	fprintf(fp, "flows: %" PRIu64 "\n", fs->created);
	/* Direction to the home network, counted as flows end. */
	fprintf(fp,
		"  flow.inbound: %" PRIu64 "\n  flow.outbound: %" PRIu64
		"\n  flow.internal: %" PRIu64 "\n  flow.external: %" PRIu64 "\n",
		ctx->flows_inbound, ctx->flows_outbound, ctx->flows_internal, ctx->flows_external);
	for (size_t i = 1; i < vg_flow_ncounters; i++) /* [0] is flows: above */
		fprintf(fp, "%s%s: %" PRIu64 "\n",
			strncmp(vg_flow_counters[i].name, "flow.created.", 13) ? "" : "  ",
			vg_flow_counters[i].name, vg_counter_get(fs, &vg_flow_counters[i]));
	if (ctx->merged) {
		/* vigil read --workers: the balance, and who waited for whom. */
		fprintf(fp, "workers: %u\n", ctx->workers);
		for (unsigned i = 0; i < ctx->workers && i < VG_ARRAY_LEN(ctx->wstats); i++) {
			const struct vg_worker_stats *ws = &ctx->wstats[i];
			fprintf(fp,
				"  worker.%u.flows: %" PRIu64 "\n  worker.%u.cpu_s: %.3f\n"
				"  worker.%u.stalls: %" PRIu64 "\n",
				i, ws->flows, i, (double)ws->cpu_ns / 1e9, i, ws->stalls);
			/* vigil watch: what the worker's sockets received and lost. */
			if (ctx->live)
				fprintf(fp,
					"  worker.%u.packets: %" PRIu64
					"\n  worker.%u.kernel_packets: %" PRIu64
					"\n  worker.%u.kernel_drops: %" PRIu64 "\n",
					i, ws->packets, i, ws->kernel_packets, i, ws->kernel_drops);
		}
		fprintf(fp, "  merge.cpu_s: %.3f\n  merge.waits: %" PRIu64 "\n",
			(double)ctx->merge_cpu_ns / 1e9, ctx->merge_waits);
		if (ctx->merge_forced)
			fprintf(fp, "  merge.forced: %" PRIu64 "\n", ctx->merge_forced);
	}
	fprintf(fp, "flow.capacity: %" PRIu64 "\nflow.bytes_per_flow: %" PRIu64 "\n",
		(uint64_t)rs.flow_capacity, (uint64_t)rs.flow_bytes_per_flow);
	if (rs.app) {
		const struct vg_app_stats *as = rs.app;
		uint64_t app_problems = 0;
		for (int c = 0; c < VG_APPC_COUNT; c++)
			if (vg_app_counter_problem((enum vg_app_counter)c))
				app_problems += as->c[c];
			else
				fprintf(fp, "%s: %" PRIu64 "\n",
					vg_app_counter_name((enum vg_app_counter)c), as->c[c]);
		/* Malformed or cut messages, like decode_problems: only those seen. */
		fprintf(fp, "app_problems: %" PRIu64 "\n", app_problems);
		for (int c = 0; c < VG_APPC_COUNT; c++)
			if (vg_app_counter_problem((enum vg_app_counter)c) && as->c[c])
				fprintf(fp, "  %s: %" PRIu64 "\n",
					vg_app_counter_name((enum vg_app_counter)c), as->c[c]);
	}
	summary_evicted(fp, ctx);
	fprintf(fp, "attacks: %" PRIu64 "\n", ctx->attacks.total);
	for (unsigned i = 0; i < ctx->attacks.n; i++)
		fprintf(fp, "  attack.%s: %" PRIu64 "\n", ctx->attacks.kind[i],
			ctx->attacks.count[i]);
	if (!ctx->attacks.total)
		return;
	/* How sure we are of the attackers, and where that came from. */
	for (int c = 0; c < VG_CONF_COUNT; c++)
		fprintf(fp, "  attrib.%s: %" PRIu64 "\n", vg_confidence_name((enum vg_confidence)c),
			ctx->confidence[c]);
	vg_attrib_describe(ctx->attrib, fp, "attrib.");
}

void vg_ctx_free(struct vg_ctx *ctx)
{
	char err[256];

	if (!ctx)
		return;
	if (ctx->writer)
		ctx->wops->close(ctx->writer, err, sizeof err);
	vg_detect_free(ctx->det); /* only if finish was not reached */
	vg_flow_table_free(ctx->flows);
	vg_app_free(ctx->app);
	vg_attrib_free(ctx->attrib);
	free(ctx);
}
