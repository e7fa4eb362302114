/*
 * watch.c - `vigil watch -i IFACE[,IFACE...]`: the live sensor. The same
 * pipeline, events and store as `vigil read`, fed by the live capture
 * source (capture/live.c) instead of files, until SIGTERM or SIGINT.
 *
 * The loop: wait for packets (poll, at most WAIT_MS), run every batch that
 * is waiting through the pipeline, then the periodic work, which happens
 * with or without traffic: the flow table's and the detectors' clocks move
 * to the wall clock (idle flows and attacks end on time), the EVE file is
 * flushed every second (a reader tailing it sees events within a second),
 * kernel drops are checked every second (a warning on stderr when they
 * grow), and a stats event is written every watch.stats_interval seconds.
 *
 * Signals only set flags (the one place vigil has file-scope mutable
 * state: a signal handler can reach nothing else); the loop acts on them
 * between batches. SIGTERM, SIGINT: end every flow, report open attacks,
 * write the last stats event, complete the store's run record, exit 0.
 * SIGHUP: flush and reopen the EVE file under its name (logrotate), no
 * event lost: events of the batch in progress go to the old file, later
 * ones to the new; and load the threat intelligence again (--intel,
 * intel.path), switched to only once it loaded; and read the
 * configuration again (reload_config: what can change while running is
 * applied, the rest waits for a restart). watch.eve_rotate_size and watch.eve_rotate_interval do
 * the same without logrotate: the file is renamed FILE.YYYYmmddTHHMMSS,
 * then reopened.
 *
 * --workers N (N > 1; default: the cores available): N threads capture and
 * keep the flows (cli/workers.c, vg_live_workers_*), each on its own
 * sockets in one PACKET_FANOUT group per interface; this thread merges
 * their records (the detectors' clocks follow the workers' marks) and does
 * the same periodic work, signals and shutdown. --workers 1 is the loop
 * above, with no thread.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/storerun.h"
#include "common/vg.h"
#include "store/store.h"

#define WAIT_MS          100 /* longest sleep: the loop's periodic work runs at least this often */
#define IDLE_EVERY_NS    100000000ull   /* clocks moved to the wall clock every 100 ms */
#define FLUSH_EVERY_NS   1000000000ull  /* EVE flushed, drops checked, every second */
#define DROP_WARN_NS     10000000000ull /* at most one drop warning every 10 s */
#define STORE_EVERY_NS   5000000000ull  /* stored attacks committed every 5 s */
#define BATCHES_PER_TURN 256            /* batches between two looks at signals and the clock */

static volatile sig_atomic_t got_stop, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = sig;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil watch -i IFACE[,IFACE...] [OPTIONS]\n"
		"\n"
		"The live sensor: captures packets on network interfaces (AF_PACKET,\n"
		"TPACKET_V3 memory-mapped ring) and runs them through the same pipeline\n"
		"as `vigil read`: flows, attack detection, attribution, EVE events and the\n"
		"store. Runs in the foreground until SIGTERM or SIGINT (for systemd, see\n"
		"dist/vigil.service), then ends every flow, reports open attacks, writes\n"
		"the last stats event, completes the store's run and exits 0.\n"
		"Needs CAP_NET_RAW (root, or the capability: see README).\n"
		"\n"
		"Options:\n"
		"  -i, --interface LIST  interfaces to capture on, comma-separated (up to 16)\n"
		"  --filter EXPR         BPF filter in pcap syntax (as tcpdump), compiled\n"
		"                        with libpcap and run in the kernel\n"
		"  --promisc             promiscuous mode (config key capture.promisc)\n"
		"  --block-size BYTES    bytes per ring block, a power of two (K, M suffixes;\n"
		"                        default 1M; capture.block_size)\n"
		"  --blocks N            blocks per interface's ring (default 64;\n"
		"                        capture.blocks; with workers, split among their\n"
		"                        rings, at least 2 each): packets that find the\n"
		"                        ring full are dropped by the kernel and counted\n"
		"  --stats-interval S    a stats event every S seconds (default 60; 0: only\n"
		"                        the last; watch.stats_interval)\n"
		"  --eve FILE            append EVE JSON lines to FILE ('-': stdout, and the\n"
		"                        summary goes to stderr); SIGHUP reopens it;\n"
		"                        watch.eve_rotate_size / _interval rotate it\n"
		"  --workers N           threads that capture and analyse (default: the\n"
		"                        cores available, %u here); each has its own\n"
		"                        socket per interface in a PACKET_FANOUT group\n"
		"                        (a flow's packets reach one worker) and its flow\n"
		"                        table; one thread merges their flows into the\n"
		"                        detectors, events and store. 1: one thread\n"
		"  --user NAME           drop to this user (and its groups) once the sockets,\n"
		"                        the EVE file and the store are open\n"
		"  --home-net CIDRS      the protected network (default %s)\n"
		"  --config FILE         settings file (repeatable; see docs/CONFIG.md)\n"
		"  --set KEY=VALUE       one configuration key (repeatable)\n"
		"  --seed N              flow hash seed (0: random)\n"
		"  --geo-db PATH, --asn-db PATH   attribution databases, as vigil read\n"
		"  --store URL           keep the run and its final attacks here (default\n"
		"                        %s; store.url, VIGIL_STORE); each run of\n"
		"                        vigil watch is a run of its own\n"
		"  --no-store            do not store\n"
		"  --intel PATH          threat intelligence for malware.c2, as vigil read\n"
		"                        (repeatable; intel.path); SIGHUP loads it again\n"
		"  -q, --quiet           no summary at exit\n"
		"  -h, --help            this help\n"
		"\n"
		"Signals: SIGTERM, SIGINT stop (exit 0); SIGHUP reopens the EVE file\n"
		"(after logrotate moved it) without losing an event, loads the\n"
		"threat intelligence again (kept as it was if a file cannot be read),\n"
		"and reads the configuration again (the same --config files, --set and\n"
		"options): home_net, detector thresholds, windows and allow-lists,\n"
		"geo.* and watch.* apply at once, without losing flows or attacks;\n"
		"table sizes, detect.*.enabled, flow.*, app.*, capture.* and store.url\n"
		"are named on stderr and wait for a restart; a file that no longer\n"
		"parses keeps the settings in use.\n"
		"Drops are never silent: the stats events carry capture.kernel_packets\n"
		"and capture.kernel_drops, a warning goes to stderr when drops grow,\n"
		"and the summary at exit counts them (with workers, each worker's too).\n"
		"\n"

		"Exit codes: 0 stopped by a signal, 1 capture, output or store error,\n"
		"2 usage or configuration error.\n",
		vg_workers_available(), VG_HOME_NET_DEFAULT, VG_STORE_URL_DEFAULT);
}

enum {
	OPT_EVE = 256,
	OPT_HOME,
	OPT_CONFIG,
	OPT_SET,
	OPT_SEED,
	OPT_GEO_DB,
	OPT_ASN_DB,
	OPT_STORE,
	OPT_NO_STORE,
	OPT_FILTER,
	OPT_PROMISC,
	OPT_BLOCK_SIZE,
	OPT_BLOCKS,
	OPT_STATS_INTERVAL,
	OPT_USER,
	OPT_INTEL,
	OPT_WORKERS,
};

/* Where the threat intelligence comes from, to load it again on SIGHUP. */
struct intel_source {
	char **paths; /* --intel, in order */
	int npaths;
	const struct vg_intel_config *cfg; /* intel.path */
	bool quiet;
	struct vg_intel *cur; /* what the detectors use now (NULL: none) */
};

static bool intel_wanted(const struct intel_source *is)
{
	return is->npaths || is->cfg->path[0];
}

/* SIGHUP: the files are read again into new tables; only when that
 * succeeds do the detectors switch to them (between two batches: no
 * packet sees half of either) and the old ones go. Open C2 contacts keep
 * their own copies of what matched. A file that cannot be read keeps the
 * intelligence loaded before. */
static void reload_intel(struct vg_ctx *ctx, struct intel_source *is)
{
	struct vg_intel *in = NULL;
	struct vg_intel_source sum;
	char err[1024];
	size_t n = 0;

	if (!intel_wanted(is))
		return;
	if (vg_cli_intel_load(&in, is->cfg, is->paths, is->npaths, "vigil watch: intel", is->quiet,
			      err, sizeof err) < 0) {
		fprintf(stderr,
			"vigil watch: warning: intel not reloaded, the loaded one stays: %s\n",
			err);
		return;
	}
	vg_detect_set_intel(ctx->det, in);
	ctx->intel = in;
	vg_intel_free(is->cur);
	is->cur = in;
	vg_intel_totals(in, &sum);
	for (int t = 0; t < VG_INTEL_NTYPES; t++)
		n += sum.loaded[t];
	fprintf(stderr, "vigil watch: intel reloaded: %zu indicators\n", n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		snprintf(err, errlen, "--user %s: no such user", user);
		return VG_ENOENT;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "--user %s: %s", user, strerror(errno));
		return VG_EIO;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		snprintf(err, errlen, "--user %s: root privileges could be regained", user);
		return VG_EIO;
	}
	return 0;
}

/* Settings option -> config key, applied after the config files. */
struct opt_key {
	const char *opt, *key, *value;
};

/* Moves the EVE file aside as PATH.YYYYmmddTHHMMSS (.N if taken) and
 * opens a new one under PATH: events written so far are in the moved file,
 * none lost (the writer flushes into the old file before it reopens). */
static int rotate_eve(struct vg_ctx *ctx, const char *path, uint64_t t, char *err, size_t errlen)
{
	char to[4200], stamp[32];
	time_t sec = (time_t)(t / 1000000000u);
	struct tm tm;
	struct stat st;

	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(to, sizeof to, "%s.%s", path, stamp);
	for (int i = 1; stat(to, &st) == 0 && i < 1000; i++)
		snprintf(to, sizeof to, "%s.%s.%d", path, stamp, i);
	if (rename(path, to) < 0) {
		snprintf(err, errlen, "%s: rotate to %s: %s", path, to, strerror(errno));
		return VG_EIO;
	}
	return ctx->wops->reopen(ctx->writer, err, errlen);
}

/* The kernel's counters (and with workers, every worker's) into ctx. */
static void refresh_stats(struct vg_ctx *ctx, struct vg_capture *cap, struct vg_live_workers *lw)
{
	if (lw)
		vg_live_workers_stats(lw);
	else
		vg_capture_stats(cap, &ctx->cap_stats);
}

static void write_stats(struct vg_ctx *ctx, struct vg_capture *cap, struct vg_live_workers *lw)
{
	struct vg_run_stats rs;

	refresh_stats(ctx, cap, lw);
	vg_ctx_run_stats(ctx, &rs);
	ctx->wops->stats(ctx->writer, &rs);
}

/* Where the settings come from, to read them again on SIGHUP. */
struct settings_source {
	char **configs, **sets;
	int nconfigs, nsets;
	const struct opt_key *keys;
	size_t nkeys;
};

/* Defaults, VIGIL_STORE, the --config files, the --set values and the
 * options that stand for keys: at start and again on SIGHUP. Says on
 * stderr what is wrong, and returns <0 then. */
static int build_settings(struct vg_settings *s, const struct settings_source *src)
{
	const char *env;
	char err[1024], **sets = calloc((size_t)src->nsets + 1, sizeof *sets);
	int rc = 0;

	vg_settings_default(s);
	if ((env = getenv("VIGIL_STORE")))
		snprintf(s->store_url, sizeof s->store_url, "%s", env);
	/* vg_settings_apply_args cuts each KEY=VALUE at its '=': copies, so
	 * that SIGHUP reads the same ones again. */
	for (int i = 0; sets && i < src->nsets; i++)
		if (!(sets[i] = strdup(src->sets[i])))
			rc = -1;
	if (!sets || rc < 0)
		fprintf(stderr, "vigil watch: out of memory\n");
	else
		rc = vg_settings_apply_args(s, "vigil watch", src->configs, src->nconfigs, sets,
					    src->nsets);
	for (int i = 0; sets && i < src->nsets; i++)
		free(sets[i]);
	free(sets);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < src->nkeys; i++)
		if (src->keys[i].value &&
		    vg_config_set(vg_settings_rows, vg_settings_nrows, s, src->keys[i].key,
				  src->keys[i].value, err, sizeof err) < 0) {
			fprintf(stderr, "vigil watch: %s: %s\n", src->keys[i].opt, err);
			return -1;
		}
	if (s->capture_block_size & (s->capture_block_size - 1)) {
		fprintf(stderr,
			"vigil watch: capture.block_size %" PRIu64 " is not a power of two\n",
			s->capture_block_size);
		return -1;
	}
	return 0;
}

/* SIGHUP: the configuration is read again; what can change while running
 * is applied between two batches (cli/reconfig.c), the rest is named and
 * kept until the next start. A file that no longer parses keeps the
 * settings in use. */
static void reload_config(struct vg_ctx *ctx, const struct settings_source *src)
{
	struct vg_settings fresh;
	unsigned applied, kept;

	if (build_settings(&fresh, src) < 0 ||
	    vg_ctx_reconfigure(ctx, &fresh, stderr, "vigil watch", &applied, &kept) < 0) {
		fprintf(stderr,
			"vigil watch: warning: config not reloaded, the one in use stays\n");
		return;
	}
	fprintf(stderr,
		"vigil watch: config reloaded: %u changes applied, %u kept until a restart\n",
		applied, kept);
}

/* The capture loop; returns <0 on a capture error (err says what). With
 * workers (lw), they capture and this thread merges their records (cli/
 * workers.c) and does the periodic work; their marks move the clocks. */
static int watch_loop(struct vg_ctx *ctx, struct vg_capture *cap, struct vg_live_workers *lw,
		      const struct settings_source *src, const char *eve, struct intel_source *is,
		      char *err, size_t errlen)
{
	const struct vg_settings *set = &ctx->set; /* SIGHUP may change it */
	bool rotating =
	    eve && strcmp(eve, "-") && (set->eve_rotate_size || set->eve_rotate_interval);
	uint64_t rotate_ns = (uint64_t)set->eve_rotate_interval * 1000000000u;
	uint64_t t = now_ns(), last_idle = t, last_flush = t, last_stats = t, last_warn = 0;
	uint64_t last_store = t, stored = 0, last_rotate = t;
	/* The idle clock stays behind the packets still in the kernel's
	 * hands: a block not yet handed over holds packets up to
	 * capture.block_timeout old, and a clock moved past them would make
	 * time go back for the flow table and the detectors. */
	uint64_t guard_ns = 2ull * set->capture_block_timeout_ms * 1000000u + IDLE_EVERY_NS;
	uint64_t drops_seen = 0, stats_ns = (uint64_t)set->stats_interval_s * 1000000000u;
	int rc = 0;

	while (!got_stop) {
		int n, batches = 0;

		if (got_hup) {
			got_hup = 0;
			if (ctx->writer && ctx->wops->reopen(ctx->writer, err, errlen) < 0)
				fprintf(stderr, "vigil watch: warning: %s\n", err);
			reload_config(ctx, src);
			reload_intel(ctx, is);
			rotating = eve && strcmp(eve, "-") &&
				   (set->eve_rotate_size || set->eve_rotate_interval);
			rotate_ns = (uint64_t)set->eve_rotate_interval * 1000000000u;
			stats_ns = (uint64_t)set->stats_interval_s * 1000000000u;
		}
		if (lw) {
			if ((rc = vg_live_workers_run(lw, WAIT_MS, err, errlen)) < 0)
				return rc;
		} else {
			rc = vg_capture_wait(cap, WAIT_MS);
			if (rc < 0) {
				snprintf(err, errlen, "%s", vg_capture_error(cap));
				return rc;
			}
			while (batches++ < BATCHES_PER_TURN &&
			       (n = vg_capture_next(cap, ctx->recs, VG_BATCH)) > 0)
				vg_ctx_process(ctx, (unsigned)n);
		}
		t = now_ns();
		if (!lw && t - last_idle >= IDLE_EVERY_NS) {
			vg_ctx_idle(ctx, t - guard_ns);
			last_idle = t;
		}
		if (t - last_flush >= FLUSH_EVERY_NS) {
			last_flush = t;
			if (ctx->writer && ctx->wops->flush(ctx->writer, err, errlen) < 0)
				return VG_EIO;
			if (rotating) {
				struct stat st;
				bool big = set->eve_rotate_size && stat(eve, &st) == 0 &&
					   (uint64_t)st.st_size >= set->eve_rotate_size;
				if (big || (rotate_ns && t - last_rotate >= rotate_ns)) {
					last_rotate = t;
					if (rotate_eve(ctx, eve, t, err, errlen) < 0)
						fprintf(stderr, "vigil watch: warning: %s\n", err);
				}
			}
			refresh_stats(ctx, cap, lw);
			if (ctx->cap_stats.kernel_drops > drops_seen &&
			    t - last_warn >= DROP_WARN_NS) {
				fprintf(stderr,
					"vigil watch: warning: the kernel dropped %" PRIu64
					" packets (%" PRIu64 " in all): the ring is too small or "
					"the sensor too slow (capture.blocks, capture.block_size)",
					ctx->cap_stats.kernel_drops - drops_seen,
					ctx->cap_stats.kernel_drops);
				for (unsigned i = 0; lw && i < ctx->workers; i++)
					fprintf(stderr, "%s worker %u: %" PRIu64, i ? "," : ";", i,
						ctx->wstats[i].kernel_drops);
				fputc('\n', stderr);
				drops_seen = ctx->cap_stats.kernel_drops;
				last_warn = t;
			}
		}
		/* The store's lag: attacks become visible to `vigil report`
		 * within STORE_EVERY_NS. A failed commit stops storing, as a
		 * failed write does; the run goes on and exits 1. */
		if (ctx->store && ctx->store_rc == 0 && t - last_store >= STORE_EVERY_NS &&
		    ctx->stored_new + ctx->stored_dup != stored) {
			last_store = t;
			stored = ctx->stored_new + ctx->stored_dup;
			ctx->store_rc =
			    vg_store_flush(ctx->store, ctx->store_err, sizeof ctx->store_err);
			if (ctx->store_rc == 0) {
				ctx->store_committed = stored;
				ctx->store_commit_ns = t;
			}
			if (ctx->store_rc < 0)
				fprintf(stderr, "vigil watch: store: %s (storing stopped)\n",
					ctx->store_err);
		}
		if (stats_ns && ctx->writer && t - last_stats >= stats_ns) {
			last_stats = t;
			write_stats(ctx, cap, lw);
		}
	}
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"filter", required_argument, NULL, OPT_FILTER},
	    {"promisc", no_argument, NULL, OPT_PROMISC},
	    {"block-size", required_argument, NULL, OPT_BLOCK_SIZE},
	    {"blocks", required_argument, NULL, OPT_BLOCKS},
	    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
	    {"user", required_argument, NULL, OPT_USER},
	    {"eve", required_argument, NULL, OPT_EVE},
	    {"home-net", required_argument, NULL, OPT_HOME},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"set", required_argument, NULL, OPT_SET},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"geo-db", required_argument, NULL, OPT_GEO_DB},
	    {"asn-db", required_argument, NULL, OPT_ASN_DB},
	    {"store", required_argument, NULL, OPT_STORE},
	    {"no-store", no_argument, NULL, OPT_NO_STORE},
	    {"intel", required_argument, NULL, OPT_INTEL},
	    {"workers", required_argument, NULL, OPT_WORKERS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct opt_key keys[] = {
	    {"--home-net", "home_net", NULL},
	    {"--seed", "flow.hash_seed", NULL},
	    {"--geo-db", "geo.country_db", NULL},
	    {"--asn-db", "geo.asn_db", NULL},
	    {"--block-size", "capture.block_size", NULL},
	    {"--blocks", "capture.blocks", NULL},
	    {"--stats-interval", "watch.stats_interval", NULL},
	    {"--promisc", "capture.promisc", NULL},
	};
	struct vg_settings set;
	struct vg_live_config lc = {0};
	const char *eve = NULL, *store_url = NULL, *user = NULL;
	struct vg_store_runner sr = {0};
	char **sets = calloc((size_t)argc, sizeof *sets);
	char **configs = calloc((size_t)argc, sizeof *configs);
	char **intels = calloc((size_t)argc, sizeof *intels);
	struct intel_source is = {.paths = intels};
	struct settings_source src = {0};
	int nsets = 0, nconfigs = 0, c, rc = VG_EXIT_OK;
	bool quiet = false;
	char err[1024], live_name[300];
	struct vg_ctx *ctx = NULL;
	struct vg_capture *cap = NULL;
	struct vg_live_workers *lw = NULL;
	unsigned workers = vg_workers_available();
	struct sigaction sa;
	FILE *summary;

	if (!sets || !configs || !intels) {
		fprintf(stderr, "vigil watch: out of memory\n");
		free(sets);
		free(configs);
		free(intels);
		return VG_EXIT_RUNTIME;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': lc.ifaces = optarg; break;
		case OPT_FILTER: lc.filter = optarg; break;
		case OPT_PROMISC: keys[7].value = "1"; break;
		case OPT_BLOCK_SIZE: keys[4].value = optarg; break;
		case OPT_BLOCKS: keys[5].value = optarg; break;
		case OPT_STATS_INTERVAL: keys[6].value = optarg; break;
		case OPT_USER: user = optarg; break;
		case OPT_EVE: eve = optarg; break;
		case OPT_HOME: keys[0].value = optarg; break;
		case OPT_CONFIG: configs[nconfigs++] = optarg; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case OPT_SEED: keys[1].value = optarg; break;
		case OPT_GEO_DB: keys[2].value = optarg; break;
		case OPT_ASN_DB: keys[3].value = optarg; break;
		case OPT_STORE: store_url = optarg; break;
		case OPT_NO_STORE: store_url = ""; break;
		case OPT_INTEL: intels[is.npaths++] = optarg; break;
		case OPT_WORKERS: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 64 || optarg[0] == '-') {
				fprintf(stderr,
					"vigil watch: --workers '%s': a number from 1 to 64\n",
					optarg);
				rc = VG_EXIT_USAGE;
				goto out;
			}
			workers = (unsigned)v;
			break;
		}
		case 'q': quiet = true; break;
		case 'h': usage(stdout); goto out;
		default:
			fprintf(stderr, "Try 'vigil watch --help'.\n");
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vigil watch: unexpected argument '%s' (files: vigil read)\n",
			argv[optind]);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (!lc.ifaces) {
		fprintf(stderr, "vigil watch: no interface given (-i IFACE)\n"
				"Try 'vigil watch --help'.\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}

	src.configs = configs;
	src.nconfigs = nconfigs;
	src.sets = sets;
	src.nsets = nsets;
	src.keys = keys;
	src.nkeys = VG_ARRAY_LEN(keys);
	if (build_settings(&set, &src) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (vg_ctx_new(&ctx, &set, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = strncmp(err, "home_net", 8) == 0 || strncmp(err, "flow table", 10) == 0
			 ? VG_EXIT_USAGE
			 : VG_EXIT_RUNTIME;
		goto out;
	}
	is.cfg = &ctx->set.intel; /* intel.path may change on SIGHUP */
	is.quiet = quiet;
	if (intel_wanted(&is)) {
		if (vg_cli_intel_load(&is.cur, &set.intel, intels, is.npaths, "vigil watch: intel",
				      quiet, err, sizeof err) < 0) {
			fprintf(stderr, "vigil watch: intel: %s\n", err);
			rc = VG_EXIT_RUNTIME;
			goto out;
		}
		ctx->intel = is.cur;
		vg_detect_set_intel(ctx->det, is.cur);
	}
	lc.block_size = (uint32_t)set.capture_block_size;
	lc.blocks = set.capture_blocks;
	lc.block_timeout_ms = set.capture_block_timeout_ms;
	lc.promisc = (int)set.capture_promisc;
	if (workers > 1 ? vg_live_workers_open(&lw, ctx, workers, &lc, err, sizeof err) < 0
			: vg_capture_open_live(&cap, &lc, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = strncmp(err, "--filter", 8) == 0 ? VG_EXIT_USAGE : VG_EXIT_RUNTIME;
		goto out;
	}
	if (eve && vg_ctx_open_eve(ctx, eve, true, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	if (store_url)
		snprintf(set.store_url, sizeof set.store_url, "%s", store_url);
	if (set.store_url[0] && strcmp(set.store_url, "none")) {
		snprintf(live_name, sizeof live_name, "live:%s", lc.ifaces);
		if (vg_store_run_start_live(&sr, set.store_url, live_name, err, sizeof err) < 0) {
			fprintf(stderr, "vigil watch: store: %s\n", err);
			rc = VG_EXIT_RUNTIME;
			goto out;
		}
		ctx->store = sr.store;
	}
	if (user && drop_privileges(user, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctx->live = true;
	ctx->started_ns = now_ns();
	ctx->store_commit_ns = ctx->started_ns; /* the store's lag counts from here */
	if (lw && vg_live_workers_start(lw, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		got_stop = SIGTERM; /* the started ones end at once */
	}
	if (lw)
		fprintf(stderr, "vigil watch: capturing on %s with %u workers\n", lc.ifaces,
			workers);
	else
		fprintf(stderr, "vigil watch: capturing on %s\n", lc.ifaces);

	if (watch_loop(ctx, cap, lw, &src, eve, &is, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (lw) {
		/* The workers end their flows; all is merged. */
		if (vg_live_workers_stop(lw, err, sizeof err) < 0 && rc == VG_EXIT_OK) {
			fprintf(stderr, "vigil watch: %s\n", err);
			rc = VG_EXIT_RUNTIME;
		}
	} else {
		/* The last packets in the ring, then the end of every flow. */
		int n;
		while ((n = vg_capture_next(cap, ctx->recs, VG_BATCH)) > 0)
			vg_ctx_process(ctx, (unsigned)n);
		vg_capture_stats(cap, &ctx->cap_stats);
	}
	if (vg_ctx_finish(ctx, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (sr.store) {
		sr.caps[0].packets = ctx->dec.packets;
		if (vg_store_run_finish(&sr, ctx, err, sizeof err) < 0) {
			fprintf(stderr, "vigil watch: store: %s\n", err);
			rc = VG_EXIT_RUNTIME;
		}
	}
	summary = eve && !strcmp(eve, "-") ? stderr : stdout;
	if (!quiet)
		vg_ctx_print_summary(ctx, summary);
	if (!quiet && is.cur)
		vg_cli_intel_summary(is.cur, summary);
	if (!quiet && sr.store)
		vg_store_run_print(ctx, set.store_url, summary);
	if (fflush(stdout) != 0) {
		perror("vigil watch: stdout");
		rc = VG_EXIT_RUNTIME;
	}
out:
	if (sr.store && vg_store_close(sr.store, err, sizeof err) < 0) {
		fprintf(stderr, "vigil watch: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (ctx) {
		ctx->store = NULL;
		ctx->intel = NULL;
	}
	vg_store_run_free(&sr);
	vg_capture_free(cap);
	vg_live_workers_free(lw);
	vg_ctx_free(ctx);
	vg_intel_free(is.cur);
	free(sets);
	free(configs);
	free(intels);
	return rc;
}

const struct vg_command vg_cmd_watch = {
    .name = "watch",
    .summary = "capture on network interfaces: the live sensor (flows, attacks, store)",
    .run = run,
};
