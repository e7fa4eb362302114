/*
 * pipeline.h - one pipeline: capture -> decode -> flows -> detect ->
 * attrib -> writers, with
 * all its state in a vg_ctx (no globals), so two can run side by side and
 * a test builds one in a few lines:
 *
 *     struct vg_settings s;  vg_settings_default(&s);
 *     struct vg_ctx *ctx;    vg_ctx_new(&ctx, &s, NULL, err, sizeof err);
 *     vg_ctx_read_file(ctx, "x.pcap", err, sizeof err);
 *     vg_ctx_finish(ctx, err, sizeof err);   ...   vg_ctx_free(ctx);
 */
#ifndef VG_PIPELINE_H
#define VG_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "attrib/attrib.h"
#include "capture/capture.h"
#include "cli/settings.h"
#include "common/cidr.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "event/event.h"
#include "flow/flow.h"
#include "intel/intel.h"
#include "store/store.h"

/* Records per batch: big enough to amortise the per-batch work and hide
 * bucket prefetch latency, small enough that a batch's packets and flow
 * keys stay in L1/L2. */
#define VG_BATCH 64

struct vg_ctx {
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_decode_stats dec;
	struct vg_flow_table *flows;
	struct vg_app *app; /* application metadata; NULL when app.enabled is 0 */
	struct vg_detect *det;
	/* Each detector's table evictions, kept by vg_ctx_finish for the summary. */
	const char *evicted_name[8];
	uint64_t evicted_n[8];
	unsigned n_evicted;
	const struct vg_writer_ops *wops;
	struct vg_writer *writer;
	uint64_t first_ns, last_ns;
	uint64_t files, files_failed;
	/* Ended flows by direction relative to the home network. */
	uint64_t flows_inbound, flows_outbound, flows_internal, flows_external;
	struct vg_attack_count attacks;     /* reported attacks by kind */
	struct vg_attrib *attrib;           /* country, ASN and confidence of attackers */
	uint64_t confidence[VG_CONF_COUNT]; /* attacks by confidence of the source */
	struct vg_store *store;             /* final attacks go here too (NULL: none); the
					     * caller opens it, begins and ends the run */
	int store_rc;                       /* first store error (then storing stops) */
	char store_err[512];
	uint64_t stored_new, stored_dup;           /* attacks stored, and already there */
	uint64_t store_committed, store_commit_ns; /* vigil watch: stored_new + stored_dup at
						    * the last commit, and its wall time */
	uint64_t events_flow, events_attack;       /* events handed to the writer */
	const struct vg_intel *intel;              /* threat intelligence (NULL: none); the caller
					      * loads and frees it (vigil read --intel) */
	/* Live capture (vigil watch): the kernel's counters, refreshed by the
	 * caller before each stats event; the sensor's start (wall time). */
	bool live;
	struct vg_capture_stats cap_stats;
	uint64_t started_ns;
	/* vigil read --workers (cli/workers.c): the flow tables and app
	 * stages were the workers'; their counters, summed, stand in for
	 * this context's own in the summary and the stats event. */
	bool merged;
	struct vg_flow_stats merged_flow;
	struct vg_app_stats merged_app;
	uint32_t merged_capacity;
	unsigned workers;
	/* Each worker's figures: flows, CPU and stalls (read and watch
	 * --workers); packets and kernel counters (watch, from the snapshots
	 * the workers publish in their record streams). */
	struct vg_worker_stats wstats[64];
	uint64_t merge_cpu_ns, merge_waits; /* the merging thread's CPU, its waits */
	uint64_t clock_ns;                  /* packet time of the last batch (vg_ctx_catch_up) */
	uint64_t merge_forced; /* segments merged before the watermark (a stuck clock) */
	bool progress;         /* draw a progress line on stderr */
	bool detect_noflow;    /* some detector wants packets without a flow */
	struct vg_pkt_rec recs[VG_BATCH];
	struct vg_packet pkts[VG_BATCH];
	struct vg_flow *fl[VG_BATCH];
};

/* eve_path NULL: no event output. */
int vg_ctx_new(struct vg_ctx **out, const struct vg_settings *set, const char *eve_path,
	       char *errbuf, size_t errlen);
/* Opens the EVE writer (when vg_ctx_new was given no path); append keeps
 * what the file holds. */
int vg_ctx_open_eve(struct vg_ctx *ctx, const char *path, bool append, char *errbuf, size_t errlen);
/* Runs the n records in ctx->recs through decode, flows and detectors (a
 * live capture's loop fills ctx->recs itself). */
void vg_ctx_process(struct vg_ctx *ctx, unsigned n);
/* After a batch whose time is now_ns: if packet time jumped past the
 * flow table's expiry period since *clock_ns, ends every expired flow at
 * once (vg_flow_table_expire_all), so the detectors see them before they
 * judge the silence. */
void vg_ctx_catch_up(struct vg_flow_table *flows, uint64_t *clock_ns, uint64_t now_ns,
		     uint32_t sweep_period_s);
/* No packet for a while: moves the flow table's and the detectors' clock
 * to now_ns (wall time, the live capture's clock), so idle flows and
 * attacks still end. */
void vg_ctx_idle(struct vg_ctx *ctx, uint64_t now_ns);
/* Reads one capture through the pipeline. On a corrupt or truncated file
 * returns <0 with errbuf naming the file and offset; every record before
 * the fault has been processed and stays counted. */
int vg_ctx_read_file(struct vg_ctx *ctx, const char *path, char *errbuf, size_t errlen);
/* Reads a capture held in memory (tests, fuzzers). */
int vg_ctx_read_mem(struct vg_ctx *ctx, const uint8_t *buf, size_t len, const char *name,
		    char *errbuf, size_t errlen);
/* A flow that ended elsewhere (a worker's table, cli/workers.c): f and
 * meta are copies; counted, judged by the detectors and written like the
 * context's own. */
void vg_ctx_flow_end(struct vg_ctx *ctx, const struct vg_flow *f, enum vg_flow_end why,
		     const struct vg_app_flow *meta);
/* Reads the files in order through the pipeline, with `workers` threads
 * (cli/workers.c) or, for 1, in this thread (vg_ctx_read_file). A file
 * that fails is reported through on_error (its records before the fault
 * stay counted) and the others are still read; packets[i] gets the
 * packets of file i (may be NULL). Returns 0, or <0 if some file failed
 * or the threads could not start. */
typedef void (*vg_read_error_fn)(void *arg, const char *msg);
int vg_ctx_read_files(struct vg_ctx *ctx, unsigned workers, char *const *paths, unsigned n,
		      uint64_t *packets, vg_read_error_fn on_error, void *arg);
/* Workers the machine offers (online CPUs), at least 1. */
unsigned vg_workers_available(void);
/* Settings read again while running (vigil watch, SIGHUP): applies the
 * keys that can change without losing state (cli/reconfig.c names them)
 * and keeps the others, one line per changed key on log ("PROG: config:
 * KEY OLD -> NEW: applied" or "...: takes effect when vigil starts
 * again (kept)"); counts both. On an error (a home_net or a database
 * that does not load) nothing changes and the result is <0. */
int vg_ctx_reconfigure(struct vg_ctx *ctx, const struct vg_settings *fresh, FILE *log,
		       const char *prog, unsigned *applied, unsigned *kept);
/* vigil watch --workers N (N > 1, cli/workers.c): N threads, each with its
 * own socket per interface (joined into one PACKET_FANOUT group per
 * interface), flow table, app stage and packet hooks; the calling thread
 * merges their record streams into ctx's detectors, writers and store.
 * open: every socket (before privileges are dropped); start: the threads;
 * run: merges what is ready, waiting up to wait_ms when nothing is (<0: a
 * worker's capture failed, errbuf says why); stats: the workers' latest
 * counters into ctx (summary, stats event); stop: the workers end their
 * flows, everything is merged, the threads are joined. */
struct vg_live_workers;
int vg_live_workers_open(struct vg_live_workers **out, struct vg_ctx *ctx, unsigned n,
			 const struct vg_live_config *lc, char *errbuf, size_t errlen);
int vg_live_workers_start(struct vg_live_workers *lw, char *errbuf, size_t errlen);
int vg_live_workers_run(struct vg_live_workers *lw, int wait_ms, char *errbuf, size_t errlen);
void vg_live_workers_stats(struct vg_live_workers *lw);
int vg_live_workers_stop(struct vg_live_workers *lw, char *errbuf, size_t errlen);
void vg_live_workers_free(struct vg_live_workers *lw);
/* An attack from elsewhere (vigil import): attributed, counted, stored
 * and written like the detectors' own. */
void vg_ctx_attack(struct vg_ctx *ctx, const struct vg_attack *a);
/* Ends all flows, writes the stats event and closes the writer. */
int vg_ctx_finish(struct vg_ctx *ctx, char *errbuf, size_t errlen);
void vg_ctx_run_stats(const struct vg_ctx *ctx, struct vg_run_stats *rs);
/* The human summary: `key: value` lines. */
void vg_ctx_print_summary(const struct vg_ctx *ctx, FILE *fp);
void vg_ctx_free(struct vg_ctx *ctx);

#endif
