/*
 * import.c - `vigil import FILE...`: Suricata EVE JSON alerts into the
 * store, attributed, so that existing Suricata sensors feed the same
 * statistics as vigil's own detectors.
 *
 * One attack per (attacker, victim, signature) run of alerts, as vigil
 * counts attacks (never one per packet): an alert more than IDLE_S seconds
 * after the previous one of the same triple starts a new attack. The kind
 * comes from the alert's category (vg_eve_alert_kind: malware.c2,
 * exploit.alert, scan.alert, flood.alert, else alert), attempts are the
 * alerts, the evidence names the signature. Attribution (country, ASN,
 * confidence) is the same stage `vigil read` uses; an alert does not say
 * whether its source completed a handshake, so non-bogon sources are
 * `unverified`. Runs are keyed by the files' content hashes: importing
 * the same files again adds nothing.
 *
 * Memory: at most GROUPS open runs in the detectors' bounded table
 * (detect/table.c: 8-slot lines; a full line gives up its least recently
 * active run, reported first through the evict callback). Input: one JSON object a
 * line; other event types are skipped, bad lines reported with file and
 * line number and skipped (exit 1 at the end, everything else kept).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/storerun.h"
#include "common/cidr.h"
#include "common/vg.h"
#include "detect/table.h"
#include "event/eve_alert.h"

#define NS_PER_S   1000000000ull
#define IDLE_S     600 /* as detect.brute.idle: a pause this long ends a run */
#define GROUPS     65536
#define WARN_LINES 5

struct group_key {
	struct vg_addr src, dst;
	uint64_t sid_family; /* signature id << 8 | address family */
};

struct group {
	struct group_key key; /* first: the table's key */
	uint8_t family, proto, severity, n_ports;
	uint32_t gid, sid, rev, ports_more;
	struct vg_addr src, dst;
	uint64_t first_ns, last_ns, alerts;
	uint16_t ports[VG_ATTACK_LIST_MAX];
	char signature[96], category[64];
};

struct importer {
	struct vg_ctx *ctx;
	struct vg_dtable t; /* open runs by (attacker, victim, signature) */
	uint64_t next_id, lines, alerts, other, bad, first_ns, last_ns;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil import [OPTIONS] FILE...\n\n"
		"Reads Suricata EVE JSON files (one event a line; '-' is standard input) and\n"
		"stores their alerts as attacks, attributed like vigil's own: one attack per\n"
		"attacker, victim and signature, until %u s without an alert of it. Kinds\n"
		"from the alert's category: malware.c2, exploit.alert, scan.alert,\n"
		"flood.alert, else alert. Other event types are skipped. Importing the\n"
		"same files again adds nothing.\n\n"
		"Options:\n"
		"  --store URL       where to store (default %s; VIGIL_STORE too)\n"
		"  --home-net CIDRS  the protected network (direction of each attack)\n"
		"  --geo-db PATH     country database (.mmdb)\n"
		"  --asn-db PATH     ASN database (vigil's range file or .mmdb)\n"
		"  -q, --quiet       no summary\n"
		"  -h, --help        this help\n\n"
		"Exit codes: 0 success, 1 a file could not be read or held bad lines (the\n"
		"rest is imported), 2 usage error.\n",
		IDLE_S, VG_STORE_URL_DEFAULT);
}

/* The run as an attack, through the context (attribution, store). */
static void flush(struct importer *im, struct group *g)
{
	struct vg_attack a;
	bool dst_home = vg_cidr_match(&im->ctx->home, &g->dst, g->family),
	     src_home = vg_cidr_match(&im->ctx->home, &g->src, g->family);

	memset(&a, 0, sizeof a);
	a.id = ++im->next_id;
	a.kind = vg_eve_alert_kind(g->category);
	a.src = g->src;
	a.dst = g->dst;
	a.family = g->family;
	a.proto = g->proto;
	a.direction = dst_home ? "inbound" : src_home ? "outbound" : "transit";
	a.severity = g->severity < 1 ? 1 : g->severity > 3 ? 3 : g->severity;
	a.final = true;
	a.start_ns = g->first_ns;
	a.end_ns = g->last_ns;
	a.packets = g->alerts;
	a.attempts = g->alerts;
	a.victims = 1;
	a.n_victim_ips = 1;
	a.victim_ips[0] = g->dst;
	a.ports = g->n_ports + g->ports_more;
	a.n_ports = g->n_ports;
	memcpy(a.port_list, g->ports, sizeof g->ports);
	snprintf(a.evidence, sizeof a.evidence, "%" PRIu64 " Suricata alert%s [%u:%u:%u] %s (%s)",
		 g->alerts, g->alerts == 1 ? "" : "s", g->gid, g->sid, g->rev, g->signature,
		 g->category[0] ? g->category : "no category");
	vg_ctx_attack(im->ctx, &a);
	vg_dtable_remove(&im->t, g);
}

/* A run losing its slot to a new one is reported first. */
static void evict(void *owner, void *rec)
{
	flush(owner, rec);
}

static void add(struct importer *im, const struct vg_eve_alert *al)
{
	struct group_key k = {al->src, al->dst, (uint64_t)al->sid << 8 | al->family};
	struct group *g = vg_dtable_find(&im->t, &k, false, al->ts_ns);

	if (g && al->ts_ns > g->last_ns && al->ts_ns - g->last_ns > IDLE_S * NS_PER_S) {
		flush(im, g); /* a pause: what came before was one attack */
		g = NULL;
	}
	if (!g) {
		g = vg_dtable_find(&im->t, &k, true, al->ts_ns);
		vg_dtable_set_busy(&im->t, g, true); /* reported before its slot is reused */
		g->family = al->family;
		g->proto = al->proto;
		g->src = al->src;
		g->dst = al->dst;
		g->gid = al->gid;
		g->sid = al->sid;
		g->rev = al->rev;
		g->severity = al->severity;
		g->first_ns = g->last_ns = al->ts_ns;
		memcpy(g->signature, al->signature, sizeof g->signature);
		memcpy(g->category, al->category, sizeof g->category);
	}
	vg_dtable_touch(&im->t, g, al->ts_ns);
	g->alerts++;
	if (al->ts_ns < g->first_ns)
		g->first_ns = al->ts_ns;
	if (al->ts_ns > g->last_ns)
		g->last_ns = al->ts_ns;
	if (al->severity < g->severity)
		g->severity = al->severity;
	if (al->dport) {
		unsigned i = 0;
		while (i < g->n_ports && g->ports[i] != al->dport)
			i++;
		if (i == g->n_ports) {
			if (g->n_ports < VG_ATTACK_LIST_MAX)
				g->ports[g->n_ports++] = al->dport;
			else
				g->ports_more++; /* may count a port twice past the list */
		}
	}
}

/* Reads one file; <0 if it could not be read (what was read is kept). */
static int import_file(struct importer *im, const char *path)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0, bad_here = 0;
	int rc = 0;

	if (!fp) {
		fprintf(stderr, "vigil import: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		struct vg_eve_alert al;
		int r;

		lineno++;
		im->lines++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		r = vg_eve_alert_parse(line, (size_t)n, &al);
		if (r == VG_EVE_BAD) {
			im->bad++;
			if (++bad_here <= WARN_LINES)
				fprintf(stderr, "vigil import: %s: line %" PRIu64 ": %s\n", path,
					lineno, al.why);
			continue;
		}
		if (r == VG_EVE_NOT_ALERT) {
			im->other++;
			continue;
		}
		im->alerts++;
		if (!im->first_ns || al.ts_ns < im->first_ns)
			im->first_ns = al.ts_ns;
		if (al.ts_ns > im->last_ns)
			im->last_ns = al.ts_ns;
		add(im, &al);
	}
	if (ferror(fp)) {
		fprintf(stderr, "vigil import: %s: read error after line %" PRIu64 ": %s\n", path,
			lineno, strerror(errno));
		rc = -1;
	}
	if (bad_here > WARN_LINES)
		fprintf(stderr, "vigil import: %s: %" PRIu64 " bad lines in all\n", path, bad_here);
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

enum { OPT_HOME = 256, OPT_GEO_DB, OPT_ASN_DB, OPT_STORE };

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"home-net", required_argument, NULL, OPT_HOME},
	    {"geo-db", required_argument, NULL, OPT_GEO_DB},
	    {"asn-db", required_argument, NULL, OPT_ASN_DB},
	    {"store", required_argument, NULL, OPT_STORE},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct vg_settings set;
	struct importer im = {0};
	struct vg_store_runner sr = {0};
	const char *store_url = NULL, *env;
	const struct {
		int opt;
		const char *key, *name;
	} keys[] = {{OPT_HOME, "home_net", "--home-net"},
		    {OPT_GEO_DB, "geo.country_db", "--geo-db"},
		    {OPT_ASN_DB, "geo.asn_db", "--asn-db"}};
	char err[1024];
	bool quiet = false;
	int c, rc = VG_EXIT_OK;

	vg_settings_default(&set);
	if ((env = getenv("VIGIL_STORE")))
		snprintf(set.store_url, sizeof set.store_url, "%s", env);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		size_t k = 0;
		switch (c) {
		case OPT_STORE: store_url = optarg; continue;
		case 'q': quiet = true; continue;
		case 'h': usage(stdout); return VG_EXIT_OK;
		case OPT_HOME:
		case OPT_GEO_DB:
		case OPT_ASN_DB:
			while (keys[k].opt != c)
				k++;
			if (vg_config_set(vg_settings_rows, vg_settings_nrows, &set, keys[k].key,
					  optarg, err, sizeof err) < 0) {
				fprintf(stderr, "vigil import: %s: %s\n", keys[k].name, err);
				return VG_EXIT_USAGE;
			}
			continue;
		default: fprintf(stderr, "Try 'vigil import --help'.\n"); return VG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vigil import: no file given\nTry 'vigil import --help'.\n");
		return VG_EXIT_USAGE;
	}
	if (store_url)
		snprintf(set.store_url, sizeof set.store_url, "%s", store_url);
	if (!set.store_url[0] || !strcmp(set.store_url, "none")) {
		fprintf(stderr, "vigil import: no store (--store URL): importing needs one\n");
		return VG_EXIT_USAGE;
	}
	if (vg_dtable_init(&im.t, GROUPS, sizeof(struct group), sizeof(struct group_key),
			   0x696d706f7274ull, evict, &im) < 0) {
		fprintf(stderr, "vigil import: out of memory\n");
		return VG_EXIT_RUNTIME;
	}
	if (vg_ctx_new(&im.ctx, &set, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "vigil import: %s\n", err);
		vg_dtable_fini(&im.t);
		return VG_EXIT_RUNTIME;
	}
	if (vg_store_run_start(&sr, set.store_url, argv + optind, argc - optind, err, sizeof err) <
	    0) {
		fprintf(stderr, "vigil import: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	im.ctx->store = sr.store;
	for (int i = optind; i < argc; i++) {
		uint64_t before = im.lines;
		if (import_file(&im, argv[i]) < 0)
			rc = VG_EXIT_RUNTIME;
		sr.caps[i - optind].packets = im.lines - before; /* lines, for an EVE file */
	}
	for (uint32_t i = 0; i < im.t.cap; i++)
		if (vg_dtable_used(&im.t, i))
			flush(&im, vg_dtable_at(&im.t, i));
	if (im.bad)
		rc = VG_EXIT_RUNTIME;
	im.ctx->dec.packets = im.lines; /* the run record: lines read, alert time span */
	im.ctx->first_ns = im.first_ns;
	im.ctx->last_ns = im.last_ns;
	if (vg_store_run_finish(&sr, im.ctx, err, sizeof err) < 0) {
		fprintf(stderr, "vigil import: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (!quiet) {
		printf("files: %d\nlines: %" PRIu64 "\nalerts: %" PRIu64 "\nother_events: %" PRIu64
		       "\nbad_lines: %" PRIu64 "\nattacks: %" PRIu64 "\n",
		       argc - optind, im.lines, im.alerts, im.other, im.bad, im.ctx->attacks.total);
		for (unsigned k = 0; k < im.ctx->attacks.n; k++)
			printf("  attack.%s: %" PRIu64 "\n", im.ctx->attacks.kind[k],
			       im.ctx->attacks.count[k]);
		vg_store_run_print(im.ctx, set.store_url, stdout);
	}
out:
	if (sr.store && vg_store_close(sr.store, err, sizeof err) < 0) {
		fprintf(stderr, "vigil import: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	im.ctx->store = NULL;
	vg_store_run_free(&sr);
	vg_ctx_free(im.ctx);
	vg_dtable_fini(&im.t);
	return rc;
}

const struct vg_command vg_cmd_import = {
    .name = "import",
    .summary = "store the alerts of Suricata EVE JSON files as attacks",
    .run = run,
};
