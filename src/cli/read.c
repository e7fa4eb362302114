/*
 * read.c - `vigil read [options] FILE...`: runs captures through the
 * pipeline and prints a summary; optionally writes EVE JSON events.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/storerun.h"
#include "common/hash.h"
#include "common/vg.h"
#include "intel/intel.h"
#include "store/store.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil read [OPTIONS] FILE...\n"
		"\n"
		"Reads packet captures (pcap or pcapng, any mix), tracks flows across all of\n"
		"them as one stream, and prints a summary: packets, bytes, time span, decode\n"
		"problems by reason, flows by protocol and by direction to the home network.\n"
		"A corrupt or truncated capture is reported with its file and byte offset;\n"
		"everything read before the fault is kept and the other files are still read.\n"
		"\n"
		"Options:\n"
		"  --eve FILE          write EVE JSON lines (one flow event per flow and a\n"
		"                      final stats event) to FILE; '-' is stdout, and then\n"
		"                      the summary goes to stderr\n"
		"  --home-net CIDRS    the protected network, comma-separated prefixes\n"
		"                      (default %s)\n"
		"  --config FILE       read settings from FILE (key = value lines, see\n"
		"                      docs/CONFIG.md); repeatable, later files win;\n"
		"                      --set, --home-net, --seed, --geo-db and --asn-db\n"
		"                      win over files\n"
		"  --set KEY=VALUE     set one configuration key (repeatable)\n"
		"  --seed N            fix the flow hash seed (reproducible runs; 0 = random)\n"
		"  --geo-db PATH       country database for attack attribution: any .mmdb\n"
		"                      country or city database (default %s;\n"
		"                      '' for none; config key geo.country_db)\n"
		"  --asn-db PATH       ASN database: a range file made by `vigil geo\n"
		"                      --compile-asn`, or a GeoLite2-ASN .mmdb (default\n"
		"                      %s; '' for none; geo.asn_db)\n"
		"  --store URL         keep the run and its final attacks in this store:\n"
		"                      sqlite:PATH or clickhouse://HOST[:PORT][/DB]\n"
		"                      (default %s, in the current directory;\n"
		"                      config key store.url, environment VIGIL_STORE);\n"
		"                      reading the same captures again adds nothing.\n"
		"                      `vigil report` reads it\n"
		"  --no-store          do not store (the EVE file is still written)\n"
		"  --intel PATH        threat intelligence: a file or folder of plain lists,\n"
		"                      abuse.ch CSVs or STIX 2.1 bundles (repeatable;\n"
		"                      default config key intel.path; see `vigil intel\n"
		"                      --help`); the summary counts what was loaded;\n"
		"                      malware.c2 matches flows against it (address,\n"
		"                      SNI, HTTP Host, DNS-resolved name, JA3). An\n"
		"                      unreadable file stops the run\n"
		"  --workers N         read with N threads (1 to 64, or auto: one per\n"
		"                      core; default 1): each keeps the flows of its\n"
		"                      share of address pairs, the detectors see them all\n"
		"                      (docs/ARCHITECTURE.md); the same attacks as 1\n"
		"  -q, --quiet         no summary\n"
		"  -h, --help          this help\n"
		"\n"
		"Attacks: port scans and host sweeps (TCP, UDP, ICMP, ARP), service and OS\n"
		"probing (nmap -sV, -O), password guessing against login services (ssh,\n"
		"ftp, http basic auth and login forms, telnet, mail, databases, rdp, smb,\n"
		"vnc, redis) and\n"
		"SYN, UDP, ICMP and reflection floods are detected and written as `attack`\n"
		"events; the summary counts them by kind. From a home terminal: beacons\n"
		"(malware.beacon: regular connections to one endpoint, scored as RITA\n"
		"does; NTP and detect.beacon.allow excluded), large uploads\n"
		"(exfil.volume: 100 MB and 10x more sent than received and than the\n"
		"terminal's usual; detect.exfil.allow excluded) and domain generation\n"
		"walks (malware.dga: NXDOMAIN for 20 random-looking names, from the app\n"
		"stage's DNS metadata), judged as flows end.\n"
		"A long attack is also reported while it lasts (final: false, every\n"
		"detect.update seconds of packet time).\n"
		"\n"
		"Attribution: each attack event carries the attacker's country, AS number\n"
		"and organisation (src_geo; dest_geo for the victim) and how sure vigil is\n"
		"of the address (attribution: verified after a TCP handshake, unverified,\n"
		"bogon, reflector); the summary counts attacks by confidence and names the\n"
		"databases and their dates. Without the geo data (`make deps`) the geo\n"
		"fields are left out and one warning says which file is missing; a corrupt\n"
		"database gives one warning naming it and the run goes on without it.\n"
		"\n"
		"Application metadata: from the first packets of each flow (app.packets),\n"
		"DNS queries and answers (UDP and TCP), TLS ClientHellos (SNI, JA3, JA4;\n"
		"one split over segments is gathered, up to 4 KiB) and HTTP/1.x request\n"
		"heads (method, URL, Host, User-Agent) and status codes go into the flow\n"
		"events' dns, tls and http objects; malformed messages are counted under\n"
		"app_problems. No stream reassembly: QUIC, HTTP/2 and later requests on a\n"
		"connection are not read.\n"
		"\n"
		"Not yet: tunnels (GRE, VXLAN, Teredo, IP-in-IP...) and link types other than\n"
		"Ethernet, Linux cooked (v1, v2), raw IP and BSD loopback are counted\n"
		"but not decoded.\n"
		"\n"
		"Exit codes: 0 success, 1 an input could not be read completely or an\n"
		"output could not be written (the summary still covers what was read),\n"
		"2 usage or configuration error. A store that cannot be opened (missing\n"
		"directory, corrupt, locked, newer schema) stops the run before reading\n"
		"(exit 1); a store write that fails (disk full) is reported, the run goes\n"
		"on, what was committed stays, and the exit code is 1.\n",
		VG_HOME_NET_DEFAULT, VG_GEO_COUNTRY_DB_DEFAULT, VG_GEO_ASN_DB_DEFAULT,
		VG_STORE_URL_DEFAULT);
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
	OPT_INTEL,
	OPT_WORKERS
};

static void print_read_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "vigil read: %s\n", msg);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
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
	struct vg_settings set;
	const char *eve = NULL, *home = NULL, *seed = NULL, *geo_db = NULL, *asn_db = NULL;
	const char *store_url = NULL, *env;
	struct vg_store_runner sr = {0};
	char **sets = calloc((size_t)argc, sizeof *sets);
	char **configs = calloc((size_t)argc, sizeof *configs);
	char **intels = calloc((size_t)argc, sizeof *intels);
	int nsets = 0, nconfigs = 0, nintels = 0, c, rc = VG_EXIT_OK;
	bool quiet = false;
	unsigned workers = 1;
	uint64_t *file_packets = NULL;
	char err[1024];
	struct vg_ctx *ctx = NULL;
	struct vg_intel *intel = NULL;
	FILE *summary;

	if (!sets || !configs || !intels) {
		fprintf(stderr, "vigil read: out of memory\n");
		return VG_EXIT_RUNTIME;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_EVE: eve = optarg; break;
		case OPT_HOME: home = optarg; break;
		case OPT_CONFIG: configs[nconfigs++] = optarg; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case OPT_SEED: seed = optarg; break;
		case OPT_GEO_DB: geo_db = optarg; break;
		case OPT_ASN_DB: asn_db = optarg; break;
		case OPT_STORE: store_url = optarg; break;
		case OPT_NO_STORE: store_url = ""; break;
		case OPT_INTEL: intels[nintels++] = optarg; break;
		case OPT_WORKERS: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!strcmp(optarg, "auto")) {
				workers = vg_workers_available();
			} else if (*end || !*optarg || v < 1 || v > 64) {
				fprintf(stderr,
					"vigil read: --workers: \"%s\" is not 1 to 64 or "
					"auto\n",
					optarg);
				rc = VG_EXIT_USAGE;
				goto out;
			} else {
				workers = (unsigned)v;
			}
			break;
		}
		case 'q': quiet = true; break;
		case 'h': usage(stdout); goto out;
		default:
			fprintf(stderr, "Try 'vigil read --help'.\n");
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vigil read: no capture file given\nTry 'vigil read --help'.\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}

	vg_settings_default(&set);
	if ((env = getenv("VIGIL_STORE")))
		snprintf(set.store_url, sizeof set.store_url, "%s", env);
	if (vg_settings_apply_args(&set, "vigil read", configs, nconfigs, sets, nsets) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (home && vg_config_set(vg_settings_rows, vg_settings_nrows, &set, "home_net", home, err,
				  sizeof err) < 0) {
		fprintf(stderr, "vigil read: --home-net: %s\n", err);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (seed && vg_config_set(vg_settings_rows, vg_settings_nrows, &set, "flow.hash_seed", seed,
				  err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: --seed: %s\n", err);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (geo_db && vg_config_set(vg_settings_rows, vg_settings_nrows, &set, "geo.country_db",
				    geo_db, err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: --geo-db: %s\n", err);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (asn_db && vg_config_set(vg_settings_rows, vg_settings_nrows, &set, "geo.asn_db", asn_db,
				    err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: --asn-db: %s\n", err);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (vg_ctx_new(&ctx, &set, eve, err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: %s\n", err);
		/* A bad home network is a usage error; an unwritable output is not. */
		rc = strncmp(err, "home_net", 8) == 0 || strncmp(err, "flow table", 10) == 0
			 ? VG_EXIT_USAGE
			 : VG_EXIT_RUNTIME;
		goto out;
	}
	if (nintels || set.intel.path[0]) {
		if (vg_cli_intel_load(&intel, &set.intel, intels, nintels, "vigil read: intel",
				      quiet, err, sizeof err) < 0) {
			fprintf(stderr, "vigil read: intel: %s\n", err);
			rc = VG_EXIT_RUNTIME;
			goto out;
		}
		ctx->intel = intel;
		vg_detect_set_intel(ctx->det, intel);
	}
	if (store_url)
		snprintf(set.store_url, sizeof set.store_url, "%s", store_url);
	if (set.store_url[0] && strcmp(set.store_url, "none")) {
		if (vg_store_run_start(&sr, set.store_url, argv + optind, argc - optind, err,
				       sizeof err) < 0) {
			fprintf(stderr, "vigil read: store: %s\n", err);
			rc = VG_EXIT_RUNTIME;
			goto out;
		}
		ctx->store = sr.store;
	}
	ctx->progress = isatty(STDERR_FILENO);
	if (!(file_packets = calloc((size_t)(argc - optind), sizeof *file_packets))) {
		fprintf(stderr, "vigil read: out of memory\n");
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	if (vg_ctx_read_files(ctx, workers, argv + optind, (unsigned)(argc - optind), file_packets,
			      print_read_error, NULL) < 0)
		rc = VG_EXIT_RUNTIME;
	for (int i = optind; sr.caps && i < argc; i++)
		sr.caps[i - optind].packets = file_packets[i - optind];
	if (vg_ctx_finish(ctx, err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (sr.store && vg_store_run_finish(&sr, ctx, err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	summary = eve && !strcmp(eve, "-") ? stderr : stdout;
	if (!quiet)
		vg_ctx_print_summary(ctx, summary);
	if (!quiet && intel)
		vg_cli_intel_summary(intel, summary);
	if (!quiet && sr.store)
		vg_store_run_print(ctx, set.store_url, summary);
	if (fflush(stdout) != 0) {
		perror("vigil read: stdout");
		rc = VG_EXIT_RUNTIME;
	}
out:
	if (sr.store && vg_store_close(sr.store, err, sizeof err) < 0) {
		fprintf(stderr, "vigil read: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	if (ctx) {
		ctx->store = NULL;
		ctx->intel = NULL;
	}
	vg_store_run_free(&sr);
	vg_ctx_free(ctx);
	vg_intel_free(intel);
	free(intels);
	free(file_packets);
	free(sets);
	free(configs);
	return rc;
}

const struct vg_command vg_cmd_read = {
    .name = "read",
    .summary = "process capture files into flows, events and a summary",
    .run = run,
};
