/*
 * report.c - `vigil report [OPTIONS]`: the year in review, or cross tables,
 * from the store `vigil read` filled (src/report builds and formats them).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/vg.h"
#include "report/report.h"
#include "store/store.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil report [OPTIONS]\n"
		"\n"
		"Reports on the attacks `vigil read` stored. Without --by: the year in review,\n"
		"as a national CERT's annual report: attacks, distinct attackers and targeted\n"
		"terminals; shares by origin country (all, and verified sources only), by kind,\n"
		"confidence, direction and month; the most targeted terminals, ports and\n"
		"services; the attacking autonomous systems; notable attacks (successful\n"
		"brute force); the runs and geo databases behind it. With --by: one table.\n"
		"With --c2: the command-and-control report (C&C servers by country, the home\n"
		"terminals they controlled, malware families, terminals ranked, by month).\n"
		"\n"
		"One attack is one final attack event (one attacker, one kind, a victim or a\n"
		"victim set, one time window). Origin is the attacker's country in the run's\n"
		"geo database; confidence says whether the address can be trusted: verified\n"
		"(TCP handshake), unverified (may be forged), bogon, reflector.\n"
		"Shares have one decimal and add up to exactly 100.0 (largest remainder);\n"
		"rows cut by --top are summed in an 'other' row.\n"
		"\n"
		"Options:\n"
		"  --by DIM            group by DIM; repeat for a cross table (at most 3):\n"
		"                      country, asn, kind, target, port, service, attacker,\n"
		"                      day, month, year, confidence, tool (the scanner,\n"
		"                      brute-forcer or malware family the traffic names),\n"
		"                      direction\n"
		"  --c2                the command-and-control report: malware.* attacks\n"
		"                      (the attacker is the C&C server, the target the home\n"
		"                      terminal); --kind malware.c2 keeps intel matches only\n"
		"  --top N             rows per table (default 10; 0 all; --by a time\n"
		"                      dimension first: all rows in time order unless given)\n"
		"  --since DATE        attacks that started on or after DATE (YYYY-MM-DD, UTC)\n"
		"  --until DATE        ... on or before DATE (inclusive)\n"
		"  --kind KIND         one kind (scan.port) or a family (scan, bruteforce, flood)\n"
		"  --country CC        attacker's country (ISO 3166-1 alpha-2; ?? unknown)\n"
		"  --target IP         attacks whose first victim is IP\n"
		"  --confidence C      verified, unverified, bogon or reflector\n"
		"  --direction D       inbound (from outside to the home network), outbound\n"
		"                      (a home terminal's own traffic: its scans and floods\n"
		"                      out, and malware.* and exfil.*, whose attacker is the\n"
		"                      outside end) or transit\n"
		"  --format F          table (default), json or csv\n"
		"  --store URL         the store (default %s; VIGIL_STORE)\n"
		"  -h, --help          this help\n"
		"\n"
		"Geo data: IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0.\n"
		"\n"
		"Exit codes: 0 success, 1 the store could not be read (missing, corrupt,\n"
		"locked, newer schema), 2 usage error.\n",
		VG_STORE_URL_DEFAULT);
}

enum {
	OPT_BY = 256,
	OPT_TOP,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_KIND,
	OPT_COUNTRY,
	OPT_TARGET,
	OPT_CONF,
	OPT_DIR,
	OPT_FORMAT,
	OPT_STORE,
	OPT_C2
};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] == '-')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"by", required_argument, NULL, OPT_BY},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"until", required_argument, NULL, OPT_UNTIL},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"country", required_argument, NULL, OPT_COUNTRY},
	    {"target", required_argument, NULL, OPT_TARGET},
	    {"confidence", required_argument, NULL, OPT_CONF},
	    {"direction", required_argument, NULL, OPT_DIR},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"store", required_argument, NULL, OPT_STORE},
	    {"c2", no_argument, NULL, OPT_C2},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum vg_dim dims[VG_QUERY_DIMS_MAX];
	unsigned ndims = 0;
	uint64_t top = 10;
	bool top_given = false, c2 = false;
	struct vg_filter f = {0};
	enum vg_report_format fmt = VG_REPORT_TABLE;
	const char *url = getenv("VIGIL_STORE");
	struct vg_store *s = NULL;
	struct vg_report r = {0};
	char err[1024];
	int c, d, rc = VG_EXIT_OK;

	if (!url || !url[0] || !strcmp(url, "none"))
		url = VG_STORE_URL_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_BY:
			if ((d = vg_dim_parse(optarg)) < 0) {
				fprintf(stderr, "vigil report: --by %s: unknown dimension\n",
					optarg);
				return VG_EXIT_USAGE;
			}
			if (ndims == VG_QUERY_DIMS_MAX) {
				fprintf(stderr, "vigil report: at most %d --by\n",
					VG_QUERY_DIMS_MAX);
				return VG_EXIT_USAGE;
			}
			dims[ndims++] = (enum vg_dim)d;
			break;
		case OPT_TOP:
			if (parse_u64(optarg, &top) < 0) {
				fprintf(stderr, "vigil report: --top %s: not a number\n", optarg);
				return VG_EXIT_USAGE;
			}
			top_given = true;
			break;
		case OPT_SINCE:
		case OPT_UNTIL: {
			int64_t day;
			if (vg_store_parse_day(optarg, &day) < 0) {
				fprintf(stderr,
					"vigil report: --%s %s: expected a date YYYY-MM-DD\n",
					c == OPT_SINCE ? "since" : "until", optarg);
				return VG_EXIT_USAGE;
			}
			if (c == OPT_SINCE) {
				f.since_day = day;
				f.has_since = true;
			} else {
				f.until_day = day;
				f.has_until = true;
			}
			break;
		}
		case OPT_KIND: f.kind = optarg; break;
		case OPT_COUNTRY: f.country = strcmp(optarg, "??") ? optarg : ""; break;
		case OPT_TARGET: f.target = optarg; break;
		case OPT_CONF:
			if (strcmp(optarg, "verified") && strcmp(optarg, "unverified") &&
			    strcmp(optarg, "bogon") && strcmp(optarg, "reflector")) {
				fprintf(stderr,
					"vigil report: --confidence %s: expected verified, "
					"unverified, bogon or reflector\n",
					optarg);
				return VG_EXIT_USAGE;
			}
			f.confidence = optarg;
			break;
		case OPT_DIR:
			if (strcmp(optarg, "inbound") && strcmp(optarg, "outbound") &&
			    strcmp(optarg, "transit")) {
				fprintf(stderr,
					"vigil report: --direction %s: expected inbound, outbound "
					"or transit\n",
					optarg);
				return VG_EXIT_USAGE;
			}
			f.direction = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "table"))
				fmt = VG_REPORT_TABLE;
			else if (!strcmp(optarg, "json"))
				fmt = VG_REPORT_JSON;
			else if (!strcmp(optarg, "csv"))
				fmt = VG_REPORT_CSV;
			else {
				fprintf(stderr,
					"vigil report: --format %s: expected table, json or csv\n",
					optarg);
				return VG_EXIT_USAGE;
			}
			break;
		case OPT_STORE: url = optarg; break;
		case OPT_C2: c2 = true; break;
		case 'h': usage(stdout); return VG_EXIT_OK;
		default: fprintf(stderr, "Try 'vigil report --help'.\n"); return VG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"vigil report: unexpected argument '%s'\nTry 'vigil report --help'.\n",
			argv[optind]);
		return VG_EXIT_USAGE;
	}
	if (c2 && ndims) {
		fprintf(stderr, "vigil report: --c2 and --by do not go together\n");
		return VG_EXIT_USAGE;
	}
	if (c2 && f.kind && strncmp(f.kind, "malware", 7)) {
		fprintf(stderr, "vigil report: --c2 --kind %s: expected malware or malware.KIND\n",
			f.kind);
		return VG_EXIT_USAGE;
	}
	if (f.has_since && f.has_until && f.since_day > f.until_day) {
		fprintf(stderr, "vigil report: --since is after --until\n");
		return VG_EXIT_USAGE;
	}
	/* A time series shows every period unless --top says otherwise. */
	if (ndims && !top_given &&
	    (dims[0] == VG_DIM_DAY || dims[0] == VG_DIM_MONTH || dims[0] == VG_DIM_YEAR))
		top = 0;
	if (vg_store_open(&s, url, true, err, sizeof err) < 0) {
		fprintf(stderr, "vigil report: store: %s\n", err);
		return VG_EXIT_RUNTIME;
	}
	if ((c2 ? vg_report_build_c2(&r, s, &f, top, err, sizeof err)
		: vg_report_build(&r, s, dims, ndims, &f, top, err, sizeof err)) < 0) {
		fprintf(stderr, "vigil report: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	if (vg_report_write(&r, fmt, stdout) < 0 || fflush(stdout) != 0) {
		perror("vigil report: stdout");
		rc = VG_EXIT_RUNTIME;
	}
out:
	vg_report_fini(&r);
	vg_store_close(s, err, sizeof err);
	return rc;
}

const struct vg_command vg_cmd_report = {
    .name = "report",
    .summary = "the year in review, or tables, from the attack store",
    .run = run,
};
