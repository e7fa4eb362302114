/*
 * geo.c - `vigil geo`: what vigil knows of addresses (country, ASN,
 * organisation, bogon class, the databases and their dates), a batch mode
 * for oracle tests and scripts, and the compiler of the ASN range file.
 *
 * Uses the attrib stage exactly as `vigil read` does (same settings, same
 * cache), so what it prints is what attack events would carry.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/asn.h"
#include "attrib/attrib.h"
#include "attrib/bogon.h"
#include "cli/cli.h"
#include "cli/settings.h"
#include "common/vg.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil geo [OPTIONS] ADDRESS...\n"
		"       vigil geo --batch [OPTIONS] < ADDRESSES\n"
		"       vigil geo --compile-asn OUT [--source TEXT] [--date YYYY-MM-DD] CSV...\n"
		"\n"
		"Prints what vigil knows of each IPv4 or IPv6 address: country (ISO 3166\n"
		"code), autonomous system number and organisation, and whether it is a\n"
		"bogon (private, reserved, documentation, multicast...: a source that cannot\n"
		"be real from outside); then the databases used, with their dates, and the\n"
		"credit their licences ask for. Attack events carry the same answers\n"
		"(src_geo, dest_geo, attribution: docs/EVENTS.md).\n"
		"\n"
		"Options:\n"
		"  --geo-db PATH       country database, any .mmdb country or city database\n"
		"                      (default %s, DB-IP Country Lite\n"
		"                      fetched by `make deps`; '' for none)\n"
		"  --asn-db PATH       ASN database: a range file made by --compile-asn, or a\n"
		"                      GeoLite2-ASN .mmdb (default %s; '' for none)\n"
		"  --config FILE       read settings from FILE (geo.* keys, docs/CONFIG.md)\n"
		"  --set KEY=VALUE     set one configuration key (repeatable)\n"
		"  --batch             read addresses from stdin, one a line, and print one\n"
		"                      tab-separated line each: address, country, asn, org\n"
		"                      ('-' when unknown)\n"
		"  --compile-asn OUT   compile CSV ranges (start_ip,end_ip,asn,org: the\n"
		"                      npm package @ip-location-db/asn) into the range file\n"
		"                      OUT; --source and --date are recorded in it\n"
		"  -h, --help          this help\n"
		"\n"
		"Relative database paths not found from the working directory are tried\n"
		"from the directory above vigil's executable (the repository root of a build).\n"
		"\n"
		"Exit codes: 0 success, 1 a database is missing or unusable (what can be\n"
		"answered is still printed), a batch line is not an address, or a CSV is\n"
		"bad (the error names file and line), 2 usage error (bad option, an\n"
		"ADDRESS that is not an IP address).\n",
		VG_GEO_COUNTRY_DB_DEFAULT, VG_GEO_ASN_DB_DEFAULT);
}

enum {
	OPT_GEO_DB = 256,
	OPT_ASN_DB,
	OPT_CONFIG,
	OPT_SET,
	OPT_BATCH,
	OPT_COMPILE,
	OPT_SOURCE,
	OPT_DATE
};

static int parse_addr(const char *text, struct vg_addr *a, int *family)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, text, a->b) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->b) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

static void print_one(struct vg_attrib *at, const char *text, const struct vg_addr *a, int fam)
{
	const struct vg_geo *g = vg_attrib_lookup(at, a, fam);
	const char *bogon = vg_bogon_reason(a, fam);

	printf("address: %s\n", text);
	printf("country: %s\n", g && g->country[0] ? g->country : "unknown");
	if (g && g->asn)
		printf("asn: %u\n", g->asn);
	else
		printf("asn: unknown\n");
	printf("as_org: %s\n", g && g->as_org[0] ? g->as_org : "unknown");
	if (bogon)
		printf("class: bogon: %s; as the source of an attack from outside it cannot be "
		       "real\n",
		       bogon);
	else
		printf("class: public; an attack from it is verified after a TCP handshake, "
		       "unverified otherwise\n");
}

static int batch(struct vg_attrib *at)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = VG_EXIT_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct vg_addr a;
		const struct vg_geo *g;
		int fam;

		lineno++;
		while (len &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (!len)
			continue;
		if (parse_addr(line, &a, &fam) < 0) {
			fprintf(stderr, "vigil geo: stdin:%lu: \"%s\" is not an IP address\n",
				lineno, line);
			rc = VG_EXIT_RUNTIME;
			continue;
		}
		g = vg_attrib_lookup(at, &a, fam);
		if (g && g->asn)
			printf("%s\t%s\t%u\t%s\n", line, g->country[0] ? g->country : "-", g->asn,
			       g->as_org[0] ? g->as_org : "-");
		else
			printf("%s\t%s\t-\t-\n", line, g && g->country[0] ? g->country : "-");
	}
	free(line);
	return rc;
}

static int compile(const char *out, char **csv, int ncsv, const char *source, const char *date)
{
	char err[1024];
	struct vg_asn_report rep;

	if (ncsv < 1) {
		fprintf(stderr,
			"vigil geo: --compile-asn needs CSV files\nTry 'vigil geo --help'.\n");
		return VG_EXIT_USAGE;
	}
	if (vg_asn_compile(out, (const char *const *)csv, (size_t)ncsv, source, date, &rep, err,
			   sizeof err) < 0) {
		fprintf(stderr, "vigil geo: %s\n", err);
		return VG_EXIT_RUNTIME;
	}
	if (rep.clipped)
		fprintf(stderr, "vigil geo: note: %zu overlapping range%s resolved; first: %s\n",
			rep.clipped, rep.clipped == 1 ? "" : "s", rep.first_clip);
	printf("%s: %zu IPv4 and %zu IPv6 ranges, %zu organisations\n", out, rep.n4, rep.n6,
	       rep.names);
	return VG_EXIT_OK;
}

static int apply(struct vg_settings *set, const char *key, const char *value, const char *what)
{
	char err[1024];

	if (vg_config_set(vg_settings_rows, vg_settings_nrows, set, key, value, err, sizeof err) <
	    0) {
		fprintf(stderr, "vigil geo: %s %s\n", what, err);
		return -1;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"geo-db", required_argument, NULL, OPT_GEO_DB},
	    {"asn-db", required_argument, NULL, OPT_ASN_DB},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"set", required_argument, NULL, OPT_SET},
	    {"batch", no_argument, NULL, OPT_BATCH},
	    {"compile-asn", required_argument, NULL, OPT_COMPILE},
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"date", required_argument, NULL, OPT_DATE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct vg_settings set;
	struct vg_attrib *at = NULL;
	const char *geo_db = NULL, *asn_db = NULL, *compile_out = NULL, *source = "", *date = "";
	char **sets = calloc((size_t)argc, sizeof *sets);
	char **configs = calloc((size_t)argc, sizeof *configs);
	int nsets = 0, nconfigs = 0, c, rc = VG_EXIT_OK;
	bool do_batch = false;
	char err[1024], base[1024];

	if (!sets || !configs) {
		fprintf(stderr, "vigil geo: out of memory\n");
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_GEO_DB: geo_db = optarg; break;
		case OPT_ASN_DB: asn_db = optarg; break;
		case OPT_CONFIG: configs[nconfigs++] = optarg; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case OPT_BATCH: do_batch = true; break;
		case OPT_COMPILE: compile_out = optarg; break;
		case OPT_SOURCE: source = optarg; break;
		case OPT_DATE: date = optarg; break;
		case 'h': usage(stdout); goto out;
		default:
			fprintf(stderr, "Try 'vigil geo --help'.\n");
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	if (compile_out) {
		rc = compile(compile_out, argv + optind, argc - optind, source, date);
		goto out;
	}
	if (!do_batch && optind >= argc) {
		fprintf(stderr, "vigil geo: no address given\nTry 'vigil geo --help'.\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (do_batch && optind < argc) {
		fprintf(stderr, "vigil geo: --batch reads addresses from stdin, not arguments\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct vg_addr a;
		int fam;
		if (parse_addr(argv[i], &a, &fam) < 0) {
			fprintf(stderr, "vigil geo: \"%s\" is not an IPv4 or IPv6 address\n",
				argv[i]);
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	vg_settings_default(&set);
	for (int i = 0; i < nconfigs; i++) {
		if (vg_config_load(vg_settings_rows, vg_settings_nrows, &set, configs[i], err,
				   sizeof err) < 0) {
			fprintf(stderr, "vigil geo: config: %s\n", err);
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	for (int i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');
		if (!eq) {
			fprintf(stderr, "vigil geo: --set %s: expected KEY=VALUE\n", sets[i]);
			rc = VG_EXIT_USAGE;
			goto out;
		}
		*eq = '\0';
		if (apply(&set, sets[i], eq + 1, "--set") < 0) {
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	if ((geo_db && apply(&set, "geo.country_db", geo_db, "--geo-db:") < 0) ||
	    (asn_db && apply(&set, "geo.asn_db", asn_db, "--asn-db:") < 0)) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (vg_attrib_new(&at, &set.attrib, vg_attrib_exe_base_dir(base, sizeof base), 1) < 0) {
		fprintf(stderr, "vigil geo: out of memory\n");
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	if (vg_attrib_load(at, err, sizeof err) > 0) {
		fprintf(stderr, "vigil geo: warning: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (do_batch) {
		int brc = batch(at);
		if (brc != VG_EXIT_OK)
			rc = brc;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct vg_addr a;
		int fam = 4;
		parse_addr(argv[i], &a, &fam); /* checked above */
		print_one(at, argv[i], &a, fam);
		printf("\n");
	}
	if (!vg_attrib_has_geo(at))
		printf("no geo database loaded: `make deps` fetches them\n");
	vg_attrib_describe(at, stdout, "");
out:
	if (fflush(stdout) != 0) {
		perror("vigil geo: stdout");
		rc = VG_EXIT_RUNTIME;
	}
	vg_attrib_free(at);
	free(sets);
	free(configs);
	return rc;
}

const struct vg_command vg_cmd_geo = {
    .name = "geo",
    .summary = "country, network and bogon class of addresses; compile the ASN data",
    .run = run,
};
